"""A maintained generic FHIR client, fhirpy, with nothing sandbox-specific, over real HTTP: it reads the
CapabilityStatement, takes a token where `rest.security` says, provides an MHD bundle (ITI-65), finds it
by `patient.identifier` (ITI-67), and follows `attachment.url` (ITI-68) to the PDF's very bytes."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome
from fhirpy.base.searchset import Raw

from shared.testing import mhd
from shared.testing.live import live_sandbox

pytestmark = pytest.mark.skipif(
    os.environ.get("ESANTE_TEST_DATABASE_URL") is not None, reason="the protocol, once (SQLite pass)"
)

MHD = "https://profiles.ihe.net/ITI/MHD"
CLASSES = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% fhirpy round trip\n%%EOF\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_sandbox(tmp_path_factory.mktemp("fhirpy")) as url:
        yield url


def _bundle(person: dict[str, Any]) -> dict[str, Any]:
    patient = mhd.fhir_patient(
        person["ins"],
        person["oid"],
        person["nom_naissance"],
        person["prenoms"],
        person["sexe"],
        person["date_naissance"],
    )
    return mhd.provide_bundle(patient, [("11488-4", "application/pdf", PDF)], when="2026-01-05T09:30:00Z")


def test_a_generic_fhir_client_provides_finds_and_retrieves(base: str) -> None:
    population = httpx.get(
        f"{base}/sandbox/population/persons", params={"tag": ["mes-activated", "adult"], "limit": 1}
    )
    person = population.json()["items"][0]
    rpps = httpx.get(
        f"{base}/sandbox/population/professionals", params={"profession": "10", "limit": 1}
    ).json()["items"][0]["rpps"]

    anonymous = SyncFHIRClient(f"{base}/dmp/fhir")
    capability = anonymous.execute("metadata", method="get")
    assert capability["resourceType"] == "CapabilityStatement"
    assert f"{MHD}/CapabilityStatement/IHE.MHD.DocumentRecipient" in capability["instantiates"]
    oauth = {e["url"]: e["valueUri"] for e in capability["rest"][0]["security"]["extension"][0]["extension"]}
    token = httpx.post(
        oauth["token"],
        data={"grant_type": "client_credentials", "login_hint": rpps},
        auth=("esante-ci", "esante-ci"),
    ).json()["access_token"]

    client = SyncFHIRClient(f"{base}/dmp/fhir", authorization=f"Bearer {token}")
    with pytest.raises(OperationOutcome):  # a refusal is an OperationOutcome the client raises
        client.execute("", method="post", data={"resourceType": "Bundle", "type": "batch"})
    answered = client.execute("", method="post", data=_bundle(person))
    assert answered["type"] == "transaction-response"
    location = answered["entry"][1]["response"]["location"]

    token_search = f"urn:oid:{person['oid']}|{person['ins']}"
    found = (
        client.resources("DocumentReference").search(Raw(**{"patient.identifier": token_search})).fetch_all()
    )
    mine = [d for d in found if location.endswith(f"/DocumentReference/{d.id}")]
    assert len(mine) == 1
    read = client.reference("DocumentReference", mine[0].id).to_resource()
    assert read["status"] == "current"
    custodian = read["custodian"]["reference"].removeprefix("#")
    assert custodian in [c["id"] for c in read["contained"] if c["resourceType"] == "Organization"]
    sha1 = base64.b64encode(hashlib.sha1(PDF, usedforsecurity=False).digest()).decode()
    assert mine[0]["content"][0]["attachment"]["hash"] == sha1
    compte_rendu = f"{CLASSES}|10"
    assert mine[0]["category"][0]["coding"][0]["code"] == "10"
    by_class = client.resources("DocumentReference").search(
        Raw(**{"patient.identifier": token_search, "category": compte_rendu})
    )
    assert location.rpartition("/")[2] in [d.id for d in by_class.fetch_all()]
    imagerie = client.resources("DocumentReference").search(
        Raw(**{"patient.identifier": token_search, "category": f"{CLASSES}|31"})
    )
    assert location.rpartition("/")[2] not in [d.id for d in imagerie.fetch_all()]
    url = mine[0]["content"][0]["attachment"]["url"]
    pdf = httpx.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/pdf"})
    assert pdf.status_code == 200
    assert pdf.content == PDF
    listed = client.resources("List").search(patient=f"Patient/{person['ins']}", code="submissionset").fetch()
    assert [e["item"]["reference"] for e in listed[0]["entry"]] == [location]
