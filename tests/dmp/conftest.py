"""Fixtures of the DMP tests (helpers live in ``dmp_helpers.py``)."""

from __future__ import annotations

import httpx
import pytest
from dmp_helpers import Cases, Dmp

from shared.population import Population, generate_population
from shared.runtime import Runtime


@pytest.fixture(scope="session")
def population(runtime: Runtime) -> Population:
    settings = runtime.settings
    return generate_population(
        seed=settings.seed, persons=settings.persons, reference_date=settings.reference_date
    )


@pytest.fixture(scope="session")
def cases(population: Population) -> Cases:
    return Cases(population)


@pytest.fixture
def dmp(client: httpx.AsyncClient, tenant_name: str) -> Dmp:
    return Dmp(client, tenant_name)
