"""Every service's docs pages work without internet, and their "Authorize" logs in through psc."""

from __future__ import annotations

import json
import re
import secrets
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from markdown_it import MarkdownIt

from services.dmp import app as dmp_app
from services.sandbox.registry import service_names
from shared.app import PATIENT_LOGIN_SCHEME, PRO_LOGIN_SCHEME
from shared.config import SandboxSettings
from shared.docs import content_security_policy
from shared.runtime import Runtime
from shared.testing.oidc import People, parse_login_form

ORIGIN = "http://localhost:8000"
PAGES = ("docs", "redoc", "docs/reference", "docs/oauth2-redirect")


class _References(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in {"script", "img", "iframe"} and values.get("src"):
            self.urls.append(values["src"])
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"])
        self._in_script = tag == "script" and not values.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def _references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


def _is_ours(url: str, page: str) -> bool:
    absolute = urljoin(page, url)
    return url.startswith("data:") or absolute.startswith(f"{ORIGIN}/")


@pytest_asyncio.fixture
async def browser(root_app: FastAPI) -> Any:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root_app), base_url=ORIGIN) as http:
        yield http


@pytest.mark.asyncio
@pytest.mark.parametrize("service", service_names())
async def test_every_docs_page_loads_everything_from_the_sandbox(
    browser: httpx.AsyncClient, service: str
) -> None:
    """Each page and each asset it references answers from the sandbox; no URL leads elsewhere, the
    stylesheets' ``url()`` included, and the page's policy forbids the browser any other host."""
    for page in PAGES:
        url = f"{ORIGIN}/{service}/{page}"
        answer = await browser.get(url)
        assert answer.status_code == 200, (url, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html")
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "img-src 'self' data:;" in policy  # ReDoc's CDN logo is not fetched
        found = _references(answer.text)
        for script in found.inline_scripts:
            assert "http://" not in script, (url, script)
            assert "https://" not in script, (url, script)
        for asset in found.urls:
            assert _is_ours(asset, url), (url, asset)
            fetched = await browser.get(urljoin(url, asset))
            assert fetched.status_code == 200, (url, asset)
            assert fetched.content, asset
            assert b"cdn.redoc.ly" not in fetched.content, asset
            if asset.endswith(".css"):
                for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", fetched.text):
                    assert _is_ours(ref, str(fetched.url)), (asset, ref[:80])


@pytest.mark.asyncio
async def test_the_swagger_page_names_its_spec_and_the_login_it_offers(browser: httpx.AsyncClient) -> None:
    page = (await browser.get("/dmp/docs")).text
    assert "url: '/dmp/openapi.json'" in page
    assert "oauth2RedirectUrl: window.location.origin + '/dmp/docs/oauth2-redirect'" in page
    assert '"persistAuthorization": true' in page
    assert '"validatorUrl": null' in page
    init = json.loads(re.search(r"ui\.initOAuth\((\{.*?\})\)", page).group(1))  # type: ignore[union-attr]
    assert init["usePkceWithAuthorizationCodeGrant"] is True
    assert (init["clientId"], init["clientSecret"]) == ("esante-ci", "esante-ci")
    again = (await browser.get("/dmp/docs")).text
    assert init["additionalQueryStringParams"]["nonce"] not in again  # psc requires one; fresh each time


@pytest.mark.asyncio
@pytest.mark.parametrize("service", service_names())
async def test_the_reference_tables_keep_their_columns(browser: httpx.AsyncClient, service: str) -> None:
    """GFM splits a row on every unescaped pipe, code spans included: each row of every table of the
    rendered reference has as many cells as its header."""
    html = (await browser.get(f"/{service}/docs/reference")).text
    for table in re.findall(r"<table>(.*?)</table>", html, flags=re.S):
        header = len(re.findall(r"<th[ >]", table))
        assert header > 0
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
            assert len(re.findall(r"<td[ >]", row)) == header, row[:200]
            assert "|" not in re.sub(r"<code>.*?</code>", "", row), row[:200]


def test_markdown_tables_split_on_an_unescaped_pipe() -> None:
    """What the previous test relies on: a pipe left in a cell makes an extra cell, which markdown-it
    drops, so the escaped pipe is what keeps the text."""
    md = MarkdownIt("commonmark").enable("table")
    kept = md.render("| a | b |\n|---|---|\n| `x \\| y` | z |\n")
    assert "<code>x | y</code>" in kept
    lost = md.render("| a | b |\n|---|---|\n| `x | y` | z |\n")
    assert "<code>x | y</code>" not in lost


def _oauth_client(root_app: FastAPI, **kwargs: Any) -> Any:
    with warnings.catch_warnings(record=True):
        # Authlib flags its httpx integration as deprecated in favour of httpx2; it still works.
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    return AsyncOAuth2Client(transport=httpx.ASGITransport(app=root_app), **kwargs)


async def _log_in_as_the_docs_page_does(
    root_app: FastAPI, browser: httpx.AsyncClient, service: str, scheme_name: str, login: str, tenant: str
) -> str:
    """The "Authorize" button of ``/<service>/docs``: the flow of the spec's scheme, the page's client and
    redirect URI, PKCE S256, the login page, the code exchange. Returns the access token."""
    page = (await browser.get(f"/{service}/docs")).text
    init = json.loads(re.search(r"ui\.initOAuth\((\{.*?\})\)", page).group(1))  # type: ignore[union-attr]
    redirect = ORIGIN + re.search(r"window\.location\.origin \+ '([^']+)'", page).group(1)  # type: ignore[union-attr]
    spec = (await browser.get(f"/{service}/openapi.json")).json()
    flow = spec["components"]["securitySchemes"][scheme_name]["flows"]["authorizationCode"]
    authorize, token_url = urljoin(ORIGIN, flow["authorizationUrl"]), urljoin(ORIGIN, flow["tokenUrl"])
    async with _oauth_client(
        root_app,
        client_id=init["clientId"],
        client_secret=init["clientSecret"],
        scope=init["scopes"],
        redirect_uri=redirect,
        code_challenge_method="S256",
    ) as client:
        verifier = secrets.token_urlsafe(48)
        url, state = client.create_authorization_url(
            authorize, code_verifier=verifier, tenant=tenant, **init["additionalQueryStringParams"]
        )
        form_page = await client.request("GET", f"{url}&q={login}", withhold_token=True)
        assert form_page.status_code == 200, form_page.headers.get("location")
        form = parse_login_form(form_page.text)
        choice = next(value for name, value, _ in form.buttons if name == "login" and value.startswith(login))
        assert form.action is not None
        answer = await client.request(
            "POST", urljoin(ORIGIN, form.action), data={**form.fields, "login": choice}, withhold_token=True
        )
        location = answer.headers["location"]
        assert location.startswith(redirect), location
        assert parse_qs(urlsplit(location).query)["state"] == [state]
        token = await client.fetch_token(token_url, authorization_response=location, code_verifier=verifier)
    access: str = token["access_token"]
    return access


@pytest.mark.asyncio
async def test_authorize_on_the_docs_page_logs_a_professional_in(
    root_app: FastAPI, browser: httpx.AsyncClient, people: People, tenant_name: str
) -> None:
    """A professional picked once on psc's login page; the token then works on every service's routes
    whose security names the login (here the DMP's status route and INSi's search)."""
    pro = people.generaliste
    token = await _log_in_as_the_docs_page_does(
        root_app, browser, "dmp", PRO_LOGIN_SCHEME, pro.idnat, tenant_name
    )
    spec = (await browser.get("/dmp/openapi.json")).json()
    status = spec["paths"]["/v1/patients/{ins}/status"]["get"]
    assert {PRO_LOGIN_SCHEME: ["openid"]} in status["security"]
    headers = {"Authorization": f"Bearer {token}", "X-Sandbox-Tenant": tenant_name}
    answer = await browser.get(f"/dmp/v1/patients/{people.activated.ins}/status", headers=headers)
    assert answer.status_code == 200, answer.text
    insi = (await browser.get("/insi/openapi.json")).json()["paths"]["/v1/search-by-traits"]["post"]
    assert {PRO_LOGIN_SCHEME: ["openid"]} in insi["security"]


@pytest.mark.asyncio
async def test_authorize_on_a_patient_route_logs_a_patient_in(
    root_app: FastAPI, browser: httpx.AsyncClient, people: People, tenant_name: str
) -> None:
    """The patients' routes name the patient issuer's login; a professional's login is not offered
    there, and a patient's token from it opens the patient's own profile."""
    spec = (await browser.get("/dmp/openapi.json")).json()
    me = spec["paths"]["/v1/me"]["get"]
    assert me["security"] == [{"psc-bearer": []}, {PATIENT_LOGIN_SCHEME: ["openid"]}]
    patient = people.activated
    token = await _log_in_as_the_docs_page_does(
        root_app, browser, "dmp", PATIENT_LOGIN_SCHEME, patient.ins, tenant_name
    )
    headers = {"Authorization": f"Bearer {token}", "X-Sandbox-Tenant": tenant_name}
    answer = await browser.get("/dmp/v1/me", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ins"] == patient.ins


@pytest.mark.asyncio
async def test_psc_answers_a_docs_page_on_another_loopback_port(browser: httpx.AsyncClient) -> None:
    """docker-compose gives psc a port of its own: a docs page on another port fetches the token
    endpoint from JavaScript, which CORS allows for loopback origins only (as Keycloak's web origins)."""
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = await browser.options(
        "/psc/protocol/openid-connect/token", headers={"Origin": "http://localhost:8004", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:8004"
    refused = await browser.options(
        "/psc/protocol/openid-connect/token", headers={"Origin": "https://example.org", **preflight}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_with_psc_on_its_own_port_the_docs_name_it_whole(tmp_path: Path) -> None:
    """docker-compose: psc's issuer is another origin; the flows name it whole and the pages' policy
    lets the browser reach its token endpoint."""
    settings = SandboxSettings(data_dir=tmp_path, port=8004, psc_issuer="http://localhost:8001/psc")
    app = dmp_app.create_app(Runtime(settings))
    flow = app.openapi()["components"]["securitySchemes"][PRO_LOGIN_SCHEME]["flows"]["authorizationCode"]
    assert flow["tokenUrl"] == "http://localhost:8001/psc/protocol/openid-connect/token"
    assert "connect-src 'self' http://localhost:8001;" in content_security_policy("http://localhost:8001")
