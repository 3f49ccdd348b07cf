"""The traits of a request: normalisation for matching, and the checks of each trait (table tests)."""

from __future__ import annotations

from datetime import date

import pytest

from services.insi import traits
from services.insi.errors import (
    CleInvalide,
    DateInvalide,
    LieuInvalide,
    MatriculeInvalide,
    NomInvalide,
    PrenomInvalide,
    RangInvalide,
    SexeInvalide,
    TraitTropLong,
)

TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("ADRUN", "ADRUN"),
        ("adrun", "ADRUN"),
        ("Hélène", "HELENE"),
        ("FRANÇOIS", "FRANCOIS"),
        ("Noël", "NOEL"),
        ("Œuvray", "OEUVRAY"),
        ("Lætitia", "LAETITIA"),
        ("Jean-Pierre", "JEAN PIERRE"),
        ("JEAN–PIERRE", "JEAN PIERRE"),
        ("d'Almeida", "D ALMEIDA"),
        ("D’ALMEIDA", "D ALMEIDA"),
        ("  de   vinci ", "DE VINCI"),
        ("LE-GALL", "LE GALL"),
        ("Marie - Louise", "MARIE LOUISE"),
    ],
)
def test_normalisation_folds_case_accents_and_separators(written: str, key: str) -> None:
    assert traits.normalise(written) == key


@pytest.mark.parametrize(
    ("one", "other"),
    [("DALMEIDA", "D'ALMEIDA"), ("JEANPIERRE", "JEAN-PIERRE"), ("HELENE", "HELENA")],
)
def test_normalisation_keeps_what_tells_names_apart(one: str, other: str) -> None:
    assert traits.normalise(one) != traits.normalise(other)


@pytest.mark.parametrize("nom", ["ADRUN", "de Vinci", "N'DIAYE", "Le Gall", "x" * traits.MAX_NOM])
def test_valid_noms_are_accepted(nom: str) -> None:
    assert traits.check_nom(nom) == traits.normalise(nom)


@pytest.mark.parametrize(
    ("nom", "error"),
    [
        ("", NomInvalide),
        ("  - ' ", NomInvalide),
        ("ADRUN2", NomInvalide),
        ("AD@RUN", NomInvalide),
        ("ADRUN.", NomInvalide),
        ("x" * (traits.MAX_NOM + 1), TraitTropLong),
    ],
)
def test_invalid_noms_are_refused(nom: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        traits.check_nom(nom)


def test_prenoms_are_checked_one_by_one_in_order() -> None:
    assert traits.check_prenoms(["Pierre-Alain", "muriel", "FLORIANT"]) == (
        "PIERRE ALAIN",
        "MURIEL",
        "FLORIANT",
    )


@pytest.mark.parametrize(
    ("prenoms", "error"),
    [
        ([], PrenomInvalide),
        (["ZOE", ""], PrenomInvalide),
        (["Z0E"], PrenomInvalide),
        (["A"] * (traits.MAX_PRENOMS + 1), TraitTropLong),
        (["Z" * (traits.MAX_PRENOM + 1)], TraitTropLong),
    ],
)
def test_invalid_prenoms_are_refused(prenoms: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        traits.check_prenoms(prenoms)


@pytest.mark.parametrize(("sexe", "expected"), [("M", "M"), ("F", "F"), ("f", "F"), (" m ", "M")])
def test_sexe_m_or_f(sexe: str, expected: str) -> None:
    assert traits.check_sexe(sexe) == expected


@pytest.mark.parametrize("sexe", ["", "X", "I", "MF", "1", "Masculin"])
def test_other_sexes_are_refused(sexe: str) -> None:
    with pytest.raises(SexeInvalide):
        traits.check_sexe(sexe)


@pytest.mark.parametrize("value", ["1975-12-31", "2000-02-29", "1980-05-00", "1937-00-00", "2026-01-01"])
def test_possible_dates_are_accepted_unchanged(value: str) -> None:
    assert traits.check_date_naissance(value, TODAY) == value


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("31/12/1975", "insi-date-format"),
        ("1975-12-1", "insi-date-format"),
        ("1981 - 01 - 01", "insi-date-format"),
        ("1975-13-01", "insi-date-impossible"),
        ("1975-12-32", "insi-date-impossible"),
        ("2021-02-29", "insi-date-impossible"),
        ("2021-04-31", "insi-date-impossible"),
        ("1975-00-15", "insi-date-impossible"),
        ("1849-06-01", "insi-date-impossible"),
        ("2026-01-02", "insi-date-future"),
        ("2027-00-00", "insi-date-future"),
    ],
)
def test_impossible_dates_are_refused(value: str, rule: str) -> None:
    with pytest.raises(DateInvalide) as refused:
        traits.check_date_naissance(value, TODAY)
    assert refused.value.rule == rule


