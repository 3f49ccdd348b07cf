"""The app factory: every service's FastAPI app has the same health routes, errors and operation ids."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Any, Final
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from shared.auth import TokenError
from shared.config import SandboxSettings
from shared.dependencies import REQUEST_EPOCH, get_actor, get_tenant
from shared.docs import REFERENCE_LINK, install_docs
from shared.errors import DatabaseUnavailable, ErrorBody, NotReady, SandboxError, install_error_handlers
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER, InvalidTenant
from shared.tenants import TenantRegistry, TenantReset

VERSION = "0.1.0"

NO_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's built-in OpenTelemetry hooks are off: the sandbox exports no telemetry, and asking on
every request whether a provider is configured costs a noticeable share of a small route."""


class StrictJsonRoute(APIRoute):
    """A FastAPI route that refuses, as FastAPI refuses JSON it cannot read (422 ``json_invalid``), the
    JSON that Python's ``json`` module reads but that no database or JSON text can carry: a lone UTF-16
    surrogate (``"\\ud800"``), ``NaN``, ``Infinity``, and a string holding U+0000 (``"\\u0000"``:
    PostgreSQL cannot store it in text); and a body that is not UTF-8 (FastAPI would answer it with a
    bare 400). Every service router is built with it
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
        except UnicodeDecodeError:
            msg = "the body is not UTF-8 (RFC 8259 §8.1: JSON text exchanged between systems is UTF-8)"
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": msg, "input": {}}]
            ) from None
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
        """Mount ``app`` under ``/<name>``: every path below the prefix reaches the service, a decoded
        newline in it too (Starlette's mount pattern ends in ``.*``, which stops at one, so such a path
        would be the root's 404 and not the service's own answer)."""
        mount = Mount(f"/{name}", app=app)
        mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
        self.router.routes.append(mount)


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
    reference: str | None = None,
) -> FastAPI:
    """A service's app: health routes, the one error shape, operation ids ``<service>-<endpoint>``, and
    its docs pages (``shared.docs``). ``description`` opens the spec; ``reference``, the long part (rules,
    tables, error codes), is the page ``/docs/reference`` that the description links to."""

    def operation_id(route: APIRoute) -> str:
        return f"{name}-{route.name}"

    if reference is not None:
        description = (
            f"{description.rstrip()}\n\nThe rules, the tables and every error code: "
            f"[the service's reference]({REFERENCE_LINK}).\n"
        )
    app = FastAPI(
        title=title,
        description=description,
        version=VERSION,
        generate_unique_id_function=operation_id,
        telemetry=NO_TELEMETRY,
        docs_url=None,
        redoc_url=None,
    )
    login = _DocsLogin(runtime.settings)
    install_docs(app, reference=reference or description, token_origin=login.token_origin)
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
    app.openapi = _openapi_with_security(app, routers, login)  # type: ignore[method-assign]
    return app


BINARY: Final[dict[str, str]] = {"type": "string", "format": "binary"}
"""The schema of a body that is bytes (a SOAP envelope, a PDF, an RFC 5322 message): what client
generators read as a file."""
BEARER_SCHEME = "psc-bearer"
PRO_LOGIN_SCHEME = "psc-login"
PATIENT_LOGIN_SCHEME = "patient-login"
PATIENT_TAG = "patients (Mon espace santé)"
"""The tag of the routes a patient's token calls: their docs log in at the patient issuer."""
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


