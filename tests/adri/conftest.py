"""Fixtures of the ADRi tests: the seeded population's cases, tokens, the tenant clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from shared.population import Person, Population, Professional

TOKEN = "/psc/protocol/openid-connect/token"
PATIENT_TOKEN = "/psc/patients/protocol/openid-connect/token"
CI = {"client_id": "esante-ci", "client_secret": "esante-ci"}
REFERENCE_NOON = "2026-01-01T12:00:00Z"
"""Noon on the population's reference date: the day its tags (rights-open...) describe."""


@pytest.fixture(scope="session")
def persons(population: Population) -> Callable[..., Person]:
    """The first person matching ``test`` (a person -> bool), or having every tag of ``tags``."""

    def find(*tags: str, test: Callable[[Person], bool] | None = None) -> Person:
        for person in population.persons:
            if all(t in person.tags for t in tags) and (test is None or test(person)):
                return person
        raise LookupError(f"no person with {tags} in the test population")

    return find


@dataclass(frozen=True)
class Pros:
    generaliste: Professional
    other_medecin: Professional
    secretaire: Professional


@pytest.fixture(scope="session")
def pros(population: Population) -> Pros:
    medecins = [p for p in population.professionals if p.profession == "10" and "cps" in p.cards]
    return Pros(
        generaliste=medecins[0],
        other_medecin=medecins[1],
        secretaire=next(p for p in population.professionals if p.profession is None),
    )


@dataclass
class Adri:
    """Speaks to the all-in-one app in the test's tenant: tokens, clock, lookups."""

    http: httpx.AsyncClient
    tenant: str

    async def token(self, login_hint: str | None = None, card_mode: str | None = None) -> str:
        form = {"grant_type": "client_credentials", **CI}
        if login_hint is not None:
            form["login_hint"] = login_hint
        if card_mode is not None:
            form["card_mode"] = card_mode
        response = await self.http.post(TOKEN, data=form)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def pro(self, professional: Professional, card_mode: str | None = None) -> dict[str, str]:
        """Authorization headers of ``professional`` (RPPS, or IdNat for a CPE holder)."""
        token = await self.token(professional.rpps or professional.idnat, card_mode)
        return {"Authorization": f"Bearer {token}"}

    async def patient(self, person: Person) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "login_hint": person.ins, **CI}
        response = await self.http.post(PATIENT_TOKEN, data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def freeze(self, when: str = REFERENCE_NOON) -> None:
        response = await self.http.put(
            f"/sandbox/tenants/{self.tenant}/clock", json={"mode": "frozen", "now": when}
        )
        assert response.status_code == 200, response.text

    async def offset(self, seconds: int) -> None:
        response = await self.http.put(
            f"/sandbox/tenants/{self.tenant}/clock", json={"mode": "offset", "offset_seconds": seconds}
        )
        assert response.status_code == 200, response.text

    async def lookup(
        self, nir: str, headers: dict[str, str], date: str | None = None, session: str | None = None
    ) -> httpx.Response:
        params = {} if date is None else {"date": date}
        extra = {} if session is None else {"X-Apcv-Session": session}
        return await self.http.get(
            f"/adri/v1/beneficiaries/{nir}", params=params, headers={**headers, **extra}
        )

    async def by_card(self, headers: dict[str, str], **params: str | int) -> httpx.Response:
        return await self.http.get("/adri/v1/beneficiaries", params=params, headers=headers)


@pytest.fixture
def adri(client: httpx.AsyncClient, tenant_name: str) -> Adri:
    return Adri(client, tenant_name)


@pytest_asyncio.fixture
async def doctor(adri: Adri, pros: Pros) -> dict[str, str]:
    """A généraliste's CPS token, with the tenant clock frozen at noon on the reference date."""
    await adri.freeze()
    return await adri.pro(pros.generaliste)
