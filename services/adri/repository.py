"""Every query of ADRi (SQLAlchemy Core on the caller's connection); nothing else builds SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from services.adri.models import (
    AdriApcvInvoice,
    AdriApcvSession,
    AdriBeneficiary,
    AdriCss,
    AdriExoneration,
    AdriRightsPeriod,
)
from services.adri.records import (
    AmoPeriod,
    ApcvSession,
    Beneficiary,
    CssPeriod,
    Exoneration,
    Identity,
    Invoice,
)
from shared.db import table_of

_beneficiary = table_of(AdriBeneficiary)
_period = table_of(AdriRightsPeriod)
_exoneration = table_of(AdriExoneration)
_css = table_of(AdriCss)
_session = table_of(AdriApcvSession)
_invoice = table_of(AdriApcvInvoice)

_TABLES = {
    "beneficiary": _beneficiary,
    "period": _period,
    "exoneration": _exoneration,
    "css": _css,
}

# --- seeding ---------------------------------------------------------------------------------------


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    target = _TABLES[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


# --- beneficiaries -----------------------------------------------------------------------------------


def _identity(row: Row[Any]) -> Identity:
    return Identity(
        matricule=row.matricule,
        nom_naissance=row.nom_naissance,
        nom_usage=row.nom_usage,
        prenoms=tuple(row.prenoms.split(",")),
        sexe=row.sexe,
        date_naissance=row.date_naissance,
        rang_naissance=row.rang_naissance,
        ouvrant_droit=row.ouvrant_droit,
    )


def household(conn: Connection, ouvrant_droit: str) -> tuple[Identity, ...]:
    """The beneficiaries on the rights of ``ouvrant_droit``: that person first (when known), then the
    ayants droit by date de naissance, rang de naissance and matricule."""
    rows = conn.execute(select(_beneficiary).where(_beneficiary.c.ouvrant_droit == ouvrant_droit)).all()
    members = [_identity(r) for r in rows]
    members.sort(key=lambda m: (not m.is_ouvrant_droit, m.date_naissance, m.rang_naissance, m.matricule))
    if not members or not members[0].is_ouvrant_droit:
        return ()
    return tuple(members)


def get_beneficiary(conn: Connection, matricule: str) -> Beneficiary | None:
    """A beneficiary with their periods, exonérations, CSS and household (five indexed reads)."""
    row = conn.execute(select(_beneficiary).where(_beneficiary.c.matricule == matricule)).first()
    if row is None:
        return None
    identity = _identity(row)
    periods = conn.execute(
        select(_period.c.start, _period.c.end, _period.c.regime, _period.c.caisse, _period.c.centre)
        .where(_period.c.matricule == matricule)
        .order_by(_period.c.start)
    ).all()
    exonerations = conn.execute(
        select(
            _exoneration.c.kind,
            _exoneration.c.code,
            _exoneration.c.label,
            _exoneration.c.start,
            _exoneration.c.end,
        )
        .where(_exoneration.c.matricule == matricule)
        .order_by(_exoneration.c.start, _exoneration.c.code)
    ).all()
    css = conn.execute(
        select(_css.c.start, _css.c.end).where(_css.c.matricule == matricule).order_by(_css.c.start)
    ).all()
    return Beneficiary(
        identity=identity,
        periods=tuple(AmoPeriod(r.start, r.end, r.regime, r.caisse, r.centre) for r in periods),
        exonerations=tuple(Exoneration(r.kind, r.code, r.label, r.start, r.end) for r in exonerations),
        css=tuple(CssPeriod(r.start, r.end) for r in css),
        medecin_traitant_rpps=row.medecin_traitant_rpps,
        household=household(conn, identity.ouvrant_droit),
    )


# --- appli carte Vitale sessions -----------------------------------------------------------------------


def _session_record(row: Row[Any]) -> ApcvSession:
    return ApcvSession(
        id=row.id,
        matricule=row.matricule,
        professional_idnat=row.professional_idnat,
        card=row.card,
        opened_at=row.opened_at,
        expires_at=row.expires_at,
        invoiced_at=row.invoiced_at,
    )


def insert_session(conn: Connection, session: ApcvSession) -> None:
    conn.execute(
        insert(_session).values(
            id=session.id,
            matricule=session.matricule,
            professional_idnat=session.professional_idnat,
            card=session.card,
            opened_at=session.opened_at,
            expires_at=session.expires_at,
            invoiced_at=session.invoiced_at,
        )
    )


def get_session(conn: Connection, session_id: str) -> ApcvSession | None:
    row = conn.execute(select(_session).where(_session.c.id == session_id)).first()
    return None if row is None else _session_record(row)


def mark_invoiced(conn: Connection, session_id: str, now: int) -> bool:
    """Mark the session invoiced if it is still open at ``now``; False when another request won."""
    result = conn.execute(
        update(_session)
        .where(_session.c.id == session_id, _session.c.invoiced_at.is_(None), _session.c.expires_at > now)
        .values(invoiced_at=now)
    )
    return result.rowcount == 1


def insert_invoice(conn: Connection, invoice: Invoice) -> None:
    conn.execute(
        insert(_invoice).values(
            id=invoice.id,
            session_id=invoice.session_id,
            matricule=invoice.matricule,
            professional_idnat=invoice.professional_idnat,
            numero_facture=invoice.numero_facture,
            montant=invoice.montant,
            date_soins=invoice.date_soins,
            recorded_at=invoice.recorded_at,
        )
    )


def get_invoice(conn: Connection, session_id: str) -> Invoice | None:
    row = conn.execute(select(_invoice).where(_invoice.c.session_id == session_id)).first()
    if row is None:
        return None
    return Invoice(
        id=row.id,
        session_id=row.session_id,
        matricule=row.matricule,
        professional_idnat=row.professional_idnat,
        numero_facture=row.numero_facture,
        montant=row.montant,
        date_soins=row.date_soins,
        recorded_at=row.recorded_at,
    )
