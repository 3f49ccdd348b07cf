"""The authorization code flow: a real OIDC client, PKCE, the login page, codes, refresh rotation."""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from shared.auth import ProfessionalActor
from shared.runtime import Runtime
from shared.testing.oidc import PSC, REDIRECT_URI, WEB, Oidc, People, claims_of, parse_login_form

pytestmark = pytest.mark.asyncio


def _oauth_client(root_app: FastAPI, **kwargs: Any) -> Any:
    with warnings.catch_warnings(record=True):
        # Authlib flags its httpx integration as deprecated in favour of httpx2; it still works.
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    return AsyncOAuth2Client(transport=httpx.ASGITransport(app=root_app), **kwargs)


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def test_full_flow_with_a_real_oidc_client(
    root_app: FastAPI, tenant_name: str, people: People, runtime: Runtime
) -> None:
    """Discovery, authorization URL with PKCE, login form, code exchange, ID token check, userinfo,
    refresh: all through authlib, in a browser's shoes (the tenant travels as a parameter)."""
    pro = people.generaliste
    async with _oauth_client(
        root_app,
        client_id="esante-ci",
        client_secret="esante-ci",
        scope="openid scope_all",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    ) as client:
        meta = (
            await client.request(
                "GET", "http://testserver/psc/.well-known/openid-configuration", withhold_token=True
            )
        ).json()
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, tenant=tenant_name
        )
        assert "code_challenge=" in url
        # The page's search box narrows the list, as a person would type the name.
        page = await client.request("GET", f"{url}&{urlencode({'q': pro.nom})}", withhold_token=True)
        assert page.status_code == 200, (url, page.text)
        assert "text/html" in page.headers["content-type"]
        form = parse_login_form(page.text)
        assert form.fields["tenant"] == tenant_name
        assert form.fields["code_challenge_method"] == "S256"
        choice = f"{pro.idnat}:e-cps"
        assert ("login", choice) in [(n, v) for n, v, _ in form.buttons]
        assert form.action is not None
        answer = await client.request(
            "POST",
            f"http://testserver{form.action}",
            data={**form.fields, "login": choice},
            withhold_token=True,
        )
        assert answer.status_code == 303
        location = answer.headers["location"]
        assert location.startswith(REDIRECT_URI)
        params = _query(location)
        assert params["state"] == state
        assert params["iss"] == meta["issuer"]
        assert params["code"].startswith(f"{tenant_name}.")

        token = await client.fetch_token(
            meta["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer"
        assert set(token) >= {"access_token", "refresh_token", "id_token", "expires_in", "scope"}

        jwks = KeySet.import_key_set(
            (await client.request("GET", meta["jwks_uri"], withhold_token=True)).json()
        )
        id_token = jose_jwt.decode(token["id_token"], jwks, algorithms=["ES256", "RS256"])
        assert id_token.header["typ"] == "JWT"
        jose_jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": "esante-ci"},
            nonce={"essential": True, "value": nonce},
            acr={"essential": True, "value": "eidas1"},
            sub={"essential": True},
            auth_time={"essential": True},
        ).validate(id_token.claims)
        at_hash = base64.urlsafe_b64encode(hashlib.sha256(token["access_token"].encode()).digest()[:16])
        assert id_token.claims["at_hash"] == at_hash.rstrip(b"=").decode()
        assert id_token.claims["SubjectNameID"] == pro.idnat

        actor = await runtime.verifier.verify(token["access_token"], datetime.now(UTC))
        assert isinstance(actor, ProfessionalActor)
        assert (actor.idnat, actor.card) == (pro.idnat, "e-cps")

        info = await client.get(meta["userinfo_endpoint"])  # authlib sends the bearer token
        assert info.status_code == 200
        assert info.json()["sub"] == id_token.claims["sub"]

        refreshed = await client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert claims_of(refreshed["id_token"])["auth_time"] == id_token.claims["auth_time"]


async def _code(oidc: Oidc, subject: str, card: str | None = None, **overrides: str | None) -> str:
    answer = await oidc.login(subject, card, **overrides)
    assert answer.status_code == 303, answer.text
    return _query(answer.headers["location"])["code"]


async def _exchange(oidc: Oidc, code: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, **extra}
    return await oidc.token(form)


async def test_code_without_pkce_is_exchanged_once(oidc: Oidc, people: People) -> None:
    code = await _code(oidc, people.pharmacien.idnat)
    first = await _exchange(oidc, code)
    assert first.status_code == 200
    assert claims_of(first.json()["id_token"])["nonce"] == "nonce-1"
    replay = await _exchange(oidc, code)
    assert replay.status_code == 400
    assert (replay.json()["error"], replay.json()["rule"]) == ("invalid_grant", "code-replay")
    # RFC 6749 §10.5: what the first exchange gave is revoked too.
    refresh = await oidc.token(
        {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    )
    assert refresh.status_code == 400
    assert refresh.json()["rule"] == "refresh-revoked"


@pytest.mark.parametrize("method", ["S256", "plain"])
async def test_pkce_verifier_must_match(oidc: Oidc, people: People, method: str) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = _s256(verifier) if method == "S256" else verifier
    pkce = {"code_challenge": challenge, "code_challenge_method": method}
    wrong = await _exchange(oidc, await _code(oidc, people.generaliste.idnat, **pkce), code_verifier="x" * 43)
    assert wrong.status_code == 400
    assert (wrong.json()["error"], wrong.json()["rule"]) == ("invalid_grant", "pkce")
    missing = await _exchange(oidc, await _code(oidc, people.generaliste.idnat, **pkce))
    assert missing.json()["rule"] == "pkce"
    right = await _exchange(oidc, await _code(oidc, people.generaliste.idnat, **pkce), code_verifier=verifier)
    assert right.status_code == 200


async def test_verifier_without_challenge_is_refused(oidc: Oidc, people: People) -> None:
    response = await _exchange(oidc, await _code(oidc, people.generaliste.idnat), code_verifier="v" * 43)
    assert response.status_code == 400
    assert response.json()["rule"] == "pkce"


async def test_redirect_uri_must_be_the_same(oidc: Oidc, people: People) -> None:
    code = await _code(oidc, people.generaliste.idnat)
    response = await _exchange(oidc, code, redirect_uri="http://localhost:8765/other")
    assert response.status_code == 400
    assert response.json()["rule"] == "code-redirect-uri"
    assert (await _exchange(oidc, code)).status_code == 200  # the refused attempt did not burn the code


async def test_code_is_bound_to_its_client(oidc: Oidc, people: People) -> None:
    code = await _code(oidc, people.generaliste.idnat)
    response = await oidc.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, auth=WEB
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "code-client"


async def test_code_lives_60_seconds_of_the_tenant_clock(oidc: Oidc, people: People) -> None:
    start = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    await oidc.freeze(start)
    code = await _code(oidc, people.generaliste.idnat)
    late = await _code(oidc, people.generaliste.idnat)
    await oidc.freeze(start + timedelta(seconds=59))
    assert (await _exchange(oidc, code)).status_code == 200
    await oidc.freeze(start + timedelta(seconds=60))
    expired = await _exchange(oidc, late)
    assert expired.status_code == 400
    assert expired.json()["rule"] == "code-expired"


@pytest.mark.parametrize("code", ["nothing", "nobody.abc", "Bad_Tenant.abc", "a.b.c"])
async def test_unknown_code_is_invalid_grant(oidc: Oidc, code: str) -> None:
    response = await _exchange(oidc, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_code_of_another_tenant_is_refused_when_the_header_names_one(
    oidc: Oidc, people: People, runtime: Runtime
) -> None:
    code = await _code(oidc, people.generaliste.idnat)
    response = await oidc.http.post(
        f"{PSC}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=("esante-ci", "esante-ci"),
        headers={"X-Sandbox-Tenant": "default"},
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "tenant-mismatch"


async def test_code_finds_its_tenant_without_the_header(
    oidc: Oidc, people: People, root_app: FastAPI, runtime: Runtime
) -> None:
    code = await _code(oidc, people.generaliste.idnat)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=root_app), base_url="http://testserver"
    ) as bare:
        response = await bare.post(
            f"{PSC}/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            auth=("esante-ci", "esante-ci"),
        )
    assert response.status_code == 200
    assert response.json()["refresh_token"].startswith(f"{oidc.tenant}.")


# --- refresh tokens --------------------------------------------------------------------------------


async def _tokens(oidc: Oidc, people: People) -> dict[str, Any]:
    response = await _exchange(oidc, await _code(oidc, people.generaliste.idnat))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_refresh_rotates_the_refresh_token(oidc: Oidc, people: People, runtime: Runtime) -> None:
    first = await _tokens(oidc, people)
    second = await oidc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    actor = await runtime.verifier.verify(body["access_token"], datetime.now(UTC))
    assert isinstance(actor, ProfessionalActor)
    assert actor.idnat == people.generaliste.idnat
    old = await oidc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert old.status_code == 400
    assert (old.json()["error"], old.json()["rule"]) == ("invalid_grant", "refresh-reuse")


async def test_reusing_a_rotated_refresh_token_revokes_the_session(oidc: Oidc, people: People) -> None:
    first = await _tokens(oidc, people)
    second = (
        await oidc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    ).json()
    await oidc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    third = await oidc.token({"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert third.status_code == 400
    assert third.json()["rule"] == "refresh-revoked"


async def test_refresh_token_is_bound_to_its_client(oidc: Oidc, people: People) -> None:
    first = await _tokens(oidc, people)
    response = await oidc.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth=WEB
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "refresh-client"


async def test_refresh_may_narrow_the_scope_not_widen_it(oidc: Oidc, people: People) -> None:
    first = await _tokens(oidc, people)
    wider = await oidc.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "openid email"}
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    narrower = await oidc.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "scope_all"}
    )
    assert narrower.status_code == 200
    assert narrower.json()["scope"] == "scope_all"
    assert "id_token" not in narrower.json()  # no openid, no ID token


async def test_refresh_token_expires_by_the_tenant_clock(oidc: Oidc, people: People) -> None:
    start = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    await oidc.freeze(start)
    first = await _tokens(oidc, people)
    await oidc.freeze(start + timedelta(hours=8))
    response = await oidc.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert response.status_code == 400
    assert response.json()["rule"] == "refresh-expired"


# --- the authorization endpoint --------------------------------------------------------------------


async def test_login_page_lists_professionals_by_profession(oidc: Oidc, people: People, population) -> None:
    page = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params())
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    for label in ("Médecin", "Pharmacien", "Secrétariat médical"):
        assert f"<h2>{label}</h2>" in html
    assert html.index("<h2>Médecin</h2>") < html.index("<h2>Secrétariat médical</h2>")
    assert population.structure(people.regulateur.structure_id).raison_sociale in html
    buttons = parse_login_form(html).buttons
    assert ("login", f"{people.secretaire.idnat}:cpe", "CPE") in buttons
    assert ("login", f"{people.generaliste.idnat}:e-cps", "e-CPS") in buttons
    assert not [b for b in buttons if b[1] == f"{people.secretaire.idnat}:cps"]


