"""Professionals' consultations through the API: status (TD0.2), each access mode, each refusal rule,
masking, the médecin traitant DMP, the matrix, traces and notifications."""

from __future__ import annotations

import pytest
from dmp_helpers import Cases, Dmp, refused

from shared.population import Person

pytestmark = pytest.mark.asyncio

BTG = {"X-Access-Mode": "bris-de-glace", "X-Access-Justification": "patient inconscient aux urgences"}
C15 = {"X-Access-Mode": "centre-15"}


def with_mt(person: Person) -> bool:
    return person.rights is not None and bool(person.rights.medecin_traitant_rpps)


async def _setup(dmp: Dmp, cases: Cases) -> tuple[Person, dict[str, str], dict[str, str]]:
    """An activated adult with a médecin traitant; headers of the MT and of another généraliste."""
    await dmp.freeze()
    person = cases.person("mes-activated", "adult", test=with_mt)
    mt = cases.medecin_traitant(person)
    other = cases.pro("10", "generaliste", test=lambda p: p.id != mt.id)
    return person, await dmp.pro(mt), await dmp.pro(other)


async def test_status_says_authorisation_and_medecin_traitant(dmp: Dmp, cases: Cases) -> None:
    person, mt, other = await _setup(dmp, cases)
    url = f"/dmp/v1/patients/{person.ins}/status"
    first = (await dmp.http.get(url, headers=other)).json()
    assert first["dmp"] == "actif"
    assert first["statut"] == "activated"
    assert first["mon_espace_sante"] is True
    assert first["autorisation"] == "non-autorise"
    assert first["medecin_traitant_dmp"] is False
    assert (await dmp.http.get(url, headers=mt)).json()["medecin_traitant_dmp"] is True
    assert (await dmp.search(person, other)).status_code == 200
    assert (await dmp.http.get(url, headers=other)).json()["autorisation"] == "autorise"
    unknown = await dmp.http.get("/dmp/v1/patients/180057505699939/status", headers=other)
    assert unknown.json()["dmp"] == "inconnu"
    refused(
        await dmp.http.get("/dmp/v1/patients/12345/status", headers=other), 422, "ins-malformed", "ins-format"
    )


async def test_first_access_is_recorded_traced_and_notified_once(dmp: Dmp, cases: Cases) -> None:
    person, _, other = await _setup(dmp, cases)
    await dmp.search(person, other)
    await dmp.search(person, other)
    notes = (await dmp.me(person, "GET", "/notifications")).json()
    assert [n["kind"] for n in notes] == ["premier-acces"]
    assert notes[0]["email"] == person.email
    assert notes[0]["envoye"] is None
    history = (await dmp.me(person, "GET", "/historique")).json()
    assert [h["action"] for h in history] == ["consultation", "consultation"]
    assert history[0]["mode"] == "normal"
    pros = (await dmp.me(person, "GET", "/professionnels")).json()
    assert [(p["statut"], p["source"]) for p in pros] == [("autorise", "presume")]


async def test_medecin_traitant_sees_masked_documents(dmp: Dmp, cases: Cases) -> None:
    person, mt, other = await _setup(dmp, cases)
    author = await dmp.pro(cases.pro("10", "specialiste"))
    masked = await dmp.deposited(person, author, confidentialite=["MASQUE_PS"])
    plain = await dmp.deposited(person, author)
    assert await dmp.ids(person, mt) == {masked["id"], plain["id"]}
    assert await dmp.ids(person, other) == {plain["id"]}
    assert await dmp.ids(person, author) == {masked["id"], plain["id"]}
    refused(await dmp.read(masked["id"], other), 403, "access-refused", "masked")
    assert (await dmp.read(masked["id"], mt)).status_code == 200


async def test_patient_hides_and_shows_a_document(dmp: Dmp, cases: Cases) -> None:
    person, mt, other = await _setup(dmp, cases)
    doc = await dmp.deposited(person, mt)
    hidden = await dmp.me(person, "PATCH", f"/documents/{doc['id']}", json={"masque_ps": True})
    assert hidden.json()["confidentialite"] == ["MASQUE_PS"]
    assert await dmp.ids(person, other) == set()
    assert await dmp.ids(person, mt) == {doc["id"]}
    await dmp.me(person, "PATCH", f"/documents/{doc['id']}", json={"masque_ps": False})
    assert await dmp.ids(person, other) == {doc["id"]}
    actions = [h["action"] for h in (await dmp.me(person, "GET", "/historique")).json()]
    assert actions.count("masquage") == 2


