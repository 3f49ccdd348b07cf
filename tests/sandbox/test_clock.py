"""The per-tenant clock: real, frozen, offset; validated changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest


@pytest.mark.asyncio
async def test_default_clock_is_real(client: httpx.AsyncClient, tenant_name: str) -> None:
    body = (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()
    assert body["mode"] == "real"
    now = datetime.fromisoformat(body["now"])
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


@pytest.mark.asyncio
async def test_frozen_clock_stays_put(client: httpx.AsyncClient, tenant_name: str) -> None:
    response = await client.put(
        f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "frozen", "now": "2027-02-03T04:05:06Z"}
    )
    assert response.status_code == 200
    for _ in range(2):
        body = (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()
        assert datetime.fromisoformat(body["now"]) == datetime(2027, 2, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.asyncio
async def test_offset_clock_by_seconds(client: httpx.AsyncClient, tenant_name: str) -> None:
    response = await client.put(
        f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "offset", "offset_seconds": 86400}
    )
    assert response.status_code == 200
    now = datetime.fromisoformat(response.json()["now"])
    assert abs((now - datetime.now(UTC) - timedelta(days=1)).total_seconds()) < 5


@pytest.mark.asyncio
async def test_offset_clock_to_an_instant_keeps_running(client: httpx.AsyncClient, tenant_name: str) -> None:
    target = datetime(2031, 1, 1, tzinfo=UTC)
    response = await client.put(
        f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "offset", "now": target.isoformat()}
    )
    body = response.json()
    assert body["mode"] == "offset"
    assert abs((datetime.fromisoformat(body["now"]) - target).total_seconds()) < 5


@pytest.mark.asyncio
async def test_back_to_real(client: httpx.AsyncClient, tenant_name: str) -> None:
    await client.put(
        f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "frozen", "now": "2027-01-01T00:00:00Z"}
    )
    body = (await client.put(f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "real"})).json()
    assert body["mode"] == "real"
    assert abs((datetime.fromisoformat(body["now"]) - datetime.now(UTC)).total_seconds()) < 5


@pytest.mark.asyncio
async def test_clock_is_per_tenant(client: httpx.AsyncClient, tenant_name: str) -> None:
    await client.put(
        f"/sandbox/tenants/{tenant_name}/clock", json={"mode": "frozen", "now": "2027-01-01T00:00:00Z"}
    )
    assert (await client.get("/sandbox/tenants/default/clock")).json()["mode"] == "real"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"mode": "frozen"}, 400, "invalid-input"),
        ({"mode": "frozen", "now": "2027-01-01T00:00:00"}, 400, "invalid-input"),
        ({"mode": "offset"}, 400, "invalid-input"),
        ({"mode": "sideways"}, 422, "validation-error"),
        ({"mode": "frozen", "now": "not a date"}, 422, "validation-error"),
        ({"mode": "offset", "offset_seconds": 10**12}, 422, "validation-error"),
    ],
)
async def test_bad_clock_changes_are_refused(
    client: httpx.AsyncClient, tenant_name: str, body: dict[str, object], status: int, code: str
) -> None:
    response = await client.put(f"/sandbox/tenants/{tenant_name}/clock", json=body)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()["mode"] == "real"
