"""Tenants: isolated copies of the seeded world, created on first use or on demand, reset and dropped.

A ``Tenant`` is one opened database with its clock. Every access goes through one of its two
connection modes, ``reading`` and ``unit_of_work``, each a connection of the tenant's pooled engine
for the length of one block. A database error there comes out as one of the sandbox's errors:

* the tenant was reset or deleted while the block ran (or before it opened): ``409 tenant-reset``;
* the database cannot be reached (PostgreSQL stopped or restarting, a connection dropped):
  ``503 database-unavailable``. The pool drops every connection opened before such an error, so once
  the database is back the next block connects afresh.

Resetting or deleting retires the open ``Tenant`` first: a block that opens on it afterwards is
refused, a block already running either completes on the old state or fails with ``tenant-reset``,
and nothing written through a retired tenant can land in its successor (SQLite files are opened
without create: a late connection cannot make an empty file in place of a deleted tenant).
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from sqlalchemy import Connection, Engine, select
from sqlalchemy import exc as sa_exc

from shared.clock import TenantClock
from shared.db import Storage, make_engine
from shared.errors import UNREACHABLE, Conflict, DatabaseUnavailable, NotFound
from shared.files import SharedCounters
from shared.tenancy import DEFAULT_TENANT, check_tenant_name

TENANT_SLOTS: Final = 64
"""The shared counters (``shared.files.SharedCounters``, ``<data_dir>/run/generations``): a tenant's
name picks one of 64 slots; slot ``i`` moves when a tenant of that slot is reset or deleted, slot
``64 + i`` when its clock changes too. Two names in one slot only cost each other a fresh read."""


def tenant_slot(name: str) -> int:
    return zlib.crc32(name.encode()) % TENANT_SLOTS


def shared_counters(data_dir: Path) -> SharedCounters:
    """The counters of the sandbox whose data folder is ``data_dir``."""
    return SharedCounters(data_dir / "run" / "generations", 2 * TENANT_SLOTS)


class TenantReset(Conflict):
    code = "tenant-reset"


class UnknownTenant(NotFound):
    code = "tenant-unknown"


class DefaultTenant(Conflict):
    code = "tenant-default"


@contextlib.contextmanager
def database_errors(tenant: Tenant | None = None) -> Iterator[None]:
    """Translate a database that cannot be reached into ``tenant-reset`` (``tenant`` was retired
    meanwhile) or ``database-unavailable``; other errors pass unchanged."""
    try:
        yield
    except UNREACHABLE as exc:
        if tenant is not None and (tenant.retired or tenant.stale()):
            raise TenantReset(
                f"tenant {tenant.name!r} was reset or deleted while this request ran in it; try again",
                rule="tenant-reset",
            ) from exc
        raise DatabaseUnavailable.of(exc) from exc
    except sa_exc.DBAPIError as exc:
        # A statement that failed because its tenant's database was dropped under it (SQLite: the file
        # was removed; PostgreSQL: the database is gone) is a reset, whatever the driver called it.
        if tenant is not None and (tenant.retired or tenant.stale()):
            raise TenantReset(
                f"tenant {tenant.name!r} was reset or deleted while this request ran in it; try again",
                rule="tenant-reset",
            ) from exc
        raise


class Tenant:
    """One tenant's database and clock."""

    def __init__(self, name: str, engine: Engine, counters: SharedCounters | None = None) -> None:
        self.name = name
        self._counters = counters
        self._slot = tenant_slot(name)
        self._opened_at = 0 if counters is None else counters.current(self._slot)
        """The tenant's counter when it was opened (before any connection): once it moved, another
        process reset or deleted it, and this one is no longer the tenant of that name."""
        self.engine = engine
        # Reads open no transaction. PostgreSQL: in autocommit psycopg sends no BEGIN and, when the
        # connection goes back to the pool, no ROLLBACK (each a round trip). SQLite: its driver begins
        # a transaction only before a write, so the engine's own connections read without one; switching
        # them to autocommit and back would cost about 100 us a block.
        self._reader = (
            engine
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.retired = False
        self.clock = TenantClock(self, counters, TENANT_SLOTS + self._slot)

    def stale(self) -> bool:
        """Whether a process reset or deleted this tenant since it was opened here."""
        return self._counters is not None and self._counters.current(self._slot) != self._opened_at

    def _check_open(self) -> None:
        if self.retired:
            raise TenantReset(
                f"tenant {self.name!r} was reset or deleted while this request ran in it; try again",
                rule="tenant-reset",
            )

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends normally, rolled back on any error."""
        self._check_open()
        with database_errors(self), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only: each statement sees what is committed when it runs (no
        transaction spans the block). Never write through it: nothing would roll the write back."""
        self._check_open()
        with database_errors(self), self._reader.connect() as conn:
            yield conn

    def ping(self) -> None:
        """One round trip to the database (``database-unavailable`` when it cannot be reached)."""
        with self.reading() as conn:
            conn.execute(select(1))

    def retire(self) -> None:
        """Refuse every block from now on and release the pooled connections (a connection in use is
        closed when its block ends)."""
        self.retired = True
        self.engine.dispose()

    close = retire


class TenantRegistry:
    """Opens tenants' databases, creating each from the template the first time its name is used."""

    def __init__(
        self,
        storage: Storage,
        *,
        sqlite_synchronous: str = "normal",
        counters: SharedCounters | None = None,
    ) -> None:
        self.storage = storage
        self._synchronous = sqlite_synchronous
        self.counters = counters
        """Shared with the sandbox's other processes: a reset or delete here moves the tenant's
        counters, so that no other process keeps serving it from connections to a database that is
        gone, or with its old clock (``TENANT_SLOTS``)."""
        self._open: dict[str, Tenant] = {}
        self._lock = threading.Lock()
        self.epoch = 0
        """Counts resets and deletes; a request notes it when it starts (``get(since=...)``)."""
        self._changed: dict[str, int] = {}

    def _changed_now(self, name: str) -> None:
        self.epoch += 1
        self._changed[name] = self.epoch

    def get(self, name: str, *, since: int | None = None) -> Tenant:
        """The tenant ``name``, created from the template on first use (once, even under a race).

        ``since``: the ``epoch`` when the asking request started. A request that started before the
        tenant was reset or deleted is refused (``tenant-reset``) rather than served by, or
        re-creating, a tenant it did not start in."""
        if since is not None and self._changed.get(name, 0) > since:
            raise TenantReset(
                f"tenant {name!r} was reset or deleted after this request started; try again",
                rule="tenant-reset",
            )
        tenant = self._open.get(name)
        if tenant is not None:
            if not tenant.stale():
                return tenant
            with self._lock:  # reset or deleted by another process: open it afresh
                if self._open.get(name) is tenant:
                    self._retire(name)
        check_tenant_name(name)
        with self._lock, database_errors():
            tenant = self._open.get(name)
            if tenant is None:
                with self.storage.template_lock():
                    if not self.storage.tenant_exists(name):
                        self.storage.copy_template_to(name, replace=False)
                tenant = self._open_tenant(name)
        return tenant

    def create(self, name: str) -> bool:
        """Make tenant ``name`` exist; True when it was created now, False when it existed."""
        check_tenant_name(name)
        with self._lock, database_errors():
            with self.storage.template_lock():
                created = self.storage.copy_template_to(name, replace=False)
            if name not in self._open:
                self._open_tenant(name)
        return created

    def _open_tenant(self, name: str) -> Tenant:
        engine = make_engine(self.storage.tenant_url(name), synchronous=self._synchronous)
        tenant = self._open[name] = Tenant(name, engine, self.counters)
        return tenant

    def _retire(self, name: str) -> None:
        tenant = self._open.pop(name, None)
        if tenant is not None:
            tenant.retire()

    def reset(self, name: str) -> Tenant:
        """Put ``name`` back to the seeded state; ``tenant-unknown`` when it does not exist."""
        check_tenant_name(name)
        with self._lock, database_errors():
            with self.storage.template_lock():
                if not self.storage.tenant_exists(name):
                    raise UnknownTenant(f"tenant {name!r} does not exist", rule="tenant-exists")
                self._retire(name)
                self._changed_now(name)
                self.storage.copy_template_to(name, replace=True)
                self._changed_everywhere(name)
            return self._open_tenant(name)

    def delete(self, name: str) -> None:
        """Drop tenant ``name`` and its data; the default tenant is reset, never dropped."""
        check_tenant_name(name)
        if name == DEFAULT_TENANT:
            raise DefaultTenant(
                "the default tenant cannot be deleted; reset it instead", rule="tenant-default-kept"
            )
        with self._lock, database_errors(), self.storage.template_lock():
            self._retire(name)
            self._changed_now(name)
            dropped = self.storage.drop_tenant(name)
            self._changed_everywhere(name)
            if not dropped:
                raise UnknownTenant(f"tenant {name!r} does not exist", rule="tenant-exists")

    def _changed_everywhere(self, name: str) -> None:
        """After a reset or delete here: every process opens the tenant afresh and reads its clock."""
        if self.counters is not None:
            slot = tenant_slot(name)
            self.counters.bump(slot)
            self.counters.bump(TENANT_SLOTS + slot)

    def names(self) -> list[str]:
        with database_errors():
            return self.storage.list_tenants()

    def forget_all(self) -> None:
        """Close every open tenant (after the template was rebuilt, their files are gone)."""
        with self._lock:
            for name in list(self._open):
                self._retire(name)
