"""Services as docker-compose runs them: one process per service on PostgreSQL, talking over HTTP.

`esante seed` builds the template once (the compose `setup` container), then `esante serve psc` and
`esante serve insi` run apart; INSi verifies psc's tokens against the JWKS it fetches over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.db import PostgresStorage
from shared.testing import postgres_test_url

pytestmark = pytest.mark.skipif(
    postgres_test_url("x") is None, reason="several processes share a database only on PostgreSQL"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def compose_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    url = postgres_test_url("esante_sa")
    assert url is not None
    ports = {"psc": _free_port(), "insi": _free_port()}
    env = {
        **os.environ,
        "ESANTE_DATABASE_URL": url,
        "ESANTE_DATA_DIR": str(tmp_path),
        "ESANTE_PERSONS": "50",
        "ESANTE_PSC_ISSUER": f"http://127.0.0.1:{ports['psc']}/psc",
        "ESANTE_SERVICE_URLS": json.dumps({n: f"http://127.0.0.1:{p}/{n}" for n, p in ports.items()}),
    }
    env.update({f"PORT_{n.upper()}": str(p) for n, p in ports.items()})
    yield env
    PostgresStorage(url).drop_everything()


def _serve(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    port = env[f"PORT_{service.upper()}"]
    return subprocess.Popen(
        [sys.executable, "-m", "services.sandbox", "serve", service, "--port", port],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready")


def test_services_in_their_own_processes_work_together(compose_env: dict[str, str]) -> None:
    setup = subprocess.run(
        [sys.executable, "-m", "services.sandbox", "seed"], env=compose_env, capture_output=True, timeout=120
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    processes = {name: _serve(name, compose_env) for name in ("psc", "insi")}
    try:
        psc = f"http://127.0.0.1:{compose_env['PORT_PSC']}/psc"
        insi = f"http://127.0.0.1:{compose_env['PORT_INSI']}/insi"
        _wait_ready(f"{psc}/health/ready", processes["psc"])
        _wait_ready(f"{insi}/health/ready", processes["insi"])
        assert httpx.get(f"{insi}/../psc/health/ready").status_code == 404  # insi serves insi only
        pros = httpx.post(
            f"{psc}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "login_hint": _a_medecin(compose_env)},
            auth=("esante-ci", "esante-ci"),
        )
        assert pros.status_code == 200, pros.text
        token = pros.json()["access_token"]
        body = {"nom_naissance": "ADRUN", "prenoms": ["ZOE"], "sexe": "F", "date_naissance": "1975-12-31"}
        headers = {"Authorization": f"Bearer {token}", "X-Insi-Idam": "ESANTE-SANDBOX"}
        answer = httpx.post(f"{insi}/v1/search-by-traits", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["code_cr"] == "00"
        forged = httpx.post(
            f"{insi}/v1/search-by-traits",
            json=body,
            headers={**headers, "Authorization": f"Bearer {token[:-4]}AAAA"},
        )
        assert forged.status_code == 401
    finally:
        for proc in processes.values():
            proc.send_signal(signal.SIGINT)
        for proc in processes.values():
            proc.communicate(timeout=20)


def _a_medecin(env: dict[str, str]) -> str:
    from shared.population import generate_population

    population = generate_population(seed=1, persons=int(env["ESANTE_PERSONS"]))
    return next(p.rpps for p in population.professionals if p.profession == "10" and p.rpps)
