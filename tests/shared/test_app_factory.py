"""The app factory's routes: ``hot_route`` endpoints served by a plain Starlette route first and still
documented, and the bearer scheme and tenant header documented where a route reads them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.routing import Route

from shared.app import BEARER_SCHEME, create_service_app, hot_json_route, hot_route, json_body
from shared.dependencies import ActorDep, TenantDep
from shared.errors import NotFound
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER


def _app(runtime: Runtime) -> tuple[APIRouter, list[object]]:
    router = APIRouter(prefix="/v1")
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
    router = APIRouter(prefix="/v1")

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
    router = APIRouter(prefix="/v1")

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
