"""The rule tables, table-tested: each rule allows and refuses (pure functions, no I/O)."""

from __future__ import annotations

from datetime import date
from random import Random

import pytest

from services.eprescription import rules
from services.eprescription.numero import (
    ALPHABET,
    NumeroError,
    check_character,
    make_numero,
    parse_numero,
)
from services.eprescription.rules import Kind, LineSpec, LineState, Liste, Moment

D0 = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("profession", "spec", "rule"),
    [
        ("10", LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT), None),
        ("10", LineSpec(Kind.SOINS), None),
        ("50", LineSpec(Kind.SOINS), None),
        ("50", LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT), "stupefiant-prescriber"),
        ("40", LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT), None),
        ("40", LineSpec(Kind.SOINS), "prescriber-kind"),
        ("60", LineSpec(Kind.LPPR), None),
        ("60", LineSpec(Kind.MEDICAMENT), "prescriber-kind"),
        ("70", LineSpec(Kind.LPPR), None),
        ("70", LineSpec(Kind.SOINS), "prescriber-kind"),
        ("21", LineSpec(Kind.MEDICAMENT), "prescriber-kind"),
        (None, LineSpec(Kind.MEDICAMENT), "prescriber-kind"),
    ],
)
def test_who_prescribes_what(profession: str | None, spec: LineSpec, rule: str | None) -> None:
    refus = rules.may_prescribe(profession, spec)
    assert (refus and refus.rule) == rule


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        (LineSpec(Kind.MEDICAMENT, duree_jours=30, renouvellements=11), None),
        (LineSpec(Kind.MEDICAMENT, duree_jours=30, renouvellements=12), "medicament-duree-max"),
        (LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT, duree_jours=28), None),
        (LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT, duree_jours=29), "stupefiant-duree-max"),
        (
            LineSpec(Kind.MEDICAMENT, Liste.STUPEFIANT, duree_jours=7, renouvellements=1),
            "stupefiant-renouvellement",
        ),
        (LineSpec(Kind.LPPR, duree_jours=31, renouvellements=10), None),
        (LineSpec(Kind.LPPR, duree_jours=32), "lppr-periode"),
        (LineSpec(Kind.LPPR, duree_jours=30, renouvellements=12), "lppr-duree-max"),
        (LineSpec(Kind.SOINS, acte_type="surveillance-observation", passages=15), None),
        (LineSpec(Kind.SOINS, acte_type="surveillance-observation", passages=16), "soins-passages-max"),
        (LineSpec(Kind.SOINS, acte_type="injection", passages=60), None),
    ],
)
def test_line_limits(spec: LineSpec, rule: str | None) -> None:
    refus = rules.check_line(spec)
    assert (refus and refus.rule) == rule


@pytest.mark.parametrize(
    ("kind", "age", "rule"),
    [
        (Kind.LPPR, 40, "lppr-poids"),
        (Kind.MEDICAMENT, 14, "poids-enfant"),
        (Kind.MEDICAMENT, 15, None),
        (Kind.SOINS, 3, None),
    ],
)
def test_weight_needed(kind: Kind, age: int, rule: str | None) -> None:
    assert rules.needs_weight(kind, age) == rule


def state(kind: Kind = Kind.MEDICAMENT, **changes: object) -> LineState:
    values: dict[str, object] = {
        "kind": kind,
        "liste": Liste.NONE,
        "conditionnement": "standard",
        "duree_jours": 30,
        "quantite_periode": 2,
        "conditionnement_superieur": False,
        "date_debut": None,
        "restant": 1000,
    }
    values.update(changes)
    return LineState(**values)  # type: ignore[arg-type]


def moment(today: date, *, first: bool = True, avant: date | None = None) -> Moment:
    return Moment(prescrite_le=D0, today=today, first_delivery=first, executer_avant=avant)


