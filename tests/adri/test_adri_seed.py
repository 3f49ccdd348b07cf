"""ADRi's seeded tables hold exactly the population's rights."""

from __future__ import annotations

from sqlalchemy import func, select

from services.adri.models import (
    AdriBeneficiary,
    AdriCss,
    AdriExoneration,
    AdriRightsPeriod,
)
from shared.population import Population
from shared.runtime import Runtime


def _count(runtime: Runtime, tenant_name: str, model: type) -> int:
    with runtime.tenants.get(tenant_name).reading() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_every_person_with_rights_and_only_them(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    with runtime.tenants.get(tenant_name).reading() as conn:
        seeded = set(conn.execute(select(AdriBeneficiary.matricule)).scalars())
    assert seeded == {p.ins for p in population.persons if p.rights is not None}
    assert not seeded & {p.ins for p in population.persons if "unknown-to-adri" in p.tags}


def test_rights_rows_match_the_population(runtime: Runtime, tenant_name: str, population: Population) -> None:
    rights = [p.rights for p in population.persons if p.rights is not None]
    assert _count(runtime, tenant_name, AdriRightsPeriod) == sum(len(r.periods) for r in rights)
    exonerations = sum(len(r.ald) + (r.maternite is not None) + (r.invalidite is not None) for r in rights)
    assert _count(runtime, tenant_name, AdriExoneration) == exonerations
    assert _count(runtime, tenant_name, AdriCss) == sum(r.css is not None for r in rights)


def test_ayants_droit_point_at_their_ouvrant_droit(
    runtime: Runtime, tenant_name: str, population: Population
) -> None:
    with runtime.tenants.get(tenant_name).reading() as conn:
        links = {
            m: o for m, o in conn.execute(select(AdriBeneficiary.matricule, AdriBeneficiary.ouvrant_droit))
        }
        ranks = {
            m: r for m, r in conn.execute(select(AdriBeneficiary.matricule, AdriBeneficiary.rang_naissance))
        }
    children = [p for p in population.persons if "child-on-parent-rights" in p.tags]
    assert children
    for child in children:
        parent = population.person(child.ouvrant_droit_id or "")
        assert parent is not None
        assert links[child.ins] == parent.ins
        assert links[parent.ins] == parent.ins
    assert 2 in ranks.values()
