"""The sandbox as benchmarks run it, plus a bench-only sub-app (the bare reference: bench/bare_app.py)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Request

from shared.app import NO_TELEMETRY
from shared.dependencies import ActorDep, get_actor


def probes() -> FastAPI:
    """The same bare route, once open and once behind the sandbox's token verification."""
    app = FastAPI(telemetry=NO_TELEMETRY)

    @app.get("/open")
    async def open_route(request: Request) -> dict[str, object]:
        # Takes the request too, as the inline route below: the two differ by the verification only.
        return {"status": "ok", "n": 1}

    @app.get("/protected")
    async def protected_route(actor: ActorDep) -> dict[str, object]:
        return {"status": "ok", "n": 1}

    @app.get("/protected-inline")
    async def protected_inline(request: Request) -> dict[str, object]:
        await get_actor(request)  # as the hot routes of INSi and ADRi verify
        return {"status": "ok", "n": 1}

    return app


def sandbox() -> FastAPI:
    """The all-in-one app, plus the probes under /bench sharing its runtime."""
    from services.sandbox.composition import build_root_app
    from shared.config import SandboxSettings
    from shared.runtime import Runtime

    settings = SandboxSettings(data_dir=Path(os.environ["ESANTE_DATA_DIR"]))
    runtime = Runtime(settings)
    root = build_root_app(runtime)
    bench = probes()
    bench.state.runtime = runtime
    root.mount("/bench", bench)
    return root
