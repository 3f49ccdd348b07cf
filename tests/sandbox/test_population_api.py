"""Finding test cases: persons and professionals by tag and profession."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.asyncio

PERSON_FIELDS = {"ins", "nir", "nom_naissance", "prenoms", "sexe", "date_naissance", "lieu_naissance", "tags"}
PROFESSIONAL_FIELDS = {"rpps", "idnat", "profession", "savoir_faire", "structure", "mssante", "tags"}


async def test_persons_carry_the_api_field_names(client: httpx.AsyncClient) -> None:
    page = (await client.get("/sandbox/population/persons", params={"limit": 5})).json()
    assert page["total"] > 300
    assert len(page["items"]) == 5
    for person in page["items"]:
        assert person.keys() >= PERSON_FIELDS


@pytest.mark.parametrize(
    "tag",
    [
        "mes-activated",
        "mes-open",
        "mes-opposed",
        "mes-closed",
        "minor",
        "homonym",
        "nia",
        "cnam-test",
        "rights-open",
        "rights-closed",
        "ald",
        "css",
    ],
)
async def test_every_documented_person_tag_finds_someone(client: httpx.AsyncClient, tag: str) -> None:
    page = (await client.get("/sandbox/population/persons", params={"tag": tag, "limit": 1000})).json()
    assert page["total"] >= 1
    assert all(tag in p["tags"] for p in page["items"])


async def test_tags_combine_with_and(client: httpx.AsyncClient) -> None:
    minors = (await client.get("/sandbox/population/persons", params={"tag": "minor", "limit": 1000})).json()
    both = (
        await client.get(
            "/sandbox/population/persons",
            params=[("tag", "minor"), ("tag", "mes-activated"), ("limit", "1000")],
        )
    ).json()
    assert 0 < both["total"] < minors["total"]
    assert all({"minor", "mes-activated"} <= set(p["tags"]) for p in both["items"])


async def test_unknown_tag_finds_nobody(client: httpx.AsyncClient) -> None:
    page = (await client.get("/sandbox/population/persons", params={"tag": "no-such-tag"})).json()
    assert page == {"total": 0, "limit": 50, "offset": 0, "items": []}


async def test_cnam_test_identities_are_listed(client: httpx.AsyncClient) -> None:
    page = (await client.get("/sandbox/population/persons", params={"tag": "cnam-test", "limit": 100})).json()
    by_name = {(p["nom_naissance"], p["prenoms"][0]): p for p in page["items"]}
    assert by_name[("ADRUN", "ZOE")]["ins"] == "275126322074974"
    assert by_name[("CORSE", "ANTHONY")]["lieu_naissance"] == "2B020"


async def test_paging_walks_the_whole_list(client: httpx.AsyncClient) -> None:
    first = (await client.get("/sandbox/population/persons", params={"limit": 10})).json()
    second = (await client.get("/sandbox/population/persons", params={"limit": 10, "offset": 10})).json()
    assert {p["ins"] for p in first["items"]}.isdisjoint({p["ins"] for p in second["items"]})
    assert first["total"] == second["total"]


@pytest.mark.parametrize(
    ("params", "status"), [({"limit": 0}, 422), ({"limit": 1001}, 422), ({"offset": -1}, 422)]
)
async def test_bad_paging_is_refused(client: httpx.AsyncClient, params: dict[str, int], status: int) -> None:
    assert (await client.get("/sandbox/population/persons", params=params)).status_code == status


@pytest.mark.parametrize(
    ("profession", "tag"),
    [
        ("10", None),
        ("21", None),
        ("60", None),
        ("70", None),
        ("50", None),
        ("40", None),
        (None, "centre-15"),
        (None, "cpe"),
    ],
)
async def test_professionals_by_profession_and_tag(
    client: httpx.AsyncClient, profession: str | None, tag: str | None
) -> None:
    params: dict[str, str] = {"limit": "1000"}
    if profession:
        params["profession"] = profession
    if tag:
        params["tag"] = tag
    page = (await client.get("/sandbox/population/professionals", params=params)).json()
    assert page["total"] >= 1
    for pro in page["items"]:
        assert pro.keys() >= PROFESSIONAL_FIELDS
        if profession:
            assert pro["profession"] == profession
        if tag:
            assert tag in pro["tags"]


async def test_regulators_and_secretaries(client: httpx.AsyncClient) -> None:
    regulators = (await client.get("/sandbox/population/professionals", params={"tag": "centre-15"})).json()[
        "items"
    ]
    assert any(p["regulation"] for p in regulators)
    secretaries = (await client.get("/sandbox/population/professionals", params={"tag": "cpe"})).json()[
        "items"
    ]
    assert all(p["rpps"] is None and p["cards"] == ["cpe"] for p in secretaries)


async def test_tag_list_counts(client: httpx.AsyncClient) -> None:
    tags = (await client.get("/sandbox/population/tags")).json()
    persons = {t["tag"]: t["count"] for t in tags["persons"]}
    assert persons["cnam-test"] >= 10
    assert "centre-15" in {t["tag"] for t in tags["professionals"]}
