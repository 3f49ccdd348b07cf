"""The FHIR R4 facade: Patient search, ITI-65, ITI-67, read, PATCH, OperationOutcome; every resource
validated with fhir.resources (R4B models, the R4 shapes used here)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from dmp_helpers import TEXT, Cases, Dmp, document_body
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.operationoutcome import OperationOutcome

from shared.population import Person

pytestmark = pytest.mark.asyncio

FHIR = {"Content-Type": "application/fhir+json"}
PATCH = {"Content-Type": "application/json-patch+json"}


def ins_token(person: Person) -> str:
    return f"urn:oid:{person.oid}|{person.ins}"


def document_reference(person: Person, type_code: str = "11488-4", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [{"system": f"urn:oid:{person.oid}", "value": person.ins}],
                "name": [{"family": person.nom_naissance, "given": list(person.prenoms)}],
                "gender": {"M": "male", "F": "female"}[person.sexe],
                "birthDate": person.date_naissance,
            }
        ],
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
        "subject": {"reference": "#pat"},
        "content": [
            {"attachment": {"contentType": "text/plain", "data": TEXT, "title": "CR de consultation"}}
        ],
        "context": {"period": {"start": "2025-12-30T10:00:00Z"}},
    }
    body.update(changes)
    return body


def outcome(response: Any, status: int, code: str, rule: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    parsed = OperationOutcome.model_validate(response.json())
    issue = parsed.issue[0]
    assert issue.details.coding[0].code == code
    assert issue.diagnostics == f"rule={rule}"


async def _setup(dmp: Dmp, cases: Cases) -> tuple[Person, dict[str, str]]:
    await dmp.freeze()
    return cases.person("mes-activated", "adult"), await dmp.pro(cases.pro("10", "generaliste"))


async def test_patient_search_tells_whether_a_dmp_is_active(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    found = await dmp.http.get("/dmp/fhir/Patient", params={"identifier": ins_token(person)}, headers=doctor)
    bundle = Bundle.model_validate(found.json())
    assert bundle.total == 1
    assert bundle.entry[0].resource.identifier[0].value == person.ins
    opposed = cases.person("mes-opposed", "adult")
    none = await dmp.http.get("/dmp/fhir/Patient", params={"identifier": ins_token(opposed)}, headers=doctor)
    assert Bundle.model_validate(none.json()).total == 0
    bad = await dmp.http.get("/dmp/fhir/Patient", params={"identifier": person.ins}, headers=doctor)
    outcome(bad, 400, "fhir-invalid", "fhir-search")


async def test_iti65_then_iti67_then_read(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    posted = await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person), headers={**doctor, **FHIR}
    )
    assert posted.status_code == 201, posted.text
    created = DocumentReference.model_validate(posted.json())
    assert posted.headers["location"].endswith(f"/DocumentReference/{created.id}")
    assert created.status == "current"
    found = await dmp.http.get(
        "/dmp/fhir/DocumentReference",
        params={"patient.identifier": ins_token(person), "status": "current"},
        headers=doctor,
    )
    bundle = Bundle.model_validate(found.json())
    assert [e.resource.id for e in bundle.entry] == [created.id]
    read = await dmp.http.get(f"/dmp/fhir/DocumentReference/{created.id}", headers=doctor)
    resource = DocumentReference.model_validate(read.json())
    assert resource.content[0].attachment.data == base64.b64decode(TEXT)
    json_api = await dmp.read(created.id, doctor)
    assert json_api.json()["contenu"] == TEXT


async def test_iti65_ins_errors_are_operation_outcomes(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    no_patient = document_reference(person, contained=[], subject=None)
    outcome(
        await dmp.http.post("/dmp/fhir/DocumentReference", json=no_patient, headers=doctor),
        422,
        "ins-malformed",
        "ins-format",
    )
    body = document_reference(person)
    body["contained"][0]["gender"] = None
    outcome(
        await dmp.http.post("/dmp/fhir/DocumentReference", json=body, headers=doctor),
        422,
        "905",
        "ins-incomplete",
    )
    body = document_reference(person)
    body["contained"][0]["name"][0]["family"] = "AUTRE"
    outcome(
        await dmp.http.post("/dmp/fhir/DocumentReference", json=body, headers=doctor),
        422,
        "904",
        "ins-mismatch",
    )
    outcome(
        await dmp.http.post(
            "/dmp/fhir/DocumentReference", json=document_reference(person, "REMB"), headers=doctor
        ),
        422,
        "type-code-refused",
        "type-reserved",
    )
    outcome(
        await dmp.http.post("/dmp/fhir/DocumentReference", json={"resourceType": "Patient"}, headers=doctor),
        400,
        "fhir-invalid",
        "fhir-resource",
    )
    outcome(
        await dmp.http.post("/dmp/fhir/DocumentReference", content=b"{", headers={**doctor, **FHIR}),
        400,
        "fhir-invalid",
        "fhir-resource",
    )
    outcome(
        await dmp.http.get("/dmp/fhir/DocumentReference/" + "0" * 32, headers=doctor),
        404,
        "document-not-found",
        "document-unknown",
    )
    outcome(
        await dmp.http.get("/dmp/fhir/Patient", params={"identifier": ins_token(person)}),
        401,
        "token-missing",
        "token",
    )


async def test_a_lone_surrogate_is_refused_by_both_doors_and_nothing_is_written(
    dmp: Dmp, cases: Cases
) -> None:
    person, doctor = await _setup(dmp, cases)
    resource = document_reference(person)
    resource["content"][0]["attachment"]["title"] = "CR \ud800"
    posted = await dmp.http.post(
        "/dmp/fhir/DocumentReference",
        content=json.dumps(resource),  # ensure_ascii: the surrogate travels as the escape \ud800
        headers={**doctor, "Content-Type": "application/fhir+json"},
    )
    outcome(posted, 400, "fhir-invalid", "fhir-resource")
    body = json.dumps(document_body(person, "11488-4", titre="CR \udc00"))
    deposited = await dmp.http.post(
        f"/dmp/v1/patients/{person.ins}/documents",
        content=body,
        headers={**doctor, "Content-Type": "application/json"},
    )
    assert (deposited.status_code, deposited.json()["error"]) == (422, "validation-error")
    assert await dmp.ids(person, doctor) == set()


async def test_iti65_replace_with_relates_to(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    first = (
        await dmp.http.post("/dmp/fhir/DocumentReference", json=document_reference(person), headers=doctor)
    ).json()
    relates = [{"code": "replaces", "target": {"reference": f"DocumentReference/{first['id']}"}}]
    second = await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person, relatesTo=relates), headers=doctor
    )
    assert second.status_code == 201, second.text
    assert DocumentReference.model_validate(second.json()).relatesTo[0].code == "replaces"
    again = await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person, relatesTo=relates), headers=doctor
    )
    outcome(again, 409, "900", "document-version")
    superseded = await dmp.http.get(
        "/dmp/fhir/DocumentReference",
        params={"patient.identifier": ins_token(person), "status": "superseded"},
        headers=doctor,
    )
    assert [e["resource"]["id"] for e in superseded.json()["entry"]] == [first["id"]]


async def test_patch_masks_archives_and_deletes_by_the_author_only(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    other = await dmp.pro(cases.pro("10", "generaliste", skip=1))
    created = (
        await dmp.http.post("/dmp/fhir/DocumentReference", json=document_reference(person), headers=doctor)
    ).json()
    url = f"/dmp/fhir/DocumentReference/{created['id']}"
    mask = [
        {
            "op": "add",
            "path": "/securityLabel",
            "value": [{"coding": [{"system": "urn:oid:1.2.250.1.213.1.1.4.13", "code": "MASQUE_PS"}]}],
        }
    ]
    outcome(await dmp.http.patch(url, json=mask, headers={**other, **PATCH}), 403, "901", "author-only")
    masked = await dmp.http.patch(url, json=mask, headers={**doctor, **PATCH})
    assert masked.status_code == 200, masked.text
    assert DocumentReference.model_validate(masked.json()).securityLabel[0].coding[0].code == "MASQUE_PS"
    assert created["id"] not in await dmp.ids(person, other)
    archive = [{"op": "replace", "path": "/extension/0/valueBoolean", "value": True}]
    archived = (await dmp.http.patch(url, json=archive, headers={**doctor, **PATCH})).json()
    assert archived["extension"][0]["valueBoolean"] is True
    assert await dmp.ids(person, doctor) == set()
    bad = [{"op": "replace", "path": "/type", "value": {}}]
    outcome(
        await dmp.http.patch(url, json=bad, headers={**doctor, **PATCH}), 400, "fhir-invalid", "fhir-patch"
    )
    wrong_label = [{"op": "add", "path": "/securityLabel/-", "value": {"coding": [{"code": "SECRET"}]}}]
    outcome(
        await dmp.http.patch(url, json=wrong_label, headers={**doctor, **PATCH}),
        400,
        "fhir-invalid",
        "fhir-patch",
    )
    supersede = [{"op": "replace", "path": "/status", "value": "superseded"}]
    outcome(
        await dmp.http.patch(url, json=supersede, headers={**doctor, **PATCH}),
        400,
        "fhir-invalid",
        "fhir-patch",
    )
    delete = [{"op": "replace", "path": "/status", "value": "entered-in-error"}]
    deleted = await dmp.http.patch(url, json=delete, headers={**doctor, **PATCH})
    assert DocumentReference.model_validate(deleted.json()).status == "entered-in-error"
    outcome(await dmp.http.get(url, headers=doctor), 404, "document-not-found", "document-unknown")


async def test_iti67_follows_the_rules(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person, "18748-4"), headers=doctor
    )
    nurse = await dmp.pro(cases.pro("60"))
    found = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params={"patient.identifier": ins_token(person)}, headers=nurse
    )
    assert Bundle.model_validate(found.json()).total == 0
    btg = {**nurse, "X-Access-Mode": "bris-de-glace"}
    refused = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params={"patient.identifier": ins_token(person)}, headers=btg
    )
    outcome(refused, 403, "access-refused", "btg-justification")
    closed = cases.person("mes-closed", "adult")
    outcome(
        await dmp.http.get(
            "/dmp/fhir/DocumentReference", params={"patient.identifier": ins_token(closed)}, headers=doctor
        ),
        403,
        "dmp-closed",
        "status-closed",
    )
