"""Each tenant's habilitation matrix: the default one, or the file uploaded to the tenant.

Read from the tenant's database on every use (one indexed read, in the request's own connection; the
uploaded file parsed), so that an upload through any process is seen by every process on its next
request. Keeping it in memory was
measured by the bench's caches suite at 1.0x to 1.3x on the DMP search and deposit: not worth a copy
that other processes could see stale.
"""

from __future__ import annotations

from sqlalchemy import Connection

from services.dmp import matrice
from services.dmp.errors import MatriceInvalide
from services.dmp.matrice import Matrice
from services.dmp.repository import matrix as matrix_rows
from shared.tenants import Tenant


def matrice_of(conn: Connection) -> Matrice:
    """The tenant's matrix, read through ``conn``: the uploaded file, else the default one."""
    document = matrix_rows.get_matrice(conn)
    return matrice.DEFAULT if document is None else matrice.parse(document, "uploaded")


def upload(tenant: Tenant, document: bytes, now: int) -> Matrice:
    """Replace the tenant's matrix with an uploaded file (checked first)."""
    try:
        parsed = matrice.parse(document, "uploaded")
    except ValueError as exc:
        raise MatriceInvalide(f"the matrix file is not valid: {exc}", rule="matrix-file") from None
    with tenant.unit_of_work() as conn:
        matrix_rows.put_matrice(conn, document.decode("utf-8"), now)
    return parsed


def restore_default(tenant: Tenant) -> Matrice:
    with tenant.unit_of_work() as conn:
        matrix_rows.delete_matrice(conn)
    return matrice.DEFAULT
