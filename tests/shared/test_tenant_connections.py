"""A tenant's two connection modes: a unit of work commits whole or leaves nothing, a read leaves no
transaction open; a reset or deleted tenant refuses every later block and cannot be re-created by a
late one; the durability setting of SQLite tenant databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import Connection, text

from shared.app import StrictJsonRoute, create_service_app
from shared.clients import ServiceClients
from shared.db import SqliteStorage, make_engine
from shared.dependencies import TenantDep
from shared.errors import DatabaseUnavailable
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER
from shared.tenants import DefaultTenant, TenantReset, UnknownTenant

_KEY = "tenant-connection-test"


def _value(conn: Connection) -> str | None:
    row = conn.execute(text("SELECT value FROM tenant_meta WHERE key = :k"), {"k": _KEY}).first()
    return None if row is None else str(row[0])


def test_a_failed_unit_of_work_leaves_nothing_and_the_next_one_commits(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    insert = text("INSERT INTO tenant_meta (key, value) VALUES (:k, :v)")

    def half_written() -> None:
        with tenant.unit_of_work() as conn:
            conn.execute(insert, {"k": _KEY, "v": "half-written"})
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        half_written()
    with tenant.reading() as conn:
        assert _value(conn) is None
    with tenant.unit_of_work() as conn:
        conn.execute(insert, {"k": _KEY, "v": "kept"})
    with tenant.reading() as conn:
        assert _value(conn) == "kept"


def test_a_reset_tenant_is_read_afresh(runtime: Runtime, tenant_name: str) -> None:
    tenant = runtime.tenants.get(tenant_name)
    with tenant.unit_of_work() as conn:
        conn.execute(text("INSERT INTO tenant_meta (key, value) VALUES (:k, 'x')"), {"k": _KEY})
    with tenant.reading() as conn:
        assert _value(conn) == "x"
    fresh = runtime.tenants.reset(tenant_name)
    with fresh.reading() as conn:
        assert _value(conn) is None


def test_sqlite_tenants_skip_fsync_unless_told_otherwise(
    runtime: Runtime, tenant_name: str, tmp_path: Path
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    if tenant.engine.dialect.name != "sqlite":
        pytest.skip("a setting of SQLite tenant databases")
    assert runtime.settings.sqlite_synchronous == "off"
    with tenant.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0
    engine = make_engine(f"sqlite:///{tmp_path}/normal.db", synchronous="normal")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    engine.dispose()
    with pytest.raises(ValueError, match="synchronous"):
        make_engine(f"sqlite:///{tmp_path}/bad.db", synchronous="sometimes")


def test_each_statement_of_a_read_block_sees_what_is_committed_when_it_runs(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    with tenant.reading() as conn:
        assert _value(conn) is None
        with tenant.unit_of_work() as writer:
            assert writer is not conn  # two blocks never share a connection
            writer.execute(text("INSERT INTO tenant_meta (key, value) VALUES (:k, 'seen')"), {"k": _KEY})
        assert _value(conn) == "seen"  # no snapshot spans the read block


def test_a_retired_tenant_refuses_every_new_block(runtime: Runtime, tenant_name: str) -> None:
    old = runtime.tenants.get(tenant_name)
    fresh = runtime.tenants.reset(tenant_name)
    assert fresh is not old
    assert runtime.tenants.get(tenant_name) is fresh
    for block in (old.reading, old.unit_of_work):
        with pytest.raises(TenantReset) as refused, block():
            pass
        assert refused.value.status == 409
        assert refused.value.code == "tenant-reset"
    with fresh.reading() as conn:  # the successor works
        assert _value(conn) is None


def test_a_block_running_when_its_tenant_is_reset_completes_on_the_old_state_or_fails_409(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    insert = text("INSERT INTO tenant_meta (key, value) VALUES (:k, 'late')")
    try:
        with tenant.unit_of_work() as conn:
            _value(conn)
            runtime.tenants.reset(tenant_name)  # the reset lands while the block runs
            conn.execute(insert, {"k": _KEY})
    except TenantReset:
        pass  # PostgreSQL: the old database was dropped under the statement
    with runtime.tenants.get(tenant_name).reading() as conn:
        assert _value(conn) is None  # nothing of the late write reached the reset tenant


def test_a_deleted_tenant_is_not_recreated_by_a_late_block(runtime: Runtime, tenant_name: str) -> None:
    tenant = runtime.tenants.get(tenant_name)
    runtime.tenants.delete(tenant_name)
    with pytest.raises(TenantReset), tenant.unit_of_work() as conn:
        conn.execute(text("INSERT INTO tenant_meta (key, value) VALUES (:k, 'late')"), {"k": _KEY})
    if isinstance(runtime.storage, SqliteStorage):
        # Even a connection made behind the registry's back opens the file without creating it.
        engine = make_engine(runtime.storage.tenant_url(tenant_name))
        with pytest.raises(Exception, match="unable to open"), engine.connect():
            pass
        engine.dispose()
    assert not runtime.storage.tenant_exists(tenant_name)


def test_reset_and_delete_of_an_unknown_tenant_are_404_and_create_nothing(runtime: Runtime) -> None:
    with pytest.raises(UnknownTenant):
        runtime.tenants.reset("never-created-tenant")
    with pytest.raises(UnknownTenant):
        runtime.tenants.delete("never-created-tenant")
    assert not runtime.storage.tenant_exists("never-created-tenant")


def test_create_is_idempotent(runtime: Runtime, tenant_name: str) -> None:
    assert runtime.tenants.create(tenant_name) is True
    assert runtime.tenants.create(tenant_name) is False
    assert runtime.storage.tenant_exists(tenant_name)


def test_the_default_tenant_is_never_deleted(runtime: Runtime) -> None:
    with pytest.raises(DefaultTenant) as refused:
        runtime.tenants.delete(DEFAULT_TENANT)
    assert (refused.value.status, refused.value.code) == (409, "tenant-default")
    assert runtime.storage.tenant_exists(DEFAULT_TENANT)
    runtime.tenants.get(DEFAULT_TENANT).ping()


def test_a_database_that_cannot_be_reached_is_503(runtime: Runtime, tenant_name: str) -> None:
    """Any driver error of the unreachable kind (refused, dropped, a file gone) is 503 in a block; the
    restart of a real PostgreSQL is tested in test_database_restart.py."""
    from sqlalchemy.exc import OperationalError

    tenant = runtime.tenants.get(tenant_name)
    with pytest.raises(DatabaseUnavailable) as refused, tenant.reading():
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    assert (refused.value.status, refused.value.code) == (503, "database-unavailable")
    with tenant.reading() as conn:  # and the next block works
        assert _value(conn) is None


def test_a_request_that_started_before_a_reset_or_delete_is_refused_and_creates_nothing(
    runtime: Runtime, tenant_name: str
) -> None:
    registry = runtime.tenants
    registry.create(tenant_name)
    started = registry.epoch
    assert registry.get(tenant_name, since=started).name == tenant_name
    registry.reset(tenant_name)
    with pytest.raises(TenantReset):
        registry.get(tenant_name, since=started)
    assert registry.get(tenant_name, since=registry.epoch).name == tenant_name  # a later request is served
    started = registry.epoch
    registry.delete(tenant_name)
    with pytest.raises(TenantReset):
        registry.get(tenant_name, since=started)
    assert not runtime.storage.tenant_exists(tenant_name)  # not re-created by the late request
    assert registry.get(tenant_name, since=registry.epoch).name == tenant_name  # first use, afresh


def _two_services(runtime: Runtime, clients: ServiceClients) -> FastAPI:
    """A "front" service whose route, like a DMP deposit checking its patient with INSi, calls a
    "back" service of the same process for the request's tenant; ``delete_first`` deletes the tenant
    while the front request is in flight, before its call."""
    back = APIRouter(route_class=StrictJsonRoute)

    @back.get("/tenant")
    async def back_tenant(tenant: TenantDep) -> dict[str, str]:
        """The tenant the back service serves."""
        return {"name": tenant.name}

    front = APIRouter(route_class=StrictJsonRoute)

    @front.get("/through")
    async def through(tenant: TenantDep, delete_first: bool = False) -> dict[str, Any]:
        """Calls the back service for the same tenant."""
        if delete_first:
            runtime.tenants.delete(tenant.name)
        answer = await clients.request("back", "GET", "/tenant", tenant=tenant.name)
        return {"back": answer.json()}

    common = {"description": "test", "runtime": runtime}
    clients.register_local("back", create_service_app(name="back", title="back", routers=[back], **common))
    return create_service_app(name="front", title="front", routers=[front], **common)


@pytest.mark.asyncio
async def test_a_call_to_another_service_keeps_the_epoch_of_the_request_that_made_it(
    runtime: Runtime, tenant_name: str
) -> None:
    clients = ServiceClients({})
    front = _two_services(runtime, clients)
    runtime.tenants.create(tenant_name)
    headers = {TENANT_HEADER: tenant_name}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url="http://t") as http:
        served = await http.get("/through", headers=headers)
        assert served.json() == {"back": {"name": tenant_name}}  # allowed: nothing changed meanwhile
        refused = await http.get("/through", params={"delete_first": "true"}, headers=headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "tenant-reset"  # passed on by the front, not a 502
        assert not runtime.storage.tenant_exists(tenant_name)  # the back call did not re-create it
        again = await http.get("/through", headers=headers)  # a later request: first use, afresh
        assert again.json() == {"back": {"name": tenant_name}}
    await clients.aclose()
