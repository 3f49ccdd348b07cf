"""The register seeded from the population: every person, their keys and history, shared by tenants."""

from __future__ import annotations

import pytest

from services.insi.register import register_for
from services.insi.traits import normalise
from shared.population import Population
from shared.runtime import Runtime


@pytest.fixture
def register(runtime: Runtime, tenant_name: str):
    return register_for(runtime.tenants.get(tenant_name))


def test_every_person_is_in_the_register_with_their_traits(register, population: Population) -> None:
    assert register.size == len(population.persons)
    for person in population.persons:
        identity = register.by_matricule(person.ins[:13])
        assert identity is not None
        assert (identity.matricule, identity.oid, identity.kind) == (person.ins, person.oid, person.ins_kind)
        assert (identity.nom_naissance, identity.prenoms, identity.sexe) == (
            person.nom_naissance,
            person.prenoms,
            person.sexe,
        )
        assert (identity.date_naissance, identity.lieu_naissance) == (
            person.date_naissance,
            person.lieu_naissance,
        )
        assert (identity.nom_cle, identity.prenoms_cle) == (
            normalise(person.nom_naissance),
            normalise(" ".join(person.prenoms)),
        )
        assert [e.matricule for e in identity.historique] == [e.matricule for e in person.ins_history]
        assert identity.comportement == person.insi_behaviour


def test_the_carte_vitale_links_follow_the_ouvrant_droit(register, population: Population) -> None:
    for person in population.persons:
        identity = register.by_matricule(person.ins[:13])
        ouvrant = population.person(person.ouvrant_droit_id) if person.ouvrant_droit_id else None
        assert identity.matricule_od == (None if ouvrant is None else ouvrant.ins)
        assert identity.rang_naissance == person.rang_naissance
        if ouvrant is not None:
            assert identity in register.by_ouvrant_droit(ouvrant.ins[:13])


def test_tenants_of_one_template_share_one_register(runtime: Runtime, tenant_name: str, register) -> None:
    other = f"{tenant_name}-x"
    try:
        assert register_for(runtime.tenants.get(other)) is register
    finally:
        runtime.tenants.delete(other)
