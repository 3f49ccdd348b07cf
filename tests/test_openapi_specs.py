"""openapi/<service>.json must be what the services serve (`esante openapi` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.sandbox.openapi_export import render, service_specs
from services.sandbox.registry import service_names

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"
SPECS = service_specs()


@pytest.mark.parametrize("service", service_names())
def test_exported_spec_is_current(service: str) -> None:
    path = OPENAPI_DIR / f"{service}.json"
    assert path.exists(), f"{path} is missing: run `esante openapi`"
    assert path.read_text(encoding="utf-8") == render(SPECS[service]), (
        f"{path} is stale: run `esante openapi`"
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("service", service_names())
async def test_served_spec_has_the_exported_paths(root_app: FastAPI, service: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root_app), base_url="http://t") as http:
        served = (await http.get(f"/{service}/openapi.json")).json()
    assert served["paths"].keys() == SPECS[service]["paths"].keys()


@pytest.mark.parametrize("service", service_names())
def test_operation_ids_are_readable_and_unique(service: str) -> None:
    ids = [op["operationId"] for item in SPECS[service]["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{service}-") for i in ids)


@pytest.mark.parametrize("service", service_names())
def test_every_operation_has_a_description(service: str) -> None:
    for path, item in SPECS[service]["paths"].items():
        for method, op in item.items():
            assert op.get("description"), f"{method.upper()} {path} has no docstring"


@pytest.mark.parametrize("service", service_names())
def test_every_422_is_documented_as_the_api_sends_it(service: str) -> None:
    """A generated client reads validation errors with the spec's schema: the one error shape."""
    spec = SPECS[service]
    assert "HTTPValidationError" not in spec.get("components", {}).get("schemas", {})
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            answer = operation.get("responses", {}).get("422")
            if answer is None or "application/json" not in answer.get("content", {}):
                continue
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)


@pytest.mark.asyncio
async def test_a_real_422_matches_the_documented_error_body(root_app: FastAPI) -> None:
    spec = SPECS["sandbox"]
    body_schema = spec["components"]["schemas"]["ErrorBody"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root_app), base_url="http://t") as http:
        answer = await http.put("/sandbox/tenants/default/clock", json={"mode": "sideways"})
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == set(body_schema["properties"])
    assert body["error"] == "validation-error"
    assert body["rule"] is None
    assert isinstance(body["detail"], str)


@pytest.mark.asyncio
@pytest.mark.parametrize("service", service_names())
async def test_the_exported_servers_lead_to_the_operations(root_app: FastAPI, service: str) -> None:
    """A client generated from ``openapi/<service>.json`` prefixes its paths with ``servers[0]``."""
    exported = SPECS[service]
    base = exported["servers"][0]["url"]
    assert base == f"http://localhost:8000/{service}"
    assert exported["servers"][1]["url"] == f"/{service}"
    ready = next(p for p in exported["paths"] if p.endswith("/health/ready"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root_app), base_url=base) as http:
        answer = await http.get(f"{base}{ready}")
    assert answer.status_code == 200, answer.text


def test_fhir_operations_declare_fhir_json_and_the_raw_message_rfc822() -> None:
    """FHIR JSON everywhere, but for the document's own bytes (ITI-68) and SMART's discovery (JSON)."""
    own = {
        "/fhir/Binary/{document_id}": {"application/fhir+json", "application/pdf", "text/plain", "text/xml"},
        "/fhir/.well-known/smart-configuration": {"application/json"},
    }
    for path, item in SPECS["dmp"]["paths"].items():
        if not path.startswith("/fhir/"):
            continue
        for method, operation in item.items():
            types = {t for answer in operation["responses"].values() for t in answer.get("content", {})}
            assert types == own.get(path, {"application/fhir+json"}), (method, path, types)
    raw = SPECS["mssante"]["paths"]["/v1/mailboxes/{address}/messages/{message_id}/raw"]["get"]
    assert list(raw["responses"]["200"]["content"]) == ["message/rfc822"]
