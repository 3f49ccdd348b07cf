"""A message answered 250 is committed: kill the process (SIGKILL) right after the reply, read the DB."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from mss_helpers import PASSWORD, message

from services.mssante import repository
from services.mssante.smtp import free_port
from shared.config import SandboxSettings
from shared.population import generate_population
from shared.runtime import Runtime
from shared.testing import scratch_storage

PERSONS = 40


def test_a_message_acknowledged_survives_sigkill(tmp_path: Path) -> None:
    with scratch_storage(tmp_path, "esante_k") as storage:
        url = getattr(storage, "url", None)
        database_url = None if url is None else url.render_as_string(hide_password=False)
        port, smtp_port = free_port(), free_port()
        env = {
            **os.environ,
            "ESANTE_DATA_DIR": str(tmp_path),
            "ESANTE_PERSONS": str(PERSONS),
            "ESANTE_SMTPS_PORT": "0",
        }
        if database_url:
            env["ESANTE_DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "services.sandbox", "serve", "mssante", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--smtp-port", str(smtp_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/mssante/health/ready").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError("the sandbox did not become ready")
            population = generate_population(seed=1, persons=PERSONS, reference_date=date(2026, 1, 1))
            a, b = population.professionals[0], population.professionals[1]
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as connection:
                connection.login(a.mssante, PASSWORD)
                refused = connection.send_message(message(a.mssante, b.mssante, "durable"))
                assert refused == {}
                process.send_signal(signal.SIGKILL)  # right after the 250
                process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        runtime = Runtime(SandboxSettings(data_dir=tmp_path, database_url=database_url, persons=PERSONS))
        try:
            tenant = runtime.tenants.get("default")
            with tenant.reading() as conn:
                found = repository.search_messages(
                    conn,
                    b.mssante,
                    repository.Search(subject="durable"),
                    states=("delivered",),
                    limit=5,
                    newest_first=True,
                )
            assert [m.subject for m in found] == ["durable"]
        finally:
            runtime.tenants.forget_all()
            runtime.storage.close()
