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
