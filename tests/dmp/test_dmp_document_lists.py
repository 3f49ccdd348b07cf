"""Documents kept in memory between searches: served while current, never once a write changed them,
whoever wrote (the API, a statement outside the service, a rolled-back unit of work, a tenant reset);
and the ids that keep a deposit's index writes together."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from dmp_helpers import Cases, Dmp, refused
from sqlalchemy import text

from services.dmp import consultation
from services.dmp.document_lists import DocumentLists, Kept
from services.dmp.documents import new_id
from services.dmp.records import Document
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import traces as trace_rows
from shared.population import Person
from shared.runtime import Runtime


@dataclass
class Searched:
    """A patient with one document, searched once by a généraliste (so their documents are kept)."""

    dmp: Dmp
    runtime: Runtime
    tenant_name: str
    person: Person
    headers: dict[str, str]
    deposited: dict[str, Any]

    def rev(self) -> int:
        with self.runtime.tenants.get(self.tenant_name).reading() as conn:
            profile = profile_rows.get_profile(conn, self.person.ins)
        assert profile is not None
        return profile.documents_rev

    def kept(self) -> Kept | None:
        return consultation.document_lists().known((self.tenant_name, self.person.ins))

    def outside(self, *sql: str, abandon: bool = False) -> None:
        """Statements on the document, straight into the tenant's tables (not through the service), in
        one unit of work; ``abandon`` rolls it back."""
        with self.runtime.tenants.get(self.tenant_name).unit_of_work() as conn:
            for statement in sql:
                conn.execute(text(statement), {"id": self.deposited["id"]})
            if abandon:
                raise Abandoned

    async def titles(self, person: Person | None = None) -> list[str]:
        response = await self.dmp.search(person or self.person, self.headers)
        assert response.status_code == 200, response.text
        return [d["titre"] for d in response.json()["documents"]]


class Abandoned(Exception):
    pass


@pytest_asyncio.fixture
async def searched(dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str) -> Searched:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    headers = await dmp.pro(cases.pro("10", "generaliste"))
    deposited = await dmp.deposited(person, headers)
    assert await dmp.ids(person, headers) == {deposited["id"]}
    return Searched(dmp, runtime, tenant_name, person, headers, deposited)


@pytest.mark.asyncio
async def test_a_current_list_answers_the_search(searched: Searched) -> None:
    kept = searched.kept()
    assert kept is not None
    assert kept.rev == searched.rev()
    # What is kept is what the next search answers: a copy marked differently shows it was not reread.
    marked = tuple(doc._replace(titre="kept in memory") for doc in kept.documents)
    consultation.document_lists().keep((searched.tenant_name, searched.person.ins), kept.rev, marked)
    assert await searched.titles() == ["kept in memory"]


@pytest.mark.asyncio
async def test_a_deposit_makes_the_kept_list_stale(searched: Searched) -> None:
    await searched.dmp.deposited(searched.person, searched.headers, titre="second")
    assert sorted(await searched.titles()) == sorted([searched.deposited["titre"], "second"])


@pytest.mark.asyncio
async def test_a_write_outside_the_service_makes_the_kept_list_stale(searched: Searched) -> None:
    """The triggers, not the service, change the revision: a statement of any other writer counts."""
    before = searched.rev()
    searched.outside("UPDATE dmp_document SET titre = 'edited' WHERE id = :id")
    assert searched.rev() != before
    assert await searched.titles() == ["edited"]
    searched.outside(
        "DELETE FROM dmp_document_contenu WHERE document_id = :id", "DELETE FROM dmp_document WHERE id = :id"
    )
    assert await searched.titles() == []


@pytest.mark.asyncio
async def test_a_rolled_back_write_leaves_the_revision(searched: Searched) -> None:
    before, kept = searched.rev(), searched.kept()
    with pytest.raises(Abandoned):
        searched.outside("UPDATE dmp_document SET titre = 'never' WHERE id = :id", abandon=True)
    assert searched.rev() == before
    assert await searched.titles() == [searched.deposited["titre"]]
    assert searched.kept() is kept


@pytest.mark.asyncio
async def test_unrelated_writes_keep_the_revision(searched: Searched, cases: Cases) -> None:
    """Traces, first accesses and another profile's documents leave a profile's revision alone."""
    before = searched.rev()
    first_access = await searched.dmp.search(searched.person, await searched.dmp.pro(cases.pro("60")))
    assert first_access.status_code == 200, first_access.text
    await searched.dmp.deposited(cases.person("mes-activated", "adult", skip=1), searched.headers)
    assert searched.rev() == before


@pytest.mark.asyncio
async def test_a_document_moved_to_another_profile_leaves_both_lists(
    searched: Searched, cases: Cases
) -> None:
    other = cases.person("mes-activated", "adult", skip=1)
    assert await searched.titles(other) == []
    searched.outside(f"UPDATE dmp_document SET ins = '{other.ins}' WHERE id = :id")
    assert await searched.titles() == []
    assert await searched.titles(other) == [searched.deposited["titre"]]


@pytest.mark.asyncio
async def test_a_search_is_traced_once_granted_only(searched: Searched, cases: Cases) -> None:
    """The trace is written once the rules granted the search: one for a granted search, none for a
    blocked professional's."""
    dmp, person = searched.dmp, searched.person

    def traces() -> int:
        with searched.runtime.tenants.get(searched.tenant_name).reading() as conn:
            return len(trace_rows.list_traces(conn, person.ins, 1000))

    who = cases.pro("10", "generaliste", skip=1)
    blocked = await dmp.me(person, "PUT", f"/professionnels/{who.idnat}", json={"statut": "bloque"})
    assert blocked.status_code == 200, blocked.text
    before = traces()
    assert await searched.titles() == [searched.deposited["titre"]]
    assert traces() == before + 1
    refused(await dmp.search(person, await dmp.pro(who)), 403, "access-refused", "blocked")
    assert traces() == before + 1


