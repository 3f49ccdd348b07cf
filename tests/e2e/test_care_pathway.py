"""A care pathway across services, through the all-in-one app as an editor's software walks it.

A médecin qualifies the patient's INS with INSi, prescribes; the ordonnance numérique is deposited in
the patient's DMP, which notifies the patient, and MSSanté's outbox e-mails that notification to the
personal address; a pharmacien reads the prescription by its number and dispenses it; the médecin reads
what was dispensed (the patient said OUI), and the patient sees the ordonnance in Mon espace santé.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from shared.population import Population
from shared.testing.oidc import Oidc

pytestmark = pytest.mark.asyncio

IDAM = {"X-Insi-Idam": "ESANTE-SANDBOX"}


async def test_prescription_to_dispensation_across_services(
    client: httpx.AsyncClient, population: Population, oidc: Oidc
) -> None:
    await oidc.freeze(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    person = next(
        p
        for p in population.persons
        if p.mes_status == "activated" and "adult" in p.tags and p.insi_behaviour is None
    )
    finess = {s.id: s.finess for s in population.structures if s.finess}
    medecin = next(
        p
        for p in population.professionals
        if p.profession == "10" and not p.regulation and p.structure_id in finess
    )
    pharmacien = next(p for p in population.professionals if p.profession == "21")
    doctor = await oidc.professional_headers(medecin)
    pharmacy = await oidc.professional_headers(pharmacien)
    patient = await oidc.patient_headers(person)

    qualified = await client.post(
        "/insi/v1/search-by-traits",
        json={
            "nom_naissance": person.nom_naissance,
            "prenoms": list(person.prenoms),
            "sexe": person.sexe,
            "date_naissance": person.date_naissance,
            "lieu_naissance": person.lieu_naissance,
        },
        headers={**doctor, **IDAM},
    )
    assert qualified.status_code == 200, qualified.text
    identity = qualified.json()["individu"]
    assert identity["ins"]["matricule"] == person.ins

    prescribed = await client.post(
        "/eprescription/v1/prescriptions",
        json={
            "prescripteur": {"finess": finess[medecin.structure_id]},
            "patient": {
                "ins": identity["ins"]["matricule"],
                "oid": identity["ins"]["oid"],
                "nom_naissance": person.nom_naissance,
                "prenoms": list(person.prenoms),
                "sexe": person.sexe,
                "date_naissance": person.date_naissance,
                "lieu_naissance": person.lieu_naissance,
            },
            "consentement": "OUI",
            "lignes": [
                {
                    "kind": "medicament",
                    "code_type": "substance",
                    "substance": "amoxicilline",
                    "dosage": "1 g",
                    "designation": "Amoxicilline 1 g comprimé",
                    "posologie": "1 comprimé matin et soir",
                    "duree_jours": 6,
                }
            ],
        },
        headers=doctor,
    )
    assert prescribed.status_code == 201, prescribed.text
    created = prescribed.json()
    numero, depot = created["numero"], created["depot_dmp"]
    assert depot["statut"] == "deposited", depot

    in_dmp = await client.get(f"/dmp/v1/patients/{person.ins}/documents", headers=doctor)
    assert in_dmp.status_code == 200, in_dmp.text
    assert depot["document_id"] in [d["id"] for d in in_dmp.json()["documents"]]

    mailed = await client.get("/mssante/v1/outbox", params={"to": person.email, "ins": person.ins})
    assert mailed.status_code == 200, mailed.text
    assert "dmp-nouveau-document" in [m["kind"] for m in mailed.json()]

    read = await client.get(f"/eprescription/v1/prescriptions/{numero}", headers=pharmacy)
    assert read.status_code == 200, read.text
    [line] = read.json()["lignes"]
    dispensed = await client.post(
        f"/eprescription/v1/prescriptions/{numero}/dispensations",
        json={"lignes": [{"rang": line["rang"], "quantite": line["restant"]}]},
        headers=pharmacy,
    )
    assert dispensed.status_code == 201, dispensed.text
    assert dispensed.json()["statut"] == "executee"  # fully executed: closed, its number spent

    executions = await client.get(f"/eprescription/v1/prescriptions/{numero}/executions", headers=doctor)
    assert executions.status_code == 200, executions.text
    [execution] = executions.json()["dispensations"]
    assert execution["executant"] == pharmacien.idnat
    assert execution["detail"]["quantite"] == line["total"]

    mine = await client.get("/dmp/v1/me/documents", headers=patient)
    assert mine.status_code == 200, mine.text
    assert depot["document_id"] in [d["id"] for d in mine.json()["documents"]]
