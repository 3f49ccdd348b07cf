"""Every query of psc (SQLAlchemy Core on the request's connection); nothing else builds SQL."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from services.psc.models import (
    PscAuthorizationCode,
    PscClient,
    PscPatient,
    PscProfessional,
    PscRefreshToken,
    PscStructure,
)
from services.psc.records import (
    Client,
    Patient,
    Professional,
    StoredCode,
    StoredRefreshToken,
    Structure,
)
from shared.db import table_of

_structure = table_of(PscStructure)
_professional = table_of(PscProfessional)
_patient = table_of(PscPatient)
_client = table_of(PscClient)
_code = table_of(PscAuthorizationCode)
_refresh = table_of(PscRefreshToken)

_INS_LENGTH = 15

SECRETARIAT = "secretariat"
"""The profession filter value of the login page for CPE holders without a profession."""


def search_text(*parts: str | None) -> str:
    """Lower-case, accent-free words of ``parts``: what the login pages search in."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# --- seeding ---------------------------------------------------------------------------------------


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    target = {
        "structure": _structure,
        "professional": _professional,
        "patient": _patient,
        "client": _client,
    }[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


# --- directory -------------------------------------------------------------------------------------


def _client_record(row: Row[Any]) -> Client:
    return Client(
        client_id=row.client_id,
        secret_sha256=row.secret_sha256,
        name=row.name,
        redirect_uris=tuple(row.redirect_uris.split()),
        grant_types=tuple(row.grant_types.split()),
    )


def get_client(conn: Connection, client_id: str) -> Client | None:
    row = conn.execute(select(_client).where(_client.c.client_id == client_id)).first()
    return None if row is None else _client_record(row)


_PROFESSIONAL_COLUMNS = (
    *_professional.c,
    _structure.c.kind.label("s_kind"),
    _structure.c.raison_sociale.label("s_raison_sociale"),
    _structure.c.finess.label("s_finess"),
    _structure.c.siret.label("s_siret"),
    _structure.c.idnat.label("s_idnat"),
    _structure.c.adresse.label("s_adresse"),
    _structure.c.code_postal.label("s_code_postal"),
    _structure.c.ville.label("s_ville"),
    _structure.c.secteur_activite.label("s_secteur_activite"),
)


def _professional_record(row: Any) -> Professional:
    """A professional from a row read by column name."""
    structure = Structure(
        id=row.structure_id,
        kind=row.s_kind,
        raison_sociale=row.s_raison_sociale,
        finess=row.s_finess,
        siret=row.s_siret,
        idnat=row.s_idnat,
        adresse=row.s_adresse,
        code_postal=row.s_code_postal,
        ville=row.s_ville,
        secteur_activite=row.s_secteur_activite,
    )
    return Professional(
        id=row.id,
        idnat=row.idnat,
        rpps=row.rpps,
        civilite=row.civilite,
        nom=row.nom,
        prenom=row.prenom,
        profession=row.profession,
        profession_label=row.profession_label,
        categorie=row.categorie,
        savoir_faire=row.savoir_faire,
        type_savoir_faire=row.type_savoir_faire,
        structure=structure,
        cards=tuple(row.cards.split()),
        regulation=bool(row.regulation),
    )


def _professionals() -> Any:
    return select(*_PROFESSIONAL_COLUMNS).join(_structure, _structure.c.id == _professional.c.structure_id)


_BY_IDNAT = _professionals().where(_professional.c.idnat == bindparam("key"))
_BY_RPPS = _professionals().where(_professional.c.rpps == bindparam("key"))
"""Built once: every token asks for its professional."""


def get_professional(
    conn: Connection, *, idnat: str | None = None, rpps: str | None = None
) -> Professional | None:
    """One professional by IdNat or by RPPS (one indexed lookup)."""
    lookup, key = (_BY_IDNAT, idnat) if idnat is not None else (_BY_RPPS, rpps)
    row = conn.execute(lookup, {"key": key}).first()
    return None if row is None else _professional_record(row)


def search_professionals(
    conn: Connection, *, term: str, profession: str | None, limit: int, offset: int
) -> list[Professional]:
    """Professionals whose names or ids contain ``term``, by profession then name."""
    query = _professionals()
    if term:
        query = query.where(_professional.c.search.contains(search_text(term), autoescape=True))
    if profession == SECRETARIAT:
        query = query.where(_professional.c.profession.is_(None))
    elif profession:
        query = query.where(_professional.c.profession == profession)
    query = query.order_by(
        _professional.c.profession.is_(None),
        _professional.c.profession,
        _professional.c.nom,
        _professional.c.prenom,
        _professional.c.id,
    )
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [_professional_record(r) for r in rows]


def profession_choices(conn: Connection) -> list[tuple[str, str]]:
    """(filter value, label) of every profession present, secretaries last."""
    rows = conn.execute(select(_professional.c.profession, _professional.c.profession_label).distinct()).all()
    ordered = sorted(rows, key=lambda r: (r.profession is None, r.profession or ""))
    return [(r.profession or SECRETARIAT, r.profession_label) for r in ordered]


def _patient_record(row: Row[Any]) -> Patient:
    return Patient(
        id=row.id,
        ins=row.ins,
        nom_naissance=row.nom_naissance,
        nom_usage=row.nom_usage,
        prenoms=tuple(row.prenoms.split(",")),
        sexe=row.sexe,
        date_naissance=row.date_naissance,
        email=row.email,
        mes_status=row.mes_status,
        representants=tuple(row.representants.split()),
    )


def get_patient(conn: Connection, ins: str) -> Patient | None:
    row = conn.execute(select(_patient).where(_patient.c.ins == ins)).first()
    return None if row is None else _patient_record(row)


def search_patients(conn: Connection, *, term: str, limit: int, offset: int) -> list[Patient]:
    """Persons whose names or INS contain ``term``, by name."""
    query = select(_patient)
    term = term.strip()
    if len(term) == _INS_LENGTH and term[0].isdigit() and term.isalnum():
        query = query.where(_patient.c.ins == term.upper())  # an INS: one indexed lookup
    elif term:
        query = query.where(_patient.c.search.contains(search_text(term), autoescape=True))
    query = query.order_by(_patient.c.nom_naissance, _patient.c.prenoms, _patient.c.id)
    return [_patient_record(r) for r in conn.execute(query.limit(limit).offset(offset)).all()]


# --- authorization codes ---------------------------------------------------------------------------


def insert_code(conn: Connection, code: StoredCode) -> None:
    conn.execute(insert(_code).values(**_as_values(code)))


def get_code(conn: Connection, code_hash: str) -> StoredCode | None:
    row = conn.execute(select(_code).where(_code.c.code_hash == code_hash)).first()
    return None if row is None else StoredCode(**row._asdict())


def mark_code_used(conn: Connection, code_hash: str, now: int) -> bool:
    """Use the code once: False when it was already used (also under a race)."""
    result = conn.execute(
        update(_code).where(_code.c.code_hash == code_hash, _code.c.used_at.is_(None)).values(used_at=now)
    )
    return result.rowcount == 1


# --- refresh tokens --------------------------------------------------------------------------------


def insert_refresh_token(conn: Connection, token: StoredRefreshToken) -> None:
    conn.execute(insert(_refresh).values(**_as_values(token)))


def get_refresh_token(conn: Connection, token_hash: str) -> StoredRefreshToken | None:
    row = conn.execute(select(_refresh).where(_refresh.c.token_hash == token_hash)).first()
    if row is None:
        return None
    values = row._asdict()
    values["rotated"] = bool(values["rotated"])
    return StoredRefreshToken(**values)


def rotate_refresh_token(conn: Connection, token_hash: str, now: int) -> bool:
    """Retire a refresh token that is being exchanged; False when it was no longer active."""
    result = conn.execute(
        update(_refresh)
        .where(_refresh.c.token_hash == token_hash, _refresh.c.revoked_at.is_(None))
        .values(revoked_at=now, rotated=True)
    )
    return result.rowcount == 1


def revoke_session(conn: Connection, session_id: str, now: int) -> int:
    """Revoke every active refresh token of a login session; how many were revoked."""
    result = conn.execute(
        update(_refresh)
        .where(_refresh.c.session_id == session_id, _refresh.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


def _as_values(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
