"""Each tenant's habilitation matrix: the default one, or the file uploaded to the tenant.

Kept in memory per tenant; a process that owns the database (SQLite) re-reads only after its own
upload; processes sharing PostgreSQL re-read at most every second, so an upload through one replica is
seen by the others within a second.
"""

from __future__ import annotations

import threading
import time
from weakref import WeakKeyDictionary

from services.dmp import matrice
from services.dmp.errors import MatriceInvalide
from services.dmp.matrice import Matrice
from services.dmp.repository import matrix as matrix_rows
from shared.tenants import Tenant

_cache: WeakKeyDictionary[Tenant, tuple[float, Matrice]] = WeakKeyDictionary()
_lock = threading.Lock()


def matrice_of(tenant: Tenant, cache_seconds: float | None) -> Matrice:
    """The tenant's matrix (cached for ``cache_seconds``; None: until this process changes it)."""
    hit = _cache.get(tenant)
    now = time.monotonic()
    if hit is not None and (cache_seconds is None or now - hit[0] < cache_seconds):
        return hit[1]
    with tenant.reading() as conn:
        document = matrix_rows.get_matrice(conn)
    found = matrice.DEFAULT if document is None else matrice.parse(document, "uploaded")
    with _lock:
        _cache[tenant] = (now, found)
    return found


def upload(tenant: Tenant, document: bytes, now: int) -> Matrice:
    """Replace the tenant's matrix with an uploaded file (checked first)."""
    try:
        parsed = matrice.parse(document, "uploaded")
    except ValueError as exc:
        raise MatriceInvalide(f"the matrix file is not valid: {exc}", rule="matrix-file") from None
    with tenant.unit_of_work() as conn:
        matrix_rows.put_matrice(conn, document.decode("utf-8"), now)
    with _lock:
        _cache[tenant] = (time.monotonic(), parsed)
    return parsed


def restore_default(tenant: Tenant) -> Matrice:
    with tenant.unit_of_work() as conn:
        matrix_rows.delete_matrice(conn)
    with _lock:
        _cache[tenant] = (time.monotonic(), matrice.DEFAULT)
    return matrice.DEFAULT
