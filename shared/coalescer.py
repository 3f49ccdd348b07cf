"""Run together the operations that requests submit close together.

A database round trip made inline blocks the event loop; while it does, other requests wait in their
sockets. A ``Coalescer`` collects the operations their handlers submit and hands them to one call of its
runner (one statement, or one transaction, for all of them), inline on the loop, then wakes every
handler with its own outcome. A batch starts once a loop turn brings no new operation (at most
``patience`` turns), so that the requests already read from the sockets join it; a lone request runs
alone, a loop turn later than it would have.

Measured on the DMP (PostgreSQL, 16 connections): without that patience a batch held 1.9 searches on
average and the search reached about 0.2x of a bare GET; with it, 4 (up to 16) and 0.4-0.5x. Running the
batches in a worker thread instead, so that the loop serves while the thread waits for the database,
was no faster on this 2-core machine kind (0.37-0.43x) and is not offered (a second try, with a shorter
GIL switch interval, was slower still). Awaiting both round trips of a batch (its read, then its write)
on psycopg's asynchronous connection, one or more batches at once, was slower too (DMP deposits 0.25x of
a bare GET against 0.32x inline: each await adds a loop turn to a batch, and the 16 clients wait on
fewer, slower batches).

A runner may return an awaitable of the outcomes instead, for the part of a batch that waits on the
database without work of its own (the DMP's one write statement): the loop then serves requests
meanwhile, and the operations they submit form the next batch, started as soon as this one is done
(one batch at a time, so batches keep the order operations were submitted in). Measured on the DMP's
PostgreSQL deposits, once the batch read was gone, in paired 4-second runs against the same write made
inline: a median 1.03 to 1.09 times the requests a second, spread 0.5 to 1.8 on this noisy machine.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Op = TypeVar("Op")
Result = TypeVar("Result")

Outcomes = Sequence["Result | BaseException"]
Runner = Callable[[Sequence[Op]], "Outcomes[Result] | Awaitable[Outcomes[Result]]"]
"""Runs a batch of operations; one outcome per operation, in order: its result, or the exception to
raise in its request (an exception the runner raises itself fails every operation of the batch). Or
an awaitable of those outcomes, awaited while the loop serves other requests."""


class Coalescer(Generic[Op, Result]):
    """Gathers submitted operations into batches of at most ``limit`` and runs each batch with one call
    of ``runner``."""

    def __init__(self, runner: Runner[Op, Result], *, limit: int = 64, patience: int = 8) -> None:
        if limit < 1:
            raise ValueError("a batch holds at least one operation")
        self._runner = runner
        self._limit = limit
        self._patience = patience
        self._pending: list[tuple[Op, asyncio.Future[Result]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seen = 0
        self._turns = 0
        self._awaited: asyncio.Future[Outcomes[Result]] | None = None
        self.batches = 0
        self.operations = 0
        self.largest = 0

    async def submit(self, op: Op) -> Result:
        """Queue ``op`` for the next batch and wait for its outcome."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Operations left by a loop that has gone (a test's portal) would never run: forget them.
            self._loop, self._pending, self._awaited = loop, [], None
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((op, future))
        if len(self._pending) == 1:
            self._seen, self._turns = 1, 0
            loop.call_soon(self._flush, loop)
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # another loop took the coalescer over
            return
        if self._awaited is not None:  # a batch is awaited: the next one starts when it is done
            return
        waiting = len(self._pending)
        if self._seen < waiting < self._limit and self._turns < self._patience:
            # Operations still arrive: give the loop one more turn to read the requests behind them.
            self._seen, self._turns = waiting, self._turns + 1
            loop.call_soon(self._flush, loop)
            return
        batch, self._pending = self._pending[: self._limit], self._pending[self._limit :]
        if not batch:
            return
        self.batches += 1
        self.operations += len(batch)
        self.largest = max(self.largest, len(batch))
        ops = [op for op, _ in batch]
        try:
            outcomes = self._runner(ops)
        except Exception as exc:  # a runner's failure is every operation's failure
            outcomes = [exc] * len(ops)
        if inspect.isawaitable(outcomes):
            awaited = self._awaited = asyncio.ensure_future(outcomes)
            awaited.add_done_callback(lambda done: self._done(loop, batch, done))
            return
        self._settle(batch, outcomes)
        if self._pending:  # more than ``limit`` were waiting
            self._seen, self._turns = len(self._pending), 0
            loop.call_soon(self._flush, loop)

    def _done(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[tuple[Op, asyncio.Future[Result]]],
        awaited: asyncio.Future[Outcomes[Result]],
    ) -> None:
        if awaited is not self._awaited:  # the coalescer moved to another loop meanwhile
            return
        self._awaited = None
        if awaited.cancelled():
            for _, future in batch:
                future.cancel()
        else:
            failure = awaited.exception()
            outcomes = [failure] * len(batch) if failure is not None else awaited.result()
            self._settle(batch, outcomes)
        if self._pending:  # submitted while the batch was awaited: they waited long enough
            self._seen, self._turns = len(self._pending), self._patience
            self._flush(loop)

    def _settle(self, batch: list[tuple[Op, asyncio.Future[Result]]], outcomes: Outcomes[Result]) -> None:
        if len(outcomes) != len(batch):
            failure = RuntimeError(f"the runner gave {len(outcomes)} outcomes for {len(batch)} operations")
            outcomes = [failure] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the request was cancelled while it waited
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
