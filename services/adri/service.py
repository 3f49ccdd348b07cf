"""ADRi's rules: reading the request's identifiers, who may call, the lookups, the ApCV sessions.

Never commits and never knows about HTTP: the router passes the tenant's register, a connection of
the request's unit of work, and the tenant clock's instant.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import Connection

from services.adri import apcv, repository
from services.adri.errors import (
    ApcvReauthenticationRequired,
    ApcvSessionOwner,
    ApcvSessionPatient,
    ApcvSessionUnknown,
    BeneficiaryAmbiguous,
    BeneficiaryUnknown,
    DateInvalid,
    NirKey,
    NirMalformed,
    OuvrantDroitUnknown,
    ParameterMissing,
    RangInvalid,
    RangUnknown,
)
from services.adri.records import ApcvSession, Beneficiary, Identity, Invoice
from services.adri.register import Register
from services.adri.situation import Situation, situation_at
from shared.auth import Actor, ProfessionalActor, require_professional
from shared.identifiers import NirError, parse_nir

MATRICULE_LENGTH: Final = 15
SESSION_ID_MAX: Final = 40
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHOWN = 20
"""Characters of a refused input repeated in an error message, at most."""


# --- who may call ------------------------------------------------------------------------------------


def authorise_lookup(actor: Actor) -> ProfessionalActor:
    """Rights lookups: any professional token, CPS, e-CPS or CPE.

    A CPE (carte de personnel d'établissement) holder may look rights up: secretariats check the
    patients' rights when they register them, and ADRi runs inside the billing software they use.
    Patients' and software-only tokens are refused (rule ``actor-kind``).
    """
    return require_professional(actor)


def authorise_apcv(actor: Actor) -> ProfessionalActor:
    """Opening an ApCV session and recording its invoice: a health professional in person (CPS or
    e-CPS). The feuille de soins is signed by the professional (seed document 001), which a CPE
    cannot do (rule ``card-cpe``)."""
    return require_professional(actor, in_person=True)


# --- reading the request -----------------------------------------------------------------------------


def _shown(value: str) -> str:
    return repr(value[:_SHOWN] + ("..." if len(value) > _SHOWN else ""))


def parse_matricule(register: Register, value: str, *, what: str = "NIR") -> str:
    """A 15-character NIR or NIA (13 characters + key, décret 82-103), upper-cased (2A / 2B).

    A key that does not follow the mod-97 rule is refused (``nir-key``), except for a matricule the
    register holds as published: the CNAM test identity HERMANN GATIEN carries such a key.
    """
    if len(value) != MATRICULE_LENGTH:
        raise NirMalformed(
            f"the {what} has {MATRICULE_LENGTH} characters (13 + the key), got {len(value)}: {_shown(value)}",
            rule="nir-format",
        )
    matricule = value.upper()
    try:
        parse_nir(matricule)
    except NirError as exc:
        if exc.reason != "key":
            raise NirMalformed(f"the {what} {_shown(value)} is malformed: {exc}", rule="nir-format") from None
        if register.beneficiary(matricule) is None:
            raise NirKey(
                f"the {what} {_shown(value)} has a wrong key: {exc.detail}", rule="nir-key"
            ) from None
    return matricule


def parse_day(value: str | None, today: date, *, name: str = "date") -> date:
    """``YYYY-MM-DD`` as an existing calendar date; ``today`` (the tenant clock's) when absent."""
    if value is None:
        return today
    if not _DAY.fullmatch(value):
        raise DateInvalid(f"{name} must be YYYY-MM-DD, got {_shown(value)}", rule="date-format")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DateInvalid(f"{name} {value} is not a calendar date", rule="date-format") from None


def parse_rang(value: str | None) -> int:
    """The rang de naissance of a carte Vitale: one digit, 1 to 9."""
    if value is None:
        raise ParameterMissing("rang_naissance is required (1, or 2 for a second twin...)", rule="parameters")
    if len(value) != 1 or value not in "123456789":
        raise RangInvalid(f"rang_naissance is one digit 1-9, got {_shown(value)}", rule="rang-format")
    return int(value)


def parse_date_naissance(value: str | None) -> str | None:
    """A date de naissance as ADRi stores it: ``YYYY-MM-DD`` with ``00`` for an unknown day, or an
    unknown day and month (the population's partial birth dates), otherwise an existing date."""
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        raise DateInvalid(f"date_naissance must be YYYY-MM-DD, got {_shown(value)}", rule="date-format")
    _, month, day = value.split("-")
    if month == "00" and day != "00":
        raise DateInvalid(
            f"date_naissance {value}: an unknown month needs an unknown day", rule="date-format"
        )
    if day == "00":
        if not "00" <= month <= "12":
            raise DateInvalid(f"date_naissance {value} has no month {month}", rule="date-format")
        return value
    parse_day(value, date.min, name="date_naissance")
    return value


# --- lookups -----------------------------------------------------------------------------------------


def beneficiary_by_nir(register: Register, nir: str) -> Beneficiary:
    """The beneficiary whose own matricule (NIR, or NIA) is ``nir``."""
    matricule = parse_matricule(register, nir)
    found = register.beneficiary(matricule)
    if found is None:
        raise BeneficiaryUnknown(f"ADRi knows no beneficiary {matricule}", rule="beneficiary-unknown")
    return found


def beneficiary_by_card(
    register: Register, ouvrant_droit: str | None, rang: str | None, date_naissance: str | None
) -> Beneficiary:
    """The beneficiary a carte Vitale designates: the ouvrant droit's matricule, the rang de naissance
    and, when given, the date de naissance (which tells the ouvrant droit from a child of the same
    rang). Twins share the date and differ by rang (1, 2...)."""
    if ouvrant_droit is None:
        raise ParameterMissing("ouvrant_droit (the ouvrant droit's NIR) is required", rule="parameters")
    matricule = parse_matricule(register, ouvrant_droit, what="ouvrant droit's NIR")
    rang_naissance = parse_rang(rang)
    naissance = parse_date_naissance(date_naissance)
    members = register.household(matricule)
    if not members:
        known = register.beneficiary(matricule)
        why = "is an ayant droit" if known is not None else "is unknown to ADRi"
        raise OuvrantDroitUnknown(f"{matricule} {why}, not an ouvrant droit", rule="ouvrant-droit-unknown")
    same_rang = [m for m in members if m.rang_naissance == rang_naissance]
    if not same_rang:
        raise RangUnknown(
            f"no beneficiary of rang {rang_naissance} on the rights of {matricule}", rule="rang-unknown"
        )
    chosen = same_rang if naissance is None else [m for m in same_rang if m.date_naissance == naissance]
    if not chosen:
        raise BeneficiaryUnknown(
            f"no beneficiary of rang {rang_naissance} born {naissance} on the rights of {matricule}",
            rule="beneficiary-unknown",
        )
    if len(chosen) > 1:
        raise BeneficiaryAmbiguous(
            f"{len(chosen)} beneficiaries of rang {rang_naissance} on the rights of {matricule}: "
            "add date_naissance",
            rule="beneficiary-ambiguous",
        )
    return _member(register, chosen[0])


def _member(register: Register, identity: Identity) -> Beneficiary:
    found = register.beneficiary(identity.matricule)
    if found is None:  # the household was read, then its member vanished: never with read-only rights
        raise BeneficiaryUnknown(
            f"ADRi knows no beneficiary {identity.matricule}", rule="beneficiary-unknown"
        )
    return found


def situation(beneficiary: Beneficiary, day: date) -> Situation:
    """The beneficiary's rights on ``day`` (see :mod:`services.adri.situation`)."""
    return situation_at(beneficiary, day)


# --- appli carte Vitale sessions --------------------------------------------------------------------


def _seconds(now: datetime) -> int:
    return int(now.timestamp())


def open_session(
    conn: Connection, register: Register, actor: ProfessionalActor, matricule: str, now: datetime
) -> ApcvSession:
    """Open a session for the beneficiary whose appli carte Vitale was read (its matricule)."""
    beneficiary = beneficiary_by_nir(register, matricule)
    opened = _seconds(now)
    session = ApcvSession(
        id=secrets.token_urlsafe(24),
        matricule=beneficiary.identity.matricule,
        professional_idnat=actor.idnat,
        card=actor.card,
        opened_at=opened,
        expires_at=apcv.expiry(opened),
        invoiced_at=None,
    )
    repository.insert_session(conn, session)
    return session


def _owned_session(conn: Connection, actor: ProfessionalActor, session_id: str) -> ApcvSession:
    found = None if len(session_id) > SESSION_ID_MAX else repository.get_session(conn, session_id)
    if found is None:
        raise ApcvSessionUnknown(f"no ApCV session {_shown(session_id)}", rule="apcv-session-unknown")
    if found.professional_idnat != actor.idnat:
        raise ApcvSessionOwner(
            f"session {found.id} was opened by another professional", rule="apcv-session-owner"
        )
    return found


def read_session(
    conn: Connection, actor: ProfessionalActor, session_id: str
) -> tuple[ApcvSession, Invoice | None]:
    """The session and its invoice, for the professional who opened it."""
    session = _owned_session(conn, actor, session_id)
    return session, repository.get_invoice(conn, session.id)


def check_session_lookup(
    conn: Connection, actor: ProfessionalActor, session_id: str, beneficiary: Beneficiary, now: datetime
) -> ApcvSession:
    """A lookup made within an ApCV session: the session is the caller's, still open, and for that
    beneficiary."""
    session = _owned_session(conn, actor, session_id)
    apcv.check_usable(session, _seconds(now))
    if session.matricule != beneficiary.identity.matricule:
        raise ApcvSessionPatient(
            f"session {session.id} is for another beneficiary than {beneficiary.identity.matricule}",
            rule="apcv-session-patient",
        )
    return session


def record_invoice(
    conn: Connection,
    actor: ProfessionalActor,
    session_id: str,
    *,
    numero_facture: str,
    montant: Decimal,
    date_soins: date | None,
    now: datetime,
) -> Invoice:
    """Record the session's one invoice; the session then needs a new reading of the app."""
    session = _owned_session(conn, actor, session_id)
    instant = _seconds(now)
    apcv.check_usable(session, instant)
    if not repository.mark_invoiced(conn, session.id, instant):  # a concurrent invoice came first
        raise ApcvReauthenticationRequired(
            f"session {session.id} already has its invoice: read the patient's appli carte Vitale again",
            rule="apcv-one-invoice",
        )
    invoice = Invoice(
        id=secrets.token_urlsafe(24),
        session_id=session.id,
        matricule=session.matricule,
        professional_idnat=actor.idnat,
        numero_facture=numero_facture,
        montant=montant,
        date_soins=date_soins or now.date(),
        recorded_at=instant,
    )
    repository.insert_invoice(conn, invoice)
    return invoice
