"""verifierInsAvecTraitsIdentite over SOAP: the JSON verification's rules and codes (00 conforme or
with its écarts, 01 unknown), and its refusals as SOAP faults."""

from __future__ import annotations

import pytest
from insi_wire import NS, Insi, envelope, xml

pytestmark = pytest.mark.asyncio

ACTION_VERIFY = "urn:ServiceIdentiteCertifiee:1.0.0:verifierInsAvecTraitsIdentite"
V = "urn:esante-sandbox:insi:verification"
R = "http://www.cnamts.fr/INSiResultat"
ZOE = ("ADRUN", "ZOE", "F", "1975-12-31")


def verifins(num: str, cle: str, traits: tuple[str, str, str, str] = ZOE, *, oid: bool = True) -> str:
    nom, prenom, sexe, date = traits
    held = f"<v:IdIndividu><v:NumIdentifiant>{num}</v:NumIdentifiant><v:Cle>{cle}</v:Cle></v:IdIndividu>"
    held += "<v:OID>1.2.250.1.213.1.4.8</v:OID>" if oid else ""
    return (
        f'<v:VERIFINS xmlns:v="{V}"><v:INSFourni>{held}</v:INSFourni><v:TraitsIdentiteIndividu>'
        f"<v:NomNaissance>{nom}</v:NomNaissance><v:Prenom>{prenom}</v:Prenom><v:Sexe>{sexe}</v:Sexe>"
        f"<v:DateNaissance>{date}</v:DateNaissance></v:TraitsIdentiteIndividu></v:VERIFINS>"
    )


async def _answer(insi: Insi, body: str) -> tuple[int, dict[str, str | None]]:
    response = await insi.soap(envelope(body, action=ACTION_VERIFY))
    root = xml(response)
    ns = {**NS, "v": V, "r": R}
    found = {
        "cr": root.findtext("./soap:Body/v:RESULTATVERIF/r:CR/r:CodeCR", namespaces=ns),
        "conforme": root.findtext("./soap:Body/v:RESULTATVERIF/v:VERIFICATION/v:Conforme", namespaces=ns),
        "ecart": root.findtext("./soap:Body/v:RESULTATVERIF/v:VERIFICATION/v:Ecart/v:Trait", namespaces=ns),
        "fault": root.findtext(".//siram:Erreur", namespaces=ns)
        and root.find(".//siram:Erreur", ns).get("code"),  # type: ignore[union-attr]
    }
    return response.status_code, found


async def test_a_held_ins_that_matches_is_conforme(insi: Insi) -> None:
    status, found = await _answer(insi, verifins("2751263220749", "74"))
    assert (status, found["cr"], found["conforme"], found["ecart"]) == (200, "00", "true", None)


async def test_a_differing_trait_is_named(insi: Insi) -> None:
    status, found = await _answer(insi, verifins("2751263220749", "74", ("ADRUN", "ZOE", "M", "1975-12-31")))
    assert (status, found["cr"], found["conforme"], found["ecart"]) == (200, "00", "false", "sexe")


async def test_an_unknown_ins_is_01(insi: Insi) -> None:
    status, found = await _answer(insi, verifins("1990199999999", "79", oid=False))
    assert (status, found["cr"], found["conforme"]) == (200, "01", None)


async def test_a_wrong_key_or_a_missing_part_is_a_fault(insi: Insi) -> None:
    status, found = await _answer(insi, verifins("2751263220749", "00"))
    assert (status, found["fault"]) == (400, "insi-cle-invalide")  # as the JSON verification refuses it
    incomplete = f'<v:VERIFINS xmlns:v="{V}"><v:INSFourni/></v:VERIFINS>'
    status, found = await _answer(insi, incomplete)
    assert (status, found["fault"]) == (400, "insi-enveloppe-invalide")
