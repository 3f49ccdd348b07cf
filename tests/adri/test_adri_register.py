"""The in-memory register: one per tenant object, read once, never stale across a reset."""

from __future__ import annotations

from services.adri.register import register_of
from shared.population import Population
from shared.runtime import Runtime


def test_one_register_per_tenant_and_a_new_one_after_reset(runtime: Runtime, tenant_name: str) -> None:
    tenant = runtime.tenants.get(tenant_name)
    first = register_of(tenant, 10)
    assert register_of(tenant, 10) is first
    reset = runtime.tenants.reset(tenant_name)
    assert register_of(reset, 10) is not first


def test_found_beneficiaries_are_kept_unknown_ones_are_not(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    register = register_of(runtime.tenants.get(tenant_name), 10)
    known = next(p for p in population.persons if p.rights is not None)
    unknown = next(p for p in population.persons if p.rights is None)
    found = register.beneficiary(known.ins)
    assert found is not None
    assert register.beneficiary(known.ins) is found
    assert register.beneficiary(unknown.ins) is None


def test_household_of_an_ayant_droit_is_empty(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    register = register_of(runtime.tenants.get(tenant_name), 10)
    child = next(p for p in population.persons if "child-on-parent-rights" in p.tags)
    parent = population.person(child.ouvrant_droit_id or "")
    assert parent is not None
    assert register.household(child.ins) == ()
    members = register.household(parent.ins)
    assert members[0].matricule == parent.ins
    assert child.ins in {m.matricule for m in members[1:]}


def test_the_cache_is_bounded(runtime: Runtime, tenant_name: str, population: Population) -> None:
    register = register_of(runtime.tenants.get(tenant_name), 2)
    kept = [p.ins for p in population.persons if p.rights is not None][:3]
    found = [register.beneficiary(m) for m in kept]
    assert all(found)
    assert register.beneficiary(kept[2]) is found[2]
    assert register.beneficiary(kept[0]) is not found[0]
    assert register.beneficiary(kept[0]) == found[0]


def test_size_zero_keeps_nothing_and_still_answers(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    """``ESANTE_ADRI_REGISTER_CACHE_SIZE=0``: each lookup reads the tables (the bench's comparison)."""
    register = register_of(runtime.tenants.get(tenant_name), 0)
    known = next(p for p in population.persons if p.rights is not None)
    found = register.beneficiary(known.ins)
    assert found is not None
    again = register.beneficiary(known.ins)
    assert again == found
    assert again is not found  # read again, not kept
