"""ADRi's queries that carry a rule: a session is marked invoiced once, and only while open."""

from __future__ import annotations

from services.adri import repository
from services.adri.apcv import expiry
from services.adri.records import ApcvSession
from shared.population import Population
from shared.runtime import Runtime

OPENED = 1_767_268_800


def _open(runtime: Runtime, tenant_name: str, population: Population, session_id: str) -> None:
    person = next(p for p in population.persons if p.rights is not None)
    session = ApcvSession(session_id, person.ins, "899700000018", "cps", OPENED, expiry(OPENED), None)
    with runtime.tenants.get(tenant_name).unit_of_work() as conn:
        repository.insert_session(conn, session)


def test_marked_invoiced_once(runtime: Runtime, tenant_name: str, population: Population) -> None:
    _open(runtime, tenant_name, population, "s1")
    tenant = runtime.tenants.get(tenant_name)
    with tenant.unit_of_work() as conn:
        assert repository.mark_invoiced(conn, "s1", OPENED + 60)
    with tenant.unit_of_work() as conn:
        assert not repository.mark_invoiced(conn, "s1", OPENED + 61)
    with tenant.reading() as conn:
        found = repository.get_session(conn, "s1")
    assert found is not None
    assert found.invoiced_at == OPENED + 60


def test_not_marked_once_expired(runtime: Runtime, tenant_name: str, population: Population) -> None:
    _open(runtime, tenant_name, population, "s2")
    with runtime.tenants.get(tenant_name).unit_of_work() as conn:
        assert not repository.mark_invoiced(conn, "s2", expiry(OPENED))
        assert repository.mark_invoiced(conn, "s2", expiry(OPENED) - 1)
