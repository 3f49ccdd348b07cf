"""PostgreSQL stopped and started again under a running `esante up`: while it is down every call is
answered in the error shape (HTTP 503 `database-unavailable`, FHIR an OperationOutcome, SMTP 451), the
readiness probe says 503, nothing hangs and nothing is a 500; once it is back, every route and the SMTP
session opened before the outage work again within 5 seconds, without restarting the sandbox.

The database is a cluster of this test's own (``throwaway_postgres``), never the suite's."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from throwaway_postgres import Cluster, available, throwaway_cluster

pytestmark = [
    pytest.mark.skipif(not available(), reason="needs PostgreSQL 15's initdb"),
    pytest.mark.skipif(
        not os.environ.get("ESANTE_TEST_DATABASE_URL"),
        reason="runs once, in the suite's PostgreSQL pass (it starts a cluster of its own)",
    ),
]

RECOVERY_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sandbox:
    base: str
    smtp_port: int
    proc: subprocess.Popen[bytes]
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=15)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "esante up exited"
            try:
                if self.http.get("/dmp/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("not ready in time")

    def token(self, rpps: str) -> str:
        response = self.http.post(
            "/psc/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "login_hint": rpps},
            auth=("esante-ci", "esante-ci"),
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as started:
        yield started


@pytest.fixture
def sandbox(cluster: Cluster, tmp_path: Path) -> Iterator[Sandbox]:
    port, smtp_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "ESANTE_DATA_DIR": str(tmp_path),
        "ESANTE_PERSONS": "50",
        "ESANTE_DATABASE_URL": cluster.url("esantefault"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.sandbox",
            "up",
            "--port",
            str(port),
            "--smtp-port",
            str(smtp_port),
            "--smtps-port",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    running = Sandbox(f"http://127.0.0.1:{port}", smtp_port, proc)
    try:
        running.wait_ready()
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        running.http.close()


class Load:
    """Threads calling the sandbox in a loop until stopped; every answer is kept."""

    def __init__(self, calls: list[Callable[[httpx.Client], httpx.Response]], base: str) -> None:
        self.calls = calls
        self.base = base
        self.answers: list[tuple[int, str, bytes]] = []
        self.transport_errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(call,)) for call in calls]

    def _run(self, call: Callable[[httpx.Client], httpx.Response]) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as http:
            for _ in range(100_000):  # bounded: the test stops it long before
                if self._stop.is_set():
                    return
                try:
                    response = call(http)
                except httpx.TransportError as exc:
                    self.transport_errors.append(repr(exc))
                    continue
                self.answers.append(
                    (response.status_code, response.headers.get("content-type", ""), response.content)
                )
                time.sleep(0.02)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def _until(check: Callable[[], bool], seconds: float) -> float:
    """Seconds it took ``check`` to hold; fails after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def _all_ok(http: httpx.Client, routes: dict[str, Callable[[httpx.Client], httpx.Response]]) -> bool:
    answers = {name: call(http) for name, call in routes.items()}
    failing = {name: (r.status_code, r.text[:200]) for name, r in answers.items() if r.status_code != 200}
    if failing:
        print("still failing:", failing)
    return not failing


def _message(sender: str, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Compte rendu"
    msg.set_content("Bonjour")
    return msg


def test_a_postgresql_restart_is_503_meanwhile_and_everything_works_again_within_5_seconds(
    cluster: Cluster, sandbox: Sandbox
) -> None:
    http = sandbox.http
    medecins = http.get("/sandbox/population/professionals", params={"profession": "10", "limit": 2}).json()
    doctor, colleague = medecins["items"]
    patient = http.get("/sandbox/population/persons", params={"tag": "mes-activated", "limit": 1}).json()
    ins = patient["items"][0]["ins"]
    auth = {"Authorization": f"Bearer {sandbox.token(doctor['rpps'])}"}
    search = f"/dmp/v1/patients/{ins}/documents"
    fhir = f"/dmp/fhir/DocumentReference?patient.identifier=urn:oid:1.2.250.1.213.1.4.8|{ins}"
    assert http.get(search, headers=auth).status_code == 200
    routes: dict[str, Callable[[httpx.Client], httpx.Response]] = {
        "dmp search": lambda c: c.get(search, headers=auth),
        "population": lambda c: c.get("/sandbox/population/persons", params={"limit": 1}),
        "clock": lambda c: c.get("/sandbox/tenants/default/clock"),
        "fhir": lambda c: c.get(fhir, headers=auth),
    }
    smtp = smtplib.SMTP("127.0.0.1", sandbox.smtp_port, timeout=15)
    smtp.ehlo("client.test")
    smtp.login(doctor["mssante"], "mssante")  # opened before the outage, kept across it

    with Load(list(routes.values()), sandbox.base) as load:
        time.sleep(0.5)
        cluster.stop("immediate")  # as a crash: connections are cut, nothing is flushed
        time.sleep(1.0)
        down = {name: call(http) for name, call in routes.items()}
        clock_change = http.put("/sandbox/tenants/default/clock", json={"mode": "real"})
        ready = http.get("/dmp/health/ready")
        smtp.mail(doctor["mssante"])
        rcpt_down = smtp.rcpt(colleague["mssante"])
        smtp.rset()
        cluster.start()
        back = _until(lambda: _all_ok(http, routes), 15)
        time.sleep(0.5)

    for name, response in (
        *((n, down[n]) for n in ("dmp search", "population")),
        ("clock change", clock_change),
    ):
        assert response.status_code == 503, (name, response.text)
        assert response.json()["error"] == "database-unavailable", name
    # The clock the process holds is still the tenant's: no change can land while the database is down.
    assert down["clock"].status_code == 200, down["clock"].text
    assert down["clock"].json()["mode"] == "real"
    assert down["fhir"].status_code == 503
    assert down["fhir"].json()["resourceType"] == "OperationOutcome"
    assert ready.status_code == 503
    assert ready.json()["error"] == "database-unavailable"
    assert rcpt_down[0] == 451, rcpt_down

    assert back <= RECOVERY_SECONDS, f"routes worked again after {back:.1f} s"
    assert http.get("/dmp/health/ready").status_code == 200
    failed = smtp.send_message(_message(doctor["mssante"], colleague["mssante"]))
    assert failed == {}
    smtp.quit()

    statuses = {status for status, _, _ in load.answers}
    assert statuses <= {200, 503}, statuses  # never a 500
    for status, content_type, body in load.answers:
        if status == 503:
            assert "json" in content_type, body[:200]  # the error shape, never plain text
    assert not load.transport_errors, load.transport_errors[:3]  # nothing hung or dropped