class _DocsLogin:
    """The two issuers' login flows as the specs declare them (OAuth 2 authorization code; Swagger UI
    adds PKCE). An issuer on the sandbox's own origin is written as a path, so that the docs work
    whether the browser calls the sandbox ``localhost`` or ``127.0.0.1``."""

    def __init__(self, settings: SandboxSettings) -> None:
        base = settings.base_url
        own = settings.issuer.startswith(f"{base}/")
        self.token_origin = None if own else "://".join(urlsplit(settings.issuer)[:2])
        self.professional = settings.issuer[len(base) :] if own else settings.issuer
        self.patient = settings.patient_issuer[len(base) :] if own else settings.patient_issuer

    def schemes(self) -> dict[str, Any]:
        return {
            BEARER_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from psc (ProSanté Connect sandbox or the patient issuer), "
                "e.g. from `esante token --rpps <RPPS>`, or by client_credentials with "
                "`login_hint=<IdNat>`. A client_credentials token without login_hint names no "
                "professional: only the MSSanté service's own routes take it.",
            },
            PRO_LOGIN_SCHEME: _login_flow(
                self.professional,
                "Log in as a professional at psc's login page (client `esante-ci`, PKCE)",
                {"openid": "OpenID Connect", "scope_all": "every ProSanté Connect claim"},
            ),
            PATIENT_LOGIN_SCHEME: _login_flow(
                self.patient,
                "Log in as a patient (or a minor's legal representative) at the Mon espace santé issuer",
                {"openid": "OpenID Connect"},
            ),
        }


def _login_flow(issuer: str, description: str, scopes: dict[str, str]) -> dict[str, Any]:
    endpoint = f"{issuer}/protocol/openid-connect"
    code = {"authorizationUrl": f"{endpoint}/auth", "tokenUrl": f"{endpoint}/token", "scopes": scopes}
    return {"type": "oauth2", "description": description, "flows": {"authorizationCode": code}}


_TENANTED_ERRORS: Final = (InvalidTenant, TenantReset, NotReady, DatabaseUnavailable)
"""What any route that opens a tenant may answer: a bad ``X-Sandbox-Tenant``, a tenant reset or
deleted meanwhile, the template not ready yet, the database unreachable."""


def _document_errors(operation: dict[str, Any], errors: Sequence[type[SandboxError]]) -> None:
    """Add ``errors`` to an operation's documented answers, in the body its other errors have (the one
    error shape, or the FHIR facade's OperationOutcome), naming each code once."""
    responses = operation.setdefault("responses", {})
    error_content = next(
        (a["content"] for status, a in responses.items() if status[0] in "45" and a.get("content")),
        {"application/json": {"schema": {"$ref": _ERROR_REF}}},
    )
    for error in errors:
        answer = responses.setdefault(str(error.status), {"description": "", "content": error_content})
        answer.setdefault("content", error_content)
        codes = [c for c in answer["description"].split(", ") if c]
        if error.code not in answer["description"]:
            answer["description"] = ", ".join([*codes, error.code])


def _openapi_with_security(
    app: FastAPI, routers: Sequence[APIRouter], login: _DocsLogin
) -> Callable[[], dict[str, Any]]:
    """Document the tenant header and the security schemes on the routes whose dependencies read them:
    a bearer token, or the login of the issuer whose tokens the route takes."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {})
        _validation_errors_as_sent(schema)  # first: the errors added below take the 422's body
        for route in _api_routes(routers):
            if not route.include_in_schema:
                continue
            secured = _uses(route.dependant, get_actor)
            if not (secured or _uses(route.dependant, get_tenant)):
                continue
            for method in route.methods or ():
                operation = schema["paths"][route.path_format][method.lower()]
                operation.setdefault("parameters", []).append(_TENANT_PARAMETER)
                _document_errors(operation, _TENANTED_ERRORS)
                if secured:
                    flow = PATIENT_LOGIN_SCHEME if PATIENT_TAG in route.tags else PRO_LOGIN_SCHEME
                    operation["security"] = [{BEARER_SCHEME: []}, {flow: ["openid"]}]
                    _document_errors(operation, (TokenError,))
        components.setdefault("schemas", {}).setdefault("ErrorBody", ErrorBody.model_json_schema())
        components.setdefault("securitySchemes", {}).update(login.schemes())
        app.openapi_schema = schema
        return schema

    return openapi
