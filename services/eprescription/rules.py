"""The rule tables of the e-prescription: who prescribes what, who executes what, how long a
prescription and each delivery may run. Pure data and pure functions (no I/O), table-tested.

Sources: Code de la santé publique (CSP) and Code de la sécurité sociale (CSS) as the reference facts
and seed document 000 give them. Where a figure is the sandbox's choice it says so.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    MEDICAMENT = "medicament"
    LPPR = "lppr"
    SOINS = "soins"


class Liste(StrEnum):
    """Listes des substances vénéneuses (CSP L5132-1); ``none`` for a médicament not listed."""

    NONE = "none"
    I = "I"  # noqa: E741 (the liste's real name)
    II = "II"
    STUPEFIANT = "stupefiant"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    article: str
    text: str


_RULES: Final = (
    Rule("prescriber-kind", "CSP L4071-1, R.5132-3; sandbox table", "this profession may not prescribe this"),
    Rule(
        "stupefiant-prescriber",
        "CSP R.5132-5, R.5132-29",
        "stupéfiants by médecins and chirurgiens-dentistes",
    ),
    Rule(
        "executant-kind",
        "CSP L4211-1 (pharmaciens), R.4311-7 (infirmiers)",
        "this profession may not execute it",
    ),
    Rule("medicament-duree-max", "CSP R.5132-21", "a médicament is prescribed for at most 12 months"),
    Rule("stupefiant-duree-max", "CSP R.5132-30", "a stupéfiant is prescribed for at most 28 days"),
    Rule("stupefiant-renouvellement", "CSP R.5132-30", "a stupéfiant prescription is not renewable"),
    Rule("lppr-periode", "CSS R.165-36", "LPPR renewals by periods of at most one month"),
    Rule("lppr-duree-max", "CSS R.165-36, R.165-37", "LPPR prescribed for at most 12 months"),
    Rule("lppr-poids", "CSS R.165-38", "an LPPR prescription gives the patient's age and weight"),
    Rule("poids-enfant", "CSP R.5132-3; sandbox: under 15", "a child's prescription gives the weight"),
    Rule("soins-passages-max", "NGAP; ordonnance type n°4 (seed 000)", "surveillance: at most 15 passages"),
    Rule("medicament-premiere-delivrance", "CSP R.5132-22", "first delivery within 3 months"),
    Rule("medicament-traitement-12-mois", "CSP R.5132-21", "no delivery beyond the 12 months of treatment"),
    Rule("medicament-delivrance-max", "CSP R.5132-22; CSS R.5123-2", "at most 30 days per delivery"),
    Rule("grand-conditionnement-max", "CSS R.5123-2", "at most 3 months per delivery (large packs)"),
    Rule("contraceptif-max", "CSP R.5132-22", "at most 12 weeks per delivery (contraceptives)"),
    Rule("stupefiant-delivrance-max", "CSP R.5132-30", "at most 28 days per delivery (stupéfiants)"),
    Rule("stupefiant-presentation", "CSP R.5132-33", "presented after 3 days: only the days left to run"),
    Rule("lppr-premiere-delivrance", "CSS R.165-40", "first LPPR delivery within 6 months"),
    Rule("lppr-delivrance-max", "CSS R.165-36", "at most one period (one month) per delivery"),
    Rule("lppr-validite", "CSS R.165-36", "an LPPR prescription is valid 12 months"),
    Rule(
        "executer-avant", "CSS R.165-40", "the first delivery is made before the date « à exécuter avant le »"
    ),
    Rule("soins-avant-debut", "sandbox", "soins are not executed before their start date"),
    Rule(
        "soins-apres-duree",
        "seed 000 (« durée de prescription et/ou nombre de passages »)",
        "soins prescribed for a duration are executed within it, from the start date",
    ),
    Rule("line-remaining", "sandbox", "a delivery is at most what remains of the line"),
)
RULES: Final[dict[str, Rule]] = {rule.id: rule for rule in _RULES}
"""Every rule id the service may answer with, its article and what it says (rendered in the docs)."""

MEDECIN, PHARMACIEN, DENTISTE, SAGE_FEMME, INFIRMIER, KINE = "10", "21", "40", "50", "60", "70"

PRESCRIBERS: Final[dict[str, frozenset[Kind]]] = {
    MEDECIN: frozenset(Kind),
    SAGE_FEMME: frozenset({Kind.MEDICAMENT, Kind.LPPR, Kind.SOINS}),
    DENTISTE: frozenset({Kind.MEDICAMENT, Kind.LPPR}),
    INFIRMIER: frozenset({Kind.LPPR}),
    KINE: frozenset({Kind.LPPR}),
}
"""Profession (TRE_G15 code) -> what it may prescribe. Sages-femmes, chirurgiens-dentistes, infirmiers
and masseurs-kinésithérapeutes prescribe within limited lists (arrêtés) the sandbox does not model line
by line: it keeps the families. Pharmaciens do not prescribe here."""

STUPEFIANT_PRESCRIBERS: Final = frozenset({MEDECIN, DENTISTE})

EXECUTANTS: Final[dict[Kind, frozenset[str]]] = {
    Kind.MEDICAMENT: frozenset({PHARMACIEN}),
    Kind.LPPR: frozenset({PHARMACIEN}),
    Kind.SOINS: frozenset({INFIRMIER}),
}

TREATMENT_MAX_MONTHS: Final = 12
STUPEFIANT_MAX_DAYS: Final = 28
STUPEFIANT_PRESENTATION_DAYS: Final = 3
MEDICAMENT_FIRST_DELIVERY_MONTHS: Final = 3
LPPR_FIRST_DELIVERY_MONTHS: Final = 6
LPPR_PERIOD_MAX_DAYS: Final = 31
LPPR_VALIDITY_MONTHS: Final = 12
SURVEILLANCE_MAX_PASSAGES: Final = 15
CHILD_WEIGHT_AGE: Final = 15
DELIVERY_MAX_DAYS: Final[dict[str, int]] = {
    "standard": 30,  # one month: 30 days (or 4 weeks, which is less)
    "grand-conditionnement": 90,  # three months
    "contraceptif": 84,  # twelve weeks
    "stupefiant": STUPEFIANT_MAX_DAYS,
}
_DELIVERY_RULE: Final = {
    "standard": "medicament-delivrance-max",
    "grand-conditionnement": "grand-conditionnement-max",
    "contraceptif": "contraceptif-max",
    "stupefiant": "stupefiant-delivrance-max",
}


@dataclass(frozen=True, slots=True)
class Refus:
    """A refusal: the rule's id and a sentence for a person (the article is in ``RULES``)."""

    rule: str
    detail: str

    @property
    def article(self) -> str:
        return RULES[self.rule].article


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(date_naissance: str, day: date) -> int:
    """Age in whole years; an unknown day or month (``00``) counts as the 1st / January."""
    year, month, dom = (int(part) for part in date_naissance.split("-"))
    return day.year - year - ((day.month, day.day) < (month or 1, dom or 1))


