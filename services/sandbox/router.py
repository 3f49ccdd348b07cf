"""Sandbox routes: tenants, their clocks, and the population's test cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from services.sandbox import repository
from services.sandbox.schemas import ClockRead, ClockUpdate, Page, TagCount, TagList, TenantList, TenantRead
from shared.app import StrictJsonRoute
from shared.clock import ClockSetting
from shared.db import BIGINT_MAX
from shared.dependencies import RuntimeDep, TenantDep
from shared.errors import DatabaseUnavailable, error_responses
from shared.tenancy import InvalidTenant
from shared.tenants import DefaultTenant, Tenant, TenantReset, UnknownTenant

TagQuery = Annotated[
    list[str] | None, Query(description="Keep records having every tag given", max_length=20)
]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=BIGINT_MAX)]


_DATABASE = (DatabaseUnavailable,)
router = APIRouter(route_class=StrictJsonRoute)


def _clock_read(tenant: Tenant) -> ClockRead:
    setting = tenant.clock.setting()
    return ClockRead(
        tenant=tenant.name,
        mode=setting.mode,
        now=setting.now(),
        frozen_at=setting.frozen_at,
        offset_seconds=setting.offset_seconds,
    )


@router.get("/tenants", response_model=TenantList, tags=["tenants"], responses=error_responses(*_DATABASE))
async def list_tenants(runtime: RuntimeDep) -> TenantList:
    """Every tenant that exists."""
    runtime.check_ready()
    return TenantList(tenants=[TenantRead(name=n) for n in runtime.tenants.names()])


@router.put(
    "/tenants/{name}",
    response_model=TenantRead,
    status_code=201,
    tags=["tenants"],
    responses={
        200: {"model": TenantRead, "description": "The tenant existed already (nothing changed)"},
        **error_responses(InvalidTenant, *_DATABASE),
    },
)
async def create_tenant(name: str, runtime: RuntimeDep) -> JSONResponse:
    """Create a tenant, a copy of the seeded world: 201 when created, 200 when it existed (idempotent)."""
    runtime.check_ready()
    created = runtime.tenants.create(name)
    return JSONResponse(TenantRead(name=name).model_dump(), status_code=201 if created else 200)


@router.post(
    "/tenants/{name}/reset",
    response_model=TenantRead,
    tags=["tenants"],
    responses=error_responses(InvalidTenant, UnknownTenant, *_DATABASE),
)
async def reset_tenant(name: str, runtime: RuntimeDep) -> TenantRead:
    """Put an existing tenant back to the seeded state (data and clock). A request still running in
    it completes on the old state or answers 409 `tenant-reset`."""
    runtime.check_ready()
    return TenantRead(name=runtime.tenants.reset(name).name)


@router.delete(
    "/tenants/{name}",
    status_code=204,
    tags=["tenants"],
    responses=error_responses(InvalidTenant, UnknownTenant, DefaultTenant, *_DATABASE),
)
async def delete_tenant(name: str, runtime: RuntimeDep) -> Response:
    """Drop a tenant and its data (not `default`: reset it); using its name again creates it afresh."""
    runtime.check_ready()
    runtime.tenants.delete(name)
    return Response(status_code=204)


@router.get(
    "/tenants/{name}/clock",
    response_model=ClockRead,
    tags=["clock"],
    responses=error_responses(InvalidTenant, TenantReset, *_DATABASE),
)
async def get_clock(name: str, runtime: RuntimeDep) -> ClockRead:
    """The tenant's clock and its current time."""
    runtime.check_ready()
    return _clock_read(runtime.tenants.get(name))


@router.put(
    "/tenants/{name}/clock",
    response_model=ClockRead,
    tags=["clock"],
    responses=error_responses(InvalidTenant, TenantReset, *_DATABASE),
)
async def set_clock(name: str, body: ClockUpdate, runtime: RuntimeDep) -> ClockRead:
    """Set the tenant's clock: every time-dependent rule of every service, in every process, reads it
    from the next request on."""
    runtime.check_ready()
    setting = ClockSetting.from_request(body.mode, body.now, body.offset_seconds)
    tenant = runtime.tenants.get(name)
    tenant.clock.set(setting)
    return _clock_read(tenant)


@router.get("/population/persons", response_model=Page, tags=["population"])
async def find_persons(
    tenant: TenantDep, tag: TagQuery = None, limit: Limit = 50, offset: Offset = 0
) -> Page:
    """Seeded persons carrying every given tag (e.g. `mes-activated`, `homonym`, `cnam-test`)."""
    with tenant.reading() as conn:
        total, items = repository.find_persons(conn, tag or [], limit, offset)
    return Page(total=total, limit=limit, offset=offset, items=items)


@router.get("/population/professionals", response_model=Page, tags=["population"])
async def find_professionals(
    tenant: TenantDep,
    profession: Annotated[str | None, Query(description="TRE_G15 code, e.g. 10 médecin")] = None,
    tag: TagQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page:
    """Seeded professionals by profession and tags (e.g. `centre-15`, `cpe`, `pharmacien`)."""
    with tenant.reading() as conn:
        total, items = repository.find_professionals(conn, profession, tag or [], limit, offset)
    return Page(total=total, limit=limit, offset=offset, items=items)


@router.get("/population/tags", response_model=TagList, tags=["population"])
async def list_tags(tenant: TenantDep) -> TagList:
    """Every tag in use, with how many records carry it."""
    with tenant.reading() as conn:
        persons = repository.known_tags(conn, "person")
        professionals = repository.known_tags(conn, "professional")
    return TagList(
        persons=[TagCount(tag=t, count=n) for t, n in persons],
        professionals=[TagCount(tag=t, count=n) for t, n in professionals],
    )
