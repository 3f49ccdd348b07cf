"""The tenant clock: read once per request, and kept across requests only while the sandbox's clock
generation (shared by its processes through the data folder) does not move, so never stale in any
process."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, insert

from shared.clock import ClockMode, ClockRow, ClockSetting, TenantClock, begin_request
from shared.db import Base, SqliteStorage, make_engine
from shared.files import SharedCounters
from shared.tenants import TENANT_SLOTS, Tenant, TenantRegistry, shared_counters, tenant_slot


def _clock(tmp_path: Path, counters: SharedCounters | None = None) -> tuple[TenantClock, list[str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'clock.db'}")
    Base.metadata.create_all(engine, tables=[ClockRow.__table__])  # type: ignore[list-item]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return Tenant("clock", engine, counters).clock, statements


def _request(clock: TenantClock) -> datetime:
    def run() -> datetime:
        begin_request({})
        return clock.now()

    return contextvars.copy_context().run(run)


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


def test_kept_across_requests_while_the_generation_stays(tmp_path: Path) -> None:
    clock, statements = _clock(tmp_path, shared_counters(tmp_path))
    for _ in range(3):
        _request(clock)
    contextvars.copy_context().run(lambda: (clock.now(), clock.now()))
    assert _selects(statements) == 1


def test_a_change_set_by_another_process_is_seen_by_the_next_request(tmp_path: Path) -> None:
    clock, statements = _clock(tmp_path, shared_counters(tmp_path))
    assert _request(clock).year != 2030
    # Another process: its own mapping of the data folder's counter, its own engine and clock.
    other = Tenant(
        "clock",
        make_engine(f"sqlite:///{tmp_path / 'clock.db'}"),
        shared_counters(tmp_path),
    )
    frozen = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    other.clock.set(ClockSetting(ClockMode.FROZEN, frozen))
    assert _request(clock) == frozen
    assert _request(clock) == frozen
    assert _selects(statements) == 2


def test_a_reset_or_a_delete_moves_the_tenant_and_its_clock_everywhere(tmp_path: Path) -> None:
    """Another process then opens the tenant afresh and reads its clock again."""
    storage = SqliteStorage(tmp_path / "data")
    storage.ensure_template("clock-test", lambda url: Base.metadata.create_all(make_engine(url)))
    registry = TenantRegistry(storage, counters=shared_counters(tmp_path / "data"))
    theirs = TenantRegistry(storage, counters=shared_counters(tmp_path / "data"))  # another process
    counters = shared_counters(tmp_path / "data")
    slot = tenant_slot("t")
    registry.create("t")
    kept, untouched = theirs.get("t"), theirs.get("u")
    seen = [(counters.current(slot), counters.current(TENANT_SLOTS + slot))]
    registry.reset("t")
    seen.append((counters.current(slot), counters.current(TENANT_SLOTS + slot)))
    assert kept.stale()
    assert theirs.get("t") is not kept
    assert kept.retired
    assert theirs.get("u") is untouched  # another tenant's slot did not move
    registry.delete("t")
    seen.append((counters.current(slot), counters.current(TENANT_SLOTS + slot)))
    assert len({a for a, _ in seen}) == 3
    assert len({b for _, b in seen}) == 3


def test_without_a_shared_generation_a_direct_write_is_seen_too(tmp_path: Path) -> None:
    """The clock of a process with no data folder (a bare ``Tenant``) reads on every request."""
    clock, _ = _clock(tmp_path)
    assert _request(clock).year != 2031
    with Tenant("clock", make_engine(f"sqlite:///{tmp_path / 'clock.db'}")).unit_of_work() as conn:
        conn.execute(insert(ClockRow).values(id=1, mode="frozen", frozen_at=datetime(2031, 1, 1, tzinfo=UTC)))
    assert _request(clock).year == 2031
