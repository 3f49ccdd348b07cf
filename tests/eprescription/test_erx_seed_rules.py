"""Rules read in the seed documents: the number the prescriber's software makes (seed 000), who deposits
the PDF in the DMP (seed 001), soins with a duration and a number of passages (seed 000)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from erx_helpers import Cases, Erx, prescription_body, refused, soins

pytestmark = pytest.mark.asyncio

SEED_NUMERO = "01S2TBPZ2JCNZZYGHZ"


async def test_the_prescribers_number_is_kept_and_used_once(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    body = prescription_body(cases.person(), numero=SEED_NUMERO.lower())
    created = await erx.prescribed(doctor, body)
    assert created["numero"] == SEED_NUMERO
    assert (await erx.read(SEED_NUMERO, doctor)).status_code == 200
    again = await erx.prescribe(doctor, prescription_body(cases.person(skip=1), numero=SEED_NUMERO))
    refused(again, 409, "numero-taken", "numero-unique")


@pytest.mark.parametrize(
    ("numero", "rule"), [("01S2TBPZ2JCNZZYGHY", "numero-check"), ("01ABC", "numero-format")]
)
async def test_a_mistyped_number_from_the_software_is_refused(
    erx: Erx, cases: Cases, numero: str, rule: str
) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    refused(
        await erx.prescribe(doctor, prescription_body(cases.person(), numero=numero)),
        400,
        "numero-invalid",
        rule,
    )
    assert (await erx.read(SEED_NUMERO, doctor)).status_code == 404


async def _dmp_prescriptions(erx: Erx, ins: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    found = await erx.http.get(
        f"/dmp/v1/patients/{ins}/documents", params={"type_code": "57833-6"}, headers=headers
    )
    assert found.status_code == 200, found.text
    documents: list[dict[str, Any]] = found.json()["documents"]
    return documents


async def test_the_software_deposits_the_pdf_itself_once(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    person = cases.person("activated")
    created = await erx.prescribed(doctor, prescription_body(person, depot_dmp=False))
    assert created["depot_dmp"] == {
        "statut": "by-prescriber",
        "motif": None,
        "document_id": None,
        "type_code": "57833-6",
    }
    assert await _dmp_prescriptions(erx, person.ins, doctor) == []
    pdf = await erx.http.get(f"/eprescription/v1/prescriptions/{created['numero']}/pdf", headers=doctor)
    assert pdf.status_code == 200
    deposit = {
        "patient": created["patient"] | {"matricule": person.ins},
        "type_code": "57833-6",
        "titre": f"Ordonnance numérique {created['numero']}",
        "date_acte": "2026-01-01T12:00:00Z",
        "format": "application/pdf",
        "contenu": base64.b64encode(pdf.content).decode(),
    }
    for key in ("ins", "age", "poids_kg"):
        deposit["patient"].pop(key, None)
    url = f"/dmp/v1/patients/{person.ins}/documents"
    first = await erx.http.post(url, json=deposit, headers=doctor)
    assert first.status_code == 201, first.text
    second = await erx.http.post(url, json=deposit, headers=doctor)
    refused(second, 409, "document-duplicate", "prescription-duplicate")
    assert [d["id"] for d in await _dmp_prescriptions(erx, person.ins, doctor)] == [first.json()["id"]]


async def test_the_base_deposit_then_the_softwares_is_a_duplicate(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    person = cases.person("activated")
    created = await erx.prescribed(doctor, prescription_body(person))
    assert created["depot_dmp"]["statut"] == "deposited"
    pdf = await erx.http.get(f"/eprescription/v1/prescriptions/{created['numero']}/pdf", headers=doctor)
    listed = await _dmp_prescriptions(erx, person.ins, doctor)
    stored = await erx.http.get(f"/dmp/v1/documents/{listed[0]['id']}", headers=doctor)
    assert base64.b64decode(stored.json()["contenu"]) == pdf.content


async def test_soins_with_a_duration_and_passages_check_both(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    line = soins(duree_jours=5, nombre_passages=3, date_debut="2026-01-02")
    created = await erx.prescribed(doctor, prescription_body(cases.person(), line))
    assert created["lignes"][0]["total"] == 3
    numero = created["numero"]
    await erx.freeze("2026-01-02T09:00:00Z")
    nurse = await erx.pro(cases.pro("60"))
    refused(
        await erx.dispense(numero, nurse, {"rang": 1, "quantite": 4}),
        422,
        "dispensation-refused",
        "line-remaining",
    )
    assert (await erx.dispense(numero, nurse, {"rang": 1, "quantite": 2})).status_code == 201
    await erx.freeze("2026-01-07T09:00:00Z")
    nurse = await erx.pro(cases.pro("60"))
    late = await erx.dispense(numero, nurse, {"rang": 1, "quantite": 1})
    refused(late, 422, "dispensation-refused", "soins-apres-duree")
    await erx.freeze("2026-01-06T18:00:00Z")
    nurse = await erx.pro(cases.pro("60"))
    assert (await erx.dispense(numero, nurse, {"rang": 1, "quantite": 1})).status_code == 201


async def test_soins_give_a_duration_or_passages(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    neither = prescription_body(cases.person(), soins(duree_jours=None))
    refused(await erx.prescribe(doctor, neither), 422, "validation-error", None)
    passages_only = prescription_body(cases.person(), soins(duree_jours=None, nombre_passages=4))
    assert (await erx.prescribed(doctor, passages_only))["lignes"][0]["total"] == 4


@pytest.mark.parametrize("born", ["2026-02-30", "0000-01-01", "1980-13-01", "1980-00-05", "2026-06-01"])
async def test_an_impossible_or_future_birth_date_is_refused(erx: Erx, cases: Cases, born: str) -> None:
    """As INSi and the DMP refuse them: nothing is created (today: 2026-01-01, tenant clock)."""
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    body = prescription_body(cases.person(), numero=SEED_NUMERO)
    body["patient"]["date_naissance"] = born
    refused(await erx.prescribe(doctor, body), 422, "prescription-refused", "date-naissance")
    assert (await erx.read(SEED_NUMERO, doctor)).status_code == 404


async def test_a_partly_unknown_birth_date_is_accepted(erx: Erx, cases: Cases) -> None:
    await erx.freeze()
    doctor = await erx.pro(cases.pro("10"))
    body = prescription_body(cases.person())
    body["patient"]["date_naissance"] = "1980-00-00"
    assert (await erx.prescribe(doctor, body)).status_code == 201
