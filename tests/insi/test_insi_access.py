"""Who may call INSi (tokens by card, organisation certificates by CN) and with which software (IDAM).

Certificates reach the app as the TLS layer gives them: the ASGI TLS extension that ``shared.tls``'s
uvicorn protocol fills (its real run over HTTPS is in test_insi_tls.py); here a thin ASGI wrapper sets
it on the scope, with a certificate issued by the sandbox CA.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from insi_wire import RESULTAT, Insi, envelope, fault, recsans, text, xml

from services.insi.app import create_app
from services.insi.config import get_insi_settings
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER
from shared.tls import issue_client_certificate

pytestmark = pytest.mark.asyncio

ADRUN = {"nom_naissance": "ADRUN", "prenoms": ["ZOE"], "sexe": "F", "date_naissance": "1975-12-31"}


def with_certificate(app: Any, pem: str | None) -> Callable[..., Any]:
    """``app`` behind a TLS layer that verified the client certificate ``pem`` (None: none sent)."""

    async def tls_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            chain = [] if pem is None else [pem]
            scope = {**scope, "scheme": "https", "extensions": {"tls": {"client_cert_chain": chain}}}
        await app(scope, receive, send)

    return tls_app


@pytest.fixture(scope="session")
def certificates(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("insi-certs")
    return {
        cn: issue_client_certificate(runtime.settings.data_dir, cn, out).certificate.read_text()
        for cn in ("INSI-AUTO", "INSI-MANU", "AUTRE-SERVICE")
    }


@pytest_asyncio.fixture
async def as_organisation(
    root_app: FastAPI, tenant_name: str
) -> AsyncIterator[Callable[[str | None], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(pem: str | None) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=with_certificate(root_app, pem)),
            base_url="https://testserver",
            headers={TENANT_HEADER: tenant_name, "X-Insi-Idam": "ESANTE-SANDBOX"},
        )
        clients.append(http)
        return http

    yield make
    for http in clients:
        await http.aclose()


# --- tokens ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("card", ["cps", "e-cps", "cpe"])
async def test_cps_e_cps_and_cpe_holders_may_call(insi: Insi, card: str) -> None:
    await insi.login(card)
    assert (await insi.post("search-by-traits", ADRUN)).json()["code_cr"] == "00"
    assert (
        text(
            xml(await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")))),
            f"{RESULTAT}/r:CR/r:CodeCR",
        )
        == "00"
    )


async def test_a_patient_token_has_an_insufficient_access_level(insi: Insi) -> None:
    insi.token = await insi.patient_token("275126322074974")
    refused = await insi.post("search-by-traits", ADRUN)
    assert refused.status_code == 403
    assert refused.json()["error"] == "desir_560"
    assert refused.json()["rule"] == "insi-niveau-acces"
    soap = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")))
    assert fault(soap) == ("soap:Sender", "soap:siram_100", "desir_560")


async def test_a_software_only_token_has_an_insufficient_access_level(insi: Insi) -> None:
    form = {"grant_type": "client_credentials", "client_id": "esante-ci", "client_secret": "esante-ci"}
    insi.token = (await insi.http.post("/psc/protocol/openid-connect/token", data=form)).json()[
        "access_token"
    ]
    refused = await insi.post("verify", {**ADRUN, "matricule": "275126322074974"})
    assert (refused.status_code, refused.json()["error"]) == (403, "desir_560")


async def test_no_token_and_no_certificate_is_unauthenticated(insi: Insi) -> None:
    insi.token = None
    refused = await insi.post("search-by-traits", ADRUN)
    assert (refused.status_code, refused.json()["error"]) == (401, "token-missing")
    assert refused.headers["www-authenticate"] == 'Bearer realm="esante-sandbox"'
    soap = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")))
    assert fault(soap) == ("soap:Sender", "soap:siram_100", "token-missing")


async def test_a_forged_token_is_refused(insi: Insi) -> None:
    insi.token = "not-a-jwt"
    refused = await insi.post(
        "search-by-vitale", {"matricule_od": "275126322074974", "date_naissance": "1975-12-31"}
    )
    assert (refused.status_code, refused.json()["error"]) == (401, "token-malformed")


# --- certificates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cn", ["INSI-AUTO", "INSI-MANU"])
async def test_an_organisation_certificate_insi_auto_or_manu_may_call(
    as_organisation: Callable[[str | None], httpx.AsyncClient], certificates: dict[str, str], cn: str
) -> None:
    http = as_organisation(certificates[cn])
    answer = await http.post("/insi/v1/search-by-traits", json=ADRUN)
    assert answer.json()["code_cr"] == "00"
    soap = await http.post(
        "/insi/soap",
        content=envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")),
        headers={"Content-Type": "application/soap+xml"},
    )
    assert text(xml(soap), f"{RESULTAT}/r:CR/r:CodeCR") == "00"


async def test_a_certificate_with_another_cn_gets_desir_560(
    as_organisation: Callable[[str | None], httpx.AsyncClient], certificates: dict[str, str]
) -> None:
    http = as_organisation(certificates["AUTRE-SERVICE"])
    refused = await http.post("/insi/v1/search-by-traits", json=ADRUN)
    assert (refused.status_code, refused.json()["error"]) == (403, "desir_560")
    assert "AUTRE-SERVICE" in refused.json()["detail"]
    soap = await http.post(
        "/insi/soap",
        content=envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")),
        headers={"Content-Type": "application/soap+xml"},
    )
    assert fault(soap) == ("soap:Sender", "soap:siram_100", "desir_560")


async def test_https_without_a_certificate_still_needs_a_token(
    as_organisation: Callable[[str | None], httpx.AsyncClient],
) -> None:
    refused = await as_organisation(None).post("/insi/v1/search-by-traits", json=ADRUN)
    assert (refused.status_code, refused.json()["error"]) == (401, "token-missing")


async def test_a_token_takes_precedence_over_the_certificate(
    as_organisation: Callable[[str | None], httpx.AsyncClient], certificates: dict[str, str], insi: Insi
) -> None:
    http = as_organisation(certificates["INSI-AUTO"])
    patient = await insi.patient_token("275126322074974")
    refused = await http.post(
        "/insi/v1/search-by-traits", json=ADRUN, headers={"Authorization": f"Bearer {patient}"}
    )
    assert refused.json()["error"] == "desir_560"


# --- software authorisation numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idam", "error"), [(None, "desir_550"), ("INCONNU-1", "desir_550"), ("", "desir_550")]
)
async def test_a_missing_or_unknown_idam_gets_desir_550(insi: Insi, idam: str | None, error: str) -> None:
    insi.idam = idam
    refused = await insi.post("search-by-traits", ADRUN)
    assert (refused.status_code, refused.json()["error"], refused.json()["rule"]) == (403, error, "insi-idam")


async def test_numbers_registered_in_a_tenant(insi: Insi) -> None:
    insi.idam = "LGC-2026.1"
    assert (await insi.post("search-by-traits", ADRUN)).json()["error"] == "desir_550"
    put = await insi.http.put("/insi/sandbox/logiciels/LGC-2026.1", json={"nom": "Mon logiciel"})
    assert put.json() == {"idam": "LGC-2026.1", "nom": "Mon logiciel", "origine": "tenant"}
    assert (await insi.post("search-by-traits", ADRUN)).json()["code_cr"] == "00"
    listed = (await insi.http.get("/insi/sandbox/logiciels")).json()["items"]
    assert {"idam": "ESANTE-SANDBOX", "nom": listed[0]["nom"], "origine": "seed"} in listed
    assert {"idam": "LGC-2026.1", "nom": "Mon logiciel", "origine": "tenant"} in listed
    other = await insi.http.post(
        "/insi/v1/search-by-traits",
        json=ADRUN,
        headers={**insi.headers(), TENANT_HEADER: f"{insi.http.headers[TENANT_HEADER]}-other"},
    )
    assert other.json()["error"] == "desir_550"
    await insi.http.delete(f"/sandbox/tenants/{insi.http.headers[TENANT_HEADER]}-other")
    assert (await insi.http.delete("/insi/sandbox/logiciels/LGC-2026.1")).status_code == 204
    assert (await insi.post("search-by-traits", ADRUN)).json()["error"] == "desir_550"


async def test_a_reset_forgets_registered_numbers(insi: Insi) -> None:
    insi.idam = "LGC-RESET"
    await insi.http.put("/insi/sandbox/logiciels/LGC-RESET", json={})
    assert (await insi.post("search-by-traits", ADRUN)).json()["code_cr"] == "00"
    await insi.http.post(f"/sandbox/tenants/{insi.http.headers[TENANT_HEADER]}/reset")
    assert (await insi.post("search-by-traits", ADRUN)).json()["error"] == "desir_550"


async def test_documented_numbers_cannot_be_changed(insi: Insi) -> None:
    assert (await insi.http.delete("/insi/sandbox/logiciels/ESANTE-SANDBOX")).status_code == 409
    assert (await insi.http.put("/insi/sandbox/logiciels/ESANTE-SANDBOX", json={})).status_code == 409
    assert (await insi.http.delete("/insi/sandbox/logiciels/NEVER-REGISTERED")).json()["error"] == (
        "insi-logiciel-inconnu"
    )


@pytest.mark.parametrize("idam", ["with space", "-lead", "x" * 65, "é"])
async def test_malformed_numbers_cannot_be_registered(insi: Insi, idam: str) -> None:
    refused = await insi.http.put(f"/insi/sandbox/logiciels/{idam}", json={})
    assert (refused.status_code, refused.json()["error"]) == (400, "insi-idam-invalide")


async def test_numbers_known_by_setting_work_in_every_tenant(
    runtime: Runtime, insi: Insi, tenant_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESANTE_INSI_KNOWN_IDAM", "REAL-IDAM-1, REAL-IDAM-2")
    get_insi_settings.cache_clear()
    try:
        app = create_app(runtime)
    finally:
        get_insi_settings.cache_clear()
    headers = {TENANT_HEADER: tenant_name, "Authorization": f"Bearer {insi.token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        known = await http.post("/v1/search-by-traits", json=ADRUN, headers={"X-Insi-Idam": "REAL-IDAM-2"})
        assert known.json()["code_cr"] == "00"
        listed = (await http.get("/sandbox/logiciels")).json()["items"]
        assert {"idam": "REAL-IDAM-1", "nom": "ESANTE_INSI_KNOWN_IDAM", "origine": "settings"} in listed
        unknown = await http.post("/v1/search-by-traits", json=ADRUN, headers={"X-Insi-Idam": "REAL-IDAM-3"})
        assert unknown.json()["error"] == "desir_550"
    refused = await insi.http.post(
        "/insi/v1/search-by-traits", json=ADRUN, headers={**insi.headers(), "X-Insi-Idam": "REAL-IDAM-2"}
    )
    assert refused.json()["error"] == "desir_550"  # the session's app was built without the setting
