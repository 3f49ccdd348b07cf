"""The patient's API (Mon espace santé): minors and their legal representatives, the patient's own
documents, hiding, deleting, the médecin traitant DMP, professionals."""

from __future__ import annotations

from datetime import date

import pytest
from dmp_helpers import TEXT, Cases, Dmp, refused

from services.dmp import patient_space
from services.dmp.errors import RepresentationRefusee
from shared.population import Person
from shared.runtime import Runtime

pytestmark = pytest.mark.asyncio


def own(type_code: str = "DOCPAT03", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type_code": type_code,
        "titre": "Mon document",
        "date_acte": "2025-11-02T08:00:00Z",
        "format": "text/plain",
        "contenu": TEXT,
    }
    body.update(changes)
    return body


def activated_minor(person: Person) -> bool:
    return bool(person.parents) and date.fromisoformat(person.date_naissance.replace("-00", "-01")) > date(
        2010, 1, 1
    )


async def test_a_minor_is_managed_by_the_legal_representatives(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    child = cases.person("minor", "mes-activated", test=activated_minor)
    parent = cases.parent(child)
    refused(await dmp.me(child, "GET"), 403, "representation-refused", "minor-managed-by-representatives")
    mine = (await dmp.me(parent, "GET")).json()
    assert child.ins in mine["profils_geres"]
    theirs = await dmp.me(parent, "GET", represented_ins=child.ins)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["agissant_comme"] == "representant"
    assert parent.ins in theirs.json()["representants_legaux"]
    stranger = cases.person(
        "mes-activated", "adult", test=lambda p: p.ins not in child.parents and p.id not in child.parents
    )
    form = {"grant_type": "client_credentials", "login_hint": stranger.ins, "represented_ins": child.ins}
    denied = await dmp.oidc.token(form, patients=True)
    assert denied.status_code == 400
    assert denied.json()["error"] == "invalid_grant"


async def test_the_dmp_checks_the_representation_itself(
    runtime: Runtime, tenant_name: str, cases: Cases
) -> None:
    """psc only issues a representative's token to a parent; the DMP still checks its own register."""
    child = cases.person("minor", "mes-activated", test=activated_minor)
    stranger = cases.person("mes-activated", "adult", test=lambda p: p.id not in child.parents)
    with runtime.tenants.get(tenant_name).reading() as conn, pytest.raises(RepresentationRefusee) as raised:
        patient_space.patient_context(conn, stranger.ins, child.ins, date(2026, 1, 1))
    assert raised.value.rule == "not-representative"


async def test_representatives_lose_the_profile_at_majority(dmp: Dmp, cases: Cases) -> None:
    child = cases.person("minor", "mes-activated")
    parent = cases.parent(child)
    year, month, day = child.date_naissance.split("-")
    adult_on = f"{int(year) + 18}-{month if month != '00' else '01'}-{day if day != '00' else '01'}T12:00:00Z"
    await dmp.freeze(adult_on)
    refused(
        await dmp.me(parent, "GET", represented_ins=child.ins),
        403,
        "representation-refused",
        "representative-of-adult",
    )
    assert (await dmp.me(child, "GET")).status_code == 200


async def test_invisible_to_representatives(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    child = cases.person("minor", "mes-activated", test=activated_minor)
    parent = cases.parent(child)
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    hidden = await dmp.deposited(child, doctor, confidentialite=["INVISIBLE_REPRESENTANTS_LEGAUX"])
    shown = await dmp.deposited(child, doctor)
    listed = (await dmp.me(parent, "GET", "/documents", represented_ins=child.ins)).json()
    assert {d["id"] for d in listed["documents"]} == {shown["id"]}
    # nor announced: a minor's notices reach the representatives (TRE_A07: « non visible par les
    # représentants légaux »)
    notices = (await dmp.me(parent, "GET", "/notifications", represented_ins=child.ins)).json()
    announced = {n.get("document_id") for n in notices if n["kind"] == "nouveau-document"}
    assert shown["id"] in announced
    assert hidden["id"] not in announced
    refused(
        await dmp.me(parent, "GET", f"/documents/{hidden['id']}", represented_ins=child.ins),
        404,
        "document-not-found",
        "document-unknown",
    )
    assert hidden["id"] in await dmp.ids(child, doctor)


async def test_the_patient_adds_documents_of_patient_types(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    added = await dmp.me(person, "POST", "/documents", json=own(masque_ps=True))
    assert added.status_code == 201, added.text
    assert added.json()["auteur"] == {
        "kind": "patient",
        "id": person.ins,
        "nom": added.json()["auteur"]["nom"],
        "profession": None,
    }
    refused(
        await dmp.me(person, "POST", "/documents", json=own("11488-4")),
        422,
        "type-code-refused",
        "type-professional-only",
    )
    refused(await dmp.me(person, "POST", "/documents", json=own("XX")), 422, "type-code-refused", "type-code")
    directives = await dmp.me(person, "POST", "/documents", json=own("EXPPAT_3"))
    assert directives.status_code == 201
    doctor = await dmp.pro(cases.pro("60"))
    assert directives.json()["id"] in await dmp.ids(person, doctor)
    assert added.json()["id"] not in await dmp.ids(person, doctor)
    read = await dmp.me(person, "GET", f"/documents/{added.json()['id']}")
    assert read.json()["contenu"] == TEXT


async def test_directives_anticipees_are_an_adults(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    child = cases.person("minor", "mes-activated", test=activated_minor)
    parent = cases.parent(child)
    response = await dmp.me(parent, "POST", "/documents", represented_ins=child.ins, json=own("EXPPAT_3"))
    refused(response, 422, "type-code-refused", "directives-anticipees-majeur")
    ok = await dmp.me(parent, "POST", "/documents", represented_ins=child.ins, json=own("DOCPAT05"))
    assert ok.json()["auteur"]["kind"] == "representant"


async def test_the_patient_deletes_a_document(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    doc = await dmp.deposited(person, doctor)
    assert (await dmp.me(person, "DELETE", f"/documents/{doc['id']}")).status_code == 204
    assert await dmp.ids(person, doctor) == set()
    refused(
        await dmp.me(person, "DELETE", f"/documents/{doc['id']}"),
        404,
        "document-not-found",
        "document-unknown",
    )


async def test_a_document_invisible_to_the_patient_is_not_disclosed(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    doc = await dmp.deposited(person, doctor, confidentialite=["INVISIBLE_PATIENT"])
    for method, body in (("GET", None), ("PATCH", {"masque_ps": True}), ("DELETE", None)):
        response = await dmp.me(person, method, f"/documents/{doc['id']}", json=body)
        refused(response, 404, "document-not-found", "document-unknown")
    other = cases.person("mes-activated", "adult", skip=1)
    plain = await dmp.deposited(person, doctor)
    refused(
        await dmp.me(other, "GET", f"/documents/{plain['id']}"), 404, "document-not-found", "document-unknown"
    )


async def test_the_patient_declares_the_medecin_traitant_dmp(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    chosen = cases.pro("10", "generaliste", skip=2)
    doctor = await dmp.pro(chosen)
    masked = await dmp.deposited(
        person, await dmp.pro(cases.pro("10", "specialiste")), confidentialite=["MASQUE_PS"]
    )
    response = await dmp.me(person, "PUT", "/medecin-traitant", json={"idnat": None})
    assert response.json()["medecin_traitant"] is None
    assert await dmp.ids(person, doctor) == set()
    response = await dmp.me(person, "PUT", "/medecin-traitant", json={"idnat": chosen.idnat})
    assert response.json()["medecin_traitant"] == chosen.idnat
    assert await dmp.ids(person, doctor) == {masked["id"]}
    refused(
        await dmp.me(person, "PUT", "/medecin-traitant", json={"idnat": "8123"}),
        400,
        "professional-invalid",
        "idnat-format",
    )


async def test_patient_settings_need_an_activated_profile(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-open", "adult")
    settings = {"centre_15": True, "bris_de_glace": False, "masques_en_urgence": False}
    refused(
        await dmp.me(person, "PUT", "/parametres-urgence", json=settings),
        403,
        "access-refused",
        "not-activated",
    )
    assert (await dmp.me(person, "GET")).json()["parametres_urgence"]["bris_de_glace"] is True


async def test_authorise_then_forget_a_professional(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    chosen = cases.pro("70")
    done = await dmp.me(person, "PUT", f"/professionnels/{chosen.idnat}", json={"statut": "autorise"})
    assert [(p["idnat"], p["statut"], p["source"]) for p in done.json()] == [
        (chosen.idnat, "autorise", "patient")
    ]
    status = await dmp.http.get(f"/dmp/v1/patients/{person.ins}/status", headers=await dmp.pro(chosen))
    assert status.json()["autorisation"] == "autorise"
    assert (await dmp.me(person, "DELETE", f"/professionnels/{chosen.idnat}")).status_code == 204
    refused(
        await dmp.me(person, "DELETE", f"/professionnels/{chosen.idnat}"),
        400,
        "professional-invalid",
        "idnat-unknown",
    )


async def test_a_professional_token_is_not_a_patient(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    refused(await dmp.http.get("/dmp/v1/me", headers=doctor), 403, "forbidden", "actor-kind")
