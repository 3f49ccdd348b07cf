"""Fixtures of the e-prescription tests (helpers live in ``erx_helpers.py``)."""

from __future__ import annotations

import httpx
import pytest
from erx_helpers import Cases, Erx

from shared.population import Population
from shared.testing.oidc import Oidc


@pytest.fixture(scope="session")
def cases(population: Population) -> Cases:
    return Cases(population)


@pytest.fixture
def erx(client: httpx.AsyncClient, tenant_name: str, oidc: Oidc) -> Erx:
    return Erx(client, tenant_name, oidc)
