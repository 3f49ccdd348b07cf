"""The app factory: the bearer scheme and tenant header documented where a route reads them, the
request's tenants epoch, strict JSON bodies, and routers built with the strict route class."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from shared.app import (
    BEARER_SCHEME,
    PATIENT_LOGIN_SCHEME,
    PATIENT_TAG,
    PRO_LOGIN_SCHEME,
    StrictJsonRoute,
    create_service_app,
)
from shared.dependencies import ActorDep, TenantDep
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER


def test_routes_reading_the_caller_document_the_bearer_scheme_and_the_tenant(runtime: Runtime) -> None:
    router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)

    @router.get("/mine")
    async def mine(actor: ActorDep) -> dict[str, str]:
        """The caller's own thing."""
        return {"kind": actor.kind}

    @router.get("/tenanted")
    async def tenanted(tenant: TenantDep) -> dict[str, str]:
        """The tenant's thing."""
        return {"tenant": tenant.name}

    @router.get("/theirs", tags=[PATIENT_TAG])
    async def theirs(actor: ActorDep) -> dict[str, str]:
        """A patient's own thing."""
        return {"kind": actor.kind}

    @router.get("/open")
    async def open_route() -> dict[str, str]:
        """Nobody's thing."""
        return {}

    app = create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    paths = app.openapi()["paths"]
    mine_op, tenanted_op, open_op = (paths[p]["get"] for p in ("/v1/mine", "/v1/tenanted", "/v1/open"))
    assert mine_op["security"] == [{BEARER_SCHEME: []}, {PRO_LOGIN_SCHEME: ["openid"]}]
    assert paths["/v1/theirs"]["get"]["security"] == [{BEARER_SCHEME: []}, {PATIENT_LOGIN_SCHEME: ["openid"]}]
    assert [p["name"] for p in mine_op["parameters"]] == [TENANT_HEADER]
    assert "security" not in tenanted_op
    assert [p["name"] for p in tenanted_op["parameters"]] == [TENANT_HEADER]
    assert "security" not in open_op
    assert "parameters" not in open_op


class _Note(BaseModel):
    text: str
    score: float = 0


def _notes(runtime: Runtime) -> Any:
    router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)

    @router.post("/notes")
    async def add_note(note: _Note) -> dict[str, Any]:
        return {"text": note.text, "score": note.score}

    return create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        '{"text": "a\\ud800b"}',  # a lone surrogate: json.loads reads it, no database stores it
        '{"text": "\\udc00"}',
        '{"text": "a", "score": NaN}',
        '{"text": "a", "score": Infinity}',
    ],
)
async def test_a_fastapi_route_refuses_json_that_only_pythons_reader_accepts(
    runtime: Runtime, body: str
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_notes(runtime)), base_url="http://t"
    ) as http:
        answer = await http.post("/v1/notes", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "validation-error"
    assert "not JSON that every reader accepts" in answer.json()["detail"]


@pytest.mark.asyncio
async def test_a_fastapi_route_accepts_escaped_pairs_and_answers_broken_json_as_fastapi_does(
    runtime: Runtime,
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_notes(runtime)), base_url="http://t"
    ) as http:
        paired = await http.post(
            "/v1/notes",
            content='{"text": "\\ud83d\\ude00 \\u00e9"}',
            headers={"content-type": "application/json"},
        )
        broken = await http.post(
            "/v1/notes", content='{"text": ', headers={"content-type": "application/json"}
        )
    assert (paired.status_code, paired.json()) == (200, {"text": "\U0001f600 é", "score": 0})
    assert broken.status_code == 422
    assert "JSON decode error" in broken.json()["detail"]


def test_the_app_factory_refuses_a_router_without_the_strict_route_class(runtime: Runtime) -> None:
    router = APIRouter()

    @router.post("/loose")
    async def loose(note: _Note) -> dict[str, str]:
        return {"text": note.text}

    with pytest.raises(TypeError, match="route_class=StrictJsonRoute"):
        create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"text": "a\\u0000b"}', 422),
        ('{"text": "a", "tags": {"\\u0000": 1}}', 422),
        ('{"text": "a\\\\u0000b"}', 200),  # a backslash then "u0000": no NUL
        ('{"text": "a\\u0001b"}', 200),
    ],
)
async def test_a_string_holding_nul_is_refused(runtime: Runtime, body: str, status: int) -> None:
    """PostgreSQL cannot store U+0000 in text: every route refuses it, on SQLite too, before any write."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_notes(runtime)), base_url="http://t"
    ) as http:
        answer = await http.post("/v1/notes", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    if status == 422:
        assert answer.json()["error"] == "validation-error"
        assert "U+0000" in answer.json()["detail"]