async def test_login_page_filters(oidc: Oidc, people: People) -> None:
    by_name = await oidc.http.get(
        f"{PSC}/auth", params={**oidc.authorize_params(), "q": people.pharmacien.nom}
    )
    values = [v for _, v, _ in parse_login_form(by_name.text).buttons]
    assert f"{people.pharmacien.idnat}:cps" in values
    by_profession = await oidc.http.get(f"{PSC}/auth", params={**oidc.authorize_params(), "profession": "21"})
    form = parse_login_form(by_profession.text)
    assert f"{people.pharmacien.idnat}:cps" in [v for _, v, _ in form.buttons]
    assert f"{people.generaliste.idnat}:cps" not in [v for _, v, _ in form.buttons]
    nobody = await oidc.http.get(f"{PSC}/auth", params={**oidc.authorize_params(), "q": "zzzz-nobody"})
    assert parse_login_form(nobody.text).buttons == []
    hinted = await oidc.http.get(
        f"{PSC}/auth", params={**oidc.authorize_params(), "login_hint": people.pharmacien.rpps}
    )
    assert {v.rpartition(":")[0] for _, v, _ in parse_login_form(hinted.text).buttons} == {
        people.pharmacien.idnat
    }


async def test_login_page_escapes_what_it_echoes(oidc: Oidc) -> None:
    page = await oidc.http.get(
        f"{PSC}/auth", params={**oidc.authorize_params(state='"><script>x</script>'), "q": "<b>"}
    )
    assert page.status_code == 200
    assert "<script>x</script>" not in page.text
    assert "&lt;b&gt;" in page.text


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"client_id": None}, "client-id"),
        ({"client_id": "nobody"}, "client-unknown"),
        ({"redirect_uri": None}, "redirect-uri"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect-uri"),
        ({"redirect_uri": "http://localhost.evil.example:8765/cb"}, "redirect-uri"),
        ({"redirect_uri": "http://localhost:8765/cb#fragment"}, "redirect-uri"),
        ({"tenant": "Bad_Tenant"}, "tenant-name"),
    ],
)
async def test_errors_before_a_trusted_redirect_uri_are_a_page(
    oidc: Oidc, overrides: dict[str, str | None], rule: str
) -> None:
    response = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params(**overrides))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "text/html" in response.headers["content-type"]
    assert rule in response.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "scope_all"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": "x" * 43, "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"prompt": "none"}, "login_required"),
    ],
)
async def test_errors_after_a_trusted_redirect_uri_go_back_to_the_client(
    oidc: Oidc, overrides: dict[str, str | None], error: str
) -> None:
    response = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params(**overrides))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    params = _query(location)
    assert params["error"] == error
    assert params["state"] == "state-1"
    assert params["error_description"]
    assert "code" not in params


