"""Tokens signed with the sandbox's own key but shaped wrong: every door answers 401 ``token-claims``
with RFC 6750's ``WWW-Authenticate``, never a 500; a future ``nbf`` is judged by the tenant clock."""

from __future__ import annotations

from typing import Any

import pytest

from services.psc.keys import key_ring
from shared.runtime import Runtime
from shared.testing.oidc import Oidc, People, claims_of

pytestmark = pytest.mark.asyncio

BAD_SHAPES: list[dict[str, Any]] = [
    {"exp": "2099-01-01"},
    {"exp": [1]},
    {"exp": {"at": 1}},
    {"exp": 10**30},
    {"iat": "now"},
    {"SubjectRefPro": "x"},
    {"SubjectRefPro": {"exercices": {"codeProfession": "10"}}},
    {"SubjectRefPro": {"exercices": ["10"]}},
    {"SubjectRefPro": {"exercices": [{"activities": "S0001"}]}},
]
ROUTES = ("/psc/protocol/openid-connect/userinfo", "/mssante/v1/mailboxes", "/dmp/v1/patients/123/status")


@pytest.mark.parametrize("changes", BAD_SHAPES)
async def test_a_wrongly_shaped_token_is_token_claims_everywhere(
    oidc: Oidc, people: People, runtime: Runtime, changes: dict[str, Any]
) -> None:
    ring = key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    forged = ring.sign({**claims, **changes}, typ="at+jwt")
    for route in ROUTES:
        response = await oidc.http.get(route, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, (route, response.text)
        assert response.json()["error"] == "token-claims", route
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="esante-sandbox", error="invalid_token"'), challenge


async def test_a_future_nbf_waits_for_the_tenant_clock(oidc: Oidc, people: People, runtime: Runtime) -> None:
    await oidc.freeze("2026-01-01T12:00:00Z")
    ring = key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)
    claims = claims_of(await oidc.professional_token(people.generaliste.idnat))
    forged = ring.sign({**claims, "nbf": claims["iat"] + 1800}, typ="at+jwt")
    early = await oidc.userinfo(forged)
    assert (early.status_code, early.json()["error"]) == (401, "token-not-yet-valid")
    await oidc.freeze("2026-01-01T12:31:00Z")
    assert (await oidc.userinfo(forged)).status_code == 200


async def test_no_token_is_a_bare_bearer_challenge(oidc: Oidc) -> None:
    response = await oidc.http.get("/mssante/v1/mailboxes")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="esante-sandbox"'
