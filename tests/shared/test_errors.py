"""The one error shape, from every kind of failure."""

from __future__ import annotations

import httpx
import pytest

from shared.errors import Conflict, ErrorBody, InvalidInput, NotFound, error_responses


@pytest.mark.asyncio
async def test_unknown_route_uses_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/sandbox/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"error": "not-found", "detail": "Not Found", "rule": None}


@pytest.mark.asyncio
async def test_wrong_method_uses_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.delete("/sandbox/population/persons")
    assert response.status_code == 405
    assert response.json()["error"] == "method-not-allowed"


@pytest.mark.asyncio
async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/sandbox/population/persons", params={"limit": "many"})
    assert response.status_code == 422
    body = ErrorBody.model_validate(response.json())
    assert body.error == "validation-error"
    assert "limit" in body.detail


@pytest.mark.asyncio
async def test_malformed_json_body_is_422(client: httpx.AsyncClient, tenant_name: str) -> None:
    response = await client.put(
        f"/sandbox/tenants/{tenant_name}/clock",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation-error"


def test_error_carries_code_rule_and_status() -> None:
    err = Conflict("already there", rule="unique")
    assert (err.status, err.body()) == (
        409,
        {"error": "conflict", "detail": "already there", "rule": "unique"},
    )
    assert InvalidInput("x", code="nir-key").body()["error"] == "nir-key"
    assert InvalidInput("x").code == "invalid-input"  # the override did not leak into the class


def test_error_responses_document_each_status() -> None:
    documented = error_responses(InvalidInput, NotFound, Conflict)
    assert set(documented) == {400, 404, 409}
    assert documented[404]["model"] is ErrorBody
