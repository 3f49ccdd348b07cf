"""The records ADRi works with, read from its tables: beneficiaries with their rights, ApCV sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


def covers(start: date, end: date | None, day: date) -> bool:
    """True when ``day`` lies in ``[start, end]`` (``end`` inclusive, None for open-ended)."""
    return start <= day and (end is None or day <= end)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a beneficiary is, as ADRi lists them among the beneficiaries of an ouvrant droit."""

    matricule: str
    nom_naissance: str
    nom_usage: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    rang_naissance: int
    ouvrant_droit: str

    @property
    def is_ouvrant_droit(self) -> bool:
        """An assuré is their own ouvrant droit; an ayant droit is covered by someone else's rights."""
        return self.ouvrant_droit == self.matricule


@dataclass(frozen=True, slots=True)
class AmoPeriod:
    """A period of AMO (assurance maladie obligatoire) rights."""

    start: date
    end: date | None
    regime: str
    caisse: str
    centre: str


@dataclass(frozen=True, slots=True)
class Exoneration:
    """An exonération du ticket modérateur over a period (``kind``: ald, maternite, invalidite)."""

    kind: str
    code: str
    label: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class CssPeriod:
    """A period of complémentaire santé solidaire."""

    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """Everything ADRi holds on one beneficiary; ``household`` is the ouvrant droit's beneficiaries,
    the ouvrant droit first, then the ayants droit by date and rang de naissance."""

    identity: Identity
    periods: tuple[AmoPeriod, ...]
    exonerations: tuple[Exoneration, ...]
    css: tuple[CssPeriod, ...]
    medecin_traitant_rpps: str | None
    household: tuple[Identity, ...]

    @property
    def ouvrant_droit(self) -> Identity:
        return self.household[0]

    @property
    def ayants_droit(self) -> tuple[Identity, ...]:
        return self.household[1:]


@dataclass(frozen=True, slots=True)
class ApcvSession:
    """A session opened by reading an appli carte Vitale; times are Unix seconds (tenant clock)."""

    id: str
    matricule: str
    professional_idnat: str
    card: str
    opened_at: int
    expires_at: int
    invoiced_at: int | None


@dataclass(frozen=True, slots=True)
class Invoice:
    """The invoice recorded in a session."""

    id: str
    session_id: str
    matricule: str
    professional_idnat: str
    numero_facture: str
    montant: Decimal
    date_soins: date
    recorded_at: int
