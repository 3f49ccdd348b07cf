"""Feeding the DMP: the INS checks with INSi (902-905), types, formats, size; replace (900, 901),
delete, archive, flags; the access history."""

from __future__ import annotations

import base64
import json

import pytest
from dmp_helpers import CDA, PDF, Cases, Dmp, document_body, identite, refused

from shared.population import Person

pytestmark = pytest.mark.asyncio


def with_mt(person: Person) -> bool:
    return person.rights is not None and bool(person.rights.medecin_traitant_rpps)


async def _doctor(dmp: Dmp, cases: Cases, skip: int = 0) -> dict[str, str]:
    await dmp.freeze()
    return await dmp.pro(cases.pro("10", "generaliste", skip=skip))


async def test_903_when_the_ins_is_missing(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    refused(await dmp.deposit(person, doctor, patient=None), 422, "903", "ins-missing")
    refused(
        await dmp.deposit(person, doctor, patient=identite(person, matricule=None)), 422, "903", "ins-missing"
    )


@pytest.mark.parametrize("missing", ["oid", "nom_naissance", "sexe", "date_naissance"])
async def test_905_when_the_ins_is_incomplete(dmp: Dmp, cases: Cases, missing: str) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    response = await dmp.deposit(person, doctor, patient=identite(person, **{missing: None}))
    refused(response, 422, "905", "ins-incomplete")
    assert missing in response.json()["detail"]


async def test_905_when_insi_refuses_a_malformed_trait(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    refused(
        await dmp.deposit(person, doctor, patient=identite(person, sexe="X")), 422, "905", "ins-incomplete"
    )


async def test_904_when_the_ins_does_not_match(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    other = cases.person("mes-activated", "adult", skip=1)
    refused(await dmp.deposit(person, doctor, patient=identite(other)), 422, "904", "ins-mismatch")
    wrong_name = await dmp.deposit(person, doctor, patient=identite(person, nom_naissance="AUTRENOM"))
    refused(wrong_name, 422, "904", "ins-mismatch")
    assert "nom_naissance" in wrong_name.json()["detail"]
    wrong_oid = await dmp.deposit(person, doctor, patient=identite(person, oid="1.2.250.1.213.1.4.9"))
    refused(wrong_oid, 422, "904", "ins-mismatch")


async def test_a_matricule_with_spaces_around_it_is_accepted_as_the_dmps(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    stored = await dmp.deposited(person, doctor, patient=identite(person, matricule=f" {person.ins} "))
    assert stored["ins"] == person.ins


async def test_904_when_the_ins_was_replaced(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("cnam-test", test=lambda p: p.nom_naissance == "ECETINSI")
    former = person.ins_history[0].matricule
    body = document_body(person, patient=identite(person, matricule=former))
    response = await dmp.http.post(f"/dmp/v1/patients/{former}/documents", json=body, headers=doctor)
    refused(response, 422, "904", "ins-mismatch")
    assert "replaced" in response.json()["detail"]


async def test_902_when_insi_does_not_know_the_patient(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    unknown = "180057505699939"
    body = document_body(person, patient=identite(person, matricule=unknown))
    response = await dmp.http.post(f"/dmp/v1/patients/{unknown}/documents", json=body, headers=doctor)
    refused(response, 404, "902", "ins-unknown")


async def test_insi_unavailable_is_a_502(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    faulty = await dmp.deposit(person, doctor, patient=identite(person, nom_naissance="FAUTE-TECHNIQUE"))
    refused(faulty, 502, "upstream-unavailable", "upstream-insi")


@pytest.mark.parametrize(
    ("type_code", "rule"),
    [
        ("99999-9", "type-code"),
        ("DOCPAT03", "type-patient-only"),
        ("REMB", "type-reserved"),
    ],
)
async def test_types_a_professional_may_not_deposit(
    dmp: Dmp, cases: Cases, type_code: str, rule: str
) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person(
        "mes-activated",
        "adult",
        test=lambda p: (
            not with_mt(p) or p.rights.medecin_traitant_rpps != cases.pro("10", "generaliste").rpps
        ),
    )  # type: ignore[union-attr]
    refused(await dmp.deposit(person, doctor, type_code), 422, "type-code-refused", rule)


async def test_a_professional_deposits_the_directives_anticipees_of_an_adult(dmp: Dmp, cases: Cases) -> None:
    """Seed 001: the web DMP offers a professional « Déposer les directives anticipées »."""
    await dmp.freeze()
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    directives = await dmp.deposited(person, doctor, "EXPPAT_3")
    assert directives["auteur"]["kind"] == "professional"
    history = (await dmp.me(person, "GET", "/historique")).json()
    assert any(h["action"] == "depot" and h.get("document_id") == directives["id"] for h in history)


async def test_a_minor_has_no_directives_anticipees_from_a_professional(dmp: Dmp, cases: Cases) -> None:
    """CSP L.1111-11: « toute personne majeure peut rédiger des directives anticipées »."""
    await dmp.freeze()
    doctor = await _doctor(dmp, cases)
    child = cases.person("minor", "mes-activated", test=lambda p: bool(p.parents))
    refused(
        await dmp.deposit(child, doctor, "EXPPAT_3"), 422, "type-code-refused", "directives-anticipees-majeur"
    )


async def test_the_medecin_traitant_deposits_the_vsm(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult", test=with_mt)
    mt = await dmp.pro(cases.medecin_traitant(person))
    vsm = await dmp.deposited(person, mt, "60591-5")
    assert vsm["type_code"]["libelle"].startswith("Synthèse du dossier médical")
    nurse = await dmp.pro(cases.pro("60"))
    assert vsm["id"] in await dmp.ids(person, nurse)


async def test_any_medecin_deposits_a_vsm_and_no_one_else(dmp: Dmp, cases: Cases) -> None:
    """CSP L.1111-15 makes the VSM the médecin traitant's duty; no DMP rule found reserves its deposit to
    them, and others write one (ARS Île-de-France: an EHPAD's médecin coordonnateur)."""
    doctor = await _doctor(dmp, cases)
    person = cases.person(
        "mes-activated",
        "adult",
        test=lambda p: (
            not with_mt(p) or p.rights.medecin_traitant_rpps != cases.pro("10", "generaliste").rpps  # type: ignore[union-attr]
        ),
    )
    assert (await dmp.deposited(person, doctor, "60591-5"))["auteur"]["kind"] == "professional"
    for profession in ("60", "50", "21"):
        other = await dmp.pro(cases.pro(profession))
        refused(await dmp.deposit(person, other, "60591-5"), 422, "type-code-refused", "vsm-medecin")


@pytest.mark.parametrize(
    ("fmt", "content", "status", "rule"),
    [
        ("application/pdf", PDF, 201, None),
        ("text/xml", CDA, 201, None),
        ("application/hl7-cda+xml", CDA, 201, None),
        ("image/png", PDF, 422, "format"),
        ("application/pdf", base64.b64encode(b"not a pdf").decode(), 422, "format-content"),
        ("text/xml", base64.b64encode(b"<html/>").decode(), 422, "format-content"),
        ("text/plain", base64.b64encode(b"\xff\xfe").decode(), 422, "format-content"),
        ("text/plain", "***", 422, "content-encoding"),
        ("text/plain", "", 422, "format-content"),
    ],
)
async def test_formats(dmp: Dmp, cases: Cases, fmt: str, content: str, status: int, rule: str | None) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    response = await dmp.deposit(person, doctor, format=fmt, contenu=content)
    assert response.status_code == status, response.text
    if rule is not None:
        refused(response, status, "format-refused", rule)


async def test_size_limit(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    big = base64.b64encode(b"a" * (5 * 1024 * 1024 + 1)).decode()
    refused(await dmp.deposit(person, doctor, contenu=big), 413, "document-too-large", "size-limit")
    just = base64.b64encode(b"a" * (5 * 1024 * 1024)).decode()
    assert (await dmp.deposit(person, doctor, contenu=just)).status_code == 201


async def test_deposit_is_read_back_with_its_content_and_traced(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    doc = await dmp.deposited(
        person,
        doctor,
        format="application/pdf",
        contenu=PDF,
        confidentialite=["INVISIBLE_REPRESENTANTS_LEGAUX"],
    )
    read = (await dmp.read(doc["id"], doctor)).json()
    assert read["contenu"] == PDF
    assert read["confidentialite"] == ["INVISIBLE_REPRESENTANTS_LEGAUX"]
    assert (read["version"], read["statut"], read["set_id"]) == (1, "current", doc["id"])
    history = (await dmp.me(person, "GET", "/historique")).json()
    assert [h["action"] for h in history] == ["lecture", "depot"]
    assert history[0]["document_id"] == doc["id"]
    assert history[1]["acteur"]["profession"] == "10"
    notes = {n["kind"]: n for n in (await dmp.me(person, "GET", "/notifications")).json()}
    assert set(notes) == {"nouveau-document", "premier-acces"}
    assert notes["nouveau-document"]["document_id"] == doc["id"]  # names the document deposited


async def test_replace_by_the_author_only_and_only_the_current_version(dmp: Dmp, cases: Cases) -> None:
    author = await _doctor(dmp, cases)
    other = await dmp.pro(cases.pro("10", "generaliste", skip=1))
    person = cases.person("mes-activated", "adult")
    first = await dmp.deposited(person, author)
    url = f"/dmp/v1/documents/{first['id']}/replace"
    refused(await dmp.http.post(url, json=document_body(person), headers=other), 403, "901", "author-only")
    stale = document_body(person, version_attendue=2)
    refused(await dmp.http.post(url, json=stale, headers=author), 409, "900", "document-version")
    second = await dmp.http.post(
        url, json=document_body(person, titre="v2", version_attendue=1), headers=author
    )
    assert second.status_code == 201, second.text
    assert (second.json()["version"], second.json()["remplace"], second.json()["set_id"]) == (
        2,
        first["id"],
        first["id"],
    )
    refused(
        await dmp.http.post(url, json=document_body(person), headers=author), 409, "900", "document-version"
    )
    assert await dmp.ids(person, author) == {second.json()["id"]}
    assert await dmp.ids(person, author, statut="superseded") == {first["id"]}
    assert (await dmp.read(first["id"], author)).json()["statut"] == "superseded"
    mismatch = document_body(cases.person("mes-activated", "adult", skip=1))
    refused(
        await dmp.http.post(
            f"/dmp/v1/documents/{second.json()['id']}/replace", json=mismatch, headers=author
        ),
        422,
        "904",
        "ins-mismatch",
    )


async def test_delete_by_the_author_only(dmp: Dmp, cases: Cases) -> None:
    author = await _doctor(dmp, cases)
    other = await dmp.pro(cases.pro("10", "generaliste", skip=1))
    person = cases.person("mes-activated", "adult")
    doc = await dmp.deposited(person, author)
    refused(await dmp.http.delete(f"/dmp/v1/documents/{doc['id']}", headers=other), 403, "901", "author-only")
    assert (await dmp.http.delete(f"/dmp/v1/documents/{doc['id']}", headers=author)).status_code == 204
    refused(await dmp.read(doc["id"], author), 404, "document-not-found", "document-unknown")
    assert await dmp.ids(person, author, statut="all") == set()
    refused(
        await dmp.http.delete(f"/dmp/v1/documents/{doc['id']}", headers=author),
        404,
        "document-not-found",
        "document-unknown",
    )


async def test_archive_and_flags_by_the_author(dmp: Dmp, cases: Cases) -> None:
    author = await _doctor(dmp, cases)
    other = await dmp.pro(cases.pro("10", "generaliste", skip=1))
    person = cases.person("mes-activated", "adult")
    doc = await dmp.deposited(person, author, confidentialite=["INVISIBLE_PATIENT"])
    url = f"/dmp/v1/documents/{doc['id']}"
    refused(await dmp.http.patch(url, json={"archive": True}, headers=other), 403, "901", "author-only")
    archived = await dmp.http.patch(url, json={"archive": True}, headers=author)
    assert archived.json()["archive"] is True
    assert await dmp.ids(person, author) == set()
    assert await dmp.ids(person, author, statut="archived") == {doc["id"]}
    shown = await dmp.http.patch(url, json={"archive": False, "invisible_patient": False}, headers=author)
    assert shown.json()["confidentialite"] == []
    assert doc["id"] in {d["id"] for d in (await dmp.me(person, "GET", "/documents")).json()["documents"]}
    actions = [h["action"] for h in (await dmp.me(person, "GET", "/historique")).json()]
    assert "archivage" in actions
    assert "masquage" in actions


async def test_unknown_document(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    refused(await dmp.read("0" * 32, doctor), 404, "document-not-found", "document-unknown")
    refused(await dmp.read("x" * 60, doctor), 404, "document-not-found", "document-unknown")


async def test_bad_input_is_a_422_not_a_500(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    for body in (
        {},
        {"type_code": 1},
        {**document_body(person), "date_acte": "hier"},
        {**document_body(person), "x": 1},
    ):
        response = await dmp.http.post(f"/dmp/v1/patients/{person.ins}/documents", json=body, headers=doctor)
        refused(response, 422, "validation-error", None)


async def test_a_refused_deposit_writes_nothing(dmp: Dmp, cases: Cases) -> None:
    """A refused deposit leaves no document, trace or notification; an accepted one leaves all three."""
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult", test=lambda p: not with_mt(p))
    refused(await dmp.deposit(person, doctor, "REMB"), 422, "type-code-refused", "type-reserved")
    assert (await dmp.me(person, "GET", "/historique")).json() == []
    assert (await dmp.me(person, "GET", "/notifications")).json() == []
    assert await dmp.ids(person, doctor, statut="all") == set()
    accepted = await dmp.deposited(person, doctor)
    actions = [h["action"] for h in (await dmp.me(person, "GET", "/historique")).json()]
    assert "depot" in actions
    notes = (await dmp.me(person, "GET", "/notifications")).json()
    assert accepted["id"] in {n["document_id"] for n in notes}


async def test_after_a_tenant_reset_the_search_finds_the_seeded_state(dmp: Dmp, cases: Cases) -> None:
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    await dmp.deposited(person, doctor)
    assert await dmp.ids(person, doctor) != set()
    response = await dmp.http.post(f"/sandbox/tenants/{dmp.tenant}/reset")
    assert response.status_code == 200, response.text
    await dmp.freeze()
    assert await dmp.ids(person, doctor) == set()


async def test_a_title_holding_nul_is_refused_and_nothing_is_written(dmp: Dmp, cases: Cases) -> None:
    """U+0000 cannot be stored in PostgreSQL text: refused on both databases before any write."""
    doctor = await _doctor(dmp, cases)
    person = cases.person("mes-activated", "adult")
    body = json.dumps(document_body(person, titre="CR\u0000"))
    response = await dmp.http.post(
        f"/dmp/v1/patients/{person.ins}/documents",
        content=body,
        headers={**doctor, "content-type": "application/json"},
    )
    refused(response, 422, "validation-error", None)
    assert await dmp.ids(person, doctor, statut="all") == set()
