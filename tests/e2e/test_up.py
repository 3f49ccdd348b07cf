"""`esante up` as a person runs it: a real process, ready after seeding, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from shared.testing import postgres_test_url
from shared.testing.live import free_port, wait_ready


def test_up_serves_every_service_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ESANTE_DATA_DIR": str(tmp_path), "ESANTE_PERSONS": "50"}
    # ports of its own: another sandbox on the machine (a second checkout's suite) may hold 2525
    env.update(ESANTE_SMTP_PORT=str(free_port()), ESANTE_SMTPS_PORT=str(free_port()))
    env.pop("ESANTE_DATABASE_URL", None)
    pg = postgres_test_url("esante_up")
    if pg is not None:
        env["ESANTE_DATABASE_URL"] = pg
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        hub = httpx.get(f"{base}/").text
        for name in ("psc", "sandbox"):
            assert f'href="/{name}/docs"' in hub
            assert httpx.get(f"{base}/{name}/health/ready").json()["status"] == "ready"
            assert httpx.get(f"{base}/{name}/docs").status_code == 200
        discovery = httpx.get(f"{base}/psc/.well-known/openid-configuration").json()
        assert discovery["issuer"] == f"http://127.0.0.1:{port}/psc"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0].decode()
        if pg is not None:
            from shared.db import PostgresStorage

            PostgresStorage(pg).drop_everything()
    # uvicorn shuts down gracefully, then re-raises SIGINT: the shell's usual 130 for Ctrl-C.
    assert proc.returncode in (0, 130), output
    assert "Traceback" not in output
    assert "ready" in output
    assert f"{base}/psc/docs" in output
