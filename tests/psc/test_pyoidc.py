"""pyoidc (the ``oic`` package), unchanged and with its defaults, through discovery, the authorization
code flow, the token endpoint and userinfo, over real HTTP to a sandbox this module starts (pyoidc
speaks ``requests``); the login page is answered as a browser would. Beside the Authlib test of
``test_code_flow.py``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from shared.testing.live import live_sandbox
from shared.testing.oidc import parse_login_form

REDIRECT_URI = "http://localhost:8765/callback"
DOCTOR_IDNAT = "899710000011"

pytestmark = pytest.mark.skipif(
    os.environ.get("ESANTE_TEST_DATABASE_URL") is not None, reason="the protocol, once (SQLite pass)"
)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_sandbox(tmp_path_factory.mktemp("pyoidc")) as base:
        yield f"{base}/psc"


def _browser_logs_in(login_url: str, login: str) -> str:
    """GET the login page, press the person's button; the redirect's query string."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(f"{login_url}&q={login}")
        assert page.status_code == 200, page.text
        form = parse_login_form(page.text)
        choice = next(v for n, v, _ in form.buttons if n == "login" and v.startswith(login))
        assert form.action is not None
        answer = browser.post(urljoin(login_url, form.action), data={**form.fields, "login": choice})
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI), location
    return urlsplit(location).query


@pytest.mark.parametrize(("path", "login"), [("", DOCTOR_IDNAT), ("/patients", "275126322074974")])
def test_pyoidc_completes_every_step_with_its_defaults(issuer: str, path: str, login: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyoidc's own deprecations (pkg_resources, cryptography)
        from oic import rndstr
        from oic.oic import Client
        from oic.oic.message import AuthorizationResponse, OpenIDSchema, RegistrationResponse
        from oic.utils.authn.client import CLIENT_AUTHN_METHOD

        client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
        provider = client.provider_config(issuer + path)
        assert provider["issuer"] == issuer + path
        client.store_registration_info(
            RegistrationResponse(
                client_id="esante-ci", client_secret="esante-ci", redirect_uris=[REDIRECT_URI]
            )
        )
        state, nonce = rndstr(), rndstr()
        request = client.construct_AuthorizationRequest(
            request_args={
                "client_id": client.client_id,
                "response_type": "code",
                "scope": ["openid"],
                "nonce": nonce,
                "state": state,
                "redirect_uri": REDIRECT_URI,
            }
        )
        query = _browser_logs_in(request.request(client.authorization_endpoint), login)
        authorized = client.parse_response(AuthorizationResponse, info=query, sformat="urlencoded")
        assert authorized["state"] == state
        token = client.do_access_token_request(
            state=state, request_args={"code": authorized["code"]}, authn_method="client_secret_basic"
        )
        assert "access_token" in token
        assert token["id_token"]["nonce"] == nonce  # pyoidc checked the ID token's signature and claims
        info = client.do_user_info_request(state=state)  # pyoidc's default: POST, token in the body
    assert isinstance(info, OpenIDSchema)
    assert info["sub"] == token["id_token"]["sub"]
