"""Documents and their contents, and the read a professional's search makes."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from services.dmp.records import Document, Profile
from services.dmp.repository.profiles import LIEN_COLUMNS, PROFILE_COLUMNS, lien_join, with_lien
from services.dmp.repository.tables import contenu, document, profile, submission

_FIELDS: Final = Document._fields
_COLUMNS: Final = tuple(document.c[name] for name in _FIELDS)
_LABELS: Final = tuple(f"document_{name}" for name in _FIELDS)
"""A document's columns as a search's read names them (the profile's come in the same rows)."""


def _document_from(row: RowMapping) -> Document:
    return Document(**{name: row[name] for name in _FIELDS})


_NOT_DELETED: Final = document.c.status != "deleted"
_LIST_DOCUMENTS: Final = (
    select(*_COLUMNS)
    .where(document.c.ins == bindparam("ins"), _NOT_DELETED, document.c.deposited_at >= bindparam("since"))
    .order_by(document.c.date_acte.desc(), document.c.id)
)
_GET_DOCUMENT: Final = select(*_COLUMNS).where(document.c.id == bindparam("id"))
_INSERT_DOCUMENT: Final = insert(document)
_INSERT_CONTENU: Final = insert(contenu)
_GET_CONTENU: Final = select(contenu.c.contenu).where(contenu.c.document_id == bindparam("id"))


def list_documents(conn: Connection, ins: str, since: int | None) -> list[Document]:
    """Every document of the DMP not deleted (current, superseded, archived), newest act first."""
    rows = conn.execute(_LIST_DOCUMENTS, {"ins": ins, "since": since or 0}).mappings()
    return [_document_from(row) for row in rows]


def get_document(conn: Connection, document_id: str) -> Document | None:
    row = conn.execute(_GET_DOCUMENT, {"id": document_id}).mappings().first()
    return None if row is None else _document_from(row)


def get_contenu(conn: Connection, document_id: str) -> bytes | None:
    found = conn.execute(_GET_CONTENU, {"id": document_id}).scalar_one_or_none()
    return None if found is None else bytes(found)


def insert_document(conn: Connection, doc: Document, data: bytes) -> None:
    """A document and its content."""
    conn.execute(_INSERT_DOCUMENT, doc._asdict())
    conn.execute(_INSERT_CONTENU, {"document_id": doc.id, "contenu": data})


_WITH_UNIQUE_ID: Final = select(document.c.id).where(document.c.unique_id == bindparam("unique_id")).limit(1)
_CURRENT_COPY: Final = (
    select(document.c.id)
    .where(
        document.c.ins == bindparam("ins"),
        document.c.type_code == bindparam("type_code"),
        document.c.hash == bindparam("hash"),
        document.c.status == "current",
    )
    .limit(1)
)


def with_unique_id(conn: Connection, unique_id: str) -> str | None:
    """The id of the document with this uniqueId, if any."""
    found = conn.execute(_WITH_UNIQUE_ID, {"unique_id": unique_id}).scalar_one_or_none()
    return None if found is None else str(found)


def current_copy(conn: Connection, ins: str, type_code: str, content_hash: str) -> str | None:
    """The id of a current document of ``ins`` of this type with the same content, if any."""
    found = conn.execute(
        _CURRENT_COPY, {"ins": ins, "type_code": type_code, "hash": content_hash}
    ).scalar_one_or_none()
    return None if found is None else str(found)


def supersede(conn: Connection, document_id: str) -> bool:
    """Mark the current version superseded; False when it no longer was current (another request won)."""
    result = conn.execute(
        update(document)
        .where(document.c.id == document_id, document.c.status == "current")
        .values(status="superseded")
    )
    return result.rowcount == 1


def update_document(conn: Connection, document_id: str, **values: Any) -> None:
    conn.execute(update(document).where(document.c.id == document_id).values(**values))


def delete_document(conn: Connection, document_id: str) -> bool:
    """Delete a document: its metadata stays as a tombstone (traces refer to it), its content goes."""
    result = conn.execute(
        update(document).where(document.c.id == document_id, _NOT_DELETED).values(status="deleted")
    )
    conn.execute(delete(contenu).where(contenu.c.document_id == document_id))
    return result.rowcount == 1


def purge_before(conn: Connection, ins: str, before: int) -> None:
    """Delete the documents of an expired archive (deposited before ``before``)."""
    ids = select(document.c.id).where(document.c.ins == ins, document.c.deposited_at < before)
    conn.execute(delete(contenu).where(contenu.c.document_id.in_(ids)))
    conn.execute(
        update(document)
        .where(document.c.ins == ins, document.c.deposited_at < before)
        .values(status="deleted")
    )
    conn.execute(delete(submission).where(submission.c.ins == ins, submission.c.submitted_at < before))


# --- a professional's search ----------

_CONSULT: Final = (
    select(
        *PROFILE_COLUMNS,
        *LIEN_COLUMNS,
        *(column.label(label) for column, label in zip(_COLUMNS, _LABELS, strict=True)),
    )
    .select_from(
        lien_join(bindparam("idnat")).outerjoin(
            document,
            and_(document.c.ins == profile.c.ins, _NOT_DELETED),
        )
    )
    .where(profile.c.ins == bindparam("ins"))
    .order_by(document.c.date_acte.desc(), document.c.id)
)
"""The profile, the professional's record and the documents not deleted (a row each, the profile's
columns repeated) in one statement: one snapshot, so a professional blocked just before a deposit
never sees that document."""

Consulted = tuple[Profile, str | None, bool, list[Document]]
"""What a search reads: the profile, the professional's recorded status, whether they accessed the DMP
before, and the documents."""


def consult_documents(conn: Connection, ins: str, idnat: str) -> Consulted | None:
    """What a search reads (``Consulted``): every document not deleted, newest act first; ``None`` when
    no profile has the INS."""
    rows = conn.execute(_CONSULT, {"ins": ins, "idnat": idnat}).mappings().all()
    if not rows:
        return None
    found, lien_statut, accessed_before = with_lien(rows[0])
    docs = [Document(*(row[label] for label in _LABELS)) for row in rows if row["document_id"] is not None]
    return found, lien_statut, accessed_before, docs