# --- prescribing ----------


@dataclass(frozen=True, slots=True)
class LineSpec:
    """What the prescription rules look at in a line."""

    kind: Kind
    liste: Liste = Liste.NONE
    duree_jours: int = 0
    renouvellements: int = 0
    acte_type: str | None = None
    passages: int = 0


def may_prescribe(profession: str | None, line: LineSpec) -> Refus | None:
    allowed = PRESCRIBERS.get(profession or "", frozenset())
    if line.kind not in allowed:
        return Refus("prescriber-kind", f"profession {profession} may not prescribe {line.kind.value} lines")
    if line.liste is Liste.STUPEFIANT and profession not in STUPEFIANT_PRESCRIBERS:
        return Refus("stupefiant-prescriber", f"profession {profession} may not prescribe stupéfiants")
    return None


def check_line(line: LineSpec) -> Refus | None:
    """Durations and renewals a line may carry."""
    total = line.duree_jours * (1 + line.renouvellements)
    if line.kind is Kind.MEDICAMENT:
        if line.liste is Liste.STUPEFIANT:
            if line.renouvellements:
                return Refus("stupefiant-renouvellement", "a stupéfiant line has no renewal")
            if line.duree_jours > STUPEFIANT_MAX_DAYS:
                return Refus(
                    "stupefiant-duree-max", f"{line.duree_jours} days: at most {STUPEFIANT_MAX_DAYS}"
                )
        if total > 365:
            return Refus("medicament-duree-max", f"{total} days of treatment: at most 12 months")
    elif line.kind is Kind.LPPR:
        if line.duree_jours > LPPR_PERIOD_MAX_DAYS:
            return Refus("lppr-periode", f"a period of {line.duree_jours} days: at most one month")
        if total > 365:
            return Refus("lppr-duree-max", f"{total} days with renewals: at most 12 months")
    elif line.acte_type == "surveillance-observation" and line.passages > SURVEILLANCE_MAX_PASSAGES:
        return Refus("soins-passages-max", f"{line.passages} passages: at most {SURVEILLANCE_MAX_PASSAGES}")
    return None


