"""Searches and deposits that arrive together run together (``shared.coalescer``).

PostgreSQL: a round trip blocks the event loop for longer than the rest of a search. A batch of
searches and deposits costs two: one statement reads every profile (with the professional's record and,
when changed, the documents), the rules decide each operation in Python, one statement writes every
trace, document, content and notification (``repository.consult_many`` and ``write_many``). A search
that is a first access or an emergency access then records it in a unit of work of its own. A deposit
to a profile a batch read before (``KnownProfiles``) skips the read: it is decided on that profile and
written on condition the profile is still in the same state, else read, decided and written again.

SQLite: no round trips to save, but a commit writes its pages to the WAL: the deposits of a batch share
one transaction and one commit (group commit). Searches run alone (``service.search_documents``).

Every operation keeps its own outcome: a refusal refuses its operation only, and nothing is written for
it. If a batch's writes fail as a whole, they are rolled back and each operation is run again alone, so
one bad operation fails only itself. Each request is answered once what it wrote is committed.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass

from services.dmp import repository, service
from services.dmp.records import Document, Profile, Trace
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


class KnownProfiles:
    """The profiles a tenant's PostgreSQL batches read last, with their state (``repository.Read``), for
    at most ``limit`` patients.

    A deposit to a known profile is decided on it without reading it again and written on condition the
    profile is still in that state (``repository.write_many``); one whose profile changed meanwhile is
    read and decided again. It spares a deposit the batch read, a third of its time on PostgreSQL."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._known: dict[str, tuple[Profile, str]] = {}

    def get(self, ins: str) -> tuple[Profile, str] | None:
        return self._known.get(ins)

    def keep(self, read: repository.Read) -> None:
        if len(self._known) >= self.limit:
            self._known.clear()
        profile = read.consulted[0]
        self._known[profile.ins] = (profile, read.state)

    def forget(self, ins: str) -> None:
        self._known.pop(ins, None)


_KNOWN: weakref.WeakKeyDictionary[Tenant, KnownProfiles] = weakref.WeakKeyDictionary()


def known_profiles(tenant: Tenant) -> KnownProfiles:
    found = _KNOWN.get(tenant)
    if found is None:
        found = _KNOWN[tenant] = KnownProfiles()
    return found


@dataclass(slots=True)
class _Decided:
    """One operation of a PostgreSQL batch after the rules: its answer, or its refusal, and what it
    writes: a search's trace, a deposit's rows (with the state of the profile it was decided on), or a
    search to record in a unit of work."""

    outcome: Outcome | BaseException
    trace: tuple[str, Trace] | None = None
    fed: repository.Fed | None = None
    state: str | None = None
    recorded: tuple[service.Search, service.Granted] | None = None


def _deposit(op: service.Deposit, profile: Profile | None, state: str | None) -> _Decided:
    try:
        fed = service.check_deposit(op, profile)
    except Exception as refused:  # the operation's own outcome; nothing written for it
        return _Decided(refused)
    return _Decided(fed.document, fed=fed, state=state)


def _search(op: service.Search, searching: service.Searching, found: repository.Consulted | None) -> _Decided:
    try:
        granted = service.grant_search(searching, found)
        answer = service.shown(op, granted)
    except Exception as refused:  # the operation's own outcome; nothing written for it
        return _Decided(refused)
    if granted.only_traced:
        return _Decided(answer, trace=(op.ins, op.trace()))
    return _Decided(answer, recorded=(op, granted))


Reading = tuple[int, service.Searching | None, repository.Consultation]
"""An operation of a batch to read for: its index, the search started (``None``: a deposit), what to read."""


def _read(
    tenant: Tenant, ops: Sequence[Op], reads: Sequence[Reading], known: KnownProfiles
) -> dict[int, _Decided]:
    """One statement reads for ``reads``; the rules decide each operation on what it read."""
    if not reads:
        return {}
    with tenant.autocommit(generic_plans=True) as conn:
        found = repository.consult_many(conn, [consultation for _, _, consultation in reads])
    decided: dict[int, _Decided] = {}
    for (i, searching, _), read in zip(reads, found, strict=True):
        if read is not None:
            known.keep(read)
        op = ops[i]
        if searching is None:
            assert isinstance(op, service.Deposit)
            decided[i] = (
                _deposit(op, None, None) if read is None else _deposit(op, read.consulted[0], read.state)
            )
        else:
            assert isinstance(op, service.Search)
            decided[i] = _search(op, searching, None if read is None else read.consulted)
    return decided