async def test_a_blocked_professional_is_refused_in_every_mode(dmp: Dmp, cases: Cases) -> None:
    person, _, other = await _setup(dmp, cases)
    regulator = cases.pro("10", "regulateur")
    for who in (cases.pro("10", "generaliste", skip=3), regulator):
        response = await dmp.me(person, "PUT", f"/professionnels/{who.idnat}", json={"statut": "bloque"})
        assert response.status_code == 200, response.text
    blocked = await dmp.pro(cases.pro("10", "generaliste", skip=3))
    refused(await dmp.search(person, blocked), 403, "access-refused", "blocked")
    refused(await dmp.search(person, {**blocked, **BTG}), 403, "access-refused", "blocked")
    refused(await dmp.search(person, await dmp.pro(regulator, **C15)), 403, "access-refused", "blocked")
    status = await dmp.http.get(f"/dmp/v1/patients/{person.ins}/status", headers=blocked)
    assert status.json()["autorisation"] == "bloque"
    assert (await dmp.search(person, other)).status_code == 200
    lifted = await dmp.me(person, "DELETE", f"/professionnels/{cases.pro('10', 'generaliste', skip=3).idnat}")
    assert lifted.status_code == 204
    assert (await dmp.search(person, blocked)).status_code == 200


async def test_a_cpe_card_feeds_but_does_not_consult(dmp: Dmp, cases: Cases) -> None:
    person, mt, _ = await _setup(dmp, cases)
    secretary = await dmp.pro(cases.pro(None, "cpe"))
    refused(await dmp.search(person, secretary), 403, "access-refused", "card-cpe")
    doc = await dmp.deposited(person, secretary)
    assert doc["auteur"]["kind"] == "structure"
    assert doc["id"] in await dmp.ids(person, mt)


async def test_a_patient_token_is_not_a_professional(dmp: Dmp, cases: Cases) -> None:
    person, _, _ = await _setup(dmp, cases)
    refused(await dmp.search(person, await dmp.patient(person)), 403, "forbidden", "actor-kind")
    refused(await dmp.search(person, {}), 401, "token-missing", "token")


async def test_bris_de_glace(dmp: Dmp, cases: Cases) -> None:
    person, mt, _ = await _setup(dmp, cases)
    masked = await dmp.deposited(person, mt, confidentialite=["MASQUE_PS"])
    plain = await dmp.deposited(person, mt)
    nurse = await dmp.pro(cases.pro("60"))
    refused(
        await dmp.search(person, {**nurse, "X-Access-Mode": "bris-de-glace"}),
        403,
        "access-refused",
        "btg-justification",
    )
    assert await dmp.ids(person, {**nurse, **BTG}) == {plain["id"]}
    assert await dmp.ids(person, {**nurse, **BTG}) == {plain["id"]}
    notes = (await dmp.me(person, "GET", "/notifications")).json()
    emergency = [n for n in notes if n["kind"] == "acces-bris-de-glace"]
    assert len(emergency) == 2
    assert emergency[0]["justification"] == BTG["X-Access-Justification"]
    trace = next(
        h for h in (await dmp.me(person, "GET", "/historique")).json() if h["mode"] == "bris-de-glace"
    )
    assert trace["justification"] == BTG["X-Access-Justification"]
    settings = {"centre_15": True, "bris_de_glace": True, "masques_en_urgence": True}
    assert (await dmp.me(person, "PUT", "/parametres-urgence", json=settings)).status_code == 200
    assert await dmp.ids(person, {**nurse, **BTG}) == {plain["id"], masked["id"]}
    assert await dmp.ids(person, nurse) == {plain["id"]}
    settings["bris_de_glace"] = False
    await dmp.me(person, "PUT", "/parametres-urgence", json=settings)
    refused(await dmp.search(person, {**nurse, **BTG}), 403, "access-refused", "btg-forbidden")
    refused(await dmp.read(plain["id"], {**nurse, **BTG}), 403, "access-refused", "btg-forbidden")


async def test_centre_15(dmp: Dmp, cases: Cases) -> None:
    person, mt, other = await _setup(dmp, cases)
    plain = await dmp.deposited(person, mt)
    regulator = await dmp.pro(cases.pro("10", "regulateur"), **C15)
    refused(await dmp.search(person, {**other, **C15}), 403, "access-refused", "centre15-regulation")
    assert await dmp.ids(person, regulator) == {plain["id"]}
    notes = (await dmp.me(person, "GET", "/notifications")).json()
    assert [n["kind"] for n in notes if n["mode"] == "centre-15"] == ["acces-centre-15"]
    settings = {"centre_15": False, "bris_de_glace": True, "masques_en_urgence": False}
    await dmp.me(person, "PUT", "/parametres-urgence", json=settings)
    refused(await dmp.search(person, regulator), 403, "access-refused", "centre15-forbidden")
    refused(
        await dmp.search(person, {**other, "X-Access-Mode": "urgence"}),
        400,
        "access-mode-invalid",
        "access-mode",
    )


