"""Profiles, their legal representatives, and the professionals a profile records (the patient's
decisions, first accesses)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import Any, Final

from sqlalchemy import Connection, RowMapping, Table, and_, bindparam, select, update

from services.dmp.access import Reglages
from services.dmp.lifecycle import Dates
from services.dmp.records import LienRecord, Profile
from services.dmp.repository.tables import lien, profile, representant

PROFILE_COLUMNS: Final = tuple(profile.c)
LIEN_COLUMNS: Final = (lien.c.statut.label("lien_statut"), lien.c.first_access_at.label("first_access_at"))
"""The professional's record read with a profile: their status, and when they first accessed it."""


def profile_of(row: RowMapping) -> Profile:
    """A ``Profile`` from a row holding ``PROFILE_COLUMNS``."""
    return Profile(
        ins=row["ins"],
        oid=row["oid"],
        nom_naissance=row["nom_naissance"],
        prenoms=tuple(row["prenoms"].split(",")),
        sexe=row["sexe"],
        date_naissance=row["date_naissance"],
        lieu_naissance=row["lieu_naissance"],
        email=row["email"],
        activation_code=row["activation_code"],
        dates=Dates(
            invited_at=row["invited_at"],
            opposed_at=row["opposed_at"],
            created_at=row["created_at"],
            activated_at=row["activated_at"],
            closed_at=row["closed_at"],
        ),
        closure_motif=row["closure_motif"],
        data_since=row["data_since"],
        medecin_traitant=row["medecin_traitant"],
        reglages=Reglages(
            centre_15=bool(row["centre_15"]),
            bris_de_glace=bool(row["bris_de_glace"]),
            masques_en_urgence=bool(row["masques_en_urgence"]),
        ),
    )


def with_lien(row: RowMapping) -> tuple[Profile, str | None, bool]:
    """The profile, the professional's recorded status and whether they accessed it before, from a row
    holding ``PROFILE_COLUMNS`` and ``LIEN_COLUMNS``."""
    return profile_of(row), row["lien_statut"], row["first_access_at"] is not None


def lien_join(idnat: Any) -> Any:
    """The profile joined (outer) with the record of the professional ``idnat``."""
    return profile.outerjoin(lien, and_(lien.c.ins == profile.c.ins, lien.c.idnat == idnat))


_GET_PROFILE: Final = select(*PROFILE_COLUMNS).where(profile.c.ins == bindparam("ins"))
_GET_PROFILE_AND_LIEN: Final = (
    select(*PROFILE_COLUMNS, *LIEN_COLUMNS)
    .select_from(lien_join(bindparam("idnat")))
    .where(profile.c.ins == bindparam("ins"))
)


def get_profile(conn: Connection, ins: str) -> Profile | None:
    row = conn.execute(_GET_PROFILE, {"ins": ins}).mappings().first()
    return None if row is None else profile_of(row)


def get_profile_and_lien(conn: Connection, ins: str, idnat: str) -> tuple[Profile, str | None, bool] | None:
    """The profile, the professional's recorded status (autorise / bloque / None) and whether they
    accessed it before (one statement)."""
    row = conn.execute(_GET_PROFILE_AND_LIEN, {"ins": ins, "idnat": idnat}).mappings().first()
    return None if row is None else with_lien(row)


def update_profile(conn: Connection, ins: str, **values: Any) -> None:
    conn.execute(update(profile).where(profile.c.ins == ins).values(**values))


def representants(conn: Connection, ins: str) -> tuple[str, ...]:
    found = conn.execute(
        select(representant.c.representant_ins)
        .where(representant.c.ins == ins)
        .order_by(representant.c.representant_ins)
    ).scalars()
    return tuple(found)


def represented_by(conn: Connection, representant_ins: str) -> tuple[str, ...]:
    found = conn.execute(
        select(representant.c.ins)
        .where(representant.c.representant_ins == representant_ins)
        .order_by(representant.c.ins)
    ).scalars()
    return tuple(found)


# --- professionals recorded by a profile ----------


def _upsert(
    conn: Connection, table: Table, values: dict[str, Any], keys: Sequence[str], update_cols: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT (SQLite and PostgreSQL); True when a row was written (RETURNING tells:
    the drivers' rowcount is not reliable for it)."""
    # The INSERT of the dialect in use (sqlite or postgresql), which its engine has loaded already:
    # importing PostgreSQL's on SQLite would add about 70 ms to every start.
    dialect: Any = import_module(f"sqlalchemy.dialects.{conn.dialect.name}")
    base = dialect.insert(table).values(**values)
    if update_cols:
        stmt = base.on_conflict_do_update(
            index_elements=list(keys), set_={c: base.excluded[c] for c in update_cols}
        )
    else:
        stmt = base.on_conflict_do_nothing(index_elements=list(keys))
    return conn.execute(stmt.returning(table.c[keys[0]])).first() is not None


_MARK_FIRST: Final = (
    update(lien)
    .where(
        lien.c.ins == bindparam("profile_ins"),
        lien.c.idnat == bindparam("professional"),
        lien.c.first_access_at.is_(None),
    )
    .values(first_access_at=bindparam("now"))
)


def record_first_access(
    conn: Connection, ins: str, idnat: str, nom: str, profession: str | None, now: int, *, presume: bool
) -> bool:
    """Record the professional's first access; True when this was it (exactly once, even under a race).

    ``presume``: a normal-mode access also records the presumed consent (statut ``autorise``)."""
    if conn.execute(_MARK_FIRST, {"profile_ins": ins, "professional": idnat, "now": now}).rowcount == 1:
        return True
    values = {
        "ins": ins,
        "idnat": idnat,
        "statut": "autorise" if presume else "aucun",
        "source": "presume" if presume else "urgence",
        "nom": nom,
        "profession": profession,
        "first_access_at": now,
        "updated_at": now,
    }
    return _upsert(conn, lien, values, ("ins", "idnat"), ())


def set_lien(
    conn: Connection, ins: str, idnat: str, statut: str, nom: str, profession: str | None, now: int
) -> None:
    """The patient authorises or blocks a professional."""
    values = {
        "ins": ins,
        "idnat": idnat,
        "statut": statut,
        "source": "patient",
        "nom": nom,
        "profession": profession,
        "first_access_at": None,
        "updated_at": now,
    }
    _upsert(conn, lien, values, ("ins", "idnat"), ("statut", "source", "updated_at"))


def delete_lien(conn: Connection, ins: str, idnat: str) -> bool:
    """Forget the patient's decision about a professional (the first access stays recorded)."""
    result = conn.execute(
        update(lien)
        .where(lien.c.ins == ins, lien.c.idnat == idnat, lien.c.statut != "aucun")
        .values(statut="aucun", source="patient")
    )
    return bool(result.rowcount)


def list_liens(conn: Connection, ins: str) -> list[LienRecord]:
    rows = conn.execute(select(lien).where(lien.c.ins == ins).order_by(lien.c.updated_at, lien.c.idnat))
    return [
        LienRecord(r.idnat, r.statut, r.source, r.nom, r.profession, r.first_access_at, r.updated_at)
        for r in rows
    ]
