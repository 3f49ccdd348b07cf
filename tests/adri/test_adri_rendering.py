"""What ADRi renders by hand follows its documented models, and its docs list every error code."""

from __future__ import annotations

import inspect

import httpx
import pytest

from conftest import Adri
from services.adri import errors
from services.adri.app import DESCRIPTION
from services.adri.schemas import ApcvSessionRead, InvoiceRead, SituationRead
from shared.app import BEARER_SCHEME, PRO_LOGIN_SCHEME
from shared.errors import SandboxError
from shared.population import Population


@pytest.mark.asyncio
async def test_every_situation_validates_against_its_model(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    checked = 0
    for person in population.persons:
        if person.rights is None:
            continue
        response = await adri.lookup(person.ins, doctor)
        if response.status_code == 200:
            SituationRead.model_validate_json(response.content, strict=False)
            checked += 1
    assert checked > 200


@pytest.mark.asyncio
async def test_sessions_and_invoices_validate_against_their_models(
    adri: Adri, doctor: dict[str, str], population: Population
) -> None:
    person = next(p for p in population.persons if "rights-open" in p.tags)
    opened = await adri.http.post("/adri/v1/apcv/sessions", json={"matricule": person.ins}, headers=doctor)
    ApcvSessionRead.model_validate_json(opened.content)
    session_id = opened.json()["session_id"]
    invoice = await adri.http.post(
        f"/adri/v1/apcv/sessions/{session_id}/invoice",
        json={"numero_facture": "F-1", "montant": "12.5"},
        headers=doctor,
    )
    assert InvoiceRead.model_validate_json(invoice.content).montant == 12.5
    state = await adri.http.get(f"/adri/v1/apcv/sessions/{session_id}", headers=doctor)
    assert ApcvSessionRead.model_validate_json(state.content).invoice is not None


def test_the_docs_table_lists_every_adri_error() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, SandboxError) and cls.__module__ == errors.__name__
    }
    assert defined == {row[0] for row in errors.ERROR_TABLE}
    for cls in defined:
        assert f"| {cls.status} | `{cls.code}` |" in DESCRIPTION


@pytest.mark.asyncio
async def test_the_openapi_documents_the_codes(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/adri/openapi.json")).json()
    lookup = spec["paths"]["/v1/beneficiaries/{nir}"]["get"]
    assert "rights-closed" in lookup["responses"]["404"]["description"]
    assert "nir-key" in lookup["responses"]["400"]["description"]
    assert lookup["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "SituationRead"
    )
    assert "[the service's reference](docs/reference)" in spec["info"]["description"]
    reference = await client.get("/adri/docs/reference")
    assert "20 minutes" in reference.text
    assert {p["name"] for p in lookup["parameters"]} == {"nir", "date", "X-Apcv-Session", "X-Sandbox-Tenant"}
    card = spec["paths"]["/v1/beneficiaries"]["get"]
    assert {"ouvrant_droit", "rang_naissance", "date_naissance"} <= {p["name"] for p in card["parameters"]}
    assert lookup["security"] == card["security"] == [{BEARER_SCHEME: []}, {PRO_LOGIN_SCHEME: ["openid"]}]
    assert BEARER_SCHEME in spec["components"]["securitySchemes"]
