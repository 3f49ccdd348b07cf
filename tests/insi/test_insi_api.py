"""The JSON operations through the all-in-one app, on the seeded population."""

from __future__ import annotations

from collections import defaultdict

import httpx
import pytest
from insi_wire import INDIVIDU, Insi, envelope, recsans, text, xml

from services.insi.app import create_app
from services.insi.config import get_insi_settings
from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST, nir_key
from shared.population import Person, Population
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER

pytestmark = pytest.mark.asyncio


def homonym_groups(population: Population) -> list[list[Person]]:
    groups: dict[tuple[str, str, str, str], list[Person]] = defaultdict(list)
    for person in population.persons:
        if "homonym" in person.tags:
            groups[(person.nom_naissance, person.prenoms[0], person.sexe, person.date_naissance)].append(
                person
            )
    return list(groups.values())


def ordinary(population: Population, *tags: str) -> Person:
    return next(
        p
        for p in population.persons
        if all(t in p.tags for t in tags) and "homonym" not in p.tags and "cnam-test" not in p.tags
    )


async def test_search_by_traits_answers_00_with_ins_traits_and_history(
    insi: Insi, population: Population
) -> None:
    person = ordinary(population, "nir", "adult")
    response = await insi.traits_of(person)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "code_cr": "00",
        "libelle_cr": "OK",
        "individu": {
            "ins": {"matricule": person.ins, "oid": OID_INS_NIR},
            "historique": [],
            "traits": {
                "nom_naissance": person.nom_naissance,
                "prenom": person.prenoms[0],
                "liste_prenom": " ".join(person.prenoms),
                "sexe": person.sexe,
                "date_naissance": person.date_naissance,
                "lieu_naissance": person.lieu_naissance,
            },
        },
    }
    assert len(body["individu"]["ins"]["matricule"]) == 15


async def test_spelling_of_the_request_does_not_matter(insi: Insi, population: Population) -> None:
    person = next(p for p in population.persons if "-" in p.prenoms[0] and "homonym" not in p.tags)
    response = await insi.traits(
        person.nom_naissance.lower(),
        [person.prenoms[0].replace("-", " ").title()],
        person.sexe.lower(),
        person.date_naissance,
    )
    assert response.json()["individu"]["ins"]["matricule"] == person.ins


async def test_an_unknown_person_answers_01(insi: Insi) -> None:
    response = await insi.traits("INCONNU", ["PERSONNE"], "F", "1950-05-05")
    assert response.status_code == 200
    assert response.json() == {"code_cr": "01", "libelle_cr": "Aucune identite trouvee", "individu": None}


async def test_a_wrong_trait_answers_01(insi: Insi, population: Population) -> None:
    person = ordinary(population, "nir", "adult")
    other_sexe = "M" if person.sexe == "F" else "F"
    assert (
        await insi.traits(person.nom_naissance, person.prenoms[:1], other_sexe, person.date_naissance)
    ).json()["code_cr"] == "01"


async def test_homonym_groups_answer_02_then_00_once_disambiguated(
    insi: Insi, population: Population
) -> None:
    groups = homonym_groups(population)
    assert {len(g) for g in groups} == {2, 3}
    for group in groups:
        first = group[0]
        response = await insi.traits_of(first)
        assert response.json() == {
            "code_cr": "02",
            "libelle_cr": "Plusieurs identites trouvees",
            "individu": None,
        }
        for person in group:
            same_prenoms = [p for p in group if p.prenoms == person.prenoms]
            every = (await insi.traits_of(person, every=True)).json()
            assert every["code_cr"] == ("00" if len(same_prenoms) == 1 else "02")
            with_place = (await insi.traits_of(person, every=True, lieu=True)).json()
            assert with_place["code_cr"] == "00"
            assert with_place["individu"]["ins"]["matricule"] == person.ins


async def test_nia_identities_answer_the_nia_oid(insi: Insi, population: Population) -> None:
    person = ordinary(population, "nia")
    body = (await insi.traits_of(person)).json()
    assert body["individu"]["ins"] == {"matricule": person.ins, "oid": OID_INS_NIA}


async def test_partial_birth_dates_are_searched_as_registered(insi: Insi, population: Population) -> None:
    person = ordinary(population, "partial-birth-date")
    assert (await insi.traits_of(person)).json()["individu"]["traits"][
        "date_naissance"
    ] == person.date_naissance


async def test_search_by_vitale_with_the_ouvrant_droit_and_rang(insi: Insi, population: Population) -> None:
    twin = next(p for p in population.persons if p.twin_of and p.ouvrant_droit_id not in (None, p.id))
    other = population.person(twin.twin_of or "")
    ouvrant = population.person(twin.ouvrant_droit_id or "")
    assert other is not None
    assert ouvrant is not None
    body = {
        "matricule_od": ouvrant.ins,
        "nom_naissance": twin.nom_naissance,
        "date_naissance": twin.date_naissance,
    }
    both = (await insi.post("search-by-vitale", body)).json()
    assert both["code_cr"] == "02"
    for person in (twin, other):
        one = (await insi.post("search-by-vitale", {**body, "rang_naissance": person.rang_naissance})).json()
        assert one["code_cr"] == "00"
        assert one["individu"]["ins"]["matricule"] == person.ins


