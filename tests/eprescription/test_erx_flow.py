"""The ordonnance numérique end to end: prescribe, DMP deposit, read by number, dispense, close."""

from __future__ import annotations

import pytest
from erx_helpers import BASE, Cases, Erx, lppr, medicament, prescription_body, refused, soins

pytestmark = pytest.mark.asyncio


async def test_prescribe_deposits_the_pdf_in_the_dmp(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    person = cases.person("activated")
    created = await erx.prescribed(doctor, prescription_body(person, medicament(ald=True), medicament()))
    assert len(created["numero"]) == 18
    assert created["statut"] == "active"
    assert created["prescrite_le"] == "2026-01-01"
    assert created["depot_dmp"]["statut"] == "deposited", created["depot_dmp"]
    assert created["depot_dmp"]["type_code"] == "57833-6"
    found = await erx.http.get(
        f"/dmp/v1/patients/{person.ins}/documents", params={"type_code": "57833-6"}, headers=doctor
    )
    assert found.status_code == 200, found.text
    assert [d["id"] for d in found.json()["documents"]] == [created["depot_dmp"]["document_id"]]


async def test_soins_go_to_the_dmp_as_care(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    created = await erx.prescribed(doctor, prescription_body(cases.person("activated"), soins()))
    assert created["famille"] == "soins"
    assert created["depot_dmp"]["type_code"] == "57832-8"
    assert created["lignes"][0]["total"] == 5


async def test_no_active_profile_keeps_the_prescription_not_deposited(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    created = await erx.prescribed(doctor, prescription_body(cases.person("opposed")))
    depot = created["depot_dmp"]
    assert depot["statut"] == "not-deposited"
    assert depot["motif"].startswith("dmp-not-found (status-opposed)"), depot
    read = await erx.read(created["numero"], doctor)
    assert read.status_code == 200
    assert read.json()["depot_dmp"] == depot


async def test_pharmacist_dispenses_until_closed(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    pharmacien = await erx.pro(cases.pro("21"))
    created = await erx.prescribed(
        doctor, prescription_body(cases.person("activated"), medicament(renouvellements=1), lppr())
    )
    numero = created["numero"]
    read = await erx.read(numero, pharmacien)
    assert read.status_code == 200, read.text
    assert [(line["unite"], line["restant"]) for line in read.json()["lignes"]] == [
        ("jour", 60),
        ("unite", 6),
    ]
    first = await erx.dispense(
        numero,
        pharmacien,
        {"rang": 1, "quantite": 30, "boites": 2, "substitution": True},
        {"rang": 2, "quantite": 2, "interventions": [{"code": "AD", "libelle": "Adaptation posologique"}]},
    )
    assert first.status_code == 201, first.text
    assert first.json() == {
        "numero": numero,
        "statut": "active",
        "lignes": [{"rang": 1, "restant": 30}, {"rang": 2, "restant": 4}],
    }
    await erx.freeze("2026-02-01T12:00:00Z")
    pharmacien = await erx.pro(cases.pro("21"))
    for quantite in (2, 2):
        partial = await erx.dispense(numero, pharmacien, {"rang": 2, "quantite": quantite})
        assert partial.status_code == 201, partial.text
    last = await erx.dispense(numero, pharmacien, {"rang": 1, "quantite": 30})
    assert last.json()["statut"] == "executee"
    refused(await erx.read(numero, pharmacien), 410, "prescription-closed", "prescription-executee")
    refused(
        await erx.dispense(numero, pharmacien, {"rang": 1, "quantite": 1}),
        410,
        "prescription-closed",
        "prescription-executee",
    )
    doctor = await erx.pro(cases.pro("10"))
    assert (await erx.read(numero, doctor)).json()["statut"] == "executee"


async def test_executions_need_the_patients_oui(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    pharmacien = await erx.pro(cases.pro("21"))
    person = cases.person("activated")
    oui = (await erx.prescribed(doctor, prescription_body(person)))["numero"]
    non = (await erx.prescribed(doctor, prescription_body(person, consentement="NON")))["numero"]
    for numero in (oui, non):
        assert (await erx.dispense(numero, pharmacien, {"rang": 1, "quantite": 10})).status_code == 201
    seen = await erx.http.get(f"{BASE}/{oui}/executions", headers=doctor)
    assert seen.status_code == 200, seen.text
    [done] = seen.json()["dispensations"]
    assert done["rang"] == 1
    assert done["detail"]["quantite"] == 10
    assert done["executant"] == cases.pro("21").idnat
    refused(
        await erx.http.get(f"{BASE}/{non}/executions", headers=doctor),
        403,
        "executions-refused",
        "consentement-non",
    )
    refused(
        await erx.http.get(f"{BASE}/{oui}/executions", headers=pharmacien),
        403,
        "profession-refused",
        "prescripteur-only",
    )


async def test_patient_reads_his_own_prescriptions(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    person, other = cases.person("activated"), cases.person("activated", skip=1)
    numero = (await erx.prescribed(doctor, prescription_body(person)))["numero"]
    mine = await erx.http.get("/eprescription/v1/me/prescriptions", headers=await erx.patient(person))
    assert mine.status_code == 200, mine.text
    assert numero in [p["numero"] for p in mine.json()["prescriptions"]]
    theirs = await erx.http.get("/eprescription/v1/me/prescriptions", headers=await erx.patient(other))
    assert numero not in [p["numero"] for p in theirs.json()["prescriptions"]]
    refused(
        await erx.http.get(f"{BASE}/{numero}/pdf", headers=await erx.patient(other)),
        404,
        "prescription-not-found",
        "numero-unknown",
    )
    assert (await erx.http.get(f"{BASE}/{numero}/pdf", headers=await erx.patient(person))).status_code == 200


async def test_cancel_only_what_nothing_was_dispensed_from(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    pharmacien = await erx.pro(cases.pro("21"))
    person = cases.person("activated")
    fresh = (await erx.prescribed(doctor, prescription_body(person)))["numero"]
    started = (await erx.prescribed(doctor, prescription_body(person)))["numero"]
    assert (await erx.dispense(started, pharmacien, {"rang": 1, "quantite": 5})).status_code == 201
    refused(
        await erx.http.post(f"{BASE}/{fresh}/annulation", headers=pharmacien),
        403,
        "profession-refused",
        "prescripteur-only",
    )
    cancelled = await erx.http.post(f"{BASE}/{fresh}/annulation", headers=doctor)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["statut"] == "annulee"
    refused(await erx.read(fresh, pharmacien), 410, "prescription-closed", "prescription-annulee")
    refused(
        await erx.http.post(f"{BASE}/{started}/annulation", headers=doctor),
        409,
        "cancellation-refused",
        "already-dispensed",
    )
    refused(
        await erx.http.post(f"{BASE}/{fresh}/annulation", headers=doctor),
        409,
        "cancellation-refused",
        "not-active",
    )
