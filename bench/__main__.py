"""`make bench`: every suite's targets, each figure a ratio to a bare FastAPI app of the same run.

`python -m bench [suite ...]` runs the named suites only.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

from bench.context import BenchContext
from bench.harness import BARE_APP, uvicorn_server

SUITES = [
    "foundation",
    "insi",
    "adri",
    "dmp",
    "eprescription",
    "mssante",
    "cijob",
    "tenants",
    "startup",
    "workers",
]
"""Each is a module of this package with ``run(ctx: BenchContext) -> None``."""


def main(argv: list[str]) -> int:
    chosen = argv or SUITES
    os.environ.pop("ESANTE_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp, uvicorn_server(BARE_APP, "/small") as bare:
        ctx = BenchContext(tmp=Path(tmp), bare=bare)
        for name in chosen:
            print(f"== {name}", flush=True)
            importlib.import_module(f"bench.{name}").run(ctx)
    missed = [row for row in ctx.rows if not row[3]]
    print(f"\n{len(ctx.rows) - len(missed)} of {len(ctx.rows)} targets met")
    for name, figure, target, _ in missed:
        print(f"  missed: {name}: {figure} (target {target})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
