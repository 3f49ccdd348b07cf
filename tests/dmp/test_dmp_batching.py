"""Searches and deposits that arrive together run as one batch (``services.dmp.batching``): each keeps
its own outcome, a refusal writes nothing, and a batch whose writes fail runs each operation alone."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from dmp_helpers import Cases, Dmp
from test_dmp_concurrency import NOW, actor_of, new_document

from services.dmp import batching, repository, service
from services.dmp.access import Mode
from services.dmp.errors import AccesRefuse, DmpFerme, DmpInexistant, TypeRefuse
from services.dmp.matrice import DEFAULT
from services.dmp.records import Document
from shared.population import Person
from shared.runtime import Runtime
from shared.tenants import Tenant

UNKNOWN_INS = "299999999999999"


@pytest_asyncio.fixture
async def tenant(dmp: Dmp, runtime: Runtime, tenant_name: str) -> Tenant:
    await dmp.freeze()  # creates the tenant
    return runtime.tenants.get(tenant_name)


def stored(tenant: Tenant, person: Person) -> tuple[set[str], int, int]:
    """The person's document ids, deposit traces and consultation traces."""
    with tenant.reading() as conn:
        ids = {d.id for d in repository.list_documents(conn, person.ins, None)}
        traces = repository.list_traces(conn, person.ins, 1000)
    return (
        ids,
        sum(1 for t in traces if t["action"] == "depot"),
        sum(1 for t in traces if t["action"] == "consultation"),
    )


def deposits(persons: list[Person], cases: Cases, count: int) -> list[service.Deposit]:
    actor = actor_of(cases.pro("10", "generaliste"))
    return [service.Deposit(persons[i % len(persons)].ins, actor, new_document(i), NOW) for i in range(count)]


@pytest.mark.asyncio
async def test_deposits_submitted_together_are_one_batch(tenant: Tenant, cases: Cases) -> None:
    persons = [cases.person("mes-activated", "adult", skip=i) for i in range(4)]
    before = {p.ins: stored(tenant, p) for p in persons}
    coalescer = batching.coalescer(tenant)
    batches = coalescer.batches
    docs = await asyncio.gather(*(batching.deposit(tenant, d) for d in deposits(persons, cases, 8)))
    assert coalescer.batches == batches + 1
    assert coalescer.largest >= 8
    assert all(isinstance(d, Document) for d in docs)
    assert len({d.id for d in docs}) == 8
    for person in persons:
        ids, depots, _ = stored(tenant, person)
        mine = {d.id for d in docs if d.ins == person.ins}
        assert len(mine) == 2
        assert ids == before[person.ins][0] | mine
        assert depots == before[person.ins][1] + 2


@pytest.mark.asyncio
async def test_a_refused_deposit_refuses_only_itself(tenant: Tenant, cases: Cases) -> None:
    person = cases.person("mes-activated", "adult")
    before = stored(tenant, person)
    good = deposits([person], cases, 2)
    unknown = service.Deposit(UNKNOWN_INS, good[0].actor, new_document(9), NOW)
    vsm_new = service.NewDocument("60591-5", "VSM", NOW, good[0].new.contenu, False, False, False)
    vsm = service.Deposit(person.ins, actor_of(cases.pro("10", "generaliste", skip=7)), vsm_new, NOW)
    outcomes = await asyncio.gather(
        *(batching.deposit(tenant, d) for d in (good[0], unknown, vsm, good[1])), return_exceptions=True
    )
    assert isinstance(outcomes[0], Document)
    assert isinstance(outcomes[3], Document)
    assert isinstance(outcomes[1], DmpInexistant)
    assert outcomes[1].rule == "profile-unknown"
    assert isinstance(outcomes[2], TypeRefuse)
    assert outcomes[2].rule == "vsm-medecin-traitant"
    ids, depots, _ = stored(tenant, person)
    assert ids == before[0] | {outcomes[0].id, outcomes[3].id}
    assert depots == before[1] + 2  # nothing written for the refused ones


