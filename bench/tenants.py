"""Issue 17's tenant figures (informational, aim at most 50 ms at 100,000 persons): creating a tenant
(its first request: a copy of the seeded template, opened) and resetting it, at 1,000, 10,000 and
100,000 persons, on SQLite, and on PostgreSQL when ``ESANTE_BENCH_DATABASE_URL`` is set.

Each size's template is seeded first, in this process, outside the timing (100,000 persons take
minutes: progress is printed). Then a sandbox serves it and each of SAMPLES new tenants is created by a
request naming it, reset, and dropped (dropped so that a run at 100,000 persons does not leave
gigabytes of copies behind). `python -m bench tenants` runs this suite alone.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.context import BenchContext, fresh_postgres, postgres_url
from shared.config import SandboxSettings
from shared.runtime import Runtime

SIZES = (1_000, 10_000, 100_000)
SAMPLES = 20
AIM_MS = 50.0
AIM_PERSONS = 100_000
"""The issue's aim applies at this size; the smaller ones show how the time grows."""


class _Progress:
    """Prints each seeding step once, and the population's generation every tenth."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.step = ""
        self.tenth = -1

    def __call__(self, step: str, done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if step == self.step and tenth == self.tenth:
            return
        if step != self.step or step == "population":
            elapsed = time.monotonic() - self.started
            print(f"    {self.label}: {elapsed:6.1f} s  {step} {done:,}/{total:,}", flush=True)
        self.step, self.tenth = step, tenth


def seed(data_dir: Path, persons: int, database_url: str | None, label: str) -> float:
    """Build the template of ``persons`` persons (migrate, generate, seed); returns its seconds."""
    from services.sandbox.provisioning import prepare

    settings = SandboxSettings(data_dir=data_dir, database_url=database_url, persons=persons)
    started = time.monotonic()
    runtime = Runtime(settings)
    try:
        prepare(runtime, _Progress(label))
    finally:
        runtime.close()
    return time.monotonic() - started


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(base: str, samples: int, persons: int) -> tuple[list[float], list[float]]:
    """Milliseconds to create (first request) and to reset each of ``samples`` new tenants, each
    dropped after; every tenant must hold at least ``persons`` persons."""
    created, reset = [], []
    with httpx.Client(base_url=base, timeout=120) as http:
        for index in range(samples):
            name = f"bench-{os.getpid()}-{persons}-{index}"
            started = time.perf_counter()
            first = http.get(
                "/sandbox/population/persons", params={"limit": 1}, headers={"X-Sandbox-Tenant": name}
            )
            created.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            again = http.post(f"/sandbox/tenants/{name}/reset")
            reset.append((time.perf_counter() - started) * 1000)
            dropped = http.delete(f"/sandbox/tenants/{name}")
            if (first.status_code, again.status_code, dropped.status_code) != (200, 200, 204):
                raise RuntimeError(f"tenant {name}: {first.text} / {again.text} / {dropped.text}")
            if first.json()["total"] < persons:
                raise RuntimeError(f"tenant {name} holds {first.json()['total']} persons, not {persons}")
    return created, reset


@contextmanager
def _database(label: str, persons: int) -> Iterator[str | None]:
    if label == "SQLite":
        yield None
        return
    url = postgres_url(f"esbench_ten{persons}")  # database names: at most 20 characters
    with fresh_postgres(url):
        yield url


def one_size(ctx: BenchContext, label: str, persons: int) -> None:
    name = f"tenants-{label.lower()}-{persons}"
    with _database(label, persons) as url:
        seconds = seed(ctx.tmp / name, persons, url, f"{label} {persons:,}")
        print(f"  {label}, {persons:,} persons: template seeded in {seconds:.0f} s (not timed below)")
        env = {"ESANTE_PERSONS": str(persons), "ESANTE_DATABASE_URL": url or ""}
        with ctx.sandbox(name, **env) as server:
            created, reset = measure(server.base, SAMPLES, persons)
    for what, values in (("create a tenant (its first request)", created), ("reset a tenant", reset)):
        name, figure = f"{what}, {persons:,} persons ({label})", f"median {statistics.median(values):.1f} ms"
        figure += f", p95 {p95(values):.1f} ms"
        if persons == AIM_PERSONS:
            ctx.inform(name, figure, f"aim <= {AIM_MS:.0f} ms", statistics.median(values) <= AIM_MS)
        else:
            print(f"  info {name:<55} {figure}", flush=True)


def run(ctx: BenchContext) -> None:
    print(f"tenants (informational; {SAMPLES} new tenants a size, each created, reset and dropped)")
    databases = ["SQLite"] + (["PostgreSQL"] if os.environ.get("ESANTE_BENCH_DATABASE_URL") else [])
    for label in databases:
        for persons in SIZES:
            one_size(ctx, label, persons)
