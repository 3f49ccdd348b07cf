"""The sandbox service app (tenants, clock, population) and the all-in-one composition."""

from __future__ import annotations

from fastapi import FastAPI

from services.sandbox.router import router
from shared.app import create_service_app
from shared.runtime import Runtime


def create_app(runtime: Runtime) -> FastAPI:
    return create_service_app(
        name="sandbox",
        title="esante-sandbox control",
        description="Tenants, their clocks, and the synthetic population's test cases.",
        runtime=runtime,
        routers=[router],
    )
