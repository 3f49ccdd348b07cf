"""Every query of the e-prescription (SQLAlchemy Core on the caller's connection); nothing else builds
SQL. The hot paths (read by number, dispensation) run statements compiled once (``shared.db.Prepared``).

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

from sqlalchemy import Connection, bindparam, insert, select, update

from services.eprescription.models import (
    EprescriptionDispensation,
    EprescriptionLine,
    EprescriptionPrescription,
)
from services.eprescription.records import Dispensation, Line, Prescription
from services.eprescription.rules import Kind, Liste
from shared.db import Prepared, table_of

_prescription = table_of(EprescriptionPrescription)
_line = table_of(EprescriptionLine)
_dispensation = table_of(EprescriptionDispensation)

_P_COLUMNS = (
    _prescription.c.numero,
    _prescription.c.version,
    _prescription.c.statut,
    _prescription.c.famille,
    _prescription.c.prescrite_at,
    _prescription.c.prescrite_le,
    _prescription.c.executer_avant,
    _prescription.c.consentement,
    _prescription.c.ins,
    _prescription.c.patient,
    _prescription.c.prescripteur_idnat,
    _prescription.c.prescripteur,
    _prescription.c.delivrances,
    _prescription.c.first_delivery_at,
    _prescription.c.closed_at,
    _prescription.c.depot_dmp,
    _prescription.c.depot_dmp_motif,
    _prescription.c.depot_dmp_document,
)
_L_COLUMNS = (
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

_GET = Prepared(
    select(*_P_COLUMNS, *_L_COLUMNS)
    .select_from(_prescription.outerjoin(_line, _line.c.numero == _prescription.c.numero))
    .where(_prescription.c.numero == bindparam("numero"))
    .order_by(_line.c.rang)
)
"""A prescription and its lines in one statement (one round trip on PostgreSQL)."""
_LINES = Prepared(select(*_L_COLUMNS).where(_line.c.numero == bindparam("numero")).order_by(_line.c.rang))
_BUMP = Prepared(
    update(_prescription)
    .where(
        _prescription.c.numero == bindparam("numero"),
        _prescription.c.version == bindparam("seen"),
    )
    .values(
        version=bindparam("next"),
        statut=bindparam("statut"),
        delivrances=bindparam("delivrances"),
        first_delivery_at=bindparam("first_delivery_at"),
        closed_at=bindparam("closed_at"),
    )
)
_RESTANT = Prepared(
    update(_line)
    .where(_line.c.numero == bindparam("numero"), _line.c.rang == bindparam("rang"))
    .values(restant=bindparam("restant"))
)
_DISPENSE = Prepared(
    insert(_dispensation).values(
        numero=bindparam("numero"),
        rang=bindparam("rang"),
        at=bindparam("at"),
        executant_idnat=bindparam("executant_idnat"),
        detail=bindparam("detail"),
    )
)


def _line_of(row: Sequence[Any]) -> Line:
    return Line(
        rang=row[0],
        kind=Kind(row[1]),
        detail_json=row[2],
        liste=Liste(row[3]),
        conditionnement=row[4],
        duree_jours=row[5],
        quantite_periode=row[6],
        conditionnement_superieur=bool(row[7]),
        date_debut=row[8],
        total=row[9],
        restant=row[10],
    )


def _prescription_of(row: Sequence[Any], lines: tuple[Line, ...]) -> Prescription:
    return Prescription(*row[:7], bool(row[7]), *row[8:], lines=lines)  # type: ignore[misc, call-arg]


def get(conn: Connection, numero: str) -> Prescription | None:
    """A prescription with its lines."""
    rows = _GET.rows(conn, {"numero": numero})
    if not rows:
        return None
    width = len(_P_COLUMNS)
    lines = tuple(_line_of(r[width:]) for r in rows if r[width] is not None)
    return _prescription_of(rows[0][:width], lines)


def list_for_patient(conn: Connection, ins: str) -> list[Prescription]:
    """The patient's prescriptions, newest first, with their lines."""
    rows = conn.execute(
        select(*_P_COLUMNS).where(_prescription.c.ins == ins).order_by(_prescription.c.prescrite_at.desc())
    ).all()
    found = []
    for row in rows:
        lines = tuple(_line_of(r) for r in _LINES.rows(conn, {"numero": row[0]}))
        found.append(_prescription_of(tuple(row), lines))
    return found


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
    changed = _BUMP.run(
        conn,
        {
            "numero": numero,
            "seen": seen,
            "next": seen + 1,
            "statut": statut,
            "delivrances": delivrances,
            "first_delivery_at": first_delivery_at,
            "closed_at": closed_at,
        },
    )
    return changed == 1


def set_restant(conn: Connection, numero: str, rang: int, restant: int) -> None:
    _RESTANT.run(conn, {"numero": numero, "rang": rang, "restant": restant})


def insert_dispensation(
    conn: Connection, numero: str, rang: int, at: int, executant: str, detail: str
) -> None:
    _DISPENSE.run(
        conn, {"numero": numero, "rang": rang, "at": at, "executant_idnat": executant, "detail": detail}
    )


def list_dispensations(conn: Connection, numero: str) -> list[Dispensation]:
    rows = conn.execute(
        select(
            _dispensation.c.rang, _dispensation.c.at, _dispensation.c.executant_idnat, _dispensation.c.detail
        )
        .where(_dispensation.c.numero == numero)
        .order_by(_dispensation.c.id)
    ).all()
    return [Dispensation(*row) for row in rows]


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


def list_numeros(conn: Connection, limit: int, offset: int) -> list[tuple[str, str, str, str]]:
    """Numbers for the sandbox listing: (numero, statut, famille, ins), oldest first."""
    rows = conn.execute(
        select(_prescription.c.numero, _prescription.c.statut, _prescription.c.famille, _prescription.c.ins)
        .order_by(_prescription.c.prescrite_at, _prescription.c.numero)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]
