"""The pytest plugin of the sandbox: a seeded template built once, a fresh tenant per test.

Activated by ``pytest_plugins = ["shared.testing"]`` in the root conftest. The suite runs on SQLite
by default and on PostgreSQL when ``ESANTE_TEST_DATABASE_URL`` is set (``make test`` runs both).
Editors can use the same fixtures in their own suites.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from shared.config import SandboxSettings
from shared.db import PostgresStorage, Storage, make_storage
from shared.population import Person, Population, Professional, generate_population
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER
from shared.testing.conformance import SpecConformance
from shared.testing.oidc import Oidc, People

TEST_PERSONS = 300
_tenant_numbers = itertools.count(1)


def postgres_test_url(prefix: str = "esante_t") -> str | None:
    """The PostgreSQL URL of this test process (database names of its own), or None for SQLite."""
    url = os.environ.get("ESANTE_TEST_DATABASE_URL")
    if not url:
        return None
    from sqlalchemy import make_url

    return make_url(url).set(database=f"{prefix}{os.getpid()}").render_as_string(hide_password=False)


@contextmanager
def scratch_storage(tmp_path: Path, prefix: str) -> Iterator[Storage]:
    """A storage apart from the suite's (SQLite under ``tmp_path`` or PostgreSQL), removed afterwards."""
    storage = make_storage(postgres_test_url(prefix), tmp_path)
    try:
        yield storage
    finally:
        if isinstance(storage, PostgresStorage):
            storage.drop_everything()


@pytest.fixture(scope="session")
def sandbox_settings(tmp_path_factory: pytest.TempPathFactory) -> SandboxSettings:
    data_dir: Path = tmp_path_factory.mktemp("esante-data")
    return SandboxSettings(
        data_dir=data_dir,
        database_url=postgres_test_url(),
        persons=TEST_PERSONS,
        seed=1,
        public_url="http://testserver",
        # no SMTP listener when a test runs the root app's lifespan (schemathesis does): the SMTP tests
        # start their own on free ports, and 2525 may belong to another sandbox on the machine
        smtp_port=0,
        smtps_port=0,
    )


@pytest.fixture(scope="session")
def runtime(sandbox_settings: SandboxSettings) -> Iterator[Runtime]:
    from services.sandbox.provisioning import prepare

    rt = Runtime(sandbox_settings)
    prepare(rt)
    yield rt
    rt.tenants.forget_all()
    if isinstance(rt.storage, PostgresStorage):
        rt.storage.drop_everything()


@pytest.fixture(scope="session")
def root_app(runtime: Runtime) -> FastAPI:
    from services.sandbox.composition import build_root_app

    return build_root_app(runtime, prepare_on_start=False)


@pytest.fixture
def tenant_name(runtime: Runtime) -> Iterator[str]:
    """A tenant of its own for this test, dropped afterwards."""
    name = f"test-{os.getpid()}-{next(_tenant_numbers)}"
    yield name
    if runtime.storage.tenant_exists(name):
        runtime.tenants.delete(name)


@pytest.fixture(scope="session")
def conformance() -> SpecConformance:
    from services.sandbox.openapi_export import service_specs

    return SpecConformance(service_specs())


@pytest_asyncio.fixture
async def client(
    root_app: FastAPI, tenant_name: str, conformance: SpecConformance
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the all-in-one app, in this test's own tenant; every answer it receives must be
    one its operation's spec declares (``shared.testing.conformance``)."""
    transport = httpx.ASGITransport(app=root_app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={TENANT_HEADER: tenant_name},
        event_hooks={"response": [conformance.check]},
    ) as http:
        yield http


@pytest.fixture(scope="session")
def population(runtime: Runtime) -> Population:
    settings = runtime.settings
    return generate_population(
        seed=settings.seed, persons=settings.persons, reference_date=settings.reference_date
    )


@pytest.fixture(scope="session")
def people(population: Population) -> People:
    pros = population.professionals

    def professional(test: Any) -> Professional:
        return next(p for p in pros if test(p))

    def person(status: str) -> Person:
        return next(p for p in population.persons if p.mes_status == status)

    return People(
        generaliste=professional(lambda p: p.savoir_faire == "SM26" and not p.regulation),
        specialiste=professional(
            lambda p: p.profession == "10" and p.savoir_faire not in (None, "SM26", "SM59")
        ),
        pharmacien=professional(lambda p: p.profession == "21"),
        regulateur=professional(lambda p: p.regulation),
        secretaire=professional(lambda p: p.profession is None),
        activated=person("activated"),
        opposed=person("opposed"),
        open_account=person("open"),
    )


@pytest.fixture
def oidc(client: httpx.AsyncClient, tenant_name: str, runtime: Runtime) -> Oidc:
    assert client.headers[TENANT_HEADER] == tenant_name
    return Oidc(client, tenant_name, runtime)
