"""Calls between services forward the tenant header, in-process or over a base URL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.clients import ServiceClients, UpstreamError
from shared.errors import DatabaseUnavailable, SandboxError
from shared.tenants import TenantReset

echo = FastAPI()


@echo.get("/echo")
async def echo_headers(request: Request) -> dict[str, str | None]:
    return {"tenant": request.headers.get("x-sandbox-tenant"), "auth": request.headers.get("authorization")}


@pytest.mark.asyncio
async def test_in_process_call_forwards_tenant_and_token() -> None:
    clients = ServiceClients({})
    clients.register_local("dmp", echo)
    response = await clients.request("dmp", "GET", "/echo", tenant="ci-1", token="abc")
    assert response.json() == {"tenant": "ci-1", "auth": "Bearer abc"}
    await clients.aclose()


@pytest.mark.asyncio
async def test_configured_url_wins_over_the_local_app() -> None:
    clients = ServiceClients({"dmp": "http://dmp.example:8004/dmp"})
    clients.register_local("dmp", echo)
    assert str(clients.client("dmp").base_url).rstrip("/") == "http://dmp.example:8004/dmp"
    await clients.aclose()


@pytest.mark.asyncio
async def test_unreachable_service_is_a_502_sandbox_error() -> None:
    clients = ServiceClients({"dmp": "http://127.0.0.1:9/dmp"})
    with pytest.raises(UpstreamError) as caught:
        await clients.request("dmp", "GET", "/echo", tenant="default")
    assert isinstance(caught.value, SandboxError)
    assert caught.value.status == 502
    await clients.aclose()


def test_unknown_service_is_refused() -> None:
    with pytest.raises(UpstreamError):
        ServiceClients({}).client("nowhere")


faulty = FastAPI()


@faulty.get("/answer/{status}/{error}")
async def answer_with(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": "from the called service", "rule": None}, status)


@pytest.mark.asyncio
async def test_a_storage_fault_of_the_called_service_is_the_callers_own() -> None:
    clients = ServiceClients({})
    clients.register_local("back", faulty)
    with pytest.raises(DatabaseUnavailable) as caught:
        await clients.request("back", "GET", "/answer/503/database-unavailable", tenant="default")
    assert caught.value.status == 503
    with pytest.raises(TenantReset):
        await clients.request("back", "GET", "/answer/409/tenant-reset", tenant="default")
    # Any other refusal is the caller's to read.
    other = await clients.request("back", "GET", "/answer/409/invoice-exists", tenant="default")
    assert (other.status_code, other.json()["error"]) == (409, "invoice-exists")
    await clients.aclose()
