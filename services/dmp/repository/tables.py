"""The DMP's tables as SQLAlchemy Core sees them, and the bulk insert the seed uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection, Table, insert

from services.dmp.models import (
    DmpDocument,
    DmpDocumentContenu,
    DmpMatrice,
    DmpNotification,
    DmpProfessionnel,
    DmpProfile,
    DmpRepresentant,
    DmpSubmissionEntry,
    DmpSubmissionSet,
    DmpTrace,
)
from shared.db import table_of

profile: Final = table_of(DmpProfile)
representant: Final = table_of(DmpRepresentant)
lien: Final = table_of(DmpProfessionnel)
document: Final = table_of(DmpDocument)
contenu: Final = table_of(DmpDocumentContenu)
trace: Final = table_of(DmpTrace)
notification: Final = table_of(DmpNotification)
matrice: Final = table_of(DmpMatrice)
submission: Final = table_of(DmpSubmissionSet)
submission_entry: Final = table_of(DmpSubmissionEntry)

_BY_NAME: Final[dict[str, Table]] = {
    "profile": profile,
    "representant": representant,
    "lien": lien,
    "document": document,
    "contenu": contenu,
    "trace": trace,
    "notification": notification,
}


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    """Insert ``rows`` into the table named ``table`` (the seed), ``batch`` rows a statement."""
    target = _BY_NAME[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))
