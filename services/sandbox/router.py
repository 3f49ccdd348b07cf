"""Sandbox routes: tenants, their clocks, and the population's test cases."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.sandbox import repository
from services.sandbox.schemas import ClockRead, ClockUpdate, Page, TagCount, TagList, TenantList, TenantRead
from shared.app import StrictJsonRoute
from shared.clock import ClockSetting
from shared.dependencies import TenantDep
from shared.errors import error_responses
from shared.runtime import Runtime
from shared.tenancy import InvalidTenant
from shared.tenants import Tenant, UnknownTenant

TagQuery = Annotated[
    list[str] | None, Query(description="Keep records having every tag given", max_length=20)
]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def _clock_read(tenant: Tenant) -> ClockRead:
    setting = tenant.clock.setting()
    return ClockRead(
        tenant=tenant.name,
        mode=setting.mode,
        now=setting.now(),
        frozen_at=setting.frozen_at,
        offset_seconds=setting.offset_seconds,
    )


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(route_class=StrictJsonRoute)
    tenants = runtime.tenants

    @router.get("/tenants", response_model=TenantList, tags=["tenants"])
    async def list_tenants() -> TenantList:
        """Every tenant that exists."""
        runtime.check_ready()
        return TenantList(tenants=[TenantRead(name=n) for n in tenants.names()])

    @router.post(
        "/tenants/{name}/reset",
        response_model=TenantRead,
        tags=["tenants"],
        responses=error_responses(InvalidTenant),
    )
    async def reset_tenant(name: str) -> TenantRead:
        """Put a tenant back to the seeded state (data and clock); creates it when it did not exist."""
        runtime.check_ready()
        return TenantRead(name=tenants.reset(name).name)

    @router.delete(
        "/tenants/{name}",
        status_code=204,
        tags=["tenants"],
        responses=error_responses(InvalidTenant, UnknownTenant),
    )
    async def delete_tenant(name: str) -> Response:
        """Drop a tenant and its data; using its name again creates it afresh."""
        runtime.check_ready()
        tenants.delete(name)
        return Response(status_code=204)

    @router.get(
        "/tenants/{name}/clock",
        response_model=ClockRead,
        tags=["clock"],
        responses=error_responses(InvalidTenant),
    )
    async def get_clock(name: str) -> ClockRead:
        """The tenant's clock and its current time."""
        runtime.check_ready()
        return _clock_read(tenants.get(name))

    @router.put(
        "/tenants/{name}/clock",
        response_model=ClockRead,
        tags=["clock"],
        responses=error_responses(InvalidTenant),
    )
    async def set_clock(name: str, body: ClockUpdate) -> ClockRead:
        """Set the tenant's clock: every time-dependent rule of every service reads it."""
        runtime.check_ready()
        setting = ClockSetting.from_request(body.mode, body.now, body.offset_seconds)
        tenant = tenants.get(name)
        tenant.clock.set(setting)
        # Other processes cache the clock this long: once we answer, every process sees the change.
        await asyncio.sleep(runtime.clock_propagation_seconds)
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

    return router
