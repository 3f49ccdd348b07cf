"""The one error shape of the sandbox: ``{"error": code, "detail": text, "rule": rule id}``.

Below the routers, code raises a ``SandboxError`` subclass; one handler renders it. Protocols with
their own vocabulary (SOAP faults, SMTP replies, FHIR OperationOutcome) translate at their edge.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="Stable machine-readable code", examples=["tenant-invalid"])
    detail: str = Field(description="What went wrong, for a person")
    rule: str | None = Field(default=None, description="Id of the rule that refused, when a rule decided")


class SandboxError(Exception):
    """Base of every error raised below the routers; subclasses fix ``status`` and ``code``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, rule: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        if code is not None:
            self.code = code  # type: ignore[misc]

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, "rule": self.rule}


class InvalidInput(SandboxError):
    status = 400
    code = "invalid-input"


class Unauthenticated(SandboxError):
    status = 401
    code = "unauthenticated"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012


class Forbidden(SandboxError):
    status = 403
    code = "forbidden"


class NotFound(SandboxError):
    status = 404
    code = "not-found"


class Conflict(SandboxError):
    status = 409
    code = "conflict"


class NotReady(SandboxError):
    status = 503
    code = "not-ready"


class DatabaseUnavailable(SandboxError):
    """The database cannot be reached: PostgreSQL stopped or restarting, a connection dropped."""

    status = 503
    code = "database-unavailable"
    headers = {"Retry-After": "1"}  # noqa: RUF012

    @classmethod
    def of(cls, exc: Exception) -> DatabaseUnavailable:
        cause = getattr(exc, "orig", None) or exc
        return cls(
            f"the database cannot be reached ({type(cause).__name__}); try again shortly",
            rule="database-available",
        )


UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
"""What SQLAlchemy raises when the database is down, restarting or gone: refused or dropped
connections, the server shutting down, a pool waiting too long; on SQLite, a file that was removed."""


def rules_cell(rules: str) -> str:
    """The rule ids of an error table (``"a | b"``) as code spans separated by commas: a pipe inside a
    table cell, even in a code span, would split the row (GitHub-flavoured Markdown)."""
    return ", ".join(f"`{rule.strip()}`" for rule in rules.split("|") if rule.strip())


def table_row(*cells: object) -> str:
    """A Markdown table row, each cell's pipes escaped."""
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


def error_response(status: int, code: str, detail: str, rule: str | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, "rule": rule}, status_code=status)


def error_responses(*errors: type[SandboxError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: documents each error's status with the common body."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        entry = out.setdefault(err.status, {"model": ErrorBody, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], err.code]))
    return out


async def _sandbox_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SandboxError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        problems.append(f"{where}: {err.get('msg')}")
    return error_response(422, "validation-error", "; ".join(problems) or "invalid request")


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, f"http-{exc.status_code}")
    return JSONResponse(
        {"error": code, "detail": str(exc.detail), "rule": None},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database error that escaped the tenant's connection modes (which translate their own)."""
    return await _sandbox_error(request, DatabaseUnavailable.of(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SandboxError, _sandbox_error)
    for unreachable in UNREACHABLE:
        app.add_exception_handler(unreachable, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
