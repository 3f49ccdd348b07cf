"""Concurrent writes for one patient lose nothing: deposits through the API interleaved at their INSi
call, deposits in parallel transactions on threads, first accesses and replacements racing."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from dmp_helpers import TEXT, Cases, Dmp

from services.dmp import consultation, documents
from services.dmp.access import Mode
from services.dmp.errors import VersionPerimee
from services.dmp.lifecycle import ms
from services.dmp.matrice import DEFAULT
from services.dmp.repository import documents as document_rows
from services.dmp.repository import traces as trace_rows
from shared.auth import ProfessionalActor
from shared.population import Professional
from shared.runtime import Runtime

NOW = ms(datetime(2026, 1, 1, 12, tzinfo=UTC))
THREADS = 12


def actor_of(pro: Professional) -> ProfessionalActor:
    return ProfessionalActor(
        idnat=pro.idnat,
        rpps=pro.rpps,
        nom=pro.nom,
        prenom=pro.prenom,
        profession=pro.profession,
        savoir_faire=pro.savoir_faire,
        structure=None,
        card="cps",
        regulation=pro.regulation,
        client_id="test",
    )


def new_document(index: int) -> documents.NewDocument:
    contenu = documents.check_contenu("text/plain", TEXT, 1000)
    return documents.NewDocument("11488-4", f"doc {index}", NOW, contenu, False, False, False)


def run_together(count: int, work) -> list[object]:
    barrier = threading.Barrier(count)

    def one(index: int) -> object:
        barrier.wait()
        try:
            return work(index)
        except Exception as exc:  # collected: the test says which ones may fail
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.asyncio
async def test_concurrent_deposits_through_the_api_lose_nothing(dmp: Dmp, cases: Cases) -> None:
    await dmp.freeze()
    person = cases.person("mes-activated", "adult")
    doctors = [await dmp.pro(cases.pro("10", "generaliste", skip=i)) for i in range(3)]
    responses = await asyncio.gather(
        *(dmp.deposit(person, doctors[i % 3], titre=f"concurrent {i}") for i in range(30))
    )
    assert [r.status_code for r in responses] == [201] * 30
    created = {r.json()["id"] for r in responses}
    assert len(created) == 30
    assert await dmp.ids(person, doctors[0]) == created


@pytest.mark.asyncio
async def test_parallel_transactions_lose_no_deposit(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    await dmp.freeze()  # creates the tenant
    tenant = runtime.tenants.get(tenant_name)
    person = cases.person("mes-activated", "adult")
    actor = actor_of(cases.pro("10", "generaliste"))

    def deposit(index: int) -> str:
        with tenant.unit_of_work() as conn:
            return documents.deposit(conn, documents.Deposit(person.ins, actor, new_document(index), NOW)).id

    results = run_together(THREADS, deposit)
    assert all(isinstance(r, str) for r in results), results
    with tenant.reading() as conn:
        stored = {d.id for d in document_rows.list_documents(conn, person.ins, None)}
        traces = trace_rows.list_traces(conn, person.ins, 1000)
    assert stored == set(results)
    assert sum(1 for t in traces if t["action"] == "depot") == THREADS


@pytest.mark.asyncio
async def test_racing_first_accesses_notify_once(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    await dmp.freeze()
    tenant = runtime.tenants.get(tenant_name)
    person = cases.person("mes-activated", "adult")
    actor = actor_of(cases.pro("60"))

    def consult(_: int) -> int:
        search = consultation.Search(person.ins, actor, Mode.NORMAL, None, documents.Filtre(), DEFAULT, NOW)
        with tenant.unit_of_work() as conn:
            _, found, _ = consultation.search_documents(conn, search)
        return len(found)

    results = run_together(THREADS, consult)
    assert all(isinstance(r, int) for r in results), results
    with tenant.reading() as conn:
        notes = trace_rows.list_notifications(conn, person.ins, 100)
        traces = trace_rows.list_traces(conn, person.ins, 1000)
    assert [n.kind for n in notes] == ["premier-acces"]
    assert len(traces) == THREADS


@pytest.mark.asyncio
async def test_racing_replacements_make_one_version(
    dmp: Dmp, cases: Cases, runtime: Runtime, tenant_name: str
) -> None:
    await dmp.freeze()
    tenant = runtime.tenants.get(tenant_name)
    person = cases.person("mes-activated", "adult")
    actor = actor_of(cases.pro("10", "generaliste"))
    with tenant.unit_of_work() as conn:
        first = documents.deposit(conn, documents.Deposit(person.ins, actor, new_document(0), NOW))

    def replace(index: int) -> str:
        with tenant.unit_of_work() as conn:
            return documents.replace_document(conn, first.id, actor, new_document(index), None, NOW).id

    results = run_together(THREADS, replace)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1, results
    assert all(isinstance(r, VersionPerimee) for r in losers), losers
    with tenant.reading() as conn:
        current = [d for d in document_rows.list_documents(conn, person.ins, None) if d.status == "current"]
    assert [d.id for d in current] == winners
