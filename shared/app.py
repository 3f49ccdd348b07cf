"""The app factory: every service's FastAPI app has the same health routes, errors and operation ids."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from shared.dependencies import REQUEST_EPOCH, get_actor, get_tenant
from shared.errors import ErrorBody, install_error_handlers
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER
from shared.tenants import TenantRegistry

VERSION = "0.1.0"

NO_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's built-in OpenTelemetry hooks are off: the sandbox exports no telemetry, and asking on
every request whether a provider is configured costs a noticeable share of a small route."""


class StrictJsonRoute(APIRoute):
    """A FastAPI route that refuses, as FastAPI refuses JSON it cannot read (422 ``json_invalid``), the
    JSON that Python's ``json`` module reads but that no database or JSON text can carry: a lone UTF-16
    surrogate (``"\\ud800"``), ``NaN``, ``Infinity``, and a string holding U+0000 (``"\\u0000"``:
    PostgreSQL cannot store it in text). Every service router is built with it
    (``create_service_app`` checks)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        if self.body_field is None:
            return handler

        async def route(request: Request) -> Response:
            await _refuse_what_json_alone_reads(request)
            return await handler(request)

        return route


async def _refuse_what_json_alone_reads(request: Request) -> None:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return
    body = await request.body()
    if not body:
        return
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as strict:
        try:
            json.loads(body)
        except ValueError:
            return  # not JSON at all: FastAPI answers it as usual
        msg = f"not JSON that every reader accepts: {strict}"
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": msg, "input": {}}]
        ) from None
    if b"\\u0000" in body and _holds_nul(value):
        msg = "a JSON string holds U+0000, which no database of the sandbox can store"
        raise RequestValidationError([{"type": "string_nul", "loc": ("body",), "msg": msg, "input": {}}])


def _holds_nul(value: Any) -> bool:
    """Whether a string of ``value`` (keys included) holds U+0000; only walked when the body has the
    escape ``\\u0000`` (a raw NUL byte is not JSON)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _api_routes(routers: Sequence[APIRouter]) -> list[APIRoute]:
    """The routers' operations. Taken from the routers themselves: since FastAPI 0.16x an app's router
    holds the routers it includes, not their routes."""
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


class ServiceRoot(FastAPI):
    """The all-in-one root app: each service's app mounted under ``/<name>``."""

    def mount_service(self, name: str, app: FastAPI) -> None:
        self.mount(f"/{name}", app)


_OUTER_EPOCH: ContextVar[tuple[TenantRegistry, int] | None] = ContextVar("esante_outer_epoch", default=None)
"""The epoch of the request this task serves: a call to a service of the same process (httpx's ASGI
transport runs it in the caller's task) keeps the epoch of the request that made it."""


class TenantEpoch:
    """Notes in each request's scope the tenants' epoch when the request reached its service, so that
    a request that started before its tenant was reset or deleted is refused (``tenant-reset``)
    instead of being served by, or re-creating, the tenant that replaced it
    (``TenantRegistry.get``). Kept when set already (a mounted app's scope is its root's), and
    inherited by the calls a request makes to the other services of its process: a DMP deposit in
    flight when its tenant is deleted must not re-create it through its INSi check."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], tenants: TenantRegistry
    ) -> None:
        self.app = app
        self.tenants = tenants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        outer = _OUTER_EPOCH.get()
        inherited = outer[1] if outer is not None and outer[0] is self.tenants else self.tenants.epoch
        epoch = scope.setdefault(REQUEST_EPOCH, inherited)
        token = _OUTER_EPOCH.set((self.tenants, epoch))
        try:
            await self.app(scope, receive, send)
        finally:
            _OUTER_EPOCH.reset(token)


class HealthRead(BaseModel):
    status: str
    service: str


def _health_router(service: str, runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"], route_class=StrictJsonRoute)

    @router.get("/live", response_model=HealthRead)
    async def live() -> HealthRead:
        """The process answers."""
        return HealthRead(status="live", service=service)

    @router.get("/ready", response_model=HealthRead, responses={503: {"model": ErrorBody}})
    async def ready() -> HealthRead:
        """Ready once the template is migrated and seeded, the default tenant exists and its database
        answers (503 `database-unavailable` while it does not)."""
        runtime.check_ready()
        runtime.tenants.get(DEFAULT_TENANT).ping()
        return HealthRead(status="ready", service=service)

    return router


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    runtime: Runtime,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """A service's app: health routes, the one error shape, operation ids ``<service>-<endpoint>``."""

    def operation_id(route: APIRoute) -> str:
        return f"{name}-{route.name}"

    app = FastAPI(
        title=title,
        description=description,
        version=VERSION,
        generate_unique_id_function=operation_id,
        telemetry=NO_TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.service_name = name
    app.add_middleware(TenantEpoch, tenants=runtime.tenants)
    install_error_handlers(app)
    app.include_router(_health_router(name, runtime))
    for router in routers:
        loose = [
            r.path for r in router.routes if isinstance(r, APIRoute) and not isinstance(r, StrictJsonRoute)
        ]
        if loose:
            raise TypeError(
                f"{name}: build every router with route_class=StrictJsonRoute ({', '.join(loose)})"
            )
        app.include_router(router)
    app.openapi = _openapi_with_security(app, routers)  # type: ignore[method-assign]
    return app


BEARER_SCHEME = "psc-bearer"
_TENANT_PARAMETER = {
    "name": TENANT_HEADER,
    "in": "header",
    "required": False,
    "description": "Tenant: an isolated copy of the seeded world, created on first use",
    "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$", "default": DEFAULT_TENANT},
}


def _uses(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return dependant.call is call or any(_uses(sub, call) for sub in dependant.dependencies)


_ERROR_REF = "#/components/schemas/ErrorBody"
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_VALIDATION_EXAMPLE = {"error": "validation-error", "detail": "body.titre: Field required", "rule": None}


def _validation_errors_as_sent(schema: dict[str, Any]) -> None:
    """Every 422 as the handler sends it (``shared.errors``): the one error shape with
    ``validation-error``, not FastAPI's default ``{"detail": [...]}``, so that a client generated from the
    spec reads it; FastAPI's two validation schemas then go."""
    replaced = False
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            answer = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
            if not isinstance(answer, dict):
                continue
            content = answer.get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") != _FASTAPI_422:
                continue
            answer["description"] = "validation-error: the request does not match its schema"
            answer["content"] = {
                "application/json": {"schema": {"$ref": _ERROR_REF}, "example": _VALIDATION_EXAMPLE}
            }
            replaced = True
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    if replaced:
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    if _FASTAPI_422.rsplit("/", 1)[1] not in str(schema["paths"]):
        schemas.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError" not in str(schemas):
            schemas.pop("ValidationError", None)


def _openapi_with_security(app: FastAPI, routers: Sequence[APIRouter]) -> Callable[[], dict[str, Any]]:
    """Document the tenant header and the bearer scheme on the routes whose dependencies read them."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {})
        for route in _api_routes(routers):
            if not route.include_in_schema:
                continue
            secured = _uses(route.dependant, get_actor)
            if not (secured or _uses(route.dependant, get_tenant)):
                continue
            for method in route.methods or ():
                operation = schema["paths"][route.path_format][method.lower()]
                operation.setdefault("parameters", []).append(_TENANT_PARAMETER)
                if secured:
                    operation["security"] = [{BEARER_SCHEME: []}]
        _validation_errors_as_sent(schema)
        components.setdefault("securitySchemes", {})[BEARER_SCHEME] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from psc (ProSanté Connect sandbox or the patient issuer)",
        }
        app.openapi_schema = schema
        return schema

    return openapi
