"""A sandbox in its own process, for the tests whose client speaks real HTTP (pyoidc and zeep use
``requests``): ``esante up`` on free ports and its own data folder, stopped by Ctrl-C afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until ``url``/health/ready answers 200; fails with the process's output if it stops first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode() if proc.stdout else "the sandbox stopped")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} was not ready in {timeout} s")


@contextmanager
def live_sandbox(data_dir: Path, *, persons: int = 50, timeout: float = 60) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>``) of an all-in-one sandbox on SQLite, no SMTP."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_DATA_DIR=str(data_dir),
        ESANTE_PERSONS=str(persons),
        ESANTE_SMTP_PORT="0",
        ESANTE_SMTPS_PORT="0",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, timeout)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
