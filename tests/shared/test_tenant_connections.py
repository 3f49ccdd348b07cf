"""A tenant's pinned connections: reused by the blocks that find them free, never shared by two blocks
at once, given back on reset; the one whose PostgreSQL sessions keep generic plans; and the durability
setting of SQLite tenant databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Connection, text

from shared.db import Prepared, make_engine
from shared.runtime import Runtime
from shared.tenants import Tenant

_KEY = "pinned-connection-test"


def _value(conn: Connection) -> str | None:
    row = conn.execute(text("SELECT value FROM tenant_meta WHERE key = :k"), {"k": _KEY}).first()
    return None if row is None else str(row[0])


def test_successive_blocks_reuse_one_connection_and_nested_blocks_get_another(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    with tenant.reading() as first:
        with tenant.reading() as nested:
            assert nested is not first
        with tenant.unit_of_work() as writer, tenant.unit_of_work() as other:
            assert writer is not other
    with tenant.reading() as again:
        assert again is first
        assert not again.in_transaction()  # a read block leaves no transaction open behind it


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


def test_generic_plans_are_kept_only_on_the_connection_that_asks_for_them(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    insert = text("INSERT INTO tenant_meta (key, value) VALUES (:k, 'generic')")
    with tenant.autocommit(generic_plans=True) as conn:
        conn.execute(insert, {"k": _KEY})  # committed at once, as on any autocommit connection
        generic = conn.exec_driver_sql("SHOW plan_cache_mode").scalar() if _postgres(conn) else None
    with tenant.autocommit() as conn:
        assert _value(conn) == "generic"
        if _postgres(conn):
            assert generic == "force_generic_plan"
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    with tenant.unit_of_work() as conn:
        if _postgres(conn):
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"


def _postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


_SHOW = Prepared(text("SELECT current_setting('plan_cache_mode'), pg_backend_pid()"))


def _postgres_tenant(runtime: Runtime, name: str) -> Tenant:
    tenant = runtime.tenants.get(name)
    if tenant.engine.dialect.name != "postgresql":
        pytest.skip("asynchronous connections are PostgreSQL's")
    return tenant


def test_a_sqlite_tenant_has_no_asynchronous_connection(runtime: Runtime, tenant_name: str) -> None:
    tenant = runtime.tenants.get(tenant_name)
    if tenant.engine.dialect.name != "sqlite":
        pytest.skip("SQLite tenants")
    with pytest.raises(RuntimeError, match="PostgreSQL only"):
        tenant.autocommit_async()


@pytest.mark.asyncio
async def test_the_asynchronous_connection_commits_each_statement_keeps_generic_plans_and_is_reused(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = _postgres_tenant(runtime, tenant_name)
    async with tenant.autocommit_async() as conn:
        [(mode, pid)] = await _SHOW.rows_async(conn, {})
        await conn.driver.execute(
            "INSERT INTO tenant_meta (key, value) VALUES (%(k)s, 'awaited')", {"k": _KEY}
        )
    assert mode == "force_generic_plan"
    with tenant.reading() as reader:
        assert _value(reader) == "awaited"  # committed at once
    async with tenant.autocommit_async() as again:
        assert (await _SHOW.rows_async(again, {}))[0][1] == pid


@pytest.mark.asyncio
async def test_a_broken_asynchronous_connection_is_replaced(runtime: Runtime, tenant_name: str) -> None:
    tenant = _postgres_tenant(runtime, tenant_name)
    async with tenant.autocommit_async() as conn:
        [(_, pid)] = await _SHOW.rows_async(conn, {})
    with tenant.reading() as reader:
        reader.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(psycopg.OperationalError):
        async with tenant.autocommit_async() as conn:
            await _SHOW.rows_async(conn, {})
    async with tenant.autocommit_async() as conn:
        assert (await _SHOW.rows_async(conn, {}))[0][1] != pid


@pytest.mark.asyncio
async def test_a_tenant_closed_while_a_statement_is_awaited_closes_its_connection_after_it(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = _postgres_tenant(runtime, tenant_name)
    sleeping = Prepared(text("SELECT pg_sleep(0.2), 'done'"))
    async with tenant.autocommit_async() as conn:
        awaited = asyncio.ensure_future(sleeping.rows_async(conn, {}))
        await asyncio.sleep(0.05)
        tenant.close()  # while the statement runs: its connection stays open until it is done
        assert not conn.driver.closed
        assert (await awaited)[0][1] == "done"
    assert conn.driver.closed
    fresh = runtime.tenants.reset(tenant_name)
    async with fresh.autocommit_async() as conn:
        awaited = asyncio.ensure_future(sleeping.rows_async(conn, {}))
        await asyncio.sleep(0.05)
        runtime.tenants.reset(tenant_name)  # drops the database under the statement: it fails, not hangs
        with pytest.raises(psycopg.OperationalError):
            await asyncio.wait_for(awaited, timeout=10)
    assert conn.driver.closed
