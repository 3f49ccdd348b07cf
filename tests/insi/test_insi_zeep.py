"""A SOAP toolkit generates its client from the served WSDL: zeep, over real HTTP to a sandbox this
module starts, calls each operation with the headers set through zeep; the envelope it sends has the
elements, namespaces and order of the CNAM requests padoa/tlsi-ins sends, and the answers parse into
zeep's types."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared.testing.live import live_sandbox

pytestmark = pytest.mark.skipif(
    os.environ.get("ESANTE_TEST_DATABASE_URL") is not None, reason="the wire, once (SQLite pass)"
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import requests
    import zeep
    from zeep.plugins import HistoryPlugin
    from zeep.transports import Transport

SOAP12 = "{http://www.w3.org/2003/05/soap-envelope}"
BAM, LPS = "{urn:siram:bam:ctxbam}", "{urn:siram:lps:ctxlps}"
WSA = "{http://www.w3.org/2005/08/addressing}"
RECSANS, RECVIT = "{http://www.cnamts.fr/INSiRecSans}", "{http://www.cnamts.fr/INSiRecVit}"
VERIF = "{urn:esante-sandbox:insi:verification}"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:"

# The request's element tree as padoa/tlsi-ins sends rechercherInsAvecTraitsIdentite to the CNAM
# (qualified names, in order; texts, ids and times are not compared): the sandbox's own fixture.
CNAM_HEADER = [
    (
        f"{BAM}ContexteBAM",
        {"Version": "01_02"},
        [f"{BAM}Id", f"{BAM}Temps", f"{BAM}Emetteur", f"{BAM}COUVERTURE"],
    ),
    (
        f"{LPS}ContexteLPS",
        {"Nature": "CTXLPS", "Version": "01_00"},
        [f"{LPS}Id", f"{LPS}Temps", f"{LPS}Emetteur", f"{LPS}LPS"],
    ),
    (f"{WSA}Action", {}, []),
    (f"{WSA}MessageID", {}, []),
]
CNAM_LPS = [f"{LPS}IDAM", f"{LPS}Version", f"{LPS}Instance", f"{LPS}Nom"]
CNAM_TRAITS_BODY = [f"{RECSANS}NomNaissance", f"{RECSANS}Prenom", f"{RECSANS}Sexe", f"{RECSANS}DateNaissance"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with live_sandbox(tmp_path_factory.mktemp("zeep")) as base:
        issued = httpx.post(
            f"{base}/psc/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "login_hint": "99710000011"},
            auth=("esante-ci", "esante-ci"),
        )
        yield base, issued.json()["access_token"]


@pytest.fixture
def client(sandbox: tuple[str, str]) -> tuple[Any, HistoryPlugin]:
    base, token = sandbox
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    history = HistoryPlugin()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generated = zeep.Client(
            f"{base}/insi/soap?wsdl", transport=Transport(session=session), plugins=[history]
        )
    return generated, history


def headers(client: Any, operation: str, idam: str = "ESANTE-SANDBOX") -> dict[str, Any]:
    """ContexteBAM, ContexteLPS, wsa:Action, wsa:MessageID, by the WSDL's header parts (zeep writes
    them in the binding's order)."""
    software = {"IDAM": {"_value_1": idam, "R": "4"}, "Version": "1", "Instance": str(uuid.uuid4())}
    return {
        "ContexteBAM": {
            "Id": str(uuid.uuid4()),
            "Temps": "2026-01-05T09:00:00Z",
            "Emetteur": "10B0152872",
            "COUVERTURE": {},
            "Version": "01_02",
        },
        "ContexteLPS": {
            "Id": str(uuid.uuid4()),
            "Temps": "2026-01-05T09:00:00Z",
            "Emetteur": "10B0152872",
            "LPS": {**software, "Nom": "urn:lps:zeep:1"},
            "Nature": "CTXLPS",
            "Version": "01_00",
        },
        "Action": ACTION + operation,
        "MessageID": f"uuid:{uuid.uuid4()}",
    }


def _shape(sent: Any) -> tuple[list[Any], list[str], list[str]]:
    header = sent.find(f"{SOAP12}Header")
    blocks = [(b.tag, dict(b.attrib), [c.tag for c in b]) for b in header]
    lps = header.find(f"{LPS}ContexteLPS/{LPS}LPS")
    body = sent.find(f"{SOAP12}Body")[0]
    return blocks, [c.tag for c in lps], [body.tag, *[c.tag for c in body]]


def test_the_wsdl_and_every_schema_it_imports_are_served(sandbox: tuple[str, str]) -> None:
    base, _ = sandbox
    wsdl = httpx.get(f"{base}/insi/soap?wsdl")
    assert wsdl.status_code == 200
    assert wsdl.headers["content-type"].startswith("application/xml")
    assert f'location="{base}/insi/soap"' in wsdl.text
    assert 'schemaLocation="soap/xsd/insi-recsans.xsd"' in wsdl.text
    assert httpx.get(f"{base}/insi/soap/xsd/insi-resultat.xsd").status_code == 200
    assert httpx.get(f"{base}/insi/soap/xsd/nothing.xsd").status_code == 404
    tenant = httpx.get(f"{base}/insi/soap/zeep-tenant?wsdl")
    assert f'location="{base}/insi/soap/zeep-tenant"' in tenant.text
    assert httpx.get(f"{base}/insi/soap/Not_A_Tenant?wsdl").status_code == 400


