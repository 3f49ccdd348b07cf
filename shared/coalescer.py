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
was no faster on this 2-core machine kind (0.37-0.43x) and is not offered; nor are batches awaited on
psycopg's asynchronous connection, one or more at once (DMP deposits 0.25x of a bare GET against 0.32x
inline: each await adds a loop turn to a batch, and the 16 clients wait on fewer, slower batches).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Op = TypeVar("Op")
Result = TypeVar("Result")

Runner = Callable[[Sequence[Op]], Sequence["Result | BaseException"]]
"""Runs a batch of operations; one outcome per operation, in order: its result, or the exception to
raise in its request (an exception the runner raises itself fails every operation of the batch)."""


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
        self.batches = 0
        self.operations = 0
        self.largest = 0

    async def submit(self, op: Op) -> Result:
        """Queue ``op`` for the next batch and wait for its outcome."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Operations left by a loop that has gone (a test's portal) would never run: forget them.
            self._loop, self._pending = loop, []
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((op, future))
        if len(self._pending) == 1:
            self._seen, self._turns = 1, 0
            loop.call_soon(self._flush, loop)
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # another loop took the coalescer over
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
        self._settle(batch, self._run([op for op, _ in batch]))
        if self._pending:  # more than ``limit`` were waiting
            self._seen, self._turns = len(self._pending), 0
            loop.call_soon(self._flush, loop)

    def _run(self, ops: list[Op]) -> Sequence[Result | BaseException]:
        try:
            outcomes = self._runner(ops)
            if len(outcomes) != len(ops):
                raise RuntimeError(f"the runner gave {len(outcomes)} outcomes for {len(ops)} operations")
        except Exception as exc:  # a runner's failure is every operation's failure
            return [exc] * len(ops)
        return outcomes

    def _settle(
        self, batch: list[tuple[Op, asyncio.Future[Result]]], outcomes: Sequence[Result | BaseException]
    ) -> None:
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the request was cancelled while it waited
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
