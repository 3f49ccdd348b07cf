"""The habilitation matrix and the accepted types, as table tests."""

from __future__ import annotations

import json

import pytest

from services.dmp import matrice, metadata, typecodes
from services.dmp.matrice import DEFAULT
from services.dmp.typecodes import CATEGORIES, TYPES

ALL = frozenset(TYPES)

# (profession, savoir-faire, typeCode, allowed)
CASES = [
    ("10", None, "11488-4", True),
    ("10", "SM26", "ATTEST-RESID", False),
    ("10", "SM42", "REMB", True),
    ("10", "SM59", "DOCPAT03", True),
    ("21", None, "60593-1", True),
    ("21", None, "18748-4", False),
    ("21", None, "89601-9", False),
    ("40", None, "18748-4", True),
    ("40", None, "18776-5", False),
    ("50", None, "34874-8", True),
    ("50", None, "ATTEST-RESID", False),
    ("60", None, "57832-8", True),
    ("60", None, "18748-4", False),
    ("60", None, "REMB", False),
    ("70", None, "PRESC-KINE", True),
    ("70", None, "60593-1", False),
    ("70", None, "80565-5", False),
    (None, None, "11488-4", False),
    ("99", None, "11488-4", False),
]


@pytest.mark.parametrize(("profession", "savoir_faire", "type_code", "allowed"), CASES)
def test_default_matrix(
    profession: str | None, savoir_faire: str | None, type_code: str, allowed: bool
) -> None:
    assert DEFAULT.autorise(profession, savoir_faire, type_code) is allowed


def test_medecins_see_every_type_but_the_attestation_de_residence() -> None:
    for savoir_faire in (None, "SM26", "SM04", "SM59"):
        assert DEFAULT.autorises("10", savoir_faire) == ALL - {"ATTEST-RESID"}


@pytest.mark.parametrize("profession", ["10", "21", "40", "50", "60", "70"])
def test_every_profession_reads_vaccinations_and_directives_anticipees(profession: str) -> None:
    for code in ("87273-9", "11369-6", "EXPPAT_3"):
        assert DEFAULT.autorise(profession, None, code)


@pytest.mark.parametrize("profession", ["21", "40", "50", "60", "70"])
def test_no_other_profession_reads_the_attestation_de_residence(profession: str) -> None:
    assert not DEFAULT.autorise(profession, None, "ATTEST-RESID")


def test_an_uploaded_file_replaces_the_table_and_a_savoir_faire_row_wins() -> None:
    uploaded = matrice.parse(
        json.dumps(
            {
                "lignes": [
                    {"profession": "10", "savoir_faire": None, "autorise": ["compte-rendu"]},
                    {"profession": "10", "savoir_faire": "SM42", "autorise": ["synthese", "11488-4"]},
                    {"profession": "60", "autorise": ["prescription"], "refuse": ["PRESC-KINE"]},
                ]
            }
        )
    )
    assert uploaded.autorise("10", "SM26", "11502-2")
    assert not uploaded.autorise("10", "SM26", "60591-5")
    assert uploaded.autorises("10", "SM42") == {"60591-5", "34133-9", "11488-4"}
    assert uploaded.autorise("60", None, "PRESC-INF")
    assert not uploaded.autorise("60", None, "PRESC-KINE")
    assert uploaded.autorises("21", None) == frozenset()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "lignes"),
        ('{"lignes": [{"savoir_faire": null, "autorise": []}]}', "profession"),
        ('{"lignes": [{"profession": "10", "autorise": ["nope"]}]}', "neither a category"),
        ('{"lignes": [{"profession": "10", "autorise": "synthese"}]}', "list of strings"),
        ('{"lignes": [{"profession": "10", "autorise": [], "refuse": ["nope"]}]}', "refused"),
        ('{"lignes": [{"profession": "10"}, {"profession": "10"}]}', "second row"),
    ],
)
def test_a_bad_file_says_what_is_wrong(document: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        matrice.parse(document)


def test_as_document_round_trips() -> None:
    again = matrice.parse(json.dumps(DEFAULT.as_document()))
    assert dict(again.lignes) == dict(DEFAULT.lignes)


def test_types_carry_their_category_and_deposit_rules() -> None:
    assert all(t.categorie in typecodes.CATEGORIES for t in TYPES.values())
    assert typecodes.VSM in TYPES
    assert TYPES[typecodes.VSM].categorie == "synthese"
    assert {
        *(f"DOCPAT0{i}" for i in range(1, 10)),
        "EXPPAT_1",
        "EXPPAT_2",
        "EXPPAT_3",
    } == typecodes.DEPOSANT_PATIENT
    assert {"REMB"} == typecodes.RESERVE_ASSURANCE_MALADIE
    assert TYPES["11488-4"].system == typecodes.LOINC
    assert TYPES["PRESC-BIO"].system == typecodes.TRE_A05


def test_every_type_has_the_class_of_its_category() -> None:
    assert set(metadata.CLASS_OF_CATEGORY) == set(CATEGORIES)
    for code, found in TYPES.items():
        assert metadata.class_of(code).code == metadata.CLASS_OF_CATEGORY[found.categorie]
    assert metadata.class_of("00000-0").code == "99"
    assert metadata.types_of_class("31") == {c for c, t in TYPES.items() if t.categorie == "imagerie"}
    assert metadata.types_of_class("99") == frozenset()
