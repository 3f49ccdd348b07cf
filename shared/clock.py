"""The per-tenant clock: real time by default, or frozen at an instant, or offset from real time.

Every rule that depends on time reads ``TenantClock.now()``. The setting lives in the tenant's own
database (table ``tenant_clock``) so that every process of every service sees the same time.

A process keeps the setting it read for as long as the tenant's clock counter (one of the
``SharedCounters`` every process of the sandbox maps from ``<data_dir>/run/generations``) does not
move. Whatever changes a clock (a clock set, a tenant reset or deleted) moves it once its change is
committed, so the next request of any process reads the new setting: what a request costs is a memory
read, not a round trip to the database.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Connection, DateTime, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base
from shared.errors import InvalidInput
from shared.files import SharedCounters


class ClockMode(StrEnum):
    REAL = "real"
    FROZEN = "frozen"
    OFFSET = "offset"


class ClockRow(Base):
    __tablename__ = "tenant_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offset_seconds: Mapped[int] = mapped_column(Integer, default=0)


_READ = select(ClockRow.mode, ClockRow.frozen_at, ClockRow.offset_seconds).where(ClockRow.id == 1)
"""Built once: building the statement costs about as much as running it."""


@dataclass(frozen=True, slots=True)
class ClockSetting:
    mode: ClockMode = ClockMode.REAL
    frozen_at: datetime | None = None
    offset_seconds: int = 0

    def now(self) -> datetime:
        if self.mode is ClockMode.FROZEN and self.frozen_at is not None:
            return self.frozen_at
        real = datetime.now(UTC)
        return real + timedelta(seconds=self.offset_seconds) if self.mode is ClockMode.OFFSET else real

    @classmethod
    def from_request(cls, mode: ClockMode, now: datetime | None, offset_seconds: int | None) -> ClockSetting:
        """Validate a clock change: frozen needs ``now``; offset takes ``offset_seconds`` or ``now``."""
        if now is not None and now.tzinfo is None:
            raise InvalidInput("now must carry a time zone (e.g. 2026-01-01T09:00:00Z)", rule="clock")
        if mode is ClockMode.REAL:
            return cls()
        if mode is ClockMode.FROZEN:
            if now is None:
                raise InvalidInput("a frozen clock needs 'now'", rule="clock")
            return cls(ClockMode.FROZEN, now.astimezone(UTC))
        if now is not None:
            return cls(ClockMode.OFFSET, offset_seconds=round((now - datetime.now(UTC)).total_seconds()))
        if offset_seconds is None:
            raise InvalidInput("an offset clock needs 'offset_seconds' or 'now'", rule="clock")
        return cls(ClockMode.OFFSET, offset_seconds=offset_seconds)


_request_memo: ContextVar[dict[TenantClock, ClockSetting] | None] = ContextVar(
    "esante_clock_memo", default=None
)


def begin_request(memo: dict[TenantClock, ClockSetting]) -> None:
    """Memoise clock readings in ``memo`` (one dict per request, kept in its ASGI scope) from now on."""
    _request_memo.set(memo)


class _Connections(Protocol):
    """Where a clock reads and writes its setting: its tenant's two connection modes."""

    def reading(self) -> AbstractContextManager[Connection]: ...

    def unit_of_work(self) -> AbstractContextManager[Connection]: ...


class TenantClock:
    """The tenant's clock setting, the same for the whole of a request (``begin_request``).

    With ``counters``, the setting read from the database is kept until counter ``index`` moves, so a
    change made by any process is seen by every process on its next request. Without, it is read once
    per request and on every call outside a request."""

    def __init__(self, tenant: _Connections, counters: SharedCounters | None = None, index: int = 0) -> None:
        self._tenant = tenant
        self._counters = counters
        self._index = index
        self._kept: tuple[int, ClockSetting] | None = None

    def setting(self) -> ClockSetting:
        memo = _request_memo.get()
        if memo is not None and self in memo:
            return memo[self]
        setting = self._current()
        if memo is not None:
            memo[self] = setting
        return setting

    def _current(self) -> ClockSetting:
        if self._counters is None:
            return self._read()
        seen = self._counters.current(self._index)  # before the read: a change committed meanwhile moves it
        kept = self._kept
        if kept is not None and kept[0] == seen:
            return kept[1]
        setting = self._read()
        self._kept = (seen, setting)
        return setting

    def _read(self) -> ClockSetting:
        with self._tenant.reading() as conn:
            row = conn.execute(_READ).first()
        if row is None:
            return ClockSetting()
        return _setting_from_row(row.mode, row.frozen_at, row.offset_seconds)

    def now(self) -> datetime:
        return self.setting().now()

    def today(self) -> date:
        return self.now().date()

    def set(self, setting: ClockSetting) -> None:
        with self._tenant.unit_of_work() as conn:
            conn.execute(delete(ClockRow))
            conn.execute(
                insert(ClockRow).values(
                    id=1,
                    mode=setting.mode.value,
                    frozen_at=setting.frozen_at,
                    offset_seconds=setting.offset_seconds,
                )
            )
        self.changed()
        memo = _request_memo.get()
        if memo is not None:
            memo[self] = setting

    def changed(self) -> None:
        """After a committed change of the setting (or of the whole tenant): every process reads it
        again on its next request."""
        self._kept = None
        if self._counters is not None:
            self._counters.bump(self._index)


def _setting_from_row(mode: str, frozen_at: datetime | None, offset: int) -> ClockSetting:
    if frozen_at is not None and frozen_at.tzinfo is None:  # SQLite keeps no zone: stored as UTC
        frozen_at = frozen_at.replace(tzinfo=UTC)
    return ClockSetting(ClockMode(mode), frozen_at, offset)
