"""Where the cold start of `esante up` on a seeded folder goes (informational; issue 17).

`python -m bench startup` seeds a folder, then runs the start's steps in a fresh interpreter (``python
-m bench.startup <data-dir>``), in the order `esante up` runs them, each timed with the resident memory
after it: the third-party libraries first, each group on its own (so that a service's own import
is its own code's cost: models, schemas, routes), then the project's modules, the apps' construction,
the serving hooks (the SMTP listeners, as the lifespan starts them), the start hooks and the template
check. Steps are timed in CPU time, which a busy machine (two cores
shared by several engineers) disturbs far less than the wall clock. The libraries a sandbox serving
its first request does not need are marked: they are what deferring an import to its first use would
save. Beside them, the same start as a real process (`esante up` until /health/ready answers) and a
bare FastAPI app's (bench/bare_app.py, which imports FastAPI alone), and their ratios.
"""

from __future__ import annotations

import importlib
import json
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: `python -m bench.startup` must start with nothing imported
    from bench.context import BenchContext

LIBRARIES: list[tuple[str, list[str], str]] = [
    ("fastapi (pydantic, starlette)", ["fastapi"], ""),
    ("sqlalchemy (core, orm)", ["sqlalchemy", "sqlalchemy.orm"], ""),
    ("pydantic_settings", ["pydantic_settings"], ""),
    ("httpx", ["httpx"], ""),
    (
        "jwt, cryptography (keys)",
        ["jwt", "jwt.algorithms", "cryptography.hazmat.primitives.asymmetric.rsa"],
        "",
    ),
    ("cryptography.x509 (TLS, CA)", ["cryptography.x509"], "on --tls or a certificate's first use"),
    ("psycopg", ["psycopg"], "PostgreSQL only"),
    ("typer, rich (CLI)", ["typer", "rich.console", "rich.progress"], ""),
    ("uvicorn", ["uvicorn"], ""),
    ("aiosmtpd", ["aiosmtpd.controller", "aiosmtpd.smtp"], ""),
    ("fpdf2 (PIL, fontTools)", ["fpdf"], "first PDF"),
    ("segno", ["segno"], "first QR code"),
    ("jinja2", ["jinja2"], "first login page"),
    ("alembic (mako), script directory", ["alembic.script", "alembic.command"], "a stale template"),
]
"""(label, modules, when it is first needed when not at start), in the order they are timed."""

SHARED = ["shared.app", "shared.db", "shared.auth", "shared.runtime", "shared.population", "shared.service"]
SERVICES = ["psc", "insi", "adri", "dmp", "eprescription", "mssante", "sandbox"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def phases(data_dir: Path) -> list[tuple[str, float, float, str]]:
    """(step, CPU milliseconds, RSS MiB after it, when needed) of one start, in this interpreter."""
    rows: list[tuple[str, float, float, str]] = [("interpreter (before bench.startup)", 0.0, _rss_mb(), "")]
    clock = time.process_time()

    def step(label: str, note: str = "") -> None:
        nonlocal clock
        now = time.process_time()
        rows.append((label, (now - clock) * 1000, _rss_mb(), note))
        clock = now

    for label, modules, note in LIBRARIES:
        for module in modules:
            importlib.import_module(module)
        step(f"import {label}", note)
    for module in SHARED:
        importlib.import_module(module)
    step("import shared (app factory, db, auth, runtime, population)")
    for name in SERVICES:
        importlib.import_module(f"services.{name}")
        step(f"import services.{name} (its own code)")
    importlib.import_module("services.sandbox.cli")
    from services.sandbox.composition import build_root_app
    from services.sandbox.provisioning import template_fingerprint
    from services.sandbox.registry import all_services
    from shared.config import SandboxSettings
    from shared.runtime import Runtime

    step("import the CLI, composition, runtime")
    settings = SandboxSettings(data_dir=data_dir, smtp_port=_free_port(), smtps_port=_free_port())
    runtime = Runtime(settings)
    step("settings and Runtime")
    build_root_app(runtime, prepare_on_start=False)
    step("build_root_app (seven create_app, mounted)")
    serving = ExitStack()
    for spec in all_services():
        if spec.serving is not None:
            serving.enter_context(spec.serving(runtime))
            step(f"serving {spec.name} (lifespan start)")
    for spec in all_services():
        if spec.on_startup is not None:
            spec.on_startup(runtime)
            step(f"on_startup {spec.name}")
    fingerprint = template_fingerprint(settings)
    step("template check: fingerprint (alembic head, migration digest)")
    runtime.storage.ensure_template(fingerprint, lambda url: None)
    runtime.tenants.get("default")
    step("template check: read it, open the default tenant")
    serving.close()
    runtime.close()
    return rows


def _one_run(data_dir: Path) -> list[tuple[str, float, float, str]]:
    from bench.harness import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "bench.startup", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(str(label), float(ms), float(rss), str(note)) for label, ms, rss, note in json.loads(out)]


def run(ctx: BenchContext) -> None:
    from bench.cijob import seed
    from bench.harness import BARE_APP, cpu_seconds, esante_up, rss_mb, uvicorn_server

    data_dir = ctx.tmp / "startup"
    seed(data_dir, {"ESANTE_DATABASE_URL": ""})
    runs = 3
    print(f"where the cold start goes (seeded folder, 1,000 persons; median of {runs} fresh interpreters)")
    samples = [_one_run(data_dir) for _ in range(runs)]
    total = 0.0
    for index, (label, _, _, note) in enumerate(samples[0]):
        ms = statistics.median(s[index][1] for s in samples)
        rss = statistics.median(s[index][2] for s in samples)
        total += ms
        deferrable = f"  [deferrable: {note}]" if note else ""
        print(f"  {ms:7.1f} ms CPU  {rss:5.0f} MiB  {label}{deferrable}")
    deferrable_ms = sum(
        statistics.median(s[i][1] for s in samples) for i, row in enumerate(samples[0]) if row[3]
    )
    print(f"  {total:7.1f} ms CPU  in-process total, of which {deferrable_ms:.0f} ms deferrable imports")
    ups, bares = [], []
    for _ in range(runs):
        with esante_up(data_dir) as server:
            ups.append((server.started_in, cpu_seconds(server.proc.pid), rss_mb(server.proc.pid)))
        with uvicorn_server(BARE_APP, "/small") as bare:
            bares.append((bare.started_in, cpu_seconds(bare.proc.pid), rss_mb(bare.proc.pid)))
    medians: list[list[float]] = []
    for label, measured in (
        ("esante up to /health/ready", ups),
        ("bare FastAPI app to its first answer", bares),
    ):
        medians.append([statistics.median(m[i] for m in measured) for i in range(3)])
        wall, cpu, rss = medians[-1]
        print(f"  {label}: {wall:.2f} s, {cpu:.2f} s CPU, {rss:.0f} MiB")
    (up_wall, up_cpu, up_rss), (bare_wall, bare_cpu, bare_rss) = medians
    print(
        f"  esante up / bare FastAPI app: {up_wall / bare_wall:.1f}x wall, {up_cpu / bare_cpu:.1f}x CPU, "
        f"{up_rss / bare_rss:.1f}x memory (target: at most 2x)"
    )


if __name__ == "__main__":
    print(json.dumps(phases(Path(sys.argv[1]))))
