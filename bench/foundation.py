"""Issue 2's targets (cold start as issue 17 sets it): cold start and idle memory, tenant creation and
reset, token issuance and verification."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.context import FLOORS, BenchContext
from bench.harness import (
    BARE_APP,
    Server,
    cpu_seconds,
    esante_up,
    post_script,
    rounds,
    rss_mb,
    uvicorn_server,
    wrk,
)
from bench.tenants import measure as measure_tenants
from bench.tenants import p95
from shared.config import SandboxSettings

COLD_RUNS = 5
TENANT_SAMPLES = 30
IDLE_SECONDS = 0.5


@dataclass(frozen=True)
class Start:
    seconds: float
    """From the process start to the first 200 of its readiness route."""
    cpu: float
    """CPU seconds the process had used by then: steadier than the wall clock on a busy machine."""
    rss: float
    """Resident memory (MiB) once it has answered and sat idle a moment."""


def _measured(server: Server) -> Start:
    cpu = cpu_seconds(server.proc.pid)
    time.sleep(IDLE_SECONDS)
    return Start(server.started_in, cpu, rss_mb(server.proc.pid))


def _up_until_ready(data_dir: Path) -> Start:
    with esante_up(data_dir) as server:
        return _measured(server)


def _bare_start() -> Start:
    with uvicorn_server(BARE_APP, "/small") as server:
        return _measured(server)


def _median(runs: list[Start]) -> Start:
    return Start(*(statistics.median(getattr(r, f) for r in runs) for f in ("seconds", "cpu", "rss")))


def cold_start(ctx: BenchContext) -> None:
    """Issue 17: `esante up` on a seeded folder at most 2x a bare FastAPI app's start (a module that
    imports FastAPI alone, bench/bare_app.py); idle memory against the bare app's, aim 2x."""
    print(f"cold start to ready (default population, 1,000 persons; median of {COLD_RUNS}, interleaved)")
    seeded = Path(tempfile.mkdtemp(dir=ctx.tmp))
    _up_until_ready(seeded)  # migrates and seeds: what follows starts on a seeded folder
    runs: dict[str, list[Start]] = {"bare": [], "fresh": [], "seeded": []}
    for _ in range(COLD_RUNS):  # interleaved: the machine is noisy
        runs["bare"].append(_bare_start())
        runs["fresh"].append(_up_until_ready(Path(tempfile.mkdtemp(dir=ctx.tmp))))
        runs["seeded"].append(_up_until_ready(seeded))
    bare, fresh, warm = (_median(runs[k]) for k in ("bare", "fresh", "seeded"))
    print(
        f"  bare FastAPI app (bench.bare_app, FastAPI alone): {bare.seconds:.2f} s to its first answer,"
        f" {bare.cpu:.2f} s CPU, {bare.rss:.0f} MiB"
    )
    ratio = warm.seconds / bare.seconds
    ctx.report(
        "cold start, seeded data folder", f"{warm.seconds:.2f} s = {ratio:.1f}x bare", "<= 2x", ratio <= 2
    )
    print(f"  its CPU time to ready: {warm.cpu:.2f} s = {warm.cpu / bare.cpu:.1f}x the bare app's")
    ratio = fresh.seconds / bare.seconds
    # Issue 2's target for an empty folder was against a reference that imported the project's code.
    ctx.inform(
        "cold start, empty data folder (migrate + seed)",
        f"{fresh.seconds:.2f} s = {ratio:.1f}x bare",
        "<= 4x",
        ratio <= 4,
    )
    ratio = warm.rss / bare.rss
    ctx.inform(
        "idle memory (RSS) after readiness, seeded folder",
        f"{warm.rss:.0f} MiB = {ratio:.1f}x bare ({bare.rss:.0f} MiB)",
        "aim <= 2x",
        ratio <= 2,
    )


def tenants(ctx: BenchContext, base: str) -> None:
    print(f"tenants (SQLite, default population; {TENANT_SAMPLES} each)")
    created, reset = measure_tenants(base, TENANT_SAMPLES, SandboxSettings().persons)
    for label, values in (("create a tenant (its first request)", created), ("reset a tenant", reset)):
        worst = p95(values)
        ctx.report(
            label, f"median {statistics.median(values):.1f} ms, p95 {worst:.1f} ms", "<= 100 ms", worst <= 100
        )


def tokens(ctx: BenchContext, base: str) -> None:
    print("tokens (wrk -t1 -c16 -d5s, median of 3 interleaved rounds)")
    with httpx.Client(base_url=base, timeout=10) as http:
        found = http.get("/sandbox/population/professionals", params={"profession": "10", "limit": 1})
        rpps = found.json()["items"][0]["rpps"]
        body = f"grant_type=client_credentials&client_id=esante-ci&client_secret=esante-ci&login_hint={rpps}"
        issued = http.post(
            "/psc/protocol/openid-connect/token",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        token = issued.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    loads = rounds(
        [
            ("bare", lambda: wrk(f"{ctx.bare.base}/small")),
            ("token", lambda: wrk(f"{base}/psc/protocol/openid-connect/token", script=post_script(body))),
            ("open", lambda: wrk(f"{base}/bench/open")),
            ("protected", lambda: wrk(f"{base}/bench/protected", headers=auth)),
            ("inline", lambda: wrk(f"{base}/bench/protected-inline", headers=auth)),
        ]
    )
    ref = loads["bare"]
    print(f"  bare FastAPI GET: {ref.rps:,.0f} req/s, p99 {ref.p99_ms:.2f} ms")
    tok = loads["token"]
    ratio = tok.rps / ref.rps
    ctx.report(
        "client_credentials token",
        f"{tok.rps:,.0f} req/s = {ratio:.2f}x bare",
        f">= {FLOORS['SQLite']}x",
        ratio >= FLOORS["SQLite"],
    )
    added = loads["open"].rps / loads["inline"].rps - 1
    ctx.report(
        "token verification on a bare route",
        f"{loads['inline'].rps:,.0f} vs {loads['open'].rps:,.0f} req/s: +{added * 100:.0f} % time",
        "<= +10 %",
        added <= 0.10,
    )
    with_injection = loads["open"].rps / loads["protected"].rps - 1
    print(
        f"  the same through FastAPI's dependency injection (ActorDep): {loads['protected'].rps:,.0f} req/s,"
        f" +{with_injection * 100:.0f} % time (FastAPI solving a dependency, not the verification)"
    )


def run(ctx: BenchContext) -> None:
    cold_start(ctx)
    with ctx.sandbox("foundation") as server:
        tenants(ctx, server.base)
        tokens(ctx, server.base)
