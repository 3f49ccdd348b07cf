"""The profile lifecycle: pure status computation, then through the patient API on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dmp_helpers import Cases, Dmp, refused

from services.dmp.lifecycle import AUTO_CREATION_MS, DAY_MS, Dates, Statut, add_years, ms, statut

T0 = ms(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("dates", "now", "expected"),
    [
        (Dates(T0), T0, Statut.INVITED),
        (Dates(T0), T0 + AUTO_CREATION_MS - 1, Statut.INVITED),
        (Dates(T0), T0 + AUTO_CREATION_MS, Statut.OPEN),
        (Dates(T0, opposed_at=T0 + DAY_MS), T0 + DAY_MS - 1, Statut.INVITED),
        (Dates(T0, opposed_at=T0 + DAY_MS), T0 + 100 * DAY_MS, Statut.OPPOSED),
        (Dates(T0, opposed_at=T0 + 50 * DAY_MS), T0 + 100 * DAY_MS, Statut.OPEN),
        (Dates(T0, created_at=T0 + DAY_MS, activated_at=T0 + DAY_MS), T0 + 2 * DAY_MS, Statut.ACTIVATED),
        (Dates(T0, activated_at=T0 + 50 * DAY_MS), T0 + 49 * DAY_MS, Statut.OPEN),
        (Dates(T0, closed_at=T0 + 60 * DAY_MS), T0 + 61 * DAY_MS, Statut.CLOSED),
        (Dates(T0, closed_at=T0 + 60 * DAY_MS), T0 + 59 * DAY_MS, Statut.OPEN),
        (Dates(T0, closed_at=T0), add_years(T0, 10) - 1, Statut.CLOSED),
        (Dates(T0, closed_at=T0), add_years(T0, 10), Statut.DELETED),
    ],
)
def test_status_from_dates(dates: Dates, now: int, expected: Statut) -> None:
    assert statut(dates, now) is expected


def test_ten_years_are_calendar_years() -> None:
    leap = ms(datetime(2028, 2, 29, tzinfo=UTC))
    assert add_years(leap, 10) == ms(datetime(2038, 2, 28, tzinfo=UTC))


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.mark.asyncio
async def test_invited_becomes_open_six_weeks_after_the_invitation(dmp: Dmp, cases: Cases) -> None:
    person = cases.person("mes-invited", "adult")
    invited = datetime.combine(person.mes_invitation_date, datetime.min.time(), UTC)
    await dmp.freeze(_iso(invited + timedelta(days=41)))
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    before = await dmp.http.get(f"/dmp/v1/patients/{person.ins}/status", headers=doctor)
    assert before.json()["dmp"] == "inconnu"
    assert before.json()["statut"] == "invited"
    refused(await dmp.deposit(person, doctor), 404, "dmp-not-found", "status-invited")
    await dmp.freeze(_iso(invited + timedelta(days=42)))
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    after = await dmp.http.get(f"/dmp/v1/patients/{person.ins}/status", headers=doctor)
    assert after.json()["dmp"] == "actif"
    assert after.json()["statut"] == "open"
    assert after.json()["mon_espace_sante"] is False
    assert (await dmp.deposit(person, doctor)).status_code == 201


@pytest.mark.asyncio
async def test_opposition_within_six_weeks_prevents_the_creation(dmp: Dmp, cases: Cases) -> None:
    person = cases.person("mes-invited", "adult")
    invited = datetime.combine(person.mes_invitation_date, datetime.min.time(), UTC)
    await dmp.freeze(_iso(invited + timedelta(days=3)))
    response = await dmp.me(person, "POST", "/opposition")
    assert response.status_code == 200, response.text
    assert response.json()["statut"] == "opposed"
    await dmp.freeze(_iso(invited + timedelta(days=400)))
    assert (await dmp.me(person, "GET")).json()["statut"] == "opposed"
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    refused(await dmp.search(person, doctor), 404, "dmp-not-found", "status-opposed")


@pytest.mark.asyncio
async def test_opposition_after_the_creation_is_refused(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-open", "adult")
    refused(
        await dmp.me(person, "POST", "/opposition"), 409, "lifecycle-refused", "opposition-after-creation"
    )


@pytest.mark.asyncio
async def test_activation_needs_the_invitation_code(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-open", "adult")
    refused(await dmp.me(person, "GET", "/documents"), 403, "access-refused", "not-activated")
    refused(
        await dmp.me(person, "POST", "/activation", json={"code": "WRONG000"}),
        403,
        "activation-refused",
        "activation-code",
    )
    done = await dmp.me(person, "POST", "/activation", json={"code": person.mes_activation_code.lower()})
    assert done.status_code == 200, done.text
    assert done.json()["statut"] == "activated"
    assert (await dmp.me(person, "GET", "/documents")).status_code == 200
    again = await dmp.me(person, "POST", "/activation", json={"code": person.mes_activation_code})
    refused(again, 409, "lifecycle-refused", "already-activated")


@pytest.mark.asyncio
async def test_early_activation_creates_the_profile_even_after_an_opposition(dmp: Dmp, cases: Cases) -> None:
    person = cases.person("mes-opposed", "adult")
    await dmp.freeze()
    assert (await dmp.me(person, "GET")).json()["statut"] == "opposed"
    done = await dmp.me(person, "POST", "/activation", json={"code": person.mes_activation_code})
    assert done.json()["statut"] == "activated"
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    assert (await dmp.search(person, doctor)).status_code == 200


@pytest.mark.asyncio
async def test_closure_archives_ten_years_and_reopening_restores(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    doc = await dmp.deposited(person, doctor)
    closed = await dmp.me(person, "POST", "/cloture", json={"motif": "je ne veux plus"})
    assert closed.json()["statut"] == "closed"
    assert closed.json()["suppression_archive"].startswith("2036-01-01")
    status = (await dmp.http.get(f"/dmp/v1/patients/{person.ins}/status", headers=doctor)).json()
    assert (status["dmp"], status["motif_fermeture"]) == ("ferme", "je ne veux plus")
    refused(await dmp.search(person, doctor), 403, "dmp-closed", "status-closed")
    refused(await dmp.deposit(person, doctor), 403, "dmp-closed", "status-closed")
    refused(await dmp.me(person, "GET", "/documents"), 403, "dmp-closed", "status-closed")
    await dmp.freeze("2035-12-31T12:00:00Z")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    reopened = await dmp.me(person, "POST", "/reouverture")
    assert reopened.json()["statut"] == "activated"
    assert await dmp.ids(person, doctor) == {doc["id"]}


@pytest.mark.asyncio
async def test_after_ten_years_the_archive_is_gone(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    await dmp.deposited(person, doctor)
    await dmp.me(person, "POST", "/cloture", json={})
    await dmp.freeze("2036-01-01T12:00:01Z")
    doctor = await dmp.pro(cases.pro("10", "generaliste"))
    assert (await dmp.me(person, "GET")).json()["statut"] == "deleted"
    refused(await dmp.search(person, doctor), 404, "dmp-not-found", "status-deleted")
    reopened = await dmp.me(person, "POST", "/reouverture")
    assert reopened.json()["statut"] == "activated"
    assert await dmp.ids(person, doctor, statut="all") == set()


@pytest.mark.asyncio
async def test_reopening_an_open_profile_and_closing_a_missing_one_are_refused(
    dmp: Dmp, cases: Cases
) -> None:
    await dmp.freeze()
    refused(
        await dmp.me(cases.person("mes-activated", "adult"), "POST", "/reouverture"),
        409,
        "lifecycle-refused",
        "reopen-not-closed",
    )
    refused(
        await dmp.me(cases.person("mes-invited", "adult"), "POST", "/cloture", json={}),
        409,
        "lifecycle-refused",
        "close-not-open",
    )


@pytest.mark.asyncio
async def test_seeded_statuses_match_the_population(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    for status in ("activated", "open", "opposed", "closed", "invited"):
        person = cases.person(f"mes-{status}", "adult")
        assert (await dmp.me(person, "GET")).json()["statut"] == status