@pytest.mark.parametrize(
    ("who", "line", "when", "quantite", "rule"),
    [
        ("21", state(), moment(D0), 30, None),
        ("60", state(), moment(D0), 30, "executant-kind"),
        ("60", state(Kind.SOINS), moment(D0), 1, None),
        ("21", state(Kind.SOINS), moment(D0), 1, "executant-kind"),
        ("21", state(), moment(D0), 31, "medicament-delivrance-max"),
        ("21", state(conditionnement="grand-conditionnement"), moment(D0), 90, None),
        ("21", state(conditionnement="grand-conditionnement"), moment(D0), 91, "grand-conditionnement-max"),
        ("21", state(conditionnement="contraceptif"), moment(D0), 84, None),
        ("21", state(conditionnement="contraceptif"), moment(D0), 85, "contraceptif-max"),
        ("21", state(liste=Liste.STUPEFIANT, duree_jours=28), moment(D0), 28, None),
        ("21", state(liste=Liste.STUPEFIANT, duree_jours=60), moment(D0), 29, "stupefiant-delivrance-max"),
        ("21", state(liste=Liste.STUPEFIANT, duree_jours=28), moment(date(2026, 1, 4)), 28, None),
        ("21", state(liste=Liste.STUPEFIANT, duree_jours=28), moment(date(2026, 1, 6)), 23, None),
        (
            "21",
            state(liste=Liste.STUPEFIANT, duree_jours=28),
            moment(date(2026, 1, 6)),
            24,
            "stupefiant-presentation",
        ),
        ("21", state(liste=Liste.I), moment(date(2026, 4, 1)), 30, None),
        ("21", state(liste=Liste.I), moment(date(2026, 4, 2)), 30, "medicament-premiere-delivrance"),
        ("21", state(liste=Liste.I), moment(date(2026, 4, 2), first=False), 30, None),
        ("21", state(), moment(date(2026, 6, 1)), 30, None),
        ("21", state(), moment(date(2027, 1, 1), first=False), 30, None),
        ("21", state(), moment(date(2027, 1, 2), first=False), 30, "medicament-traitement-12-mois"),
        ("21", state(restant=10), moment(D0), 10, None),
        ("21", state(restant=10), moment(D0), 11, "line-remaining"),
        ("21", state(Kind.LPPR), moment(date(2026, 7, 1)), 2, None),
        ("21", state(Kind.LPPR), moment(date(2026, 7, 2)), 2, "lppr-premiere-delivrance"),
        ("21", state(Kind.LPPR), moment(date(2026, 12, 31), first=False), 2, None),
        ("21", state(Kind.LPPR), moment(date(2027, 1, 2), first=False), 2, "lppr-validite"),
        ("21", state(Kind.LPPR), moment(D0), 3, "lppr-delivrance-max"),
        ("21", state(Kind.LPPR, conditionnement_superieur=True), moment(D0), 6, None),
        ("21", state(), moment(date(2026, 1, 10), avant=date(2026, 1, 10)), 30, None),
        ("21", state(), moment(date(2026, 1, 11), avant=date(2026, 1, 10)), 30, "executer-avant"),
        ("21", state(), moment(date(2026, 1, 11), first=False, avant=date(2026, 1, 10)), 30, None),
        ("60", state(Kind.SOINS, date_debut=date(2026, 1, 2)), moment(date(2026, 1, 2)), 1, None),
        ("60", state(Kind.SOINS, date_debut=date(2026, 1, 2)), moment(D0), 1, "soins-avant-debut"),
        ("60", state(Kind.SOINS, date_debut=D0, duree_jours=5), moment(date(2026, 1, 5)), 1, None),
        (
            "60",
            state(Kind.SOINS, date_debut=D0, duree_jours=5),
            moment(date(2026, 1, 6)),
            1,
            "soins-apres-duree",
        ),
        ("60", state(Kind.SOINS, date_debut=D0, duree_jours=0), moment(date(2027, 1, 6)), 1, None),
    ],
)
def test_delivery_rules(who: str, line: LineState, when: Moment, quantite: int, rule: str | None) -> None:
    refus = rules.check_delivery(who, line, when, quantite)
    assert (refus and refus.rule) == rule
    if refus is not None:
        assert refus.article == rules.RULES[refus.rule].article


def test_add_months_keeps_the_end_of_month() -> None:
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_numbers_are_valid_and_catch_substitutions() -> None:
    """Every single substitution is caught except, on a position of weight 2, a change of value by 18."""
    draw = Random(5)
    for _ in range(50):
        numero = make_numero(draw)
        assert parse_numero(numero) == numero
        assert parse_numero(numero.lower()[:6] + "-" + numero[6:]) == numero
        for index in range(2, 18):
            for char in ALPHABET:
                if char == numero[index]:
                    continue
                typo = numero[:index] + char + numero[index + 1 :]
                blind = index % 2 == 0 and abs(ALPHABET.index(char) - ALPHABET.index(numero[index])) == 18
                if blind:
                    assert parse_numero(typo) == typo
                    continue
                with pytest.raises(NumeroError) as raised:
                    parse_numero(typo)
                assert raised.value.rule == "numero-check"


def test_every_adjacent_transposition_is_caught() -> None:
    draw = Random(6)
    swaps = 0
    for _ in range(2000):
        numero = make_numero(draw)
        for index in range(2, 17):
            if numero[index] != numero[index + 1]:
                swaps += 1
                with pytest.raises(NumeroError):
                    parse_numero(numero[:index] + numero[index + 1] + numero[index] + numero[index + 2 :])
    assert swaps > 25_000


def test_the_seeds_example_is_a_valid_number() -> None:
    """Seed 001 prints ``N°01S2TBPZ2JCNZZYGHZ`` on its facsimile; its weighted sum is 1 modulo 36."""
    assert parse_numero("01S2TBPZ2JCNZZYGHZ") == "01S2TBPZ2JCNZZYGHZ"
    assert check_character("01S2TBPZ2JCNZZYGH") == "Z"
    weighted = sum(ALPHABET.index(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate("01S2TBPZ2JCNZZYGHZ"))
    assert weighted % 36 == 1
    with pytest.raises(NumeroError) as raised:
        parse_numero("01S2TBPZ2JCNZZYGHY")
    assert raised.value.rule == "numero-check"


@pytest.mark.parametrize(
    ("value", "rule"),
    [("01ABC", "numero-format"), ("01S2TBPZ2JCNZZYG!Z", "numero-format"), ("02" + "A" * 16, "numero-format")],
)
def test_mistyped_numbers(value: str, rule: str) -> None:
    with pytest.raises(NumeroError) as raised:
        parse_numero(value)
    assert raised.value.rule == rule


def test_check_character_completes_a_body() -> None:
    body = "01S2TBPZ2JCNZZYGH"
    assert parse_numero(body + check_character(body)).startswith(body)
