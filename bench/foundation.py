"""Issue 2's targets: cold start, tenant creation and reset, token issuance and verification."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.context import BenchContext
from bench.harness import ROOT, free_port, post_script, rounds, uvicorn_server, wait_for, wrk


def _up_until_ready(data_dir: Path) -> float:
    """Seconds from starting `esante up` to its /health/ready answering 200."""
    port = free_port()
    env = {**os.environ, "ESANTE_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ready", proc)
        return time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)


def _bare_start() -> float:
    with uvicorn_server("bench.apps:bare", "/small") as server:
        return server.started_in


def cold_start(ctx: BenchContext) -> None:
    print("cold start to ready (default population, 1,000 persons; median of 3)")
    bare = statistics.median(_bare_start() for _ in range(3))
    fresh = statistics.median(_up_until_ready(Path(tempfile.mkdtemp(dir=ctx.tmp))) for _ in range(3))
    warm_dir = Path(tempfile.mkdtemp(dir=ctx.tmp))
    _up_until_ready(warm_dir)
    warm = statistics.median(_up_until_ready(warm_dir) for _ in range(3))
    print(f"  bare FastAPI app: {bare:.2f} s to its first answer")
    for label, seconds in (("empty data folder (migrate + seed)", fresh), ("seeded data folder", warm)):
        ratio = seconds / bare
        ctx.report(f"cold start, {label}", f"{seconds:.2f} s = {ratio:.1f}x bare", "<= 4x", ratio <= 4)


def tenants(ctx: BenchContext, base: str) -> None:
    print("tenants (SQLite; 30 each)")
    created, reset = [], []
    with httpx.Client(base_url=base, timeout=10) as http:
        names = [f"bench-{os.getpid()}-{i}" for i in range(30)]
        for name in names:
            t0 = time.perf_counter()
            first = http.get(
                "/sandbox/population/persons", params={"limit": 1}, headers={"X-Sandbox-Tenant": name}
            )
            created.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            again = http.post(f"/sandbox/tenants/{name}/reset")
            reset.append((time.perf_counter() - t0) * 1000)
            assert first.status_code == again.status_code == 200
        for name in names:
            http.delete(f"/sandbox/tenants/{name}")
    for label, values in (("create a tenant (its first request)", created), ("reset a tenant", reset)):
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        ctx.report(
            label, f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms", "<= 100 ms", p95 <= 100
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
        "client_credentials token", f"{tok.rps:,.0f} req/s = {ratio:.2f}x bare", ">= 0.5x", ratio >= 0.5
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
