"""A tenant's pinned connections: reused by the blocks that find them free, never shared by two blocks
at once, given back on reset; the one whose PostgreSQL sessions keep generic plans; and the durability
setting of SQLite tenant databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from shared.db import make_engine
from shared.runtime import Runtime

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