async def test_search_by_vitale_with_the_beneficiarys_matricule(insi: Insi, population: Population) -> None:
    person = ordinary(population, "nir", "adult")
    body = {"matricule_individu": person.ins, "date_naissance": person.date_naissance}
    assert (await insi.post("search-by-vitale", body)).json()["individu"]["ins"]["matricule"] == person.ins
    wrong_date = {**body, "date_naissance": "1901-01-01"}
    assert (await insi.post("search-by-vitale", wrong_date)).json()["code_cr"] == "01"


async def test_verify_a_held_ins(insi: Insi, population: Population) -> None:
    person = ordinary(population, "nir", "adult")
    held = {
        "matricule": person.ins,
        "oid": OID_INS_NIR,
        "nom_naissance": person.nom_naissance,
        "prenoms": list(person.prenoms),
        "sexe": person.sexe,
        "date_naissance": person.date_naissance,
        "lieu_naissance": person.lieu_naissance,
    }
    ok = (await insi.post("verify", held)).json()
    assert ok["code_cr"] == "00"
    assert ok["verification"] == {"conforme": True, "ins_actif": True, "ecarts": []}
    assert ok["individu"]["ins"]["matricule"] == person.ins

    changed = (await insi.post("verify", {**held, "prenoms": ["AUTRE"], "lieu_naissance": "99999"})).json()
    assert changed["code_cr"] == "00"
    assert changed["verification"]["conforme"] is False
    assert [e["trait"] for e in changed["verification"]["ecarts"]] == ["prenoms", "lieu_naissance"]
    assert changed["verification"]["ecarts"][0] == {
        "trait": "prenoms",
        "envoye": "AUTRE",
        "insi": " ".join(person.prenoms),
    }


async def test_verify_an_unknown_matricule_answers_01(insi: Insi) -> None:
    body = {
        "matricule": f"1800175056999{nir_key('1800175056999'):02d}",
        "nom_naissance": "X",
        "prenoms": ["Y"],
        "sexe": "M",
        "date_naissance": "1980-01-01",
    }
    answer = (await insi.post("verify", body)).json()
    assert answer == {
        "code_cr": "01",
        "libelle_cr": "Aucune identite trouvee",
        "individu": None,
        "verification": None,
    }


async def test_tenants_share_the_register_but_answer_alike(insi: Insi, population: Population) -> None:
    person = ordinary(population, "nir", "adult")
    first = await insi.traits_of(person)
    second = await insi.http.post(
        "/insi/v1/search-by-traits",
        json={
            "nom_naissance": person.nom_naissance,
            "prenoms": [person.prenoms[0]],
            "sexe": person.sexe,
            "date_naissance": person.date_naissance,
        },
        headers={**insi.headers(), "X-Sandbox-Tenant": f"{insi.http.headers['X-Sandbox-Tenant']}-b"},
    )
    assert second.status_code == 200
    assert second.json() == first.json()
    await insi.http.delete(f"/sandbox/tenants/{insi.http.headers['X-Sandbox-Tenant']}-b")


@pytest.mark.parametrize(
    ("mode", "nir_oid"),
    [("test", OID_INS_NIR_TEST), ("demo", OID_INS_NIR_DEMO), ("qualification", OID_INS_NIR)],
)
async def test_the_oid_mode_setting(
    runtime: Runtime, insi: Insi, tenant_name: str, monkeypatch: pytest.MonkeyPatch, mode: str, nir_oid: str
) -> None:
    monkeypatch.setenv("ESANTE_INSI_OID_MODE", mode)
    get_insi_settings.cache_clear()
    try:
        app = create_app(runtime)
    finally:
        get_insi_settings.cache_clear()
    headers = {TENANT_HEADER: tenant_name, **insi.headers()}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        ecetinsi = {
            "nom_naissance": "ECETINSI",
            "prenoms": ["PIERRE-ALAIN"],
            "sexe": "M",
            "date_naissance": "2009-07-14",
        }
        body = (await http.post("/v1/search-by-traits", json=ecetinsi)).json()
        assert body["individu"]["ins"]["oid"] == nir_oid
        assert {h["oid"] for h in body["individu"]["historique"]} == {nir_oid}
        nia = {
            "nom_naissance": "PROVISOIRE",
            "prenoms": ["MATRICULE"],
            "sexe": "M",
            "date_naissance": "2009-07-01",
        }
        assert (await http.post("/v1/search-by-traits", json=nia)).json()["individu"]["ins"][
            "oid"
        ] == OID_INS_NIA
        soap = await http.post(
            "/soap",
            content=envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")),
            headers={"Content-Type": "application/soap+xml"},
        )
        assert text(xml(soap), f"{INDIVIDU}/r:INSACTIF/r:OID") == nir_oid
