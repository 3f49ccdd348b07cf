"""Tenants: isolated copies of the seeded world, created on first use, reset and dropped on demand."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, contextmanager
from typing import Protocol

from sqlalchemy import Connection, Engine

from shared.clock import TenantClock
from shared.db import AsyncAutocommit, AsyncDriverConnection, Storage, generic_plans, make_engine
from shared.errors import NotFound
from shared.tenancy import check_tenant_name


class _Pinned:
    """One connection kept out of the pool for the blocks that find it free.

    Checking a connection out of SQLAlchemy's pool and back in costs 20-30 us a request on this machine
    kind, a tenth of a hot read. The pinned connection skips both; a block that finds it in use (another
    thread, or a coroutine that awaits inside its block) takes one from the pool as before, so no two
    blocks ever share a connection. A broken connection is replaced on next use."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._conn: Connection | None = None

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        if not self._lock.acquire(blocking=False):
            with self._engine.connect() as spare:
                yield spare
            return
        try:
            pinned = self._conn
            if pinned is None or pinned.closed or pinned.invalidated:
                pinned = self._conn = self._engine.connect()
            try:
                yield pinned
            finally:
                if pinned.in_transaction():
                    pinned.rollback()
        finally:
            self._lock.release()

    def close(self) -> None:
        """Give the connection back to the pool (waits for the block using it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Tenant:
    """One tenant's database and clock."""

    def __init__(self, name: str, engine: Engine, clock: TenantClock) -> None:
        self.name = name
        self.engine = engine
        self.clock = clock
        # Reads open no transaction: psycopg would send BEGIN and, when the connection goes back to the
        # pool, ROLLBACK, each a round trip to the server (about 0.2 ms on this machine kind, more than a
        # whole small request). SQLite's reads open none either; AUTOCOMMIT there also makes a write
        # through this connection commit at once (``autocommit``) instead of opening a transaction.
        self._reader = _Pinned(engine.execution_options(isolation_level="AUTOCOMMIT"))
        self._writer = _Pinned(engine)
        self._generic_engine = generic_plans(engine)
        self._generic = (
            self._reader
            if self._generic_engine is engine
            else _Pinned(self._generic_engine.execution_options(isolation_level="AUTOCOMMIT"))
        )
        self._async = AsyncAutocommit(self._generic_engine) if engine.dialect.name == "postgresql" else None
        # Connections still pinned when the tenant is forgotten go back to the pool, not to the GC.
        held: tuple[_Closable, ...] = (self._reader, self._writer, self._generic)
        self._finalizer = weakref.finalize(
            self, _close_all, held if self._async is None else (*held, self._async)
        )

    @contextmanager
    def unit_of_work(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends normally, rolled back on any error."""
        with self._writer.connection() as conn, conn.begin():
            yield conn

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads only: each statement sees what is committed when it runs (no
        transaction spans the block); never write through it (it is ``autocommit``'s connection: a
        write would be committed at once, not rolled back with the block)."""
        return self.autocommit()

    @contextmanager
    def autocommit(self, *, generic_plans: bool = False) -> Iterator[Connection]:
        """A connection on which every statement is its own transaction: reads see what is committed
        when they run, and a write is committed as soon as it has run. For a block that reads, decides,
        then writes at most one statement: on PostgreSQL that write is one round trip where a unit of
        work costs three (BEGIN, the statement, COMMIT). ``generic_plans``: for statements that take
        arrays (``shared.db.generic_plans``)."""
        with (self._generic if generic_plans else self._reader).connection() as conn:
            yield conn

    def autocommit_async(self) -> AbstractAsyncContextManager[AsyncDriverConnection]:
        """PostgreSQL: ``autocommit(generic_plans=True)`` for a coroutine, which awaits its statement
        (``Prepared.rows_async``) while the event loop serves other requests; one user at a time."""
        if self._async is None:
            raise RuntimeError(f"{self.engine.dialect.name}: no asynchronous connection (PostgreSQL only)")
        return self._async.connection()

    def close(self) -> None:
        """Return the pinned connections and dispose of the engine."""
        self._finalizer()
        self.engine.dispose()
        if self._generic_engine is not self.engine:
            self._generic_engine.dispose()


class _Closable(Protocol):
    def close(self) -> None: ...


def _close_all(held: tuple[_Closable, ...]) -> None:
    for each in held:
        each.close()


class UnknownTenant(NotFound):
    code = "tenant-unknown"


class TenantRegistry:
    """Opens tenants' databases, creating each from the template the first time its name is used."""

    def __init__(
        self, storage: Storage, *, clock_cache_seconds: float | None, sqlite_synchronous: str = "normal"
    ) -> None:
        self.storage = storage
        self._synchronous = sqlite_synchronous
        self._clock_cache_seconds = clock_cache_seconds
        self._open: dict[str, Tenant] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Tenant:
        """The tenant ``name``, created from the template on first use (once, even under a race)."""
        tenant = self._open.get(name)
        if tenant is not None:
            return tenant
        check_tenant_name(name)
        with self._lock:
            tenant = self._open.get(name)
            if tenant is None:
                with self.storage.template_lock():
                    if not self.storage.tenant_exists(name):
                        self.storage.copy_template_to(name, replace=False)
                tenant = self._open_tenant(name)
        return tenant

    def _open_tenant(self, name: str) -> Tenant:
        engine = make_engine(self.storage.tenant_url(name), synchronous=self._synchronous)
        tenant = Tenant(name, engine, TenantClock(engine, cache_seconds=self._clock_cache_seconds))
        self._open[name] = tenant
        return tenant

    def _close(self, name: str) -> None:
        tenant = self._open.pop(name, None)
        if tenant is not None:
            tenant.close()

    def reset(self, name: str) -> Tenant:
        """Put ``name`` back to the seeded state (creating it when it did not exist)."""
        check_tenant_name(name)
        with self._lock:
            self._close(name)
            with self.storage.template_lock():
                self.storage.copy_template_to(name, replace=True)
            return self._open_tenant(name)

    def delete(self, name: str) -> None:
        check_tenant_name(name)
        with self._lock:
            self._close(name)
            with self.storage.template_lock():
                if not self.storage.drop_tenant(name):
                    raise UnknownTenant(f"tenant {name!r} does not exist")

    def names(self) -> list[str]:
        return self.storage.list_tenants()

    def forget_all(self) -> None:
        """Close every open tenant (after the template was rebuilt, their files are gone)."""
        with self._lock:
            for name in list(self._open):
                self._close(name)
