"""What every benchmark suite gets: a bare reference server, sandbox servers on demand, a report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Server, uvicorn_server
from shared.db import PostgresStorage

FLOORS = {"SQLite": 0.3, "PostgreSQL": 0.2}
"""Issue 17's floors, replacing the ratios of the earlier issues: every operation at least this many
times a bare FastAPI GET of the same run (SMTP keeps its bare-aiosmtpd reference, at 0.5x)."""

DEFAULT_POSTGRES = "postgresql+psycopg:///esantebench?host=/var/run/postgresql&port=5433"


def postgres_url(database: str) -> str:
    """A PostgreSQL URL for a suite's own databases (names prefixed ``database``), on the cluster of
    ``ESANTE_BENCH_DATABASE_URL``: `make bench` passes the test suite's own cluster (started by `make
    postgres`, durability off: see scripts/ensure_postgres.sh)."""
    from sqlalchemy import make_url

    base = make_url(os.environ.get("ESANTE_BENCH_DATABASE_URL", DEFAULT_POSTGRES))
    return base.set(database=database).render_as_string(hide_password=False)


@contextmanager
def fresh_postgres(url: str) -> Iterator[None]:
    """The block runs on no database of ``url``'s name: what an interrupted run left behind is dropped
    first (it would collide with the suite's loads), and what the block made is dropped after."""
    PostgresStorage(url).drop_everything()
    try:
        yield
    finally:
        PostgresStorage(url).drop_everything()


@dataclass
class BenchContext:
    tmp: Path
    bare: Server
    rows: list[tuple[str, str, str, bool]] = field(default_factory=list)

    def report(self, name: str, figure: str, target: str, ok: bool) -> None:
        """Print one measured figure next to its target."""
        self.rows.append((name, figure, target, ok))
        print(f"  {'ok  ' if ok else 'MISS'} {name:<55} {figure:<44} target {target}", flush=True)

    def inform(self, name: str, figure: str, target: str, ok: bool) -> None:
        """Print a figure measured beside a target that does not apply to it (not counted)."""
        met = "would meet" if ok else "would miss"
        print(f"  info {name:<55} {figure:<44} ({met} {target})", flush=True)

    @contextmanager
    def sandbox(self, name: str, **env: str) -> Iterator[Server]:
        """The all-in-one sandbox (plus the /bench probes) on its own data folder, SQLite unless
        ``ESANTE_DATABASE_URL`` is given in ``env``; no SMTP listener unless its ports are given (the
        default 2525 may be taken by another sandbox on the machine)."""
        data_dir = self.tmp / name
        settings = {
            "ESANTE_DATA_DIR": str(data_dir),
            "ESANTE_DATABASE_URL": "",
            "ESANTE_SMTP_PORT": "0",
            "ESANTE_SMTPS_PORT": "0",
            **env,
        }
        with uvicorn_server("bench.apps:sandbox", "/health/ready", env=settings, factory=True) as server:
            yield server
