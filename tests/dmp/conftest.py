"""Fixtures of the DMP tests (helpers live in ``dmp_helpers.py``)."""

from __future__ import annotations

import httpx
import pytest
from dmp_helpers import Cases, Dmp

from shared.population import Population
from shared.testing.oidc import Oidc


@pytest.fixture(scope="session")
def cases(population: Population) -> Cases:
    return Cases(population)


@pytest.fixture
def dmp(client: httpx.AsyncClient, tenant_name: str, oidc: Oidc) -> Dmp:
    return Dmp(client, tenant_name, oidc)
