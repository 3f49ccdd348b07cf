"""Searches and deposits that arrive together run together (``shared.coalescer``).

PostgreSQL: a round trip blocks the event loop for longer than the rest of a search. A batch of
searches and deposits costs two: one statement reads every profile (with the professional's record and,
when changed, the documents), the rules decide each operation in Python, one statement writes every
trace, document, content and notification (``repository.consult_many`` and ``write_many``). A search
that is a first access or an emergency access then records it in a unit of work of its own.

SQLite: no round trips to save, but a commit writes its pages to the WAL: the deposits of a batch share
one transaction and one commit (group commit). Searches run alone (``service.search_documents``).

Every operation keeps its own outcome: a refusal refuses its operation only, and nothing is written for
it. If a batch's writes fail as a whole, they are rolled back and each operation is run again alone, so
one bad operation fails only itself. Each request is answered once what it wrote is committed.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from services.dmp import repository, service
from services.dmp.records import Document, Trace
from shared.coalescer import Coalescer
from shared.errors import SandboxError
from shared.tenants import Tenant

Op = service.Search | service.Deposit
Outcome = service.Found | Document


def postgres(tenant: Tenant) -> bool:
    return tenant.engine.dialect.name == "postgresql"


async def search(tenant: Tenant, search: service.Search) -> service.Found:
    """A professional's search: batched on PostgreSQL, alone on SQLite."""
    if not postgres(tenant):
        return service.search_documents(tenant, search)
    found = await coalescer(tenant).submit(search)
    assert not isinstance(found, Document)
    return found


async def deposit(tenant: Tenant, deposit: service.Deposit) -> Document:
    """A professional's deposit, batched with the deposits (and on PostgreSQL the searches) that arrive
    with it."""
    doc = await coalescer(tenant).submit(deposit)
    assert isinstance(doc, Document)
    return doc


_COALESCERS: weakref.WeakKeyDictionary[Tenant, Coalescer[Op, Outcome]] = weakref.WeakKeyDictionary()


def coalescer(tenant: Tenant) -> Coalescer[Op, Outcome]:
    found = _COALESCERS.get(tenant)
    if found is None:
        runner = _run_postgres if postgres(tenant) else _run_sqlite
        found = _COALESCERS[tenant] = Coalescer(lambda ops: runner(tenant, ops))
    return found


def _alone(tenant: Tenant, op: Op) -> Outcome | BaseException:
    """``op`` by itself, in its own transactions (what a batch falls back to)."""
    try:
        if isinstance(op, service.Search):
            return service.search_documents(tenant, op)
        return service.deposit_alone(tenant, op)
    except Exception as exc:  # the operation's own outcome
        return exc


def _run_sqlite(tenant: Tenant, ops: Sequence[Op]) -> list[Outcome | BaseException]:
    """The deposits in one unit of work (one commit; searches are not batched on SQLite), each refused
    alone by its checks, which write nothing. Any failure of the writes rolls the unit back and runs
    each deposit alone."""
    deposits = [op for op in ops if isinstance(op, service.Deposit)]
    assert len(deposits) == len(ops), "searches run alone on SQLite"
    outcomes: list[Outcome | BaseException] = []
    try:
        with tenant.unit_of_work() as conn:
            for op in deposits:
                try:
                    fed = service.check_deposit(op, repository.get_profile(conn, op.ins))
                except SandboxError as refused:
                    outcomes.append(refused)
                    continue
                repository.feed(conn, fed)
                outcomes.append(fed.document)
    except Exception:  # rolled back: each deposit is run again by itself
        return [_alone(tenant, op) for op in deposits]
    return outcomes


@dataclass(slots=True)
class _Decided:
    """One operation of a PostgreSQL batch after the rules: its answer, or its refusal, and what it
    writes: a search's trace, a deposit's rows, or a search to record in a unit of work."""

    outcome: Outcome | BaseException
    trace: tuple[str, Trace] | None = None
    fed: repository.Fed | None = None
    recorded: tuple[service.Search, service.Granted] | None = None


def _decide(op: Op, searching: service.Searching | None, found: repository.Consulted | None) -> _Decided:
    try:
        if isinstance(op, service.Deposit):
            fed = service.check_deposit(op, None if found is None else found[0])
            return _Decided(fed.document, fed=fed)
        assert searching is not None
        granted = service.grant_search(searching, found)
        answer = service.shown(op, granted)
        if granted.only_traced:
            return _Decided(answer, trace=(op.ins, op.trace()))
        return _Decided(answer, recorded=(op, granted))
    except Exception as refused:  # the operation's own outcome; nothing written for it
        return _Decided(refused)


def _run_postgres(tenant: Tenant, ops: Sequence[Op]) -> list[Outcome | BaseException]:
    """One statement reads for every operation, the rules decide each, one statement writes for all."""
    decided: dict[int, _Decided] = {}
    reads: list[tuple[int, service.Searching | None, repository.Consultation]] = []
    for i, op in enumerate(ops):
        if isinstance(op, service.Deposit):
            reads.append((i, None, op.consultation()))
            continue
        try:
            searching = service.start_search(tenant, op)
        except SandboxError as refused:
            decided[i] = _Decided(refused)
            continue
        reads.append((i, searching, searching.consultation()))
    if reads:
        with tenant.autocommit(generic_plans=True) as conn:
            found = repository.consult_many(conn, [consultation for _, _, consultation in reads])
        for (i, started, _), read in zip(reads, found, strict=True):
            decided[i] = _decide(ops[i], started, read)
    done = [decided[i] for i in range(len(ops))]
    writing = [d for d in done if d.trace is not None or d.fed is not None]
    if writing:
        try:
            with tenant.autocommit(generic_plans=True) as conn:
                repository.write_many(
                    conn,
                    [d.trace for d in writing if d.trace is not None],
                    [d.fed for d in writing if d.fed is not None],
                )
        except Exception:  # nothing written: each operation writes again by itself
            for d in writing:
                d.outcome = _write_alone(tenant, d)
    for d in done:
        if d.recorded is not None:
            try:
                service.record_search(tenant, *d.recorded)
            except Exception as exc:  # the operation's own outcome
                d.outcome = exc
    return [d.outcome for d in done]


def _write_alone(tenant: Tenant, decided: _Decided) -> Outcome | BaseException:
    try:
        with tenant.autocommit() as conn:
            if decided.trace is not None:
                repository.insert_trace(conn, *decided.trace)
            elif decided.fed is not None:
                repository.feed(conn, decided.fed)
    except Exception as exc:  # the operation's own outcome
        return exc
    return decided.outcome