async def test_missing_state_is_refused(oidc: Oidc) -> None:
    response = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params(state=None))
    assert response.status_code == 302
    params = _query(response.headers["location"])
    assert params["error"] == "invalid_request"
    assert "state" not in params


async def test_esante_web_has_exactly_one_redirect_uri(oidc: Oidc) -> None:
    allowed = await oidc.http.get(
        f"{PSC}/auth",
        params=oidc.authorize_params(client_id="esante-web", redirect_uri="http://localhost:8080/callback"),
    )
    assert allowed.status_code == 200
    refused = await oidc.http.get(
        f"{PSC}/auth",
        params=oidc.authorize_params(client_id="esante-web", redirect_uri="http://localhost:8080/other"),
    )
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "uri", ["http://localhost:1/cb", "http://127.0.0.1:65000/a/b?x=1", "http://localhost/cb"]
)
async def test_any_loopback_port_is_allowed_for_esante_ci(oidc: Oidc, uri: str) -> None:
    response = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params(redirect_uri=uri))
    assert response.status_code == 200


async def test_redirect_keeps_the_client_query(oidc: Oidc, people: People) -> None:
    answer = await oidc.login(people.generaliste.idnat, redirect_uri="http://localhost:9000/cb?app=1")
    location = answer.headers["location"]
    assert location.startswith("http://localhost:9000/cb?app=1&")
    assert "code" in _query(location)


