"""Reading the request's identifiers and dates (the service layer's parsers), and who may call."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.adri import service
from services.adri.errors import DateInvalid, NirKey, NirMalformed, RangInvalid
from shared.auth import PatientActor, ProfessionalActor, ServiceActor
from shared.errors import Forbidden

TODAY = date(2026, 1, 1)


class _Register:
    """Holds one matricule published with a key that breaks the mod-97 rule."""

    def __init__(self, published: str = "") -> None:
        self.published = published

    def beneficiary(self, matricule: str) -> object | None:
        return object() if matricule == self.published else None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("275126322074974", "275126322074974"), ("180032b02040123", "180032B02040123")],
)
def test_matricule_accepted(value: str, expected: str) -> None:
    assert service.parse_matricule(_Register(), value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("", NirMalformed, "got 0"),
        ("2751263220749", NirMalformed, "got 13"),
        ("27512632207497X", NirMalformed, "format"),
        ("575126322074974", NirMalformed, "sex"),
        ("275126322074975", NirKey, "key"),
        ("x" * 10_000, NirMalformed, "got 10000"),
    ],
)
def test_matricule_refused(value: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words) as raised:
        service.parse_matricule(_Register(), value)  # type: ignore[arg-type]
    assert len(str(raised.value)) < 200


def test_published_key_mismatch_is_accepted_only_when_held() -> None:
    hermann = "181036322045660"
    assert service.parse_matricule(_Register(hermann), hermann) == hermann  # type: ignore[arg-type]
    with pytest.raises(NirKey):
        service.parse_matricule(_Register(), hermann)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, TODAY), ("2024-02-29", date(2024, 2, 29)), ("0001-01-01", date(1, 1, 1))],
)
def test_day_accepted(value: str | None, expected: date) -> None:
    assert service.parse_day(value, TODAY) == expected


@pytest.mark.parametrize("value", ["2025-02-29", "2026-1-01", "2026/01/01", "", "２０２６-01-01", "20260101"])
def test_day_refused(value: str) -> None:
    with pytest.raises(DateInvalid):
        service.parse_day(value, TODAY)


@pytest.mark.parametrize("value", [None, "2009-07-14", "1960-05-00", "1960-00-00"])
def test_date_naissance_accepted(value: str | None) -> None:
    assert service.parse_date_naissance(value) == value


@pytest.mark.parametrize("value", ["1960-00-05", "1960-13-00", "2025-02-29", "1960-5-1", "1960-05-00 "])
def test_date_naissance_refused(value: str) -> None:
    with pytest.raises(DateInvalid):
        service.parse_date_naissance(value)


def _pro(card: str, profession: str | None = "10") -> ProfessionalActor:
    return ProfessionalActor(
        idnat="899700000018",
        rpps="99700000018",
        nom="A",
        prenom="B",
        profession=profession,
        savoir_faire=None,
        structure=None,
        card=card,  # type: ignore[arg-type]
        regulation=False,
        client_id="esante-ci",
    )


@pytest.mark.parametrize("actor", [_pro("cps"), _pro("e-cps"), _pro("cpe", None)])
def test_lookup_allowed(actor: ProfessionalActor) -> None:
    assert service.authorise_lookup(actor) is actor


@pytest.mark.parametrize("actor", [PatientActor("275126322074974", "A", "B", "c"), ServiceActor("c")])
def test_lookup_refused(actor: PatientActor | ServiceActor) -> None:
    with pytest.raises(Forbidden, match="professional"):
        service.authorise_lookup(actor)


@pytest.mark.parametrize("actor", [_pro("cps"), _pro("e-cps")])
def test_apcv_allowed(actor: ProfessionalActor) -> None:
    assert service.authorise_apcv(actor) is actor


@pytest.mark.parametrize(
    "actor", [_pro("cpe", None), _pro("cps", None), PatientActor("275126322074974", "A", "B", "c")]
)
def test_apcv_refused(actor: ProfessionalActor | PatientActor) -> None:
    with pytest.raises(Forbidden):
        service.authorise_apcv(actor)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.from_regex(
    r"[0-9A-Ba-b]{13,17}", fullmatch=True
)


@given(_TEXT)
def test_any_matricule_is_read_or_refused_with_a_code(value: str) -> None:
    with contextlib.suppress(NirMalformed, NirKey):
        assert len(service.parse_matricule(_Register(), value)) == 15  # type: ignore[arg-type]


@given(_TEXT | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True))
def test_any_date_is_read_or_refused_with_a_code(value: str) -> None:
    with contextlib.suppress(DateInvalid):
        assert service.parse_day(value, TODAY).isoformat() == value
    with contextlib.suppress(DateInvalid):
        assert service.parse_date_naissance(value) == value


@given(_TEXT)
def test_any_rang_is_read_or_refused_with_a_code(value: str) -> None:
    with contextlib.suppress(RangInvalid):
        assert str(service.parse_rang(value)) == value