async def test_the_matrix_filters_search_and_refuses_reads(dmp: Dmp, cases: Cases) -> None:
    person, mt, _ = await _setup(dmp, cases)
    imagerie = await dmp.deposited(person, mt, "18748-4")
    vaccination = await dmp.deposited(person, mt, "87273-9")
    nurse = await dmp.pro(cases.pro("60"))
    assert await dmp.ids(person, nurse) == {vaccination["id"]}
    refused(await dmp.read(imagerie["id"], nurse), 403, "access-refused", "matrix")
    upload = {"lignes": [{"profession": "60", "savoir_faire": None, "autorise": ["imagerie"]}]}
    put = await dmp.http.put("/dmp/sandbox/matrice", json=upload)
    assert put.status_code == 200, put.text
    assert await dmp.ids(person, nurse) == {imagerie["id"]}
    assert await dmp.ids(person, mt) == set()
    bad = await dmp.http.put(
        "/dmp/sandbox/matrice", json={"lignes": [{"profession": "60", "autorise": ["x"]}]}
    )
    refused(bad, 400, "matrix-invalid", "matrix-file")
    assert (await dmp.http.delete("/dmp/sandbox/matrice")).status_code == 200
    assert await dmp.ids(person, nurse) == {vaccination["id"]}
    matrix = (await dmp.http.get("/dmp/sandbox/matrice")).json()
    assert matrix["source"] == "default"


async def test_counts_of_documents_invisible_to_the_patient(dmp: Dmp, cases: Cases) -> None:
    person, mt, _ = await _setup(dmp, cases)
    hidden = await dmp.deposited(person, mt, confidentialite=["INVISIBLE_PATIENT"])
    await dmp.deposited(person, mt)
    body = (await dmp.search(person, mt)).json()
    assert (body["total"], body["invisibles_patient"]) == (2, 1)
    mine = (await dmp.me(person, "GET", "/documents")).json()
    assert hidden["id"] not in {d["id"] for d in mine["documents"]}
    assert mine["total"] == 1
    notes = [n["document_id"] for n in (await dmp.me(person, "GET", "/notifications")).json()]
    assert hidden["id"] not in notes


async def test_search_filters(dmp: Dmp, cases: Cases) -> None:
    person, mt, other = await _setup(dmp, cases)
    old = await dmp.deposited(person, mt, "11502-2", date_acte="2020-01-01T00:00:00Z")
    new = await dmp.deposited(person, other, "11488-4", date_acte="2025-06-01T00:00:00Z")
    assert await dmp.ids(person, mt, type_code="11502-2") == {old["id"]}
    assert await dmp.ids(person, mt, date_acte_min="2024-01-01T00:00:00Z") == {new["id"]}
    assert await dmp.ids(person, mt, date_acte_max="2024-01-01T00:00:00Z") == {old["id"]}
    assert await dmp.ids(person, mt, auteur=new["auteur"]["id"]) == {new["id"]}
    listed = (await dmp.search(person, mt)).json()["documents"]
    assert [d["id"] for d in listed] == [new["id"], old["id"]]


async def test_a_refused_search_leaves_no_trace(dmp: Dmp, cases: Cases) -> None:
    """A refused search (a rule, a block) writes nothing; a granted one its trace."""
    person, _, other = await _setup(dmp, cases)
    pharmacien = await dmp.pro(cases.pro("21"))
    refused(await dmp.search(person, {**pharmacien, **C15}), 403, "access-refused", "centre15-regulation")
    assert (await dmp.me(person, "GET", "/historique")).json() == []
    assert (await dmp.me(person, "GET", "/notifications")).json() == []
    blocked = cases.pro("10", "generaliste", skip=5)
    assert (
        await dmp.me(person, "PUT", f"/professionnels/{blocked.idnat}", json={"statut": "bloque"})
    ).status_code == 200
    refused(await dmp.search(person, await dmp.pro(blocked)), 403, "access-refused", "blocked")
    assert (await dmp.search(person, other)).status_code == 200
    history = (await dmp.me(person, "GET", "/historique")).json()
    assert [h["action"] for h in history] == ["consultation", "blocage"]
