"""``esante up --workers N``: N HTTP workers on PostgreSQL, SMTP in exactly one, ready when all are."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.sandbox import running, workers
from shared.testing import postgres_test_url
from shared.testing.live import free_port, wait_ready


def _env(data_dir: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    return {**env, "ESANTE_DATA_DIR": str(data_dir), "ESANTE_PERSONS": "50", **more}


def _open_files(pid: int) -> str:
    names = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            names.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile
    return "\n".join(names)


def test_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "services.sandbox", "up", "--workers", "2", "--port", str(free_port())],
        env=_env(tmp_path, ESANTE_SMTP_PORT="0", ESANTE_SMTPS_PORT="0"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith("error: --workers 2 needs PostgreSQL"), refused.stderr


def test_workers_with_tls_are_refused_in_one_line(tmp_path: Path) -> None:
    """--tls serves one process; the refusal comes before any database is reached."""
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.sandbox",
            "up",
            "--workers",
            "2",
            "--tls",
            "--port",
            str(free_port()),
        ],
        env=_env(tmp_path, ESANTE_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == "error: --tls serves one process: run it without --workers"


def test_two_workers_serve_with_one_smtp_listener(tmp_path: Path) -> None:
    pg = postgres_test_url("esante_workers")
    if pg is None:
        pytest.skip("workers run on PostgreSQL (the suite's PostgreSQL pass)")
    port, smtp_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--workers", "2", "--port", str(port)],
        env=_env(tmp_path, ESANTE_DATABASE_URL=pg, ESANTE_SMTP_PORT=str(smtp_port), ESANTE_SMTPS_PORT="0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, timeout=120)
        assert len(workers.ready_workers(tmp_path)) == 2  # ready means every worker is
        for _ in range(20):  # answers from whichever worker takes the connection
            with httpx.Client(base_url=base) as http:  # a new connection each round
                assert http.get("/dmp/health/ready").json()["status"] == "ready"
        clock = "/sandbox/tenants/default/clock"

        def modes() -> set[str]:
            """The clock as each of 20 new connections finds it (whichever worker takes each)."""
            seen = set()
            for _ in range(20):
                with httpx.Client(base_url=base) as http:
                    answer = http.get(clock)
                    assert answer.status_code == 200, answer.text
                    seen.add(answer.json()["mode"])
            return seen

        assert modes() == {"real"}  # every worker now holds the real clock
        with httpx.Client(base_url=base) as http:
            frozen = http.put(clock, json={"mode": "frozen", "now": "2030-01-02T03:04:05Z"})
            assert frozen.status_code == 200, frozen.text
        assert modes() == {"frozen"}  # the worker that did not serve the change sees it too
        with httpx.Client(base_url=base) as http:
            assert http.post("/sandbox/tenants/default/reset").status_code == 200
        assert modes() == {"real"}
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            assert smtp.ehlo()[0] == 250
        holders = [pid for pid in workers.ready_workers(tmp_path) if "smtp.lock" in _open_files(pid)]
        assert len(holders) == 1, holders
        [record] = running.find(tmp_path)
        assert record.base_url == base
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0].decode()
        from shared.db import PostgresStorage

        PostgresStorage(pg).drop_everything()
    assert "Traceback" not in output, output
    assert "workers        2" in output
    assert running.find(tmp_path) == []
