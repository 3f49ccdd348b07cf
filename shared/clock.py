"""The per-tenant clock: real time by default, or frozen at an instant, or offset from real time.

Every rule that depends on time reads ``TenantClock.now()``. The setting lives in the tenant's own
database (table ``tenant_clock``) so that every process of every service sees the same time.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, Engine, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base
from shared.errors import InvalidInput


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


class TenantClock:
    """Reads the tenant's clock setting, cached for ``cache_seconds`` (0: read on every call).

    One process that owns the database (the all-in-one SQLite mode) caches forever and invalidates on
    its own writes; processes sharing PostgreSQL cache it for a fraction of a second (the sandbox's
    clock route waits that long before answering) and never read it twice within one request (see
    ``begin_request``).
    """

    def __init__(self, engine: Engine, *, cache_seconds: float | None) -> None:
        self._engine = engine
        self._cache_seconds = cache_seconds
        self._cached: ClockSetting | None = None
        self._read_at = 0.0

    def setting(self) -> ClockSetting:
        memo = _request_memo.get()
        if memo is not None and self in memo:
            return memo[self]
        setting = self._read()
        if memo is not None:
            memo[self] = setting
        return setting

    def _read(self) -> ClockSetting:
        fresh = self._cached is not None and (
            self._cache_seconds is None or time.monotonic() - self._read_at < self._cache_seconds
        )
        if fresh:
            assert self._cached is not None
            return self._cached
        with self._engine.connect() as conn:
            row = conn.execute(
                select(ClockRow.mode, ClockRow.frozen_at, ClockRow.offset_seconds).where(ClockRow.id == 1)
            ).first()
        setting = (
            ClockSetting() if row is None else _setting_from_row(row.mode, row.frozen_at, row.offset_seconds)
        )
        self._cached, self._read_at = setting, time.monotonic()
        return setting

    def now(self) -> datetime:
        return self.setting().now()

    def today(self) -> date:
        return self.now().date()

    def set(self, setting: ClockSetting) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(ClockRow))
            conn.execute(
                insert(ClockRow).values(
                    id=1,
                    mode=setting.mode.value,
                    frozen_at=setting.frozen_at,
                    offset_seconds=setting.offset_seconds,
                )
            )
        self._cached, self._read_at = setting, time.monotonic()
        memo = _request_memo.get()
        if memo is not None:
            memo[self] = setting

    def forget(self) -> None:
        self._cached = None


def _setting_from_row(mode: str, frozen_at: datetime | None, offset: int) -> ClockSetting:
    if frozen_at is not None and frozen_at.tzinfo is None:  # SQLite keeps no zone: stored as UTC
        frozen_at = frozen_at.replace(tzinfo=UTC)
    return ClockSetting(ClockMode(mode), frozen_at, offset)