def test_search_by_traits_sends_the_cnam_envelope_and_parses_the_answer(
    client: tuple[Any, HistoryPlugin],
) -> None:
    generated, history = client
    answer = generated.service.rechercherInsAvecTraitsIdentite(
        NomNaissance="ADRUN",
        Prenom=["ZOE"],
        Sexe="F",
        DateNaissance="1975-12-31",
        _soapheaders=headers(generated, "rechercherInsAvecTraitsIdentite"),
    )
    blocks, lps, body = _shape(history.last_sent["envelope"])
    assert blocks == CNAM_HEADER
    assert lps == CNAM_LPS
    assert body == [f"{RECSANS}RECSANSVITALE", *CNAM_TRAITS_BODY]
    assert answer.CR.CodeCR == "00"
    assert answer.INDIVIDU.INSACTIF.IdIndividu.NumIdentifiant == "2751263220749"
    assert answer.INDIVIDU.TIQ.ListePrenom == "ZOE"
    assert answer.INDIVIDU.TIQ.Prenom is None


def test_search_with_the_carte_vitale(client: tuple[Any, HistoryPlugin]) -> None:
    generated, history = client
    answer = generated.service.rechercherInsAvecCarteVitale(
        MatriculeOD={"NumIdentifiant": "2751263220749", "Cle": "74"},
        NomNaissance="ECETINSI",
        DateNaissance="2009-07-14",
        RangNaissance="1",
        _soapheaders=headers(generated, "rechercherInsAvecCarteVitale"),
    )
    blocks, _, body = _shape(history.last_sent["envelope"])
    assert [b[0] for b in blocks] == [b[0] for b in CNAM_HEADER]
    card = ["MatriculeOD", "NomNaissance", "DateNaissance", "RangNaissance"]
    assert body == [f"{RECVIT}RECVITALE", *(f"{RECVIT}{name}" for name in card)]
    assert answer.CR.CodeCR == "00"
    assert answer.INDIVIDU.INSACTIF.IdIndividu.NumIdentifiant == "1090763220834"
    assert len(answer.INDIVIDU.INSHISTO) == 1


ZOE_HELD = {"IdIndividu": {"NumIdentifiant": "2751263220749", "Cle": "74"}, "OID": "1.2.250.1.213.1.4.8"}


def verify(generated: Any, held: dict[str, Any], sexe: str = "F") -> Any:
    """verifierInsAvecTraitsIdentite for ADRUN ZOE's traits (``sexe`` to make one differ)."""
    traits = {"NomNaissance": "ADRUN", "Prenom": ["ZOE"], "Sexe": sexe, "DateNaissance": "1975-12-31"}
    return generated.service.verifierInsAvecTraitsIdentite(
        INSFourni=held,
        TraitsIdentiteIndividu=traits,
        _soapheaders=headers(generated, "verifierInsAvecTraitsIdentite"),
    )


def test_verification_answers_as_the_json_verification(client: tuple[Any, HistoryPlugin]) -> None:
    generated, history = client
    conforme = verify(generated, ZOE_HELD)
    assert history.last_sent["envelope"].find(f"{SOAP12}Body")[0].tag == f"{VERIF}VERIFINS"
    assert conforme.CR.CodeCR == "00"
    assert (conforme.VERIFICATION.Conforme, conforme.VERIFICATION.InsActif) == (True, True)
    assert conforme.INDIVIDU.TIQ.NomNaissance == "ADRUN"
    different = verify(generated, ZOE_HELD, sexe="M")
    assert different.VERIFICATION.Conforme is False
    assert [(e.Trait, e.Envoye, e.Insi) for e in different.VERIFICATION.Ecart] == [("sexe", "M", "F")]
    unknown = verify(generated, {"IdIndividu": {"NumIdentifiant": "1990199999999", "Cle": "79"}})
    assert unknown.CR.CodeCR == "01"
    assert unknown.VERIFICATION is None


def test_an_unknown_idam_is_a_fault_zeep_raises(client: tuple[Any, HistoryPlugin]) -> None:
    generated, _ = client
    sent = headers(generated, "rechercherInsAvecTraitsIdentite", idam="NOT-KNOWN")
    with pytest.raises(zeep.exceptions.Fault) as fault:
        generated.service.rechercherInsAvecTraitsIdentite(
            NomNaissance="ADRUN", Prenom=["ZOE"], Sexe="F", DateNaissance="1975-12-31", _soapheaders=sent
        )
    assert fault.value.detail.find("{urn:siram}Erreur").get("code") == "desir_550"
