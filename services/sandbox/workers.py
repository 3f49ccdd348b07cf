"""``esante up --workers N``: N HTTP worker processes on one listening socket, on PostgreSQL.

uvicorn's supervisor starts the workers (and starts again one that dies); each builds the all-in-one
app from the settings the parent hands over (``ESANTE_WORKER_SETTINGS``). One worker at a time runs
MSSanté's SMTP listeners: the one holding ``<data-dir>/run/smtp.lock`` (a worker started in place of a
dead holder takes it over). Each worker marks itself ready in ``<data-dir>/run/workers/``; a worker's
``/health/ready`` answers ready once N live workers are, and the parent prints the banner then.
"""

from __future__ import annotations

import atexit
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Final

from fastapi import FastAPI

from services.sandbox.composition import build_root_app
from shared.config import SandboxSettings
from shared.errors import NotReady
from shared.files import try_exclusive
from shared.runtime import Runtime

SETTINGS_ENV: Final = "ESANTE_WORKER_SETTINGS"
ONLY_ENV: Final = "ESANTE_WORKER_ONLY"
_held: list[IO[str]] = []
"""The SMTP lock of this worker, kept open (and so held) as long as the process lives."""


def _markers(data_dir: Path) -> Path:
    folder = data_dir / "run" / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ready_workers(data_dir: Path) -> set[int]:
    """The pids of this host's workers that are ready and alive."""
    host = socket.gethostname()
    alive = set()
    for marker in _markers(data_dir).glob(f"{host}-*.ready"):
        pid = int(marker.stem.rsplit("-", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            marker.unlink(missing_ok=True)
            continue
        alive.add(pid)
    return alive


def _mark_ready(data_dir: Path) -> Callable[[], None]:
    marker = _markers(data_dir) / f"{socket.gethostname()}-{os.getpid()}.ready"

    def mark() -> None:
        marker.touch()
        atexit.register(marker.unlink, missing_ok=True)

    return mark


def _take_smtp_lock(data_dir: Path) -> bool:
    handle = try_exclusive(_markers(data_dir).parent / "smtp.lock")
    if handle is None:
        return False
    _held.append(handle)
    return True


def worker_app() -> FastAPI:
    """The app of one worker (uvicorn's factory, in the worker process)."""
    settings = SandboxSettings.model_validate_json(os.environ[SETTINGS_ENV])
    runtime = Runtime(settings)

    all_seen: list[bool] = []

    def every_worker_ready() -> None:
        # Every request checks readiness: once every worker was seen ready, the folder is not scanned
        # again (a scan per request cost half of an INSi search's throughput with 2 workers).
        if all_seen:
            return
        ready = len(ready_workers(settings.data_dir))
        if ready < settings.workers:
            raise NotReady(f"not ready: {ready} of {settings.workers} workers are", rule="readiness")
        all_seen.append(True)

    runtime.readiness_checks.append(every_worker_ready)
    return build_root_app(
        runtime,
        os.environ.get(ONLY_ENV) or None,
        on_ready=_mark_ready(settings.data_dir),
        listeners=_take_smtp_lock(settings.data_dir),
    )


def hand_over(settings: SandboxSettings, only: str | None) -> None:
    """Put the parent's settings where the workers read them (their environment, inherited)."""
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    os.environ[ONLY_ENV] = only or ""
    for stale in _markers(settings.data_dir).glob(f"{socket.gethostname()}-*.ready"):
        stale.unlink(missing_ok=True)


def wait_until_ready(settings: SandboxSettings, stop: Callable[[], bool], then: Callable[[], None]) -> None:
    """In the parent: call ``then`` once every worker is ready (or give up when ``stop`` says so)."""
    while not stop():
        if len(ready_workers(settings.data_dir)) >= settings.workers:
            then()
            return
        time.sleep(0.1)
