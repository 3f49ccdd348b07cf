"""OpenID Provider metadata of both issuers, in the Keycloak layout ProSanté Connect uses."""

from __future__ import annotations

import httpx
import pytest

from shared.runtime import Runtime


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["openid-configuration", "wallet-openid-configuration"])
async def test_professional_discovery(client: httpx.AsyncClient, runtime: Runtime, name: str) -> None:
    response = await client.get(f"/psc/.well-known/{name}")
    assert response.status_code == 200
    meta = response.json()
    issuer = runtime.settings.issuer
    assert meta["issuer"] == issuer == "http://testserver/psc"
    assert meta["authorization_endpoint"] == f"{issuer}/protocol/openid-connect/auth"
    assert meta["token_endpoint"] == f"{issuer}/protocol/openid-connect/token"
    assert meta["userinfo_endpoint"] == f"{issuer}/protocol/openid-connect/userinfo"
    assert meta["introspection_endpoint"] == f"{issuer}/protocol/openid-connect/token/introspect"
    assert meta["jwks_uri"] == f"{issuer}/protocol/openid-connect/certs"
    assert meta["end_session_endpoint"] == f"{issuer}/protocol/openid-connect/logout"
    assert set(meta["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    assert meta["code_challenge_methods_supported"] == ["S256", "plain"]
    assert meta["acr_values_supported"] == ["eidas1"]
    assert {"openid", "scope_all", "profile", "email"} <= set(meta["scopes_supported"])
    assert {"SubjectNameID", "SubjectRefPro", "Acces_Regulation_Medicale", "card_mode"} <= set(
        meta["claims_supported"]
    )
    assert meta["id_token_signing_alg_values_supported"] == [runtime.settings.signing_alg]


@pytest.mark.asyncio
async def test_patient_discovery(client: httpx.AsyncClient, runtime: Runtime) -> None:
    meta = (await client.get("/psc/patients/.well-known/openid-configuration")).json()
    issuer = runtime.settings.patient_issuer
    assert meta["issuer"] == issuer == "http://testserver/psc/patients"
    assert meta["token_endpoint"] == f"{issuer}/protocol/openid-connect/token"
    assert "SubjectNameID" not in meta["claims_supported"]


@pytest.mark.asyncio
async def test_every_endpoint_of_the_metadata_answers(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/psc/.well-known/openid-configuration")).json()
    jwks = await client.get(meta["jwks_uri"])
    assert jwks.status_code == 200
    assert len(jwks.json()["keys"]) == 2
    # The token endpoint exists and speaks RFC 6749 (an empty grant is an invalid_request).
    token = await client.post(meta["token_endpoint"], data={})
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_request"
    assert (await client.get("/psc/.well-known/nothing-here")).status_code == 404


@pytest.mark.asyncio
async def test_patient_jwks_is_the_same_key_set(client: httpx.AsyncClient) -> None:
    professional = (await client.get("/psc/protocol/openid-connect/certs")).json()
    patient = (await client.get("/psc/patients/protocol/openid-connect/certs")).json()
    assert professional == patient