@pytest.mark.asyncio
async def test_a_batch_whose_writes_fail_runs_each_deposit_alone(
    tenant: Tenant, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = cases.person("mes-activated", "adult")
    before = stored(tenant, person)
    batch = deposits([person], cases, 4)
    feed, write_many_async = repository.feed, repository.write_many_async

    def poisoned(fed: repository.Fed) -> bool:  # the third deposit: it alone cannot be written
        return fed.document.titre == "doc 2"

    def failing_feed(conn: Any, fed: repository.Fed) -> None:
        if poisoned(fed):
            raise RuntimeError("disk full")
        feed(conn, fed)

    async def failing_write_many_async(conn: Any, traces: Any, fed: Any, states: Any = None) -> set[str]:
        if any(poisoned(f) for f in fed):
            raise RuntimeError("disk full")
        return await write_many_async(conn, traces, fed, states)

    monkeypatch.setattr(repository, "feed", failing_feed)
    monkeypatch.setattr(repository, "write_many_async", failing_write_many_async)
    outcomes = await asyncio.gather(*(batching.deposit(tenant, d) for d in batch), return_exceptions=True)
    assert [type(o).__name__ for o in outcomes] == ["Document", "Document", "RuntimeError", "Document"]
    ids, depots, _ = stored(tenant, person)
    assert ids == before[0] | {o.id for o in outcomes if isinstance(o, Document)}
    assert depots == before[1] + 3


def search_of(person_ins: str, actor: Any, mode: Mode = Mode.NORMAL) -> service.Search:
    return service.Search(person_ins, actor, mode, None, service.Filtre(), DEFAULT, NOW)


@pytest.mark.asyncio
async def test_searches_submitted_together_keep_their_own_outcomes(tenant: Tenant, cases: Cases) -> None:
    doctor = actor_of(cases.pro("10", "generaliste", skip=3))
    pharmacien = actor_of(cases.pro("21"))
    persons = [cases.person("mes-activated", "adult", skip=i) for i in range(3)]
    author = actor_of(cases.pro("10", "generaliste"))
    expected: dict[str, int] = {}
    for index, person in enumerate(persons):
        with tenant.unit_of_work() as conn:
            service.deposit(conn, service.Deposit(person.ins, author, new_document(index), NOW))
            expected[person.ins] = len(repository.list_documents(conn, person.ins, None))
    asked = [
        *(search_of(p.ins, doctor) for p in persons),
        search_of(UNKNOWN_INS, doctor),
        search_of(persons[0].ins, pharmacien, Mode.CENTRE_15),  # not a regulator
    ]
    shown: dict[str, set[str]] = {}
    for round_ in range(2):  # a first access, then an access traced only
        outcomes = await asyncio.gather(*(batching.search(tenant, s) for s in asked), return_exceptions=True)
        for person, found in zip(persons, outcomes[:3], strict=True):
            assert isinstance(found, tuple), found
            session, docs, _ = found
            assert session.profile.ins == person.ins
            assert session.accessed_before is (round_ == 1)
            assert 0 < len(docs) <= expected[person.ins]
            shown[person.ins] = {d.id for d in docs}
            assert stored(tenant, person)[2] >= round_ + 1
        assert isinstance(outcomes[3], DmpInexistant)
        assert outcomes[3].rule == "profile-unknown"
        assert isinstance(outcomes[4], AccesRefuse)
        assert outcomes[4].rule == "centre15-regulation"
    for person in persons:
        with tenant.reading() as conn:
            notices = repository.list_notifications(conn, person.ins, 100)
            traces = repository.list_traces(conn, person.ins, 1000)
        mine = [t for t in traces if t["action"] == "consultation" and t["acteur_id"] == doctor.idnat]
        assert len(mine) == 2  # one trace a granted search
        assert [n.kind for n in notices if n.acteur_id == doctor.idnat] == ["premier-acces"]
        _, alone, _ = service.search_documents(tenant, search_of(person.ins, doctor))
        assert shown[person.ins] == {d.id for d in alone}


@pytest.mark.asyncio
async def test_a_search_after_a_batched_deposit_sees_it(tenant: Tenant, cases: Cases) -> None:
    person = cases.person("mes-activated", "adult")
    doctor = actor_of(cases.pro("10", "generaliste"))
    await batching.search(tenant, search_of(person.ins, doctor))  # keeps the list in memory
    deposit = service.Deposit(person.ins, doctor, new_document(1), NOW)
    outcomes = await asyncio.gather(
        batching.deposit(tenant, deposit), batching.search(tenant, search_of(person.ins, doctor))
    )
    doc = outcomes[0]
    assert isinstance(doc, Document)
    _, after, _ = await batching.search(tenant, search_of(person.ins, doctor))
    assert doc.id in {d.id for d in after}


def documents_scanned(conn: Any, consultations: list[repository.Consultation]) -> int:
    """PostgreSQL: how many document rows the batch read of ``consultations`` fetches (EXPLAIN ANALYZE),
    those its conditions then drop included, when it finds them through an index as on a large table
    (the test database's few documents are cheaper to read whole)."""
    sql = str(repository._CONSULT_MANY.statement.compile(dialect=conn.dialect))
    params = repository.consult_many_params(consultations)
    conn.exec_driver_sql("SET enable_seqscan = off")
    try:
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).scalar()
    finally:
        conn.exec_driver_sql("RESET enable_seqscan")

    def scanned(node: dict[str, Any]) -> int:
        own = 0
        if node.get("Relation Name") == "dmp_document":
            own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        return own + sum(scanned(child) for child in node.get("Plans", []))

    return scanned(plan[0]["Plan"])


