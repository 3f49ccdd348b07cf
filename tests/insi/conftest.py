"""Fixtures of the INSi tests: the seeded population, tokens, and a client speaking both wires."""

from __future__ import annotations

import httpx
import pytest_asyncio
from insi_wire import Insi

from shared.population import Population


@pytest_asyncio.fixture
async def insi(client: httpx.AsyncClient, population: Population) -> Insi:
    """INSi in this test's tenant, called by a CPS généraliste with the documented IDAM."""
    helper = Insi(client, population)
    await helper.login("cps")
    return helper
