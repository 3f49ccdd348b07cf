"""Errors on demand: magic noms de naissance make INSi answer each fault, or answer slowly."""

from __future__ import annotations

import asyncio
import time

import pytest
from insi_wire import ACTION_VITALE, RESULTAT, Insi, envelope, fault, recsans, recvit, text, xml

from services.insi import router
from services.insi.config import get_insi_settings

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("nom", "status", "code"),
    [
        ("FAUTE-550", 403, "desir_550"),
        ("faute-560", 403, "desir_560"),
        ("FAUTE-TECHNIQUE", 503, "insi-indisponible"),
    ],
)
async def test_magic_noms_give_their_fault_in_json(insi: Insi, nom: str, status: int, code: str) -> None:
    answer = await insi.traits(nom, ["ZOE"], "F", "1975-12-31")
    assert (answer.status_code, answer.json()["error"], answer.json()["rule"]) == (
        status,
        code,
        "insi-faute-a-la-demande",
    )


@pytest.mark.parametrize(
    ("nom", "status", "expected"),
    [
        ("FAUTE-550", 400, ("soap:Sender", "soap:siram_100", "desir_550")),
        ("FAUTE-560", 400, ("soap:Sender", "soap:siram_100", "desir_560")),
        ("FAUTE-TECHNIQUE", 500, ("soap:Receiver", "soap:esante_indisponible", "insi-indisponible")),
    ],
)
async def test_magic_noms_give_their_soap_fault(
    insi: Insi, nom: str, status: int, expected: tuple[str, str, str]
) -> None:
    response = await insi.soap(envelope(recsans(nom, ["ZOE"], "F", "1975-12-31")))
    assert response.status_code == status
    assert fault(response) == expected


async def test_magic_noms_work_on_the_carte_vitale_and_the_verification(insi: Insi) -> None:
    card = envelope(recvit(od="275126322074974", nom="FAUTE-560", date="1975-12-31"), action=ACTION_VITALE)
    assert fault(await insi.soap(card))[2] == "desir_560"
    verified = await insi.post(
        "verify",
        {
            "matricule": "275126322074974",
            "nom_naissance": "FAUTE-TECHNIQUE",
            "prenoms": ["ZOE"],
            "sexe": "F",
            "date_naissance": "1975-12-31",
        },
    )
    assert verified.json()["error"] == "insi-indisponible"


async def test_a_nom_close_to_a_magic_one_is_an_ordinary_invalid_nom(insi: Insi) -> None:
    answer = await insi.traits("FAUTE-551", ["ZOE"], "F", "1975-12-31")
    assert (answer.status_code, answer.json()["error"]) == (400, "insi-nom-invalide")


async def test_the_other_traits_are_checked_before_the_fault(insi: Insi) -> None:
    answer = await insi.traits("FAUTE-550", ["ZOE"], "X", "1975-12-31")
    assert answer.json()["error"] == "insi-sexe-invalide"


async def test_lent_n_answers_after_n_seconds(insi: Insi) -> None:
    started = time.monotonic()
    response = await insi.soap(envelope(recsans("LENT-1", ["ZOE"], "F", "1975-12-31")))
    assert time.monotonic() - started >= 1.0
    assert text(xml(response), f"{RESULTAT}/r:CR/r:CodeCR") == "01"


async def test_lent_waits_the_configured_delay(insi: Insi, monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    original = asyncio.sleep

    async def sleep(delay: float) -> None:
        waited.append(delay)
        await original(0)

    monkeypatch.setattr(router, "sleep", sleep)
    answer = await insi.traits("Lent", ["ZOE"], "F", "1975-12-31")
    assert answer.json()["code_cr"] == "01"
    assert waited == [get_insi_settings().slow_seconds]


async def test_an_ordinary_nom_does_not_wait(insi: Insi, monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    original = asyncio.sleep

    async def sleep(delay: float) -> None:
        waited.append(delay)
        await original(0)

    monkeypatch.setattr(router, "sleep", sleep)
    assert (await insi.traits("ADRUN", ["ZOE"], "F", "1975-12-31")).json()["code_cr"] == "00"
    assert waited == []