@pytest.mark.asyncio
async def test_a_read_reads_the_documents_only_when_they_are_wanted_and_changed(
    tenant: Tenant, cases: Cases
) -> None:
    person = cases.person("mes-activated", "adult")
    doctor = actor_of(cases.pro("10", "generaliste"))
    for deposit in deposits([person], cases, 3):
        service.deposit_alone(tenant, deposit)
    with tenant.autocommit(generic_plans=True) as conn:
        profile = repository.get_profile(conn, person.ins)
        assert profile is not None
        rev = profile.documents_rev
        changed = repository.consult_documents(conn, person.ins, doctor.idnat, rev - 1)
        current = repository.consult_documents(conn, person.ins, doctor.idnat, rev)
        assert changed is not None
        assert current is not None
        assert changed[3] is not None
        assert len(changed[3]) >= 3
        assert current[3] is None
        if conn.dialect.name != "postgresql":
            return
        wanted = repository.Consultation(person.ins, doctor.idnat, rev - 1, True)
        unwanted = [wanted._replace(documents=False), wanted._replace(known=rev)]  # a deposit; kept
        found = repository.consult_many(conn, [wanted, *unwanted])
        assert [None if f is None else f.consulted[3] is None for f in found] == [False, True, True]
        assert documents_scanned(conn, [wanted]) >= 3
        assert documents_scanned(conn, unwanted) == 0


def postgres_only(tenant: Tenant) -> None:
    if not batching.postgres(tenant):
        pytest.skip("profiles are known to PostgreSQL batches only (SQLite reads cost no round trip)")


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many profiles each batch read asks for, from now on."""
    asked: list[int] = []
    consult_many = repository.consult_many

    def counted(conn: Any, consultations: Any) -> Any:
        asked.append(len(consultations))
        return consult_many(conn, consultations)

    monkeypatch.setattr(repository, "consult_many", counted)
    return asked


def patient_sets(tenant: Tenant, person: Person, change: Any) -> None:
    """The patient changes their profile through the patient API's service (``close``, ``reopen``)."""
    with tenant.unit_of_work() as conn:
        ctx = service.patient_context(conn, person.ins, None, date(2026, 1, 1))
        change(conn, ctx, NOW - 1000)


