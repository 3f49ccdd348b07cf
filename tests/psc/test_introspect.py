"""Token introspection (RFC 7662): client-authenticated, active judged by the tenant clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared.runtime import Runtime
from shared.testing.oidc import CI, PATIENTS, PSC, Oidc, People, claims_of, header_of

pytestmark = pytest.mark.asyncio


async def _introspect(
    oidc: Oidc, token: str, *, auth: tuple[str, str] | None = CI, base: str = PSC
) -> httpx.Response:
    return await oidc.http.post(f"{base}/token/introspect", data={"token": token}, auth=auth)


async def test_fresh_access_token_is_active(oidc: Oidc, people: People, runtime: Runtime) -> None:
    token = await oidc.professional_token(people.generaliste.idnat)
    response = await _introspect(oidc, token)
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == "esante-ci"
    assert body["username"] == people.generaliste.idnat
    assert body["token_type"] == "Bearer"
    assert body["iss"] == runtime.settings.issuer
    assert body["exp"] == claims_of(token)["exp"]


async def test_expired_access_token_is_inactive(oidc: Oidc, people: People, runtime: Runtime) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    await oidc.freeze(start)
    token = await oidc.professional_token(people.generaliste.idnat)
    await oidc.freeze(start + timedelta(seconds=runtime.settings.token_lifetime))
    assert (await _introspect(oidc, token)).json() == {"active": False}


async def test_forged_or_foreign_tokens_are_inactive(oidc: Oidc, people: People) -> None:
    genuine = await oidc.professional_token(people.generaliste.idnat)
    forged = jwt.encode(
        claims_of(genuine),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": header_of(genuine)["kid"], "typ": "at+jwt"},
    )
    for token in (forged, "garbage", "a.b.c"):
        assert (await _introspect(oidc, token)).json() == {"active": False}
    # The patient issuer does not vouch for a professional's token.
    assert (await _introspect(oidc, genuine, base=PATIENTS)).json() == {"active": False}


async def test_introspection_needs_client_authentication(oidc: Oidc, people: People) -> None:
    token = await oidc.professional_token(people.generaliste.idnat)
    for auth in (None, ("esante-ci", "nope")):
        response = await _introspect(oidc, token, auth=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"


async def test_missing_token_parameter(oidc: Oidc) -> None:
    response = await oidc.http.post(f"{PSC}/token/introspect", data={}, auth=CI)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_refresh_token_is_active_until_rotated(oidc: Oidc, people: People) -> None:
    answer = await oidc.login(people.generaliste.idnat)
    code = answer.headers["location"].split("code=")[1].split("&")[0]
    tokens = (
        await oidc.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost:8765/callback",
            }
        )
    ).json()
    active = (await _introspect(oidc, tokens["refresh_token"])).json()
    assert active["active"] is True
    assert active["token_type"] == "refresh_token"
    assert active["username"] == people.generaliste.idnat
    await oidc.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (await _introspect(oidc, tokens["refresh_token"])).json() == {"active": False}
    assert (await _introspect(oidc, "nobody.xyz")).json() == {"active": False}