@pytest.mark.asyncio
async def test_a_reset_tenant_is_read_again(searched: Searched) -> None:
    response = await searched.dmp.http.post(f"/sandbox/tenants/{searched.tenant_name}/reset")
    assert response.status_code == 200, response.text
    await searched.dmp.freeze()
    assert await searched.titles() == []


def test_seeded_profiles_start_with_distinct_revisions(runtime: Runtime, tenant_name: str) -> None:
    """Random from the start (not all 0): a template rebuilt with other documents gives other values."""
    with runtime.tenants.get(tenant_name).reading() as conn:
        revs = conn.execute(text("SELECT documents_rev FROM dmp_profile LIMIT 200")).scalars().all()
    assert len(revs) == 200
    assert len(set(revs)) == 200


def _doc(n: int) -> tuple[Document, ...]:
    fields: dict[str, Any] = dict.fromkeys(Document._fields, "x")
    return (Document(**{**fields, "id": f"d{n}", "version": n}),)


def test_the_oldest_list_goes_first() -> None:
    lists = DocumentLists(2)
    for n in range(3):
        lists.keep(("t", f"ins{n}"), n, _doc(n))
    assert lists.known(("t", "ins0")) is None
    kept = lists.known(("t", "ins2"))
    assert kept is not None
    assert (kept.rev, kept.documents) == (2, _doc(2))
    assert len(lists) == 2


def test_zero_keeps_nothing() -> None:
    lists = DocumentLists(0)
    lists.keep(("t", "ins"), 1, _doc(1))
    assert lists.known(("t", "ins")) is None


def test_the_bound_counts_documents() -> None:
    """A list longer than the bound is not kept; a long one pushes out as many short ones as needed."""
    lists = DocumentLists(3)
    lists.keep(("t", "long"), 1, _doc(1) * 4)
    assert lists.known(("t", "long")) is None
    for n in range(3):
        lists.keep(("t", f"ins{n}"), n, _doc(n))
    lists.keep(("t", "two"), 9, _doc(9) * 2)
    assert [lists.known(("t", f"ins{n}")) is None for n in range(3)] == [True, True, False]
    assert lists.known(("t", "two")) is not None


def test_document_ids_are_uuid7_in_time_order() -> None:
    """Ids are RFC 9562 version 7: time first, so new documents are appended to the id indexes."""
    first = new_id()
    time.sleep(0.002)
    later = new_id()
    for value in (first, later):
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert len(value) == 32
    assert first < later
    assert len({new_id() for _ in range(1000)}) == 1000
