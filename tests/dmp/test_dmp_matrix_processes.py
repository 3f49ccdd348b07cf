"""The habilitation matrix is read from the tenant's database on every use: an upload or a restore
through one process is seen by another process sharing the database on its next request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.sandbox.composition import build_root_app
from services.sandbox.provisioning import prepare
from shared.config import SandboxSettings
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER

pytestmark = pytest.mark.asyncio

UPLOAD = {"lignes": [{"profession": "60", "savoir_faire": None, "autorise": ["imagerie"]}]}


@pytest_asyncio.fixture
async def other_process(
    sandbox_settings: SandboxSettings, tenant_name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A second sandbox on the same data folder or database: its own runtime, engines and memory."""
    runtime = Runtime(sandbox_settings)
    prepare(runtime)  # the template is built already: this checks it and marks the runtime ready
    app = build_root_app(runtime, prepare_on_start=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={TENANT_HEADER: tenant_name},
    ) as http:
        yield http
    runtime.tenants.forget_all()


def _source_and_nurse_row(answer: httpx.Response) -> tuple[str, list[str]]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = [row for row in body["lignes"] if row["profession"] == "60" and row.get("savoir_faire") is None]
    return body["source"], sorted(rows[0]["autorise"]) if rows else []


async def test_an_upload_in_one_process_is_seen_by_another_on_its_next_request(
    client: httpx.AsyncClient, other_process: httpx.AsyncClient
) -> None:
    source, _ = _source_and_nurse_row(await other_process.get("/dmp/sandbox/matrice"))
    assert source == "default"
    put = await client.put("/dmp/sandbox/matrice", json=UPLOAD)
    assert put.status_code == 200, put.text
    source, nurse = _source_and_nurse_row(await other_process.get("/dmp/sandbox/matrice"))
    assert source == "uploaded"
    assert nurse == sorted(_source_and_nurse_row(put)[1])
    assert (await client.delete("/dmp/sandbox/matrice")).status_code == 200
    source, _ = _source_and_nurse_row(await other_process.get("/dmp/sandbox/matrice"))
    assert source == "default"
