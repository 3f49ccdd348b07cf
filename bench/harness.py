"""Start servers in their own processes, drive them with wrk, read the figures."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = "bench.bare_app:app"
"""The reference of every ratio: a FastAPI app importing FastAPI alone."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    started_in: float
    smtp_port: int = 0
    """The SMTP (STARTTLS) port of a sandbox that listens on one."""


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
    target: str,
    ready_path: str,
    env: dict[str, str] | None = None,
    factory: bool = False,
    workers: int = 1,
) -> Iterator[Server]:
    """Run ``uvicorn target`` (``workers`` processes, uvloop, httptools, no access log) until the block
    ends."""
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
    if workers > 1:
        args += ["--workers", str(workers)]
    started = time.monotonic()
    proc = subprocess.Popen(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + ready_path, proc)
        yield Server(base, proc, time.monotonic() - started)
    finally:
        stop(proc)


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process ``pid`` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person stops a server; killed when it does not stop in 15 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def esante_up(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`esante up` in its own process on ``data_dir`` until the block ends, as a person runs it (SMTP
    with STARTTLS and with implicit TLS included, on free ports: ``smtp_port`` is the first).
    ``started_in`` runs from the process start to /health/ready answering 200 (the template checked,
    the default tenant open)."""
    port, smtp_port, smtps_port = free_port(), free_port(), free_port()
    args = [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)]
    args += ["--smtp-port", str(smtp_port), "--smtps-port", str(smtps_port)]
    settings = {**os.environ, "ESANTE_DATA_DIR": str(data_dir), **(env or {})}
    started = time.monotonic()
    proc = subprocess.Popen(args, cwd=ROOT, env=settings, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health/ready", proc)
        yield Server(base, proc, time.monotonic() - started, smtp_port)
    finally:
        stop(proc)


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


def request_cycle(requests: Sequence[tuple[str, str | None]]) -> str:
    """A wrk script whose successive requests walk through (path, JSON body or None).

    Each request is formatted once, on its first use, then sent as the same string: formatting it
    anew for every request (a Lua table of headers, ``wrk.format``) cost the single wrk thread more
    than some servers spend answering, so the measured server sat waiting for requests."""

    def entry(path: str, body: str | None) -> str:
        return "{" + json.dumps(path) + ", " + ("nil" if body is None else f"[==[{body}]==]") + "}"

    entries = ",\n".join(entry(path, body) for path, body in requests)
    return (
        f"local reqs = {{\n{entries}\n}}\n"
        "local built = {}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #reqs + 1\n"
        "  local ready = built[i]\n"
        "  if ready then return ready end\n"
        "  local r = reqs[i]\n"
        "  if r[2] == nil then\n"
        "    ready = wrk.format('GET', r[1])\n"
        "  else\n"
        "    local h = {}\n"
        "    for k, v in pairs(wrk.headers) do h[k] = v end\n"
        "    h['Content-Type'] = 'application/json'\n"
        "    ready = wrk.format('POST', r[1], h, r[2])\n"
        "  end\n"
        "  built[i] = ready\n"
        "  return ready\n"
        "end\n"
    )


def post_script(body: str) -> str:
    """A wrk script sending ``body`` as a form POST."""
    return (
        f'wrk.method = "POST"\nwrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
