"""``shared.db.Prepared``: a Core statement run on the driver's cursor, in the caller's transaction, on
SQLite and on PostgreSQL (the suite runs on both). Each test has a tenant of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Boolean, Text, bindparam, cast, insert, select, update
from sqlalchemy.dialects import postgresql

from shared.db import Prepared, TenantMeta, array_literal
from shared.runtime import Runtime

_meta = TenantMeta.__table__
_PREFIX = "prepared-test-"
_INSERT = Prepared(insert(_meta).values(key=bindparam("key"), value=bindparam("value")))
_GET = Prepared(select(_meta.c.value).where(_meta.c.key == bindparam("key")))
_MINE = Prepared(
    select(_meta.c.key, _meta.c.value)
    .where(_meta.c.key.startswith(bindparam("prefix")))
    .order_by(_meta.c.key)
)
_SET = Prepared(update(_meta).where(_meta.c.key == bindparam("key")).values(value=bindparam("value")))


def test_rows_first_and_run_read_and_write_in_the_callers_transaction(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    with tenant.unit_of_work() as conn:
        _INSERT.run(conn, {"key": f"{_PREFIX}a", "value": "1"})
        _INSERT.run_many(conn, [{"key": f"{_PREFIX}b", "value": "2"}, {"key": f"{_PREFIX}c", "value": "3"}])
        assert _SET.run(conn, {"key": f"{_PREFIX}a", "value": "one"}) == 1
        assert _SET.run(conn, {"key": f"{_PREFIX}missing", "value": "x"}) == 0
    with tenant.reading() as conn:
        assert _MINE.rows(conn, {"prefix": _PREFIX}) == [
            (f"{_PREFIX}a", "one"),
            (f"{_PREFIX}b", "2"),
            (f"{_PREFIX}c", "3"),
        ]
        assert _GET.first(conn, {"key": f"{_PREFIX}b"}) == ("2",)
        assert _GET.first(conn, {"key": f"{_PREFIX}missing"}) is None


def test_a_rolled_back_unit_of_work_keeps_none_of_its_prepared_writes(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)

    def half_written() -> None:
        with tenant.unit_of_work() as conn:
            _INSERT.run_many(
                conn, [{"key": f"{_PREFIX}x", "value": "1"}, {"key": f"{_PREFIX}y", "value": "2"}]
            )
            raise RuntimeError("refused after writing")

    with pytest.raises(RuntimeError):
        half_written()
    with tenant.reading() as conn:
        assert _MINE.rows(conn, {"prefix": _PREFIX}) == []


def test_run_many_of_no_rows_writes_nothing(runtime: Runtime, tenant_name: str) -> None:
    tenant = runtime.tenants.get(tenant_name)
    with tenant.unit_of_work() as conn:
        _INSERT.run_many(conn, [])
        assert _MINE.rows(conn, {"prefix": _PREFIX}) == []


def test_an_array_literal_quotes_every_string_and_writes_nulls_numbers_and_booleans() -> None:
    assert array_literal([]) == "{}"
    assert array_literal(["a", "", "NULL", None]) == '{"a","","NULL",NULL}'
    assert array_literal([1, -2, None]) == "{1,-2,NULL}"
    assert array_literal([True, False]) == "{t,f}"
    assert array_literal(['say "hi"', "back\\slash"]) == '{"say \\"hi\\"","back\\\\slash"}'


_TEXTS = Prepared(select(cast(bindparam("texts"), postgresql.ARRAY(Text()))))
_NUMBERS = Prepared(
    select(
        cast(bindparam("numbers"), postgresql.ARRAY(BigInteger())),
        cast(bindparam("flags"), postgresql.ARRAY(Boolean())),
    )
)


def test_postgresql_reads_an_array_literal_back_as_the_values_given(
    runtime: Runtime, tenant_name: str
) -> None:
    tenant = runtime.tenants.get(tenant_name)
    if tenant.engine.dialect.name != "postgresql":
        pytest.skip("array literals are bound on PostgreSQL")
    texts = ["plain", "", "NULL", None, "a,b", "{braces}", 'quote " in', "back\\slash", " spaced ", "été"]
    with tenant.reading() as conn:
        assert _TEXTS.first(conn, {"texts": array_literal(texts)}) == (texts,)
        assert _TEXTS.first(conn, {"texts": array_literal([])}) == ([],)
        numbers, flags = [9_000_000_000_000, -1, None], [True, False, None]
        found = _NUMBERS.first(conn, {"numbers": array_literal(numbers), "flags": array_literal(flags)})
        assert found == (numbers, flags)
