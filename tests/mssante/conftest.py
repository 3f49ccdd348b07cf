"""Fixtures of the MSSanté tests: an SMTP listener on free ports for the session (helpers live in
``mss_helpers.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from mss_helpers import Mss, Ports

from services.mssante.smtp import SmtpListener, free_port
from shared.population import Population
from shared.runtime import Runtime
from shared.testing.oidc import Oidc


@pytest.fixture(scope="session")
def smtp_ports(runtime: Runtime, root_app: FastAPI) -> Iterator[Ports]:
    """The listener of the in-process all-in-one app (root_app registers the services it calls)."""
    ports = Ports(free_port(), free_port())
    listener = SmtpListener(runtime, port=ports.smtp, tls_port=ports.smtps)
    listener.start()
    yield ports
    listener.stop()


@pytest.fixture
def mss(
    client: httpx.AsyncClient,
    tenant_name: str,
    oidc: Oidc,
    smtp_ports: Ports,
    population: Population,
    runtime: Runtime,
) -> Mss:
    return Mss(client, tenant_name, oidc, smtp_ports, population, runtime)