async def test_login_with_a_card_not_held_is_access_denied(oidc: Oidc, people: People) -> None:
    page = await oidc.http.get(f"{PSC}/auth", params=oidc.authorize_params())
    form = parse_login_form(page.text)
    answer = await oidc.http.post(
        f"{PSC}/auth", data={**form.fields, "login": f"{people.generaliste.idnat}:cpe"}
    )
    assert answer.status_code == 303
    params = _query(answer.headers["location"])
    assert params["error"] == "access_denied"
    assert params["state"] == "state-1"
    assert "code" not in params


async def test_login_by_login_hint_field(oidc: Oidc, people: People) -> None:
    fields = {k: v for k, v in oidc.authorize_params().items()}
    answer = await oidc.http.post(
        f"{PSC}/auth", data={**fields, "login_hint": people.secretaire.idnat, "card_mode": "cpe"}
    )
    assert answer.status_code == 303
    tokens = await _exchange(oidc, _query(answer.headers["location"])["code"])
    assert claims_of(tokens.json()["access_token"])["card_mode"] == "cpe"
    nobody = await oidc.http.post(f"{PSC}/auth", data={**fields, "login_hint": "899999999999"})
    assert _query(nobody.headers["location"])["error"] == "access_denied"


async def test_login_post_revalidates_the_request(oidc: Oidc, people: People) -> None:
    fields = {
        **oidc.authorize_params(redirect_uri="https://evil.example/cb"),
        "login": f"{people.generaliste.idnat}:cps",
    }
    answer = await oidc.http.post(f"{PSC}/auth", data=fields)
    assert answer.status_code == 400
    assert "location" not in answer.headers


# --- logout ----------------------------------------------------------------------------------------


async def test_logout_with_hint_revokes_the_session_and_redirects(oidc: Oidc, people: People) -> None:
    tokens = await _tokens(oidc, people)
    response = await oidc.http.get(
        f"{PSC}/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://localhost:8765/bye",
            "state": "s2",
        },
    )
    assert response.status_code == 302
    assert response.headers["location"] == "http://localhost:8765/bye?state=s2"
    refresh = await oidc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.json()["rule"] == "refresh-revoked"


async def test_logout_without_redirect_shows_a_page(oidc: Oidc, people: People) -> None:
    tokens = await _tokens(oidc, people)
    response = await oidc.http.get(f"{PSC}/logout", params={"id_token_hint": tokens["id_token"]})
    assert response.status_code == 200
    assert "refresh tokens are revoked" in response.text
    assert (await oidc.http.get(f"{PSC}/logout")).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"post_logout_redirect_uri": "https://evil.example/bye", "client_id": "esante-ci"},
        {"post_logout_redirect_uri": "http://localhost:8765/bye"},
        {"id_token_hint": "not-a-token"},
    ],
)
async def test_logout_refusals_are_pages(oidc: Oidc, params: dict[str, str]) -> None:
    response = await oidc.http.get(f"{PSC}/logout", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_logout_keeps_the_session_when_refused(oidc: Oidc, people: People) -> None:
    tokens = await _tokens(oidc, people)
    refused = await oidc.http.get(
        f"{PSC}/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert refused.status_code == 400
    refresh = await oidc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 200
