"""The software authorisation numbers (IDAM) a tenant's INSi knows, read from ``insi_logiciel``.

Known numbers are the documented ones (seeded in every tenant, see ``seed.py``), those registered in the
tenant through ``PUT /insi/sandbox/logiciels/{idam}``, and those of ``ESANTE_INSI_KNOWN_IDAM`` (every
tenant). Each request checks its number: the tenant's set is kept in memory, re-read after this
process changes it, and, when processes share PostgreSQL, re-read on every check so that a number
registered through one replica is known at once by the others.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from services.insi import repository
from shared.tenants import Tenant


@dataclass(slots=True)
class _Known:
    idams: frozenset[str]
    read_at: float


_cache: WeakKeyDictionary[Tenant, _Known] = WeakKeyDictionary()
_lock = threading.Lock()


def known_idams(tenant: Tenant, *, cache_seconds: float | None) -> frozenset[str]:
    """The numbers registered in ``tenant`` (seeded or added), cached for ``cache_seconds`` (None:
    until this process changes them)."""
    known = _cache.get(tenant)
    now = time.monotonic()
    if known is not None and (cache_seconds is None or now - known.read_at < cache_seconds):
        return known.idams
    with tenant.reading() as conn:
        idams = frozenset(idam for idam, _, _ in repository.list_logiciels(conn))
    with _lock:
        _cache[tenant] = _Known(idams, now)
    return idams


def forget(tenant: Tenant) -> None:
    """Drop the tenant's cached set (after a change made by this process)."""
    with _lock:
        _cache.pop(tenant, None)
