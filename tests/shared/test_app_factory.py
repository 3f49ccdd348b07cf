"""The app factory's routes: ``hot_route`` endpoints served by a plain Starlette route first and still
documented, and the bearer scheme and tenant header documented where a route reads them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.routing import Route

from shared.app import (
    BEARER_SCHEME,
    ServiceRoot,
    StrictJsonRoute,
    create_service_app,
    hot_json_route,
    hot_route,
    json_body,
)
from shared.dependencies import ActorDep, TenantDep
from shared.errors import NotFound
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER


def _app(runtime: Runtime) -> tuple[APIRouter, list[object]]:
    router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)
    served_by: list[object] = []

    @router.get("/items/{item}", openapi_extra={"parameters": [{"name": "item", "in": "path"}]})
    @hot_route
    async def read_item(request: Request) -> Response:
        """One item."""
        served_by.append(request.scope.get("route"))  # FastAPI's route handling puts its APIRoute there
        if request.path_params["item"] == "missing":
            raise NotFound("no such item", rule="item")
        return Response(request.path_params["item"])

    @router.get("/cold")
    async def cold() -> dict[str, str]:
        """A route FastAPI serves."""
        return {"status": "ok"}

    return router, served_by


@pytest.mark.asyncio
async def test_hot_endpoint_is_served_by_a_starlette_route_placed_first(runtime: Runtime) -> None:
    router, served_by = _app(runtime)
    app = create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    first = app.router.routes[0]
    assert isinstance(first, Route)
    assert first.path == "/v1/items/{item}"
    assert not first.include_in_schema
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/v1/items/abc")).text == "abc"
        missing = await http.get("/v1/items/missing")
        assert missing.status_code == 404
        assert missing.json()["rule"] == "item"
        assert (await http.get("/v1/cold")).json() == {"status": "ok"}
    assert served_by == [None, None]


def test_hot_endpoint_stays_documented_once(runtime: Runtime) -> None:
    router, _ = _app(runtime)
    app = create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    paths = app.openapi()["paths"]
    assert list(paths["/v1/items/{item}"]) == ["get"]
    assert paths["/v1/items/{item}"]["get"]["operationId"] == "t-read_item"


def test_hot_route_refuses_an_endpoint_with_other_parameters() -> None:
    async def endpoint(request: Request, item: str) -> Response:
        return Response(item)

    with pytest.raises(TypeError, match="exactly one parameter"):
        hot_route(endpoint)


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

    @router.get("/open")
    async def open_route() -> dict[str, str]:
        """Nobody's thing."""
        return {}

    app = create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    paths = app.openapi()["paths"]
    mine_op, tenanted_op, open_op = (paths[p]["get"] for p in ("/v1/mine", "/v1/tenanted", "/v1/open"))
    assert mine_op["security"] == [{BEARER_SCHEME: []}]
    assert [p["name"] for p in mine_op["parameters"]] == [TENANT_HEADER]
    assert "security" not in tenanted_op
    assert [p["name"] for p in tenanted_op["parameters"]] == [TENANT_HEADER]
    assert "security" not in open_op
    assert "parameters" not in open_op


class _Nested(BaseModel):
    code: str


class _ItemCreate(BaseModel):
    name: str = Field(min_length=1)
    nested: _Nested


@pytest.mark.asyncio
async def test_hot_json_route_reads_its_body_and_documents_it(runtime: Runtime) -> None:
    router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)

    @router.post("/items")
    @hot_json_route(_ItemCreate)
    async def create_item(request: Request) -> Response:
        """Create an item."""
        body = await json_body(request, _ItemCreate)
        return Response(f"{body.name}:{body.nested.code}")

    app = create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        created = await http.post("/v1/items", json={"name": "a", "nested": {"code": "b"}})
        assert created.text == "a:b"
        refused = await http.post("/v1/items", json={"name": "", "nested": {}})
    assert refused.status_code == 422
    assert refused.json()["error"] == "validation-error"
    assert "body.name" in refused.json()["detail"]
    spec = app.openapi()
    body = spec["paths"]["/v1/items"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/_ItemCreate"}
    schemas = spec["components"]["schemas"]
    assert schemas["_ItemCreate"]["properties"]["nested"] == {"$ref": "#/components/schemas/_Nested"}
    assert "_Nested" in schemas


def _root(runtime: Runtime) -> tuple[ServiceRoot, list[object], list[object]]:
    """A root app with one service mounted as the all-in-one mounts them; ``seen`` records what
    scope the hot endpoint ran in, ``crossed`` each request that went through the root's stack."""
    router, seen = _app(runtime)

    @router.post("/items/{item}/notes")
    @hot_json_route(_ItemCreate)
    async def add_note(request: Request) -> Response:
        """A note on an item."""
        body = await json_body(request, _ItemCreate)
        if body.name == "boom":
            raise RuntimeError("no handler for this one")
        seen.append((request.scope["root_path"], request.app.state.service_name))
        return Response(f"{request.path_params['item']}:{body.name}", status_code=201)

    root = ServiceRoot()
    crossed: list[object] = []

    @root.middleware("http")
    async def count(request: Request, call_next: Any) -> Any:
        crossed.append(request.url.path)
        return await call_next(request)

    root.mount_service(
        "t", create_service_app(name="t", title="t", description="t", runtime=runtime, routers=[router])
    )
    return root, seen, crossed


@pytest.mark.asyncio
async def test_the_root_serves_hot_routes_itself_with_the_service_scope_and_handlers(
    runtime: Runtime,
) -> None:
    root, seen, crossed = _root(runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root), base_url="http://t") as http:
        assert (await http.get("/t/v1/items/abc")).text == "abc"
        noted = await http.post("/t/v1/items/abc/notes", json={"name": "n", "nested": {"code": "c"}})
        missing = await http.get("/t/v1/items/missing")
        invalid = await http.post("/t/v1/items/abc/notes", json={"name": ""})
    assert (noted.status_code, noted.text) == (201, "abc:n")
    assert seen == [None, ("/t", "t"), None]  # no FastAPI route in the scope; mounted as /t
    # Errors are the service app's own answers: the one error shape, FastAPI's 422.
    assert (missing.status_code, missing.json()["error"], missing.json()["rule"]) == (
        404,
        "not-found",
        "item",
    )
    assert (invalid.status_code, invalid.json()["error"]) == (422, "validation-error")
    assert crossed == []


@pytest.mark.asyncio
async def test_the_root_leaves_everything_else_to_the_normal_path(runtime: Runtime) -> None:
    root, _, crossed = _root(runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root), base_url="http://t") as http:
        cold = await http.get("/t/v1/cold")
        wrong_method = await http.delete("/t/v1/items/abc")
        unknown = await http.get("/nowhere/v1/items/abc")
    assert cold.json() == {"status": "ok"}
    assert wrong_method.status_code == 405
    assert unknown.status_code == 404
    assert crossed == ["/t/v1/cold", "/t/v1/items/abc", "/nowhere/v1/items/abc"]


@pytest.mark.asyncio
async def test_an_exception_without_a_handler_still_fails_the_request(runtime: Runtime) -> None:
    root, _, _ = _root(runtime)
    transport = httpx.ASGITransport(app=root, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        failed = await http.post("/t/v1/items/abc/notes", json={"name": "boom", "nested": {"code": "c"}})
    assert failed.status_code == 500


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