@dataclass(slots=True)
class _Writes:
    """What the operations of a batch decided to write, by index."""

    decided: dict[int, _Decided]

    @classmethod
    def of(cls, decided: Mapping[int, _Decided]) -> _Writes:
        return cls({i: d for i, d in decided.items() if d.trace is not None or d.fed is not None})

    def traces(self) -> list[tuple[str, Trace]]:
        return [d.trace for d in self.decided.values() if d.trace is not None]

    def arguments(self) -> tuple[list[tuple[str, Trace]], list[repository.Fed], dict[str, str]]:
        """``repository.write_many``'s traces, deposits and states."""
        traces = self.traces()
        feds = [d.fed for d in self.decided.values() if d.fed is not None]
        states = {
            d.fed.document.id: d.state
            for d in self.decided.values()
            if d.fed is not None and d.state is not None
        }
        return traces, feds, states

    def stale(self, written: set[str]) -> list[int]:
        """The deposits not written, their profile no longer in the state they were decided on."""
        return [i for i, d in self.decided.items() if d.fed is not None and d.fed.document.id not in written]

    def alone(self, tenant: Tenant, ops: Sequence[Op]) -> None:
        """After the statement failed (nothing written by it): each operation writes by itself."""
        for i, d in self.decided.items():
            d.outcome = _write_alone(tenant, ops[i], d)


async def _write(tenant: Tenant, ops: Sequence[Op], decided: Mapping[int, _Decided]) -> list[int]:
    """One statement, awaited, writes what the operations ``decided`` write; the deposits it did not
    write (their indices). If it fails, each operation is run alone."""
    writes = _Writes.of(decided)
    if not writes.decided:
        return []
    try:
        async with tenant.autocommit_async() as conn:
            written = await repository.write_many_async(conn, *writes.arguments())
    except Exception:  # nothing written: each operation writes again by itself
        writes.alone(tenant, ops)
        return []
    return writes.stale(written)


Outcomes = list[Outcome | BaseException]


def _run_postgres(tenant: Tenant, ops: Sequence[Op]) -> Outcomes | Awaitable[Outcomes]:
    """One statement reads for the operations (not for deposits to known profiles) and the rules decide
    each, inline. A batch that deposits then has its write awaited (``_deposited``): PostgreSQL takes
    about 1 ms for eight deposits, while the loop serves the next requests. Searches' traces are written
    inline: awaiting them cost the searches about a fifth of their rate (the next batch waits for the
    write, a smaller saving than the loop turns it adds)."""
    known = known_profiles(tenant)
    decided: dict[int, _Decided] = {}
    reads: list[Reading] = []
    for i, op in enumerate(ops):
        if isinstance(op, service.Deposit):
            hit = known.get(op.ins)
            if hit is not None:
                on_known = _deposit(op, *hit)
                if on_known.fed is not None:  # a refusal is only made on a profile read now
                    decided[i] = on_known
                    continue
            reads.append((i, None, op.consultation()))
            continue
        try:
            searching = service.start_search(tenant, op)
        except SandboxError as refused:
            decided[i] = _Decided(refused)
            continue
        reads.append((i, searching, searching.consultation()))
    decided.update(_read(tenant, ops, reads, known))
    if any(d.fed is not None for d in decided.values()):
        return _deposited(tenant, ops, decided, known)
    done = [decided[i] for i in range(len(ops))]
    _write_traces(tenant, ops, decided)
    return _recorded(tenant, done)


def _write_traces(tenant: Tenant, ops: Sequence[Op], decided: Mapping[int, _Decided]) -> None:
    """A batch of searches: one statement writes the traces of those granted (a first or an emergency
    access records its own); if it fails, each trace is written alone."""
    writes = _Writes.of(decided)
    if not writes.decided:
        return
    try:
        with tenant.autocommit(generic_plans=True) as conn:
            repository.insert_traces(conn, writes.traces())
    except Exception:  # nothing written: each trace is written by itself
        writes.alone(tenant, ops)


async def _deposited(
    tenant: Tenant, ops: Sequence[Op], decided: dict[int, _Decided], known: KnownProfiles
) -> Outcomes:
    """The batch's write, awaited; the deposits whose profile had changed are then read (inline: it is
    rare), decided and written again."""
    stale = await _write(tenant, ops, decided)
    if stale:
        retry: list[Reading] = []
        for i in stale:
            op = ops[i]
            assert isinstance(op, service.Deposit)  # only deposits are written on condition
            known.forget(op.ins)
            retry.append((i, None, op.consultation()))
        again = _read(tenant, ops, retry, known)
        decided.update(again)
        for i in await _write(tenant, ops, again):  # changed once more since this read: alone
            decided[i] = _Decided(_alone(tenant, ops[i]))
    return _recorded(tenant, [decided[i] for i in range(len(ops))])


def _recorded(tenant: Tenant, done: Sequence[_Decided]) -> Outcomes:
    """The outcomes, once the searches that are a first or an emergency access are recorded."""
    for d in done:
        if d.recorded is not None:
            try:
                service.record_search(tenant, *d.recorded)
            except Exception as exc:  # the operation's own outcome
                d.outcome = exc
    return [d.outcome for d in done]


def _write_alone(tenant: Tenant, op: Op, decided: _Decided) -> Outcome | BaseException:
    """What one operation of a batch whose write failed writes by itself: a search its trace; a deposit
    is read, decided and written again (the profile it was decided on may have been a known one)."""
    if decided.fed is not None:
        return _alone(tenant, op)
    try:
        with tenant.autocommit() as conn:
            if decided.trace is not None:
                repository.insert_trace(conn, *decided.trace)
    except Exception as exc:  # the operation's own outcome
        return exc
    return decided.outcome
