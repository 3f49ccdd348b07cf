"""Tenants: created on first use, listed, reset, dropped; names validated; one creation under a race."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER


@pytest.mark.asyncio
async def test_first_use_creates_the_tenant(client: httpx.AsyncClient, tenant_name: str) -> None:
    before = (await client.get("/sandbox/tenants")).json()["tenants"]
    assert {"name": tenant_name} not in before  # listing goes through the default-less route
    response = await client.get("/sandbox/population/persons", params={"limit": 1})
    assert response.status_code == 200
    after = (await client.get("/sandbox/tenants")).json()["tenants"]
    assert {"name": tenant_name} in after


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["UPPER", "with_underscore", "x" * 41, "dot.name", "spaced name", ""])
async def test_invalid_tenant_header_is_400(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get("/sandbox/population/persons", headers={TENANT_HEADER: name})
    assert response.status_code == 400
    assert response.json()["error"] == "tenant-invalid"
    assert response.json()["rule"] == "tenant-name"


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["a", "ci-job-42", "x" * 40])
async def test_valid_tenant_names_are_accepted(
    client: httpx.AsyncClient, runtime: Runtime, name: str
) -> None:
    response = await client.get(
        "/sandbox/population/persons", headers={TENANT_HEADER: name}, params={"limit": 1}
    )
    assert response.status_code == 200
    runtime.tenants.delete(name)


@pytest.mark.asyncio
async def test_invalid_tenant_in_path_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/sandbox/tenants/Bad_Name/reset")
    assert response.status_code == 400
    assert response.json()["error"] == "tenant-invalid"


@pytest.mark.asyncio
async def test_reset_restores_the_seeded_state(client: httpx.AsyncClient, tenant_name: str) -> None:
    frozen = {"mode": "frozen", "now": "2030-05-01T10:00:00Z"}
    assert (await client.put(f"/sandbox/tenants/{tenant_name}/clock", json=frozen)).status_code == 200
    assert (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()["mode"] == "frozen"
    response = await client.post(f"/sandbox/tenants/{tenant_name}/reset")
    assert response.status_code == 200
    assert response.json() == {"name": tenant_name}
    assert (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()["mode"] == "real"


@pytest.mark.asyncio
async def test_reset_leaves_other_tenants_alone(
    client: httpx.AsyncClient, tenant_name: str, runtime: Runtime
) -> None:
    other = f"{tenant_name}-other"
    frozen = {"mode": "frozen", "now": "2030-05-01T10:00:00Z"}
    await client.put(f"/sandbox/tenants/{other}/clock", json=frozen)
    assert (await client.put(f"/sandbox/tenants/{tenant_name}")).status_code == 201
    assert (await client.post(f"/sandbox/tenants/{tenant_name}/reset")).status_code == 200
    assert (await client.get(f"/sandbox/tenants/{other}/clock")).json()["mode"] == "frozen"
    runtime.tenants.delete(other)


@pytest.mark.asyncio
async def test_delete_drops_the_tenant(client: httpx.AsyncClient, tenant_name: str) -> None:
    await client.get("/sandbox/population/persons", params={"limit": 1})
    assert (await client.delete(f"/sandbox/tenants/{tenant_name}")).status_code == 204
    names = [t["name"] for t in (await client.get("/sandbox/tenants")).json()["tenants"]]
    assert tenant_name not in names


@pytest.mark.asyncio
async def test_delete_unknown_tenant_is_404(client: httpx.AsyncClient) -> None:
    response = await client.delete("/sandbox/tenants/never-used-tenant")
    assert response.status_code == 404
    assert response.json()["error"] == "tenant-unknown"


def test_racing_first_uses_create_the_tenant_once(runtime: Runtime, tenant_name: str) -> None:
    copies: list[str] = []
    storage = runtime.storage
    original = storage.copy_template_to

    def counting_copy(name: str, *, replace: bool) -> bool:
        copies.append(name)
        return original(name, replace=replace)

    storage.copy_template_to = counting_copy  # type: ignore[method-assign]
    try:
        barrier = threading.Barrier(8)
        seen = []

        def use() -> None:
            barrier.wait()
            seen.append(runtime.tenants.get(tenant_name))

        threads = [threading.Thread(target=use) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        del storage.copy_template_to  # type: ignore[method-assign]
    assert copies == [tenant_name]
    assert len({id(t) for t in seen}) == 1


@pytest.mark.asyncio
async def test_concurrent_requests_on_a_new_tenant_all_succeed(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(client.get("/sandbox/population/persons", params={"limit": 1}) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {200}


@pytest.mark.asyncio
async def test_put_creates_a_tenant_once_then_answers_200(
    client: httpx.AsyncClient, tenant_name: str, runtime: Runtime
) -> None:
    created = await client.put(f"/sandbox/tenants/{tenant_name}")
    assert (created.status_code, created.json()) == (201, {"name": tenant_name})
    assert runtime.storage.tenant_exists(tenant_name)
    frozen = {"mode": "frozen", "now": "2030-05-01T10:00:00Z"}
    await client.put(f"/sandbox/tenants/{tenant_name}/clock", json=frozen)
    again = await client.put(f"/sandbox/tenants/{tenant_name}")
    assert (again.status_code, again.json()) == (200, {"name": tenant_name})
    # idempotent: the existing tenant is kept as it is, not reset
    assert (await client.get(f"/sandbox/tenants/{tenant_name}/clock")).json()["mode"] == "frozen"


@pytest.mark.asyncio
async def test_put_refuses_an_invalid_name(client: httpx.AsyncClient) -> None:
    response = await client.put("/sandbox/tenants/Not_Valid")
    assert response.status_code == 400
    assert response.json()["error"] == "tenant-invalid"


@pytest.mark.asyncio
async def test_reset_of_an_unknown_tenant_is_404_and_creates_nothing(
    client: httpx.AsyncClient, tenant_name: str, runtime: Runtime
) -> None:
    response = await client.post(f"/sandbox/tenants/{tenant_name}/reset")
    assert response.status_code == 404
    assert response.json() == {
        "error": "tenant-unknown",
        "detail": f"tenant {tenant_name!r} does not exist",
        "rule": "tenant-exists",
    }
    assert not runtime.storage.tenant_exists(tenant_name)


@pytest.mark.asyncio
async def test_the_default_tenant_cannot_be_deleted(client: httpx.AsyncClient, runtime: Runtime) -> None:
    response = await client.delete("/sandbox/tenants/default")
    assert response.status_code == 409
    assert response.json()["error"] == "tenant-default"
    assert response.json()["rule"] == "tenant-default-kept"
    assert runtime.storage.tenant_exists("default")
    assert (await client.post("/sandbox/tenants/default/reset")).status_code == 200
