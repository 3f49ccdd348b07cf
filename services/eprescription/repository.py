"""Every query of the e-prescription (SQLAlchemy Core on the caller's connection); nothing else builds
SQL. Rows are read by column name.

Concurrency: a change of a prescription (dispensation, cancellation) is a conditional UPDATE of its row
on the version read before (``bump``). Two executants racing on one number: on PostgreSQL the second
UPDATE waits for the first's row lock, then finds the version changed; on SQLite the write transaction
starts with that UPDATE (the reads before it run outside any transaction), which waits for the write
lock, then finds the version changed. Either way exactly one changes the row; the other is told so and
rolls back. The row is read before the lines: lines newer than the row (a commit in between) are
the true state, so a refusal they cause is right, and a write on the older row fails on its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, insert, select, update

from services.eprescription.models import (
    EprescriptionDispensation,
    EprescriptionLine,
    EprescriptionPrescription,
)
from services.eprescription.records import Dispensation, Line, Prescription
from services.eprescription.rules import Kind, Liste
from shared.db import table_of

_prescription = table_of(EprescriptionPrescription)
_line = table_of(EprescriptionLine)
_dispensation = table_of(EprescriptionDispensation)

_LINE_COLUMNS = (
    _line.c.rang,
    _line.c.kind,
    _line.c.detail,
    _line.c.liste,
    _line.c.conditionnement,
    _line.c.duree_jours,
    _line.c.quantite_periode,
    _line.c.conditionnement_superieur,
    _line.c.date_debut,
    _line.c.total,
    _line.c.restant,
)
"""The line's columns, none named as a prescription's: a prescription joined to its lines reads both."""

# The statements of the read by number and the dispensation are built once, with bound parameters:
# building one costs more than SQLAlchemy's execution of it (whose compiled form it caches).
_GET = (
    select(_prescription, *_LINE_COLUMNS)
    .select_from(_prescription.outerjoin(_line, _line.c.numero == _prescription.c.numero))
    .where(_prescription.c.numero == bindparam("numero"))
    .order_by(_line.c.rang)
)
_BUMP = update(_prescription).where(
    _prescription.c.numero == bindparam("target"), _prescription.c.version == bindparam("seen")
)
"""Sets the columns its parameters name (``version``, ``statut``...) on the row still at ``seen``."""
_RESTANT = update(_line).where(
    _line.c.numero == bindparam("target"), _line.c.rang == bindparam("target_rang")
)
_DISPENSE = insert(_dispensation)


def _line_of(row: RowMapping) -> Line:
    return Line(
        rang=row["rang"],
        kind=Kind(row["kind"]),
        detail_json=row["detail"],
        liste=Liste(row["liste"]),
        conditionnement=row["conditionnement"],
        duree_jours=row["duree_jours"],
        quantite_periode=row["quantite_periode"],
        conditionnement_superieur=bool(row["conditionnement_superieur"]),
        date_debut=row["date_debut"],
        total=row["total"],
        restant=row["restant"],
    )


def _prescription_of(row: RowMapping, lines: tuple[Line, ...]) -> Prescription:
    return Prescription(
        numero=row["numero"],
        version=row["version"],
        statut=row["statut"],
        famille=row["famille"],
        prescrite_at=row["prescrite_at"],
        prescrite_le=row["prescrite_le"],
        executer_avant=row["executer_avant"],
        consentement=bool(row["consentement"]),
        ins=row["ins"],
        patient_json=row["patient"],
        prescripteur_idnat=row["prescripteur_idnat"],
        prescripteur_json=row["prescripteur"],
        delivrances=row["delivrances"],
        first_delivery_at=row["first_delivery_at"],
        closed_at=row["closed_at"],
        depot_dmp=row["depot_dmp"],
        depot_dmp_motif=row["depot_dmp_motif"],
        depot_dmp_document=row["depot_dmp_document"],
        lines=lines,
    )


def get(conn: Connection, numero: str) -> Prescription | None:
    """A prescription with its lines, in one statement (one round trip on PostgreSQL)."""
    rows = conn.execute(_GET, {"numero": numero}).mappings().all()
    if not rows:
        return None
    lines = tuple(_line_of(row) for row in rows if row["rang"] is not None)
    return _prescription_of(rows[0], lines)


def list_for_patient(conn: Connection, ins: str) -> list[Prescription]:
    """The patient's prescriptions, newest first, with their lines."""
    heads = (
        conn.execute(
            select(_prescription)
            .where(_prescription.c.ins == ins)
            .order_by(_prescription.c.prescrite_at.desc())
        )
        .mappings()
        .all()
    )
    if not heads:
        return []
    lines: dict[str, list[Line]] = {head["numero"]: [] for head in heads}
    for row in conn.execute(
        select(_line.c.numero, *_LINE_COLUMNS).where(_line.c.numero.in_(lines)).order_by(_line.c.rang)
    ).mappings():
        lines[row["numero"]].append(_line_of(row))
    return [_prescription_of(head, tuple(lines[head["numero"]])) for head in heads]


def insert_prescription(conn: Connection, row: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
    conn.execute(insert(_prescription), [row])
    conn.execute(insert(_line), list(lines))


def bump(
    conn: Connection,
    numero: str,
    seen: int,
    *,
    statut: str,
    delivrances: int,
    first_delivery_at: int | None,
    closed_at: int | None,
) -> bool:
    """Change the prescription row if it is still at version ``seen``; False when another change won."""
    result = conn.execute(
        _BUMP,
        {
            "target": numero,
            "seen": seen,
            "version": seen + 1,
            "statut": statut,
            "delivrances": delivrances,
            "first_delivery_at": first_delivery_at,
            "closed_at": closed_at,
        },
    )
    return result.rowcount == 1


def set_restant(conn: Connection, numero: str, rang: int, restant: int) -> None:
    conn.execute(_RESTANT, {"target": numero, "target_rang": rang, "restant": restant})


def insert_dispensation(
    conn: Connection, numero: str, rang: int, at: int, executant: str, detail: str
) -> None:
    conn.execute(
        _DISPENSE, {"numero": numero, "rang": rang, "at": at, "executant_idnat": executant, "detail": detail}
    )


def list_dispensations(conn: Connection, numero: str) -> list[Dispensation]:
    rows = conn.execute(
        select(_dispensation).where(_dispensation.c.numero == numero).order_by(_dispensation.c.id)
    ).mappings()
    return [
        Dispensation(
            rang=row["rang"], at=row["at"], executant_idnat=row["executant_idnat"], detail_json=row["detail"]
        )
        for row in rows
    ]


def set_depot(conn: Connection, numero: str, statut: str, motif: str | None, document_id: str | None) -> None:
    conn.execute(
        update(_prescription)
        .where(_prescription.c.numero == numero)
        .values(depot_dmp=statut, depot_dmp_motif=motif, depot_dmp_document=document_id)
    )


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    """Bulk insert for seeding: ``table`` is prescription, line or dispensation."""
    target = {"prescription": _prescription, "line": _line, "dispensation": _dispensation}[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


def list_numeros(conn: Connection, limit: int, offset: int) -> list[dict[str, Any]]:
    """Numbers for the sandbox listing: numero, statut, famille, ins, oldest first."""
    rows = conn.execute(
        select(_prescription.c.numero, _prescription.c.statut, _prescription.c.famille, _prescription.c.ins)
        .order_by(_prescription.c.prescrite_at, _prescription.c.numero)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(row) for row in rows]
