"""Start servers in their own processes, drive them with wrk, read the figures."""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    started_in: float


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise RuntimeError(f"{url} not ready in {timeout} s")


@contextmanager
def uvicorn_server(
    target: str, ready_path: str, env: dict[str, str] | None = None, factory: bool = False
) -> Iterator[Server]:
    """Run ``uvicorn target`` (1 worker, uvloop, httptools, no access log) until the block ends."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        args.append("--factory")
    started = time.monotonic()
    proc = subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + ready_path, proc)
        yield Server(base, proc, time.monotonic() - started)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Load:
    rps: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    *,
    seconds: int = 5,
    connections: int = 16,
    script: str | None = None,
    headers: dict[str, str] | None = None,
) -> Load:
    """``wrk -t1 -c16 --latency`` as in perf-anchors.md; returns requests/s and p99."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        args += ["-s", lua.name]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses under load")
    return Load(rps, p99)


def rounds(measure: list[tuple[str, object]], n: int = 3) -> dict[str, Load]:
    """Interleave the measurements ``n`` times and keep each one's median (the machine is noisy)."""
    seen: dict[str, list[Load]] = {}
    for _ in range(n):
        for name, fn in measure:
            seen.setdefault(name, []).append(fn())  # type: ignore[operator]
    return {
        name: Load(statistics.median(x.rps for x in loads), statistics.median(x.p99_ms for x in loads))
        for name, loads in seen.items()
    }


def post_script(body: str) -> str:
    """A wrk script sending ``body`` as a form POST."""
    return (
        f'wrk.method = "POST"\nwrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