def needs_weight(kind: Kind, age: int) -> str | None:
    """The rule asking for the patient's weight on this line, if any."""
    if kind is Kind.LPPR:
        return "lppr-poids"
    if kind is Kind.MEDICAMENT and age < CHILD_WEIGHT_AGE:
        return "poids-enfant"
    return None


# --- dispensing ----------


@dataclass(frozen=True, slots=True)
class LineState:
    """A line as dispensing sees it."""

    kind: Kind
    liste: Liste
    conditionnement: str  # standard, grand-conditionnement, contraceptif (médicaments)
    duree_jours: int
    quantite_periode: int  # LPPR: the quantity of one period
    conditionnement_superieur: bool  # LPPR: the packaging holds more than a period
    date_debut: date | None  # soins
    restant: int


@dataclass(frozen=True, slots=True)
class Moment:
    """When the delivery happens relative to the prescription."""

    prescrite_le: date
    today: date
    first_delivery: bool  # nothing was delivered on the prescription yet
    executer_avant: date | None


def check_delivery(executant: str | None, line: LineState, when: Moment, quantite: int) -> Refus | None:
    """Whether ``executant`` may deliver ``quantite`` (days of treatment for médicaments, units for
    LPPR, passages for soins) of ``line`` on ``when.today``."""
    if executant not in EXECUTANTS[line.kind]:
        return Refus("executant-kind", f"profession {executant} does not execute {line.kind.value} lines")
    if when.first_delivery and when.executer_avant is not None and when.today > when.executer_avant:
        return Refus("executer-avant", f"to be executed before {when.executer_avant.isoformat()}")
    if line.kind is Kind.MEDICAMENT:
        refus = _check_medicament(line, when, quantite)
    elif line.kind is Kind.LPPR:
        refus = _check_lppr(line, when, quantite)
    else:
        refus = _check_soins(line, when)
    if refus is None and quantite > line.restant:
        refus = Refus("line-remaining", f"{quantite} asked, {line.restant} remain on the line")
    return refus


def _check_soins(line: LineState, when: Moment) -> Refus | None:
    """Soins give a duration, a number of passages, or both (seed 000: « durée de prescription et/ou
    nombre de passages »): the passages are the line's quantity (``line-remaining``), the duration the
    days from the start date within which they are executed; with both, both are checked."""
    if line.date_debut is None:
        return None
    if when.today < line.date_debut:
        return Refus("soins-avant-debut", f"the soins start on {line.date_debut.isoformat()}")
    if line.duree_jours and when.today >= line.date_debut + timedelta(days=line.duree_jours):
        last = line.date_debut + timedelta(days=line.duree_jours - 1)
        return Refus("soins-apres-duree", f"the {line.duree_jours} days of soins ended on {last.isoformat()}")
    return None


def _check_medicament(line: LineState, when: Moment, jours: int) -> Refus | None:
    if (
        when.first_delivery
        and line.liste is not Liste.NONE
        and when.today > add_months(when.prescrite_le, MEDICAMENT_FIRST_DELIVERY_MONTHS)
    ):
        return Refus("medicament-premiere-delivrance", "the first delivery is due within 3 months")
    if when.today > add_months(when.prescrite_le, TREATMENT_MAX_MONTHS):
        return Refus("medicament-traitement-12-mois", "the 12 months of treatment have passed")
    kind = "stupefiant" if line.liste is Liste.STUPEFIANT else line.conditionnement
    most = DELIVERY_MAX_DAYS[kind]
    if jours > most:
        return Refus(_DELIVERY_RULE[kind], f"{jours} days in one delivery: at most {most}")
    if line.liste is Liste.STUPEFIANT and when.first_delivery:
        late = (when.today - when.prescrite_le).days
        if late > STUPEFIANT_PRESENTATION_DAYS:
            left = line.duree_jours - late
            if jours > left:
                return Refus(
                    "stupefiant-presentation",
                    f"presented {late} days after the prescription: at most the {max(left, 0)} days left",
                )
    return None


def _check_lppr(line: LineState, when: Moment, quantite: int) -> Refus | None:
    if when.first_delivery and when.today > add_months(when.prescrite_le, LPPR_FIRST_DELIVERY_MONTHS):
        return Refus("lppr-premiere-delivrance", "the first LPPR delivery is due within 6 months")
    if when.today > add_months(when.prescrite_le, LPPR_VALIDITY_MONTHS):
        return Refus("lppr-validite", "the LPPR prescription is valid 12 months")
    if not line.conditionnement_superieur and quantite > line.quantite_periode:
        return Refus(
            "lppr-delivrance-max", f"{quantite} in one delivery: at most one period ({line.quantite_periode})"
        )
    return None