@pytest.mark.parametrize(("cog", "expected"), [("63220", "63220"), ("2b020", "2B020"), ("99127", "99127")])
def test_cog_codes_are_accepted(cog: str, expected: str) -> None:
    assert traits.check_lieu(cog) == expected


@pytest.mark.parametrize("cog", ["6322", "632200", "2C020", "ABCDE", "", "63 22"])
def test_other_places_are_refused(cog: str) -> None:
    with pytest.raises(LieuInvalide):
        traits.check_lieu(cog)


@pytest.mark.parametrize(("rang", "expected"), [(1, 1), ("2", 2), (9, 9)])
def test_rang_de_naissance_1_to_9(rang: int | str, expected: int) -> None:
    assert traits.check_rang(rang) == expected


@pytest.mark.parametrize("rang", [0, 10, "A", "", -1])
def test_other_rangs_are_refused(rang: int | str) -> None:
    with pytest.raises(RangInvalide):
        traits.check_rang(rang)


@pytest.mark.parametrize(
    ("num", "cle"),
    [("2751263220749", "74"), ("180032B020401", "23"), ("297022a020778", "78"), ("1090763220888", "35")],
)
def test_matricules_with_their_mod_97_key_are_accepted(num: str, cle: str) -> None:
    assert traits.check_matricule(num, cle) == (num.upper(), cle)


@pytest.mark.parametrize(
    ("num", "cle", "error", "rule"),
    [
        ("275126322074", "74", MatriculeInvalide, "insi-matricule-length"),
        ("27512632207A9", "74", MatriculeInvalide, "insi-matricule-format"),
        ("5751263220749", "74", MatriculeInvalide, "insi-matricule-sex"),
        ("2751363220749", "74", MatriculeInvalide, "insi-matricule-month"),
        ("2751263220000", "74", MatriculeInvalide, "insi-matricule-order"),
        ("2751263220749", "75", CleInvalide, "insi-matricule-cle"),
        ("2751263220749", "7A", CleInvalide, "insi-matricule-cle"),
        ("27512632207490", "74", TraitTropLong, "insi-trait-longueur"),
    ],
)
def test_malformed_matricules_and_wrong_keys_are_refused(
    num: str, cle: str, error: type[Exception], rule: str
) -> None:
    with pytest.raises(error) as refused:
        traits.check_matricule(num, cle)
    assert refused.value.rule == rule  # type: ignore[attr-defined]


def test_a_published_matricule_keeps_its_published_key() -> None:
    # HERMANN GATIEN: the CNAM publishes key 60 where the mod-97 rule gives 76
    with pytest.raises(CleInvalide):
        traits.check_matricule("1810363220456", "60")
    assert traits.check_matricule("1810363220456", "60", published=True) == ("1810363220456", "60")


@pytest.mark.parametrize(
    ("value", "parts"),
    [("275126322074974", ("2751263220749", "74")), ("2 75 12 63 220 749 74", ("2751263220749", "74"))],
)
def test_a_15_character_matricule_splits_into_number_and_key(value: str, parts: tuple[str, str]) -> None:
    assert traits.split_matricule(value) == parts


@pytest.mark.parametrize("value", ["2751263220749", "2751263220749745", ""])
def test_a_matricule_of_another_length_is_refused(value: str) -> None:
    with pytest.raises(MatriculeInvalide):
        traits.split_matricule(value)
