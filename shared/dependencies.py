"""FastAPI dependencies every service uses: the runtime, the request's tenant, the caller.

Each is one `async def` reading the request directly. A plain `def` dependency runs in FastAPI's
thread pool, and every nested dependency or `Header()` parameter is solved again on each request:
on this machine either costs more than a whole bare route. The tenant header and the bearer scheme
are documented in the OpenAPI document by `shared.app` instead (see `document_security`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.auth import Actor, bearer_token
from shared.clock import begin_request
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER
from shared.tenants import Tenant

_TENANT_HEADER = TENANT_HEADER.lower()
_SCOPE_TENANT = "esante.tenant"
REQUEST_EPOCH = "esante.tenants_epoch"
"""The tenants' epoch when the request reached its service (``TenantEpoch``)."""


def request_tenant(request: Request, name: str | None = None) -> Tenant:
    """The tenant named by ``X-Sandbox-Tenant`` (default ``default``), or ``name`` when the route
    names it (INSi's ``/soap/{tenant}``), created on first use."""
    scope = request.scope
    tenant: Tenant | None = scope.get(_SCOPE_TENANT)
    if tenant is not None:  # asked already while serving this request (by ``get_actor``, say)
        return tenant
    runtime: Runtime = request.app.state.runtime
    runtime.check_ready()
    begin_request(scope.setdefault("esante.clock_memo", {}))
    name = name or request.headers.get(_TENANT_HEADER, DEFAULT_TENANT)
    tenant = scope[_SCOPE_TENANT] = runtime.tenants.get(name, since=scope.get(REQUEST_EPOCH))
    return tenant


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime (settings, tenants, clients), as the service app holds it."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_tenant(request: Request) -> Tenant:
    return request_tenant(request)


async def get_actor(request: Request) -> Actor:
    """The verified caller; 401 with a stable code when the token is missing or not valid."""
    tenant = request_tenant(request)
    runtime: Runtime = request.app.state.runtime
    token = bearer_token(request.headers.get("authorization"))
    return await runtime.verifier.verify(token, tenant.clock.now())


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
TenantDep = Annotated[Tenant, Depends(get_tenant)]
ActorDep = Annotated[Actor, Depends(get_actor)]
