"""Documents kept in memory between searches: served while current, never once a write changed them,
whoever wrote (the API, a statement outside the service, a rolled-back unit of work, a tenant reset);
and the ids that keep a deposit's index writes together."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from dmp_helpers import Cases, Dmp, refused
from sqlalchemy import text

from services.dmp import repository, service
from services.dmp.document_lists import DocumentLists
from services.dmp.records import Document
from services.dmp.service import _new_id
from shared.runtime import Runtime


async def _searched(dmp: Dmp, cases: Cases) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """A patient with one document, searched once by a généraliste (so their documents are kept)."""
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    headers = await dmp.pro(cases.pro("10", "generaliste"))
    deposited = await dmp.deposited(person, headers)
    assert await dmp.ids(person, headers) == {deposited["id"]}
    return person, headers, deposited


def _rev(runtime: Runtime, tenant_name: str, ins: str) -> int:
    with runtime.tenants.get(tenant_name).reading() as conn:
        profile = repository.get_profile(conn, ins)
    assert profile is not None
    return profile.documents_rev


class Abandoned(Exception):
    pass


def _outside(runtime: Runtime, tenant_name: str, document_id: str, *sql: str, abandon: bool = False) -> None:
    """Statements on one document, straight into the tenant's tables (not through the service), in one
    unit of work; ``abandon`` rolls it back."""
    with runtime.tenants.get(tenant_name).unit_of_work() as conn:
        for statement in sql:
            conn.execute(text(statement), {"id": document_id})
        if abandon:
            raise Abandoned


@pytest.mark.asyncio
async def test_a_current_list_answers_the_search(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    person, headers, deposited = await _searched(dmp, cases)
    key = (tenant_name, person.ins)
    kept = service.document_lists().known(key)
    assert kept is not None
    assert kept.rev == _rev(runtime, tenant_name, person.ins)
    # What is kept is what the next search answers: a copy marked differently shows it was not reread.
    marked = tuple(doc._replace(titre="kept in memory") for doc in kept.documents)
    service.document_lists().keep(key, kept.rev, marked)
    found = (await dmp.search(person, headers)).json()["documents"]
    assert [(d["id"], d["titre"]) for d in found] == [(deposited["id"], "kept in memory")]


@pytest.mark.asyncio
async def test_a_deposit_makes_the_kept_list_stale(dmp: Dmp, cases: Cases) -> None:
    person, headers, first = await _searched(dmp, cases)
    second = await dmp.deposited(person, headers, titre="second")
    assert await dmp.ids(person, headers) == {first["id"], second["id"]}


@pytest.mark.asyncio
async def test_a_write_outside_the_service_makes_the_kept_list_stale(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    """The triggers, not the service, change the revision: a statement of any other writer counts."""
    person, headers, deposited = await _searched(dmp, cases)
    before = _rev(runtime, tenant_name, person.ins)
    _outside(runtime, tenant_name, deposited["id"], "UPDATE dmp_document SET titre = 'edited' WHERE id = :id")
    assert _rev(runtime, tenant_name, person.ins) != before
    found = (await dmp.search(person, headers)).json()["documents"]
    assert [d["titre"] for d in found] == ["edited"]
    _outside(
        runtime,
        tenant_name,
        deposited["id"],
        "DELETE FROM dmp_document_contenu WHERE document_id = :id",
        "DELETE FROM dmp_document WHERE id = :id",
    )
    assert await dmp.ids(person, headers) == set()


@pytest.mark.asyncio
async def test_a_rolled_back_write_leaves_the_revision(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    person, headers, deposited = await _searched(dmp, cases)
    before = _rev(runtime, tenant_name, person.ins)
    with pytest.raises(Abandoned):
        _outside(
            runtime,
            tenant_name,
            deposited["id"],
            "UPDATE dmp_document SET titre = 'never' WHERE id = :id",
            abandon=True,
        )
    assert _rev(runtime, tenant_name, person.ins) == before
    kept = service.document_lists().known((tenant_name, person.ins))
    assert kept is not None
    assert kept.rev == before
    assert [d["titre"] for d in (await dmp.search(person, headers)).json()["documents"]] == [
        deposited["titre"]
    ]
    assert service.document_lists().known((tenant_name, person.ins)) is kept


@pytest.mark.asyncio
async def test_unrelated_writes_keep_the_revision(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    """Traces, first accesses and another profile's documents leave a profile's revision alone."""
    person, headers, _ = await _searched(dmp, cases)
    before = _rev(runtime, tenant_name, person.ins)
    first_access = await dmp.search(person, await dmp.pro(cases.pro("60")))  # an infirmier's
    assert first_access.status_code == 200, first_access.text
    await dmp.deposited(cases.person("mes-activated", "adult", skip=1), headers)
    assert _rev(runtime, tenant_name, person.ins) == before


@pytest.mark.asyncio
async def test_a_document_moved_to_another_profile_leaves_both_lists(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    person, headers, deposited = await _searched(dmp, cases)
    other = cases.person("mes-activated", "adult", skip=1)
    assert await dmp.ids(other, headers) == set()
    _outside(
        runtime, tenant_name, deposited["id"], f"UPDATE dmp_document SET ins = '{other.ins}' WHERE id = :id"
    )
    assert await dmp.ids(person, headers) == set()
    assert await dmp.ids(other, headers) == {deposited["id"]}


@pytest.mark.asyncio
async def test_a_refused_search_leaves_no_trace(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    """The trace is written once the rules granted the search: a blocked professional leaves none."""
    person, _, _ = await _searched(dmp, cases)
    who = cases.pro("10", "generaliste", skip=1)
    blocked = await dmp.me(person, "PUT", f"/professionnels/{who.idnat}", json={"statut": "bloque"})
    assert blocked.status_code == 200, blocked.text
    with runtime.tenants.get(tenant_name).reading() as conn:
        before = repository.list_traces(conn, person.ins, 1000)
    refused(await dmp.search(person, await dmp.pro(who)), 403, "access-refused", "blocked")
    with runtime.tenants.get(tenant_name).reading() as conn:
        assert repository.list_traces(conn, person.ins, 1000) == before


@pytest.mark.asyncio
async def test_a_reset_tenant_is_read_again(dmp: Dmp, cases: Cases, tenant_name: str) -> None:
    person, headers, _ = await _searched(dmp, cases)
    response = await dmp.http.post(f"/sandbox/tenants/{tenant_name}/reset")
    assert response.status_code == 200, response.text
    await dmp.freeze()
    assert await dmp.ids(person, headers) == set()


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
    first = _new_id()
    time.sleep(0.002)
    later = _new_id()
    for value in (first, later):
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert len(value) == 32
    assert first < later
    assert len({_new_id() for _ in range(1000)}) == 1000
