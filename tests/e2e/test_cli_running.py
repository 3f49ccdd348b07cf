"""The CLI finds the sandbox that runs: ``esante status``, ``token`` and ``reset`` act on it (its port,
its issuer, its clock); a busy port or data folder is one line and exit status 1."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.sandbox import running
from shared.config import SandboxSettings
from shared.testing.live import free_port, wait_ready

pytestmark = pytest.mark.skipif(
    os.environ.get("ESANTE_TEST_DATABASE_URL") is not None, reason="the SQLite data folder's rules, once"
)
DOCTOR = "99710000011"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_DATA_DIR=str(data_dir), ESANTE_PERSONS="50", ESANTE_SMTP_PORT="0", ESANTE_SMTPS_PORT="0"
    )
    return env


def esante(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.sandbox", *args],
        env={**_env(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    data_dir = tmp_path_factory.mktemp("running")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "up", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        for _ in range(50):  # the record is written as readiness comes
            if running.find(data_dir):
                break
            time.sleep(0.1)
        yield data_dir, base
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0].decode()
        assert "Traceback" not in output, output
    assert running.find(data_dir) == []  # a clean stop takes its record away


def _issuer(token: str) -> str:
    payload = token.split(".")[1]
    claims: dict[str, str] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["iss"]


def test_status_names_what_runs_and_its_tenants(sandbox: tuple[Path, str]) -> None:
    data_dir, base = sandbox
    shown = esante(data_dir, "status")
    assert shown.returncode == 0, shown.stderr
    assert base in shown.stdout
    for service in ("psc", "insi", "dmp", "mssante"):
        assert f"{service}" in shown.stdout
    assert shown.stdout.count("ready") >= 7
    assert "tenant default" in shown.stdout


def test_a_token_is_minted_by_the_running_sandbox_whatever_its_port(sandbox: tuple[Path, str]) -> None:
    data_dir, base = sandbox
    minted = esante(data_dir, "token", "--rpps", DOCTOR)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert _issuer(token) == f"{base}/psc"
    info = httpx.get(
        f"{base}/psc/protocol/openid-connect/userinfo", headers={"Authorization": f"Bearer {token}"}
    )
    assert info.status_code == 200, info.text
    unknown = esante(data_dir, "token", "--rpps", "00000000000")
    assert unknown.returncode == 2
    assert "error:" in unknown.stderr


def test_reset_goes_through_the_running_sandbox(sandbox: tuple[Path, str]) -> None:
    data_dir, base = sandbox
    frozen = httpx.put(
        f"{base}/sandbox/tenants/default/clock", json={"mode": "frozen", "now": "2027-01-01T00:00:00Z"}
    )
    assert frozen.status_code == 200
    reset = esante(data_dir, "reset")
    assert reset.returncode == 0, reset.stderr
    assert f"through {base}" in reset.stdout
    assert httpx.get(f"{base}/sandbox/tenants/default/clock").json()["mode"] == "real"


def test_a_second_sandbox_on_the_same_sqlite_folder_is_refused(sandbox: tuple[Path, str]) -> None:
    data_dir, base = sandbox
    second = esante(data_dir, "up", "--port", str(free_port()))
    assert second.returncode == 1
    assert "is served by another sandbox" in second.stderr
    assert base in second.stderr
    assert "Traceback" not in second.stderr + second.stdout


def test_a_busy_port_is_one_line_naming_the_option(sandbox: tuple[Path, str], tmp_path: Path) -> None:
    _, base = sandbox
    port = base.rsplit(":", 1)[1]
    busy = esante(tmp_path, "up", "--port", port)
    assert busy.returncode == 1
    assert busy.stderr.strip() == (
        f"error: port {port} (HTTP) is in use on 127.0.0.1: choose another with --port or ESANTE_PORT"
    )


def test_with_nothing_running_status_says_so_and_token_reads_the_files(tmp_path: Path) -> None:
    shown = esante(tmp_path, "status")
    assert shown.returncode == 1
    assert "no sandbox serves" in shown.stdout
    minted = esante(tmp_path, "token", "--rpps", DOCTOR)
    assert minted.returncode == 0, minted.stderr
    assert _issuer(minted.stdout.strip()) == "http://127.0.0.1:8000/psc"


def test_files_in_use_by_a_process_that_cannot_be_reached_are_left_alone(tmp_path: Path) -> None:
    """A sandbox still starting holds the folder but has not said where it runs yet."""
    with running.exclusive_use(SandboxSettings(data_dir=tmp_path)):
        for command in (["token", "--rpps", DOCTOR], ["reset"]):
            refused = esante(tmp_path, *command)
            assert refused.returncode == 1, refused.stdout
            assert "is served by another sandbox" in refused.stderr
