"""What a service declares so that the composition root can mount, migrate and seed it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Connection

from shared.config import SandboxSettings
from shared.population import Population
from shared.runtime import Runtime

Seeder = Callable[[Connection, Population, SandboxSettings], None]


@dataclass(frozen=True)
class ServiceSpec:
    """A service: its name (also its URL prefix), how to build its app, how to seed its tables."""

    name: str
    title: str
    create_app: Callable[[Runtime], FastAPI]
    seed: Seeder | None = None
    on_startup: Callable[[Runtime], None] | None = None
    serving: Callable[[Runtime], AbstractContextManager[None]] | None = None
    """What runs beside the HTTP app while the process serves it (MSSanté's SMTP listener): entered when
    the served app starts, left when it stops; never entered by the test suite's in-process app."""
