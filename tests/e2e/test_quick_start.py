"""The README's quick start, run as a newcomer would paste it: every ``sh`` block under "## Quick start",
in order, in one bash, against a sandbox this test starts (``make run``'s defaults, its own ports)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared.testing.live import free_port, wait_ready

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def test_the_quick_start_has_a_call_for_each_service() -> None:
    script = "\n".join(quick_start_blocks())
    for path in ("/psc/", "/insi/", "/adri/", "/dmp/", "/eprescription/", "/sandbox/tenants/", "smtplib"):
        assert path in script, path
    assert "X-Insi-Idam" in script


@pytest.mark.skipif(
    os.environ.get("ESANTE_TEST_DATABASE_URL") is not None, reason="make run's sandbox: SQLite, once"
)
@pytest.mark.skipif(shutil.which("curl") is None, reason="the quick start is curl")
def test_the_quick_start_runs_against_a_fresh_sandbox(tmp_path: Path) -> None:
    port, smtp, smtps = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_DATA_DIR=str(tmp_path / "data"), ESANTE_SMTP_PORT=str(smtp), ESANTE_SMTPS_PORT=str(smtps)
    )
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", sandbox)
        script = "\n".join(quick_start_blocks())
        script = script.replace("http://localhost:8000", f"http://127.0.0.1:{port}")
        script = script.replace('("localhost", 2525)', f'("localhost", {smtp})')
        script = script.replace(".esante/tls/ca.pem", str(tmp_path / "data" / "tls" / "ca.pem"))
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")},
            check=False,
        )
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.communicate(timeout=20)
    assert run.returncode == 0, run.stdout + run.stderr
    printed = run.stdout.split()
    assert printed == [
        "00",  # INSi: one identity
        "Régime",  # ADRi: "Régime général"
        "général",
        "current",  # the DMP document deposited
        "1",  # and found
        "executee",  # the prescription dispensed
        "Vos",  # the patient reads the doctor's message
        "résultats",
        "2027-12-01T09:00:00Z",  # the frozen clock
        "default",  # the tenant reset
    ], run.stdout
