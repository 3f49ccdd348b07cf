"""psc's OpenAPI document: every endpoint documented once, with readable operation ids."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.asyncio
async def test_openapi_documents_both_issuers(client: httpx.AsyncClient) -> None:
    response = await client.get("/psc/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    operations = {op["operationId"] for methods in spec["paths"].values() for op in methods.values()}
    for name in (
        "token",
        "authorize",
        "login",
        "userinfo",
        "introspect",
        "logout",
        "certs",
        "openid_configuration",
    ):
        assert f"psc-{name}" in operations
        assert f"psc-patient_{name}" in operations
    token = spec["paths"]["/protocol/openid-connect/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert {"200", "400", "401"} <= set(token["responses"])
