"""The tenant clock: read once per request, never kept longer, so never stale in any process."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, insert

from shared.clock import ClockMode, ClockRow, ClockSetting, TenantClock, begin_request
from shared.db import Base, make_engine
from shared.tenants import Tenant


def _clock(tmp_path: Path) -> tuple[TenantClock, list[str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'clock.db'}")
    Base.metadata.create_all(engine, tables=[ClockRow.__table__])  # type: ignore[list-item]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return Tenant("clock", engine).clock, statements


def _selects(statements: list[str]) -> int:
    return sum("FROM tenant_clock" in s for s in statements)


def test_one_read_per_request(tmp_path: Path) -> None:
    clock, statements = _clock(tmp_path)

    def request() -> None:
        begin_request({})
        clock.now()
        clock.now()
        clock.today()

    contextvars.copy_context().run(request)
    assert _selects(statements) == 1
    contextvars.copy_context().run(request)
    assert _selects(statements) == 2


def test_outside_a_request_every_read_goes_to_the_database(tmp_path: Path) -> None:
    clock, statements = _clock(tmp_path)
    contextvars.copy_context().run(lambda: (clock.now(), clock.now()))
    assert _selects(statements) == 2


def test_a_change_by_another_process_is_seen_by_the_next_request(tmp_path: Path) -> None:
    clock, _ = _clock(tmp_path)
    frozen = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    def request() -> datetime:
        begin_request({})
        return clock.now()

    assert contextvars.copy_context().run(request).year != 2030
    other = Tenant("clock", make_engine(f"sqlite:///{tmp_path / 'clock.db'}"))
    with other.unit_of_work() as conn:  # another process writes the row
        conn.execute(insert(ClockRow).values(id=1, mode="frozen", frozen_at=frozen, offset_seconds=0))
    assert contextvars.copy_context().run(request) == frozen


def test_a_change_within_the_request_is_seen_at_once(tmp_path: Path) -> None:
    clock, _ = _clock(tmp_path)
    frozen = datetime(2031, 6, 1, tzinfo=UTC)

    def request() -> tuple[datetime, datetime]:
        begin_request({})
        before = clock.now()
        clock.set(ClockSetting(ClockMode.FROZEN, frozen))
        return before, clock.now()

    before, after = contextvars.copy_context().run(request)
    assert before != frozen
    assert after == frozen
