"""ADRi's answers built from its records, in the shapes of ``schemas.py`` (each route declares its
model, which FastAPI validates the answer against)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.adri import apcv
from services.adri.records import ApcvSession, Identity, Invoice
from services.adri.situation import Situation
from shared.population.referentials import REGIMES


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _identity(identity: Identity) -> dict[str, Any]:
    return {
        "matricule": identity.matricule,
        "nom_naissance": identity.nom_naissance,
        "nom_usage": identity.nom_usage,
        "prenoms": list(identity.prenoms),
        "sexe": identity.sexe,
        "date_naissance": identity.date_naissance,
        "rang_naissance": identity.rang_naissance,
        "qualite": "assure" if identity.is_ouvrant_droit else "ayant-droit",
    }


def situation(found: Situation, apcv_session: str | None = None) -> dict[str, Any]:
    """The :class:`~services.adri.schemas.SituationRead` shape."""
    beneficiary = found.beneficiary
    period = found.period
    return {
        "date": found.day.isoformat(),
        "beneficiary": _identity(beneficiary.identity),
        "ouvrant_droit": _identity(beneficiary.ouvrant_droit),
        "ayants_droit": [_identity(m) for m in beneficiary.ayants_droit],
        "regime": {"code": period.regime, "libelle": REGIMES.get(period.regime, period.regime)},
        "caisse": period.caisse,
        "centre": period.centre,
        "amo": {"start": period.start.isoformat(), "end": _day(period.end)},
        "amo_periods": [
            {
                "start": p.start.isoformat(),
                "end": _day(p.end),
                "regime": p.regime,
                "caisse": p.caisse,
                "centre": p.centre,
            }
            for p in beneficiary.periods
        ],
        "exonerations": [
            {
                "kind": e.kind,
                "code": e.code,
                "libelle": e.label,
                "start": e.start.isoformat(),
                "end": _day(e.end),
            }
            for e in found.exonerations
        ],
        "css": None
        if found.css is None
        else {"start": found.css.start.isoformat(), "end": _day(found.css.end)},
        "medecin_traitant_rpps": beneficiary.medecin_traitant_rpps,
        "apcv_session": apcv_session,
    }


def _instant(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def invoice(found: Invoice) -> dict[str, Any]:
    """The :class:`~services.adri.schemas.InvoiceRead` shape."""
    return {
        "invoice_id": found.id,
        "session_id": found.session_id,
        "matricule": found.matricule,
        "professional_idnat": found.professional_idnat,
        "numero_facture": found.numero_facture,
        "montant": f"{found.montant:.2f}",
        "date_soins": found.date_soins.isoformat(),
        "recorded_at": _instant(found.recorded_at),
    }


def session(found: ApcvSession, now: int, recorded: Invoice | None = None) -> dict[str, Any]:
    """The :class:`~services.adri.schemas.ApcvSessionRead` shape, its status at ``now``."""
    return {
        "session_id": found.id,
        "matricule": found.matricule,
        "professional_idnat": found.professional_idnat,
        "status": apcv.status_at(found, now).value,
        "opened_at": _instant(found.opened_at),
        "expires_at": _instant(found.expires_at),
        "invoices_allowed": apcv.INVOICES_PER_SESSION,
        "invoice": None if recorded is None else invoice(recorded),
    }
