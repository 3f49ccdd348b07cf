"""Every query of INSi (SQLAlchemy Core on the caller's connection); nothing else builds SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from services.insi.models import InsiHistory, InsiIdentity, InsiLogiciel
from services.insi.records import HistoryEntry, Identity, Logiciel
from shared.db import table_of

_identity = table_of(InsiIdentity)
_history = table_of(InsiHistory)
_logiciel = table_of(InsiLogiciel)

_TABLES = {"identity": _identity, "history": _history, "logiciel": _logiciel}


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    """Seeding: insert ``rows`` into ``insi_<table>`` in batches."""
    target = _TABLES[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


# --- the register ------------------------------------------------------------------------------------

_IDENTITY_COLUMNS = (
    _identity.c.id,
    _identity.c.matricule,
    _identity.c.kind,
    _identity.c.oid,
    _identity.c.nom_naissance,
    _identity.c.prenoms,
    _identity.c.sexe,
    _identity.c.date_naissance,
    _identity.c.lieu_naissance,
    _identity.c.nom_cle,
    _identity.c.prenom_cle,
    _identity.c.prenoms_cle,
    _identity.c.matricule_od,
    _identity.c.rang_naissance,
    _identity.c.comportement,
)


def load_register(conn: Connection) -> list[Identity]:
    """Every identity with its history, for the in-memory register (one pass over each table)."""
    history: dict[str, list[HistoryEntry]] = {}
    rows = conn.execute(select(_history).order_by(_history.c.identity_id, _history.c.position))
    for row in rows:
        history.setdefault(row.identity_id, []).append(
            HistoryEntry(row.matricule[:13], row.matricule[13:], row.oid, row.date_deb, row.date_fin)
        )
    none: tuple[HistoryEntry, ...] = ()
    return [
        Identity(
            id=row.id,
            num=row.matricule[:13],
            cle=row.matricule[13:],
            kind=row.kind,
            oid=row.oid,
            nom_naissance=row.nom_naissance,
            prenoms=tuple(row.prenoms.split(" ")),
            sexe=row.sexe,
            date_naissance=row.date_naissance,
            lieu_naissance=row.lieu_naissance,
            nom_cle=row.nom_cle,
            prenom_cle=row.prenom_cle,
            prenoms_cle=row.prenoms_cle,
            matricule_od=row.matricule_od,
            rang_naissance=row.rang_naissance,
            comportement=row.comportement,
            historique=tuple(history[row.id]) if row.id in history else none,
        )
        for row in conn.execute(select(*_IDENTITY_COLUMNS))
    ]


# --- software authorisation numbers ------------------------------------------------------------------


_LOGICIEL_COLUMNS = (_logiciel.c.idam, _logiciel.c.nom, _logiciel.c.origine)


def list_logiciels(conn: Connection) -> list[Logiciel]:
    """Every number registered in the tenant, documented ones first."""
    rows = conn.execute(select(*_LOGICIEL_COLUMNS).order_by(_logiciel.c.origine, _logiciel.c.idam))
    return [Logiciel(idam=row.idam, nom=row.nom, origine=row.origine) for row in rows]


def get_logiciel(conn: Connection, idam: str) -> Logiciel | None:
    row = conn.execute(select(*_LOGICIEL_COLUMNS).where(_logiciel.c.idam == idam)).first()
    return None if row is None else Logiciel(idam=row.idam, nom=row.nom, origine=row.origine)


def logiciel_known(conn: Connection, idam: str) -> bool:
    """Whether ``idam`` is registered in the tenant (documented or added)."""
    return conn.execute(select(_logiciel.c.idam).where(_logiciel.c.idam == idam)).first() is not None


def put_logiciel(conn: Connection, idam: str, nom: str) -> None:
    """Register ``idam`` in the tenant (replacing the name of a number registered before)."""
    conn.execute(delete(_logiciel).where(_logiciel.c.idam == idam, _logiciel.c.origine == "tenant"))
    conn.execute(insert(_logiciel).values(idam=idam, nom=nom, origine="tenant"))


def delete_logiciel(conn: Connection, idam: str) -> bool:
    result = conn.execute(delete(_logiciel).where(_logiciel.c.idam == idam, _logiciel.c.origine == "tenant"))
    return result.rowcount == 1
