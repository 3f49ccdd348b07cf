"""Operations submitted together run as one batch; each keeps its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from shared.coalescer import Coalescer


class Recorder:
    """A runner that records its batches and doubles numbers, refusing negative ones."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __call__(self, ops: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(ops))
        return [ValueError(f"negative {op}") if op < 0 else 2 * op for op in ops]


@pytest.mark.asyncio
async def test_operations_submitted_together_run_as_one_batch() -> None:
    runner = Recorder()
    coalescer = Coalescer(runner)
    results = await asyncio.gather(*(coalescer.submit(n) for n in range(10)))
    assert results == [2 * n for n in range(10)]
    assert runner.batches == [list(range(10))]
    assert (coalescer.batches, coalescer.operations, coalescer.largest) == (1, 10, 10)


@pytest.mark.asyncio
async def test_a_lone_operation_runs_alone() -> None:
    runner = Recorder()
    coalescer = Coalescer(runner)
    assert await coalescer.submit(4) == 8
    assert await coalescer.submit(5) == 10
    assert runner.batches == [[4], [5]]


@pytest.mark.asyncio
async def test_a_refused_operation_fails_only_its_own_request() -> None:
    runner = Recorder()
    coalescer = Coalescer(runner)
    results = await asyncio.gather(*(coalescer.submit(n) for n in (1, -2, 3)), return_exceptions=True)
    assert results[0] == 2
    assert results[2] == 6
    assert isinstance(results[1], ValueError)
    assert str(results[1]) == "negative -2"
    assert len(runner.batches) == 1


@pytest.mark.asyncio
async def test_a_failing_runner_fails_every_operation_of_its_batch() -> None:
    def broken(ops: Sequence[int]) -> list[int | BaseException]:
        raise RuntimeError("database gone")

    coalescer: Coalescer[int, int] = Coalescer(broken)
    results = await asyncio.gather(*(coalescer.submit(n) for n in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["database gone"] * 3


@pytest.mark.asyncio
async def test_a_runner_giving_the_wrong_count_fails_the_batch() -> None:
    coalescer: Coalescer[int, int] = Coalescer(lambda ops: [1])
    results = await asyncio.gather(*(coalescer.submit(n) for n in range(2)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


@pytest.mark.asyncio
async def test_batches_hold_at_most_the_limit() -> None:
    runner = Recorder()
    coalescer = Coalescer(runner, limit=4)
    results = await asyncio.gather(*(coalescer.submit(n) for n in range(10)))
    assert results == [2 * n for n in range(10)]
    assert [len(b) for b in runner.batches] == [4, 4, 2]


@pytest.mark.asyncio
@pytest.mark.parametrize(("patience", "batches"), [(8, [[0, 1, 2, 3, 4]]), (1, [[0, 1, 2], [3], [4]])])
async def test_a_batch_waits_for_operations_still_arriving(patience: int, batches: list[list[int]]) -> None:
    """Two operations in the first turn, then one more each turn: with patience enough they all join
    the first batch; with a patience of one turn the batch starts without the last ones."""
    runner = Recorder()
    coalescer = Coalescer(runner, patience=patience)

    async def late(n: int, turns: int) -> int:
        for _ in range(turns):
            await asyncio.sleep(0)
        return await coalescer.submit(n)

    turns = (0, 0, 1, 2, 3)
    assert await asyncio.gather(*(late(n, t) for n, t in enumerate(turns))) == [0, 2, 4, 6, 8]
    assert runner.batches == batches


class AwaitingRecorder(Recorder):
    """A runner whose batches are awaited: each waits until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    def __call__(self, ops: Sequence[int]) -> asyncio.Future[list[int | BaseException]]:  # type: ignore[override]
        outcomes = super().__call__(ops)
        self.started.set()

        async def awaited() -> list[int | BaseException]:
            await self.release.wait()
            return outcomes

        return asyncio.ensure_future(awaited())


@pytest.mark.asyncio
async def test_operations_submitted_while_a_batch_is_awaited_form_the_next_batch() -> None:
    runner = AwaitingRecorder()
    coalescer = Coalescer(runner)
    first = [asyncio.ensure_future(coalescer.submit(n)) for n in range(3)]
    await runner.started.wait()  # the first batch starts, then awaits
    second = [asyncio.ensure_future(coalescer.submit(n)) for n in (10, -11, 12)]
    for _ in range(20):  # the loop turns: nothing else runs while the first batch is awaited
        await asyncio.sleep(0)
    assert runner.batches == [[0, 1, 2]]
    assert not any(f.done() for f in first + second)
    runner.release.set()
    assert await asyncio.gather(*first) == [0, 2, 4]
    results = await asyncio.gather(*second, return_exceptions=True)
    assert results[0] == 20
    assert isinstance(results[1], ValueError)
    assert results[2] == 24
    assert runner.batches == [[0, 1, 2], [10, -11, 12]]


@pytest.mark.asyncio
async def test_an_awaited_batch_that_fails_fails_every_operation_of_it_and_no_other() -> None:
    calls: list[list[int]] = []

    def runner(ops: Sequence[int]) -> asyncio.Future[list[int | BaseException]]:
        calls.append(list(ops))

        async def awaited() -> list[int | BaseException]:
            if len(calls) == 1:
                raise ConnectionError("server closed the connection")
            return [2 * op for op in ops]

        return asyncio.ensure_future(awaited())

    coalescer: Coalescer[int, int] = Coalescer(runner)
    failed = await asyncio.gather(*(coalescer.submit(n) for n in range(2)), return_exceptions=True)
    assert [type(r) for r in failed] == [ConnectionError, ConnectionError]
    assert await coalescer.submit(5) == 10


@pytest.mark.asyncio
async def test_a_cancelled_batch_cancels_its_operations() -> None:
    runner = AwaitingRecorder()
    coalescer = Coalescer(runner)
    submitted = [asyncio.ensure_future(coalescer.submit(n)) for n in range(2)]
    await runner.started.wait()
    awaited = coalescer._awaited
    assert awaited is not None
    awaited.cancel()
    results = await asyncio.gather(*submitted, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    runner.release.set()
    assert await coalescer.submit(3) == 6  # the next batch runs
