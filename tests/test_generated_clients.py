"""A Python client generated from each exported spec works: ``openapi-python-client`` with the committed
``openapi/openapi-python-client.yaml`` generates without an error or a warning, and one call per service
goes through the generated code to the sandbox and comes back parsed into its models."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.sandbox.registry import service_names
from shared.population import Population
from shared.testing.oidc import Oidc, People
from tests.eprescription.erx_helpers import prescription_body

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "openapi" / "openapi-python-client.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
BASE = "http://localhost:8000"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """Each service's client, generated once for the module, as an editor would: from the exported
    file, with the committed config; any warning fails."""
    out = tmp_path_factory.mktemp("clients")
    packages = {}
    for service in service_names():
        name = f"esante_{service}_client"
        spec = ROOT / "openapi" / f"{service}.json"
        command = [GENERATOR, "generate", "--path", spec, "--config", CONFIG, "--output-path", out / name]
        run = subprocess.run(
            [*map(str, command), "--meta", "none", "--fail-on-warning"],
            capture_output=True,
            text=True,
            # its post-generation hooks run ruff, which the dev install puts beside the generator
            env={**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout
        packages[service] = name
    sys.path.insert(0, str(out))
    try:
        yield {service: importlib.import_module(name) for service, name in packages.items()}
    finally:
        sys.path.remove(str(out))
        for module in [m for m in sys.modules if m.startswith("esante_") and m.endswith(("_client", "."))]:
            del sys.modules[module]


def operation(package: ModuleType, operation_id: str) -> Any:
    """The generated module of ``operation_id`` (the generator files it under its tag)."""
    wanted = operation_id.replace("-", "_")
    api = importlib.import_module(f"{package.__name__}.api")
    for found in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        if found.name.rsplit(".", 1)[1] == wanted:
            return importlib.import_module(found.name)
    raise AssertionError(f"{operation_id} was not generated")


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def client_for(
    package: ModuleType, root_app: FastAPI, service: str, token: str | None = None, tenant: str = ""
) -> Any:
    """The generated client on the exported spec's first server, its requests sent to the app in
    process (the generated code builds its own httpx client from ``httpx_args``)."""
    transport = {"transport": httpx.ASGITransport(app=root_app)}
    base = f"{BASE}/{service}"
    if token is None:
        return package.Client(base_url=base, httpx_args=transport)
    return package.AuthenticatedClient(base_url=base, token=token, httpx_args=transport)


async def test_sandbox_and_psc(generated: dict[str, ModuleType], root_app: FastAPI) -> None:
    sandbox, psc = generated["sandbox"], generated["psc"]
    async with client_for(sandbox, root_app, "sandbox") as client:
        tenants = await operation(sandbox, "sandbox-list_tenants").asyncio(client=client)
    assert isinstance(tenants, model(sandbox, "TenantList"))
    assert "default" in [t.name for t in tenants.tenants]
    async with client_for(psc, root_app, "psc") as client:
        discovery = await operation(psc, "psc-openid_configuration").asyncio(client=client)
    assert isinstance(discovery, model(psc, "DiscoveryRead"))
    assert discovery.token_endpoint.endswith("/psc/protocol/openid-connect/token")


async def test_insi_adri_dmp(
    generated: dict[str, ModuleType], root_app: FastAPI, oidc: Oidc, people: People, tenant_name: str
) -> None:
    token = await oidc.professional_token(people.generaliste.rpps or people.generaliste.idnat)
    person = people.activated
    insi = generated["insi"]
    traits = model(insi, "TraitsSearch").from_dict(
        {
            "nom_naissance": person.nom_naissance,
            "prenoms": list(person.prenoms),
            "sexe": person.sexe,
            "date_naissance": person.date_naissance,
        }
    )
    async with client_for(insi, root_app, "insi", token) as client:
        found = await operation(insi, "insi-search_by_traits").asyncio(
            client=client, body=traits, x_insi_idam="ESANTE-SANDBOX", x_sandbox_tenant=tenant_name
        )
    assert isinstance(found, model(insi, "ResultatRead")), found
    assert found.code_cr == "00"

    adri = generated["adri"]
    async with client_for(adri, root_app, "adri", token) as client:
        situation = await operation(adri, "adri-get_beneficiary").asyncio(
            person.nir, client=client, x_sandbox_tenant=tenant_name
        )
    assert isinstance(situation, model(adri, "SituationRead")), situation

    dmp = generated["dmp"]
    async with client_for(dmp, root_app, "dmp", token) as client:
        status = await operation(dmp, "dmp-get_status").asyncio(
            person.ins, client=client, x_sandbox_tenant=tenant_name
        )
        refused = await operation(dmp, "dmp-get_status").asyncio(
            "0" * 15, client=client, x_sandbox_tenant=tenant_name
        )
    assert isinstance(status, model(dmp, "StatusRead")), status
    assert isinstance(refused, model(dmp, "ErrorBody")), refused  # errors parse into the one shape


async def test_eprescription_and_mssante(
    generated: dict[str, ModuleType],
    root_app: FastAPI,
    oidc: Oidc,
    people: People,
    population: Population,
    tenant_name: str,
) -> None:
    prescriber = people.generaliste
    token = await oidc.professional_token(prescriber.rpps or prescriber.idnat)
    erx = generated["eprescription"]
    patient = next(p for p in population.persons if p.mes_status == "activated" and "adult" in p.tags)
    body = model(erx, "PrescriptionCreate").from_dict(prescription_body(patient))
    async with client_for(erx, root_app, "eprescription", token) as client:
        created = await operation(erx, "eprescription-create_prescription").asyncio(
            client=client, body=body, x_sandbox_tenant=tenant_name
        )
        assert isinstance(created, model(erx, "PrescriptionRead")), created
        read = await operation(erx, "eprescription-read_prescription").asyncio(
            created.numero, client=client, x_sandbox_tenant=tenant_name
        )
        pdf = await operation(erx, "eprescription-read_pdf").asyncio_detailed(
            created.numero, client=client, x_sandbox_tenant=tenant_name
        )
    assert read.numero == created.numero
    assert pdf.parsed.payload.read().startswith(b"%PDF-")

    mss = generated["mssante"]
    async with client_for(mss, root_app, "mssante", token) as client:
        mailboxes = await operation(mss, "mssante-list_mailboxes").asyncio(
            client=client, q=prescriber.nom, x_sandbox_tenant=tenant_name
        )
    assert mailboxes, "the prescriber has a mailbox"
    assert all(isinstance(m, model(mss, "MailboxRead")) for m in mailboxes)
