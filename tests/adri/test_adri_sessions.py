"""Appli carte Vitale sessions through the all-in-one app: 20 minutes by the tenant clock, one invoice,
then a new reading of the app (seed document 001)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conftest import REFERENCE_NOON, Adri, Pros
from shared.population import Person, Population

pytestmark = pytest.mark.asyncio

SESSIONS = "/adri/v1/apcv/sessions"
INVOICE = {"numero_facture": "F-000123", "montant": "30.00"}
NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _at(minutes: float) -> str:
    return (NOON + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def _open(adri: Adri, headers: dict[str, str], person: Person) -> dict[str, Any]:
    response = await adri.http.post(SESSIONS, json={"matricule": person.ins}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _invoice(adri: Adri, headers: dict[str, str], session_id: str, **body: str) -> httpx.Response:
    return await adri.http.post(f"{SESSIONS}/{session_id}/invoice", json={**INVOICE, **body}, headers=headers)


async def _session(adri: Adri, headers: dict[str, str], session_id: str) -> dict[str, Any]:
    response = await adri.http.get(f"{SESSIONS}/{session_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _reauth(response: httpx.Response, rule: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "apcv-reauthentication-required"
    assert response.json()["rule"] == rule


async def test_opening_a_session_gives_20_minutes_and_one_invoice(
    adri: Adri, doctor: dict[str, str], persons
) -> None:
    person: Person = persons("rights-open")
    session = await _open(adri, doctor, person)
    assert session["status"] == "open"
    assert session["matricule"] == person.ins
    assert session["invoices_allowed"] == 1
    assert session["opened_at"] == REFERENCE_NOON
    assert session["expires_at"] == _at(20)
    assert session["invoice"] is None


async def test_lookup_within_the_session_until_its_last_second(
    adri: Adri, pros: Pros, persons, population: Population
) -> None:
    person: Person = persons("rights-open", "child-on-parent-rights")
    ouvrant = population.person(person.ouvrant_droit_id or "")
    assert ouvrant is not None
    await adri.freeze(_at(0))
    headers = await adri.pro(pros.generaliste)
    session = await _open(adri, headers, person)
    await adri.freeze(_at(19 + 59 / 60))
    response = await adri.lookup(person.ins, headers, session=session["session_id"])
    assert response.status_code == 200, response.text
    assert response.json()["apcv_session"] == session["session_id"]
    by_card = await adri.by_card(
        {**headers, "X-Apcv-Session": session["session_id"]},
        ouvrant_droit=ouvrant.ins,
        rang_naissance=person.rang_naissance,
        date_naissance=person.date_naissance,
    )
    assert by_card.status_code == 200, by_card.text


async def test_after_20_minutes_the_app_must_be_read_again(adri: Adri, pros: Pros, persons) -> None:
    person: Person = persons("rights-open")
    await adri.freeze(_at(0))
    headers = await adri.pro(pros.generaliste)
    session = await _open(adri, headers, person)
    await adri.freeze(_at(20))
    _reauth(await adri.lookup(person.ins, headers, session=session["session_id"]), "apcv-session-duration")
    _reauth(await _invoice(adri, headers, session["session_id"]), "apcv-session-duration")
    state = await _session(adri, headers, session["session_id"])
    assert state["status"] == "expired"
    assert state["invoice"] is None
    again = await _open(adri, headers, person)
    assert (await adri.lookup(person.ins, headers, session=again["session_id"])).status_code == 200


async def test_an_offset_clock_ends_the_session_too(adri: Adri, pros: Pros, persons) -> None:
    person: Person = persons("rights-open", test=lambda p: p.rights.periods[-1].end is None)
    headers = await adri.pro(pros.generaliste)
    session = await _open(adri, headers, person)
    assert (await adri.lookup(person.ins, headers, session=session["session_id"])).status_code == 200
    await adri.offset(20 * 60 + 5)
    _reauth(await adri.lookup(person.ins, headers, session=session["session_id"]), "apcv-session-duration")


async def test_one_invoice_then_the_app_must_be_read_again(
    adri: Adri, doctor: dict[str, str], persons
) -> None:
    person: Person = persons("rights-open")
    assert (await adri.lookup(person.ins, doctor)).status_code == 200  # an answer kept in memory
    session = await _open(adri, doctor, person)
    recorded = await _invoice(adri, doctor, session["session_id"], date_soins="2026-01-01")
    assert recorded.status_code == 201, recorded.text
    invoice = recorded.json()
    assert invoice["montant"] == "30.00"
    assert invoice["matricule"] == person.ins
    assert invoice["date_soins"] == "2026-01-01"
    _reauth(await adri.lookup(person.ins, doctor, session=session["session_id"]), "apcv-one-invoice")
    _reauth(await _invoice(adri, doctor, session["session_id"]), "apcv-one-invoice")
    state = await _session(adri, doctor, session["session_id"])
    assert state["status"] == "invoiced"
    assert state["invoice"]["invoice_id"] == invoice["invoice_id"]


async def test_concurrent_invoices_record_only_one(adri: Adri, doctor: dict[str, str], persons) -> None:
    session = await _open(adri, doctor, persons("rights-open"))
    answers = await asyncio.gather(*(_invoice(adri, doctor, session["session_id"]) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [201, 403, 403, 403]


async def test_lookups_without_a_session_ignore_its_end(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-open")
    session = await _open(adri, doctor, person)
    await _invoice(adri, doctor, session["session_id"])
    assert (await adri.lookup(person.ins, doctor)).status_code == 200


async def test_the_session_is_for_its_patient_only(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-open")
    other: Person = persons("rights-open", test=lambda p: p.id != person.id)
    session = await _open(adri, doctor, person)
    response = await adri.lookup(other.ins, doctor, session=session["session_id"])
    assert response.status_code == 403
    assert response.json()["error"] == "apcv-session-patient"


async def test_the_session_is_for_its_professional_only(
    adri: Adri, doctor: dict[str, str], pros: Pros, persons
) -> None:
    person: Person = persons("rights-open")
    session = await _open(adri, doctor, person)
    colleague = await adri.pro(pros.other_medecin)
    for response in (
        await adri.lookup(person.ins, colleague, session=session["session_id"]),
        await _invoice(adri, colleague, session["session_id"]),
        await adri.http.get(f"{SESSIONS}/{session['session_id']}", headers=colleague),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "apcv-session-owner"
    assert (await _invoice(adri, doctor, session["session_id"])).status_code == 201


@pytest.mark.parametrize("session_id", ["nope", "x" * 500])
async def test_unknown_session(adri: Adri, doctor: dict[str, str], persons, session_id: str) -> None:
    person: Person = persons("rights-open")
    for response in (
        await adri.lookup(person.ins, doctor, session=session_id),
        await _invoice(adri, doctor, session_id),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "apcv-session-unknown"


async def test_sessions_are_per_tenant(adri: Adri, doctor: dict[str, str], persons) -> None:
    person: Person = persons("rights-open")
    session = await _open(adri, doctor, person)
    other = f"{adri.tenant}-b"
    await adri.http.put(f"/sandbox/tenants/{other}/clock", json={"mode": "frozen", "now": REFERENCE_NOON})
    try:
        response = await adri.lookup(
            person.ins, {**doctor, "X-Sandbox-Tenant": other}, session=session["session_id"]
        )
    finally:
        await adri.http.delete(f"/sandbox/tenants/{other}")
    assert response.status_code == 404
    assert response.json()["error"] == "apcv-session-unknown"


async def test_e_cps_may_open_a_session(adri: Adri, pros: Pros, persons) -> None:
    await adri.freeze()
    headers = await adri.pro(pros.generaliste, "e-cps")
    session = await _open(adri, headers, persons("rights-open"))
    assert (await _invoice(adri, headers, session["session_id"])).status_code == 201


async def test_cpe_may_not_open_a_session(adri: Adri, pros: Pros, persons) -> None:
    headers = await adri.pro(pros.secretaire, "cpe")
    response = await adri.http.post(SESSIONS, json={"matricule": persons("rights-open").ins}, headers=headers)
    assert response.status_code == 403
    assert response.json()["rule"] == "card-cpe"


async def test_patient_may_not_open_a_session(adri: Adri, persons) -> None:
    patient: Person = persons("rights-open", "mes-activated")
    response = await adri.http.post(
        SESSIONS, json={"matricule": patient.ins}, headers=await adri.patient(patient)
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "actor-kind"


async def test_no_session_for_an_unknown_person(adri: Adri, doctor: dict[str, str], persons) -> None:
    response = await adri.http.post(
        SESSIONS, json={"matricule": persons("unknown-to-adri").ins}, headers=doctor
    )
    assert response.status_code == 404
    assert response.json()["error"] == "beneficiary-unknown"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"matricule": "123"}, "nir-malformed"),
        ({"matricule": "9" * 41}, "validation-error"),
        ({}, "validation-error"),
        ({"matricule": "275126322074974", "qr": "extra"}, "validation-error"),
    ],
)
async def test_bad_session_requests(
    adri: Adri, doctor: dict[str, str], body: dict[str, str], code: str
) -> None:
    response = await adri.http.post(SESSIONS, json=body, headers=doctor)
    assert response.status_code in (400, 422)
    assert response.json()["error"] == code


@pytest.mark.parametrize(
    "body",
    [
        {"numero_facture": "F 1", "montant": "30.00"},
        {"numero_facture": "F" * 41, "montant": "30.00"},
        {"numero_facture": "F-1", "montant": "-1"},
        {"numero_facture": "F-1", "montant": "100000"},
        {"numero_facture": "F-1", "montant": "30.001"},
        {"numero_facture": "F-1", "montant": "30.00", "date_soins": "2026-02-30"},
        {"numero_facture": "F-1"},
    ],
)
async def test_bad_invoice_leaves_the_session_open(
    adri: Adri, doctor: dict[str, str], persons, body: dict[str, str]
) -> None:
    session = await _open(adri, doctor, persons("rights-open"))
    response = await adri.http.post(f"{SESSIONS}/{session['session_id']}/invoice", json=body, headers=doctor)
    assert response.status_code == 422
    assert response.json()["error"] == "validation-error"
    assert (await _session(adri, doctor, session["session_id"]))["status"] == "open"
    assert (await _invoice(adri, doctor, session["session_id"])).status_code == 201
