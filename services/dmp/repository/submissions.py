"""Submission sets: what one ITI-65 bundle provided, as the SubmissionSet List reads it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, insert, select

from services.dmp.repository.tables import submission, submission_entry


@dataclass(frozen=True, slots=True)
class SubmissionSet:
    id: str
    ins: str
    unique_id: str
    source_id: str
    designation_system: str
    designation_code: str
    designation_display: str
    title: str | None
    author_id: str
    author_nom: str
    submitted_at: int
    document_ids: tuple[str, ...]


_INSERT_SUBMISSION: Final = insert(submission)
_INSERT_ENTRY: Final = insert(submission_entry)


def insert_submission(conn: Connection, found: SubmissionSet) -> None:
    values = {name: getattr(found, name) for name in SubmissionSet.__slots__ if name != "document_ids"}
    conn.execute(_INSERT_SUBMISSION, values)
    conn.execute(
        _INSERT_ENTRY,
        [
            {"submission_id": found.id, "position": position, "document_id": document_id}
            for position, document_id in enumerate(found.document_ids)
        ],
    )


def submissions_of(conn: Connection, ins: str, submission_id: str | None = None) -> list[SubmissionSet]:
    """The patient's submission sets (one, with ``submission_id``), newest first, with their documents."""
    query = select(submission, submission_entry.c.document_id).join(
        submission_entry, submission_entry.c.submission_id == submission.c.id
    )
    query = query.where(submission.c.ins == ins)
    if submission_id is not None:
        query = query.where(submission.c.id == submission_id)
    rows = conn.execute(
        query.order_by(submission.c.submitted_at.desc(), submission.c.id, submission_entry.c.position)
    ).mappings()
    found: dict[str, tuple[dict[str, object], list[str]]] = {}
    for row in rows:
        kept = found.setdefault(row["id"], ({c.name: row[c.name] for c in submission.c}, []))
        kept[1].append(row["document_id"])
    return [SubmissionSet(**values, document_ids=tuple(ids)) for values, ids in found.values()]  # type: ignore[arg-type]


def ins_of_submission(conn: Connection, submission_id: str) -> str | None:
    return conn.execute(select(submission.c.ins).where(submission.c.id == submission_id)).scalar()
