"""Wire models of the sandbox service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.clock import ClockMode


class TenantRead(BaseModel):
    name: str = Field(examples=["ci-job-42"])


class TenantList(BaseModel):
    tenants: list[TenantRead]


class ClockUpdate(BaseModel):
    """Set a tenant's clock: ``real``; ``frozen`` at ``now``; or ``offset`` by seconds or to ``now``."""

    mode: ClockMode = Field(examples=["frozen"])
    now: datetime | None = Field(default=None, examples=["2026-03-01T09:00:00Z"])
    offset_seconds: int | None = Field(default=None, examples=[86400], ge=-(10**10), le=10**10)

    model_config = {"json_schema_extra": {"examples": [{"mode": "frozen", "now": "2026-03-01T09:00:00Z"}]}}


class ClockRead(BaseModel):
    tenant: str
    mode: ClockMode
    now: datetime = Field(description="The tenant's current time")
    frozen_at: datetime | None = None
    offset_seconds: int = 0


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class TagCount(BaseModel):
    tag: str
    count: int


class TagList(BaseModel):
    persons: list[TagCount]
    professionals: list[TagCount]