@pytest.mark.asyncio
async def test_a_deposit_to_a_known_profile_is_not_read_again(
    tenant: Tenant, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(tenant)
    person = cases.person("mes-activated", "adult")
    before = stored(tenant, person)
    reads = counting_reads(monkeypatch)
    first, second = deposits([person], cases, 2)
    one = await batching.deposit(tenant, first)
    assert reads == [1]
    two = await batching.deposit(tenant, second)
    assert reads == [1]  # decided on the profile the first read, written on condition
    ids, depots, _ = stored(tenant, person)
    assert ids == before[0] | {one.id, two.id}
    assert depots == before[1] + 2
    with tenant.reading() as conn:
        notices = repository.list_notifications(conn, person.ins, 100)
    assert two.id in {n.document_id for n in notices}


@pytest.mark.asyncio
async def test_a_deposit_to_a_profile_changed_since_it_was_known_is_decided_on_the_change(
    tenant: Tenant, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(tenant)
    person = cases.person("mes-activated", "adult")
    first, refused, accepted = deposits([person], cases, 3)
    await batching.deposit(tenant, first)  # the profile is known, open
    before = stored(tenant, person)
    reads = counting_reads(monkeypatch)
    patient_sets(tenant, person, lambda conn, ctx, now: service.close(conn, ctx, "test", now))
    with pytest.raises(DmpFerme) as closed:
        await batching.deposit(tenant, refused)
    assert closed.value.rule == "status-closed"
    assert reads == [1]  # the conditional write wrote nothing; read again, refused
    assert stored(tenant, person)[:2] == before[:2]
    patient_sets(tenant, person, service.reopen)
    doc = await batching.deposit(tenant, accepted)  # known closed: read again before it is refused
    assert reads == [1, 1]
    ids, depots, _ = stored(tenant, person)
    assert ids == before[0] | {doc.id}
    assert depots == before[1] + 1


def test_a_deposit_is_written_only_while_its_profile_is_in_the_state_it_was_decided_on(
    tenant: Tenant, cases: Cases
) -> None:
    postgres_only(tenant)
    person, other = (cases.person("mes-activated", "adult", skip=i) for i in range(2))
    doctor = actor_of(cases.pro("10", "generaliste"))
    before = {p.ins: stored(tenant, p) for p in (person, other)}
    with tenant.autocommit() as conn:
        read = repository.consult_many(
            conn,
            [service.Deposit(p.ins, doctor, new_document(0), NOW).consultation() for p in (person, other)],
        )
        mine, others = read
        assert mine is not None
        assert others is not None
        fresh = service.check_deposit(
            service.Deposit(person.ins, doctor, new_document(1), NOW), mine.consulted[0]
        )
        stale = service.check_deposit(
            service.Deposit(other.ins, doctor, new_document(2), NOW), others.consulted[0]
        )
        search_trace = search_of(other.ins, doctor).trace()
        written = repository.write_many(
            conn,
            [(other.ins, search_trace)],
            [fresh, stale],
            {fresh.document.id: mine.state, stale.document.id: "a state the profile is not in"},
        )
    assert written == {fresh.document.id}
    ids, depots, consultations = stored(tenant, person)
    assert ids == before[person.ins][0] | {fresh.document.id}
    assert depots == before[person.ins][1] + 1
    ids, depots, consultations = stored(tenant, other)
    assert (ids, depots) == before[other.ins][:2]  # neither the document, nor its trace
    assert consultations == before[other.ins][2] + 1  # the search's trace is not conditional
    with tenant.reading() as conn:
        assert repository.get_contenu(conn, stale.document.id) is None
        notified = {n.document_id for n in repository.list_notifications(conn, other.ins, 100)}
    assert stale.document.id not in notified


@pytest.mark.asyncio
async def test_a_batch_of_searches_whose_traces_fail_writes_each_trace_alone(
    tenant: Tenant, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(tenant)
    doctor = actor_of(cases.pro("10", "generaliste", skip=3))
    persons = [cases.person("mes-activated", "adult", skip=i) for i in range(2)]
    for person in persons:  # the first access, recorded apart
        await batching.search(tenant, search_of(person.ins, doctor))
    before = {p.ins: stored(tenant, p)[2] for p in persons}

    def failing(conn: Any, traces: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(repository, "insert_traces", failing)
    found = await asyncio.gather(*(batching.search(tenant, search_of(p.ins, doctor)) for p in persons))
    assert [f[0].profile.ins for f in found] == [p.ins for p in persons]
    assert {p.ins: stored(tenant, p)[2] for p in persons} == {ins: n + 1 for ins, n in before.items()}
