"""Read access to psc's directory: through a connection, or from a per-tenant cache in memory.

The directory (clients, professionals, patients) is read-only once seeded, so the token endpoint's hot
path keeps what it has read in memory, per ``Tenant`` object: a reset makes a new ``Tenant`` and so a
new, empty cache; a dropped tenant's cache goes with it (weak keys). Only found entries are cached.
"""

from __future__ import annotations

import threading
from typing import Protocol, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection

from services.psc import repository
from services.psc.records import Client, Patient, Professional
from shared.tenants import Tenant

_RPPS_LENGTH = 11
_T = TypeVar("_T")


class Directory(Protocol):
    def client(self, client_id: str) -> Client | None: ...

    def professional(self, login_hint: str) -> Professional | None: ...

    def patient(self, ins: str) -> Patient | None: ...


def _find_professional(conn: Connection, login_hint: str) -> Professional | None:
    """``login_hint`` is an RPPS (11 digits) or an IdNat (``8`` + RPPS, or a CPE holder's)."""
    if len(login_hint) == _RPPS_LENGTH and login_hint.isdigit():
        return repository.get_professional(conn, rpps=login_hint)
    return repository.get_professional(conn, idnat=login_hint)


class ConnectionDirectory:
    """Reads through one connection (the CLI, or code already inside a unit of work)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def client(self, client_id: str) -> Client | None:
        return repository.get_client(self._conn, client_id)

    def professional(self, login_hint: str) -> Professional | None:
        return _find_professional(self._conn, login_hint)

    def patient(self, ins: str) -> Patient | None:
        return repository.get_patient(self._conn, ins)


class CachedDirectory:
    """One tenant's directory, each entry read once then served from memory."""

    def __init__(self, tenant: Tenant, max_entries: int) -> None:
        self._tenant = tenant
        self._max_entries = max_entries
        self._clients: dict[str, Client] = {}
        self._professionals: dict[str, Professional] = {}
        self._patients: dict[str, Patient] = {}

    def _remember(self, cache: dict[str, _T], key: str, value: _T) -> None:
        if self._max_entries == 0:
            return
        if len(cache) >= self._max_entries:
            cache.clear()
        cache[key] = value

    def client(self, client_id: str) -> Client | None:
        found = self._clients.get(client_id)
        if found is None:
            with self._tenant.reading() as conn:
                found = repository.get_client(conn, client_id)
            if found is not None:
                self._remember(self._clients, client_id, found)
        return found

    def professional(self, login_hint: str) -> Professional | None:
        found = self._professionals.get(login_hint)
        if found is None:
            with self._tenant.reading() as conn:
                found = _find_professional(conn, login_hint)
            if found is not None:
                self._remember(self._professionals, login_hint, found)
        return found

    def patient(self, ins: str) -> Patient | None:
        found = self._patients.get(ins)
        if found is None:
            with self._tenant.reading() as conn:
                found = repository.get_patient(conn, ins)
            if found is not None:
                self._remember(self._patients, ins, found)
        return found


_directories: WeakKeyDictionary[Tenant, CachedDirectory] = WeakKeyDictionary()
_lock = threading.Lock()


def cached_directory(tenant: Tenant, max_entries: int) -> CachedDirectory:
    """The cached directory of ``tenant`` (made on first use)."""
    found = _directories.get(tenant)
    if found is None:
        with _lock:
            found = _directories.get(tenant)
            if found is None:
                found = CachedDirectory(tenant, max_entries)
                _directories[tenant] = found
    return found
