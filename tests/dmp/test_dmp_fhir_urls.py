"""The FHIR facade's discovery and URLs: the CapabilityStatement and the SMART configuration name
psc's endpoints; every URL the facade writes is absolute, carries the /dmp prefix and answers 200 when
followed; attachment.url is the document's Binary (ITI-68), its bytes or a Binary resource."""

from __future__ import annotations

import base64

import pytest
from dmp_helpers import Cases, Dmp
from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from test_dmp_fhir import FHIR, _setup, document_reference, ins_token, outcome

from services.dmp import metadata

pytestmark = pytest.mark.asyncio

BASE = "http://testserver/dmp/fhir"
PDF = b"%PDF-1.4\n% a consultation report\n%%EOF\n"


async def test_metadata_says_what_the_facade_serves_and_where_to_get_a_token(dmp: Dmp) -> None:
    capability = (await dmp.http.get("/dmp/fhir/metadata")).json()
    assert capability["resourceType"] == "CapabilityStatement"
    assert capability["fhirVersion"] == "4.0.1"
    assert capability["instantiates"] == [
        "https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentRecipient",
        "https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentResponder",
    ]
    assert capability["format"] == ["application/fhir+json"]
    rest = capability["rest"][0]
    served = {r["type"]: r for r in rest["resource"]}
    assert set(served) == {"Patient", "DocumentReference", "List", "Binary"}
    assert rest["interaction"] == [{"code": "transaction", "documentation": "ITI-65 Provide Document Bundle"}]
    # What the CapabilityStatement names is what the routes serve: each parameter is one they take.
    spec = (await dmp.http.get("/dmp/openapi.json")).json()["paths"]
    for kind, path in (("DocumentReference", "/fhir/DocumentReference"), ("List", "/fhir/List")):
        taken = {p["name"] for p in spec[path]["get"]["parameters"] if p["in"] == "query"}
        named = {p["name"] for p in served[kind]["searchParam"]}
        assert named <= taken, named - taken
    uris = {e["url"]: e["valueUri"] for e in rest["security"]["extension"][0]["extension"]}
    smart = (await dmp.http.get("/dmp/fhir/.well-known/smart-configuration")).json()
    discovery = (await dmp.http.get("/psc/.well-known/openid-configuration")).json()
    assert uris == {"authorize": smart["authorization_endpoint"], "token": smart["token_endpoint"]}
    assert smart["authorization_endpoint"] == discovery["authorization_endpoint"]
    assert smart["token_endpoint"] == discovery["token_endpoint"]


async def test_every_url_the_facade_writes_answers_when_followed(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    posted = document_reference(person)
    posted["content"][0]["attachment"].update(
        contentType="application/pdf", data=base64.b64encode(PDF).decode()
    )
    created = await dmp.http.post("/dmp/fhir/DocumentReference", json=posted, headers={**doctor, **FHIR})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.startswith(f"{BASE}/DocumentReference/")
    assert (await dmp.http.get(location, headers=doctor)).status_code == 200
    found = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params={"patient.identifier": ins_token(person)}, headers=doctor
    )
    bundle = Bundle.model_validate(found.json())
    entry = next(e for e in bundle.entry if e.fullUrl == location)
    assert (await dmp.http.get(entry.fullUrl, headers=doctor)).status_code == 200
    reference = DocumentReference.model_validate(entry.resource.model_dump())
    url = reference.content[0].attachment.url
    assert url == location.replace("/DocumentReference/", "/Binary/")
    raw = await dmp.http.get(url, headers={**doctor, "Accept": "application/pdf"})
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/pdf"
    assert raw.content == PDF
    resource = await dmp.http.get(url, headers={**doctor, "Accept": "application/fhir+json"})
    assert Binary.model_validate(resource.json()).contentType == "application/pdf"
    assert base64.b64decode(resource.json()["data"]) == PDF


async def test_the_binary_is_refused_as_the_document_is(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    created = await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person, "18748-4"), headers={**doctor, **FHIR}
    )
    binary = created.headers["location"].replace("/DocumentReference/", "/Binary/")
    nurse = await dmp.pro(cases.pro("60"))
    outcome(await dmp.http.get(binary, headers=nurse), 403, "access-refused", "matrix")
    outcome(
        await dmp.http.get(f"{BASE}/Binary/nothing", headers=doctor),
        404,
        "document-not-found",
        "document-unknown",
    )


async def test_iti67_finds_by_the_patient_reference_as_mhd_writes_it(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    created = await dmp.http.post(
        "/dmp/fhir/DocumentReference", json=document_reference(person), headers={**doctor, **FHIR}
    )
    patient = await dmp.http.get(f"/dmp/fhir/Patient/{person.ins}", headers=doctor)
    assert patient.json()["identifier"][0]["value"] == person.ins
    for reference in (f"Patient/{person.ins}", f"{BASE}/Patient/{person.ins}"):
        found = await dmp.http.get(
            "/dmp/fhir/DocumentReference", params={"patient": reference}, headers=doctor
        )
        assert created.headers["location"] in [e.fullUrl for e in Bundle.model_validate(found.json()).entry]
    both = {"patient": f"Patient/{person.ins}", "patient.identifier": ins_token(person)}
    refused = await dmp.http.get("/dmp/fhir/DocumentReference", params=both, headers=doctor)
    outcome(refused, 400, "fhir-invalid", "fhir-search")
    wrong = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params={"patient": "Practitioner/1"}, headers=doctor
    )
    outcome(wrong, 400, "fhir-invalid", "fhir-search")
    opposed = cases.person("mes-opposed", "adult")
    outcome(
        await dmp.http.get(f"/dmp/fhir/Patient/{opposed.ins}", headers=doctor),
        404,
        "dmp-not-found",
        "dmp-exists",
    )


async def test_iti67_filters_by_type_category_and_period_and_pages(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    posted = {}
    for code, day in (("11488-4", "2025-11-05"), ("18748-4", "2025-12-10"), ("11488-4", "2025-12-20")):
        body = document_reference(person, code, context={"period": {"start": f"{day}T10:00:00Z"}})
        created = await dmp.http.post("/dmp/fhir/DocumentReference", json=body, headers={**doctor, **FHIR})
        assert created.status_code == 201, created.text
        posted[(code, day)] = created.headers["location"]

    async def urls(**params: object) -> list[str]:
        found = await dmp.http.get(
            "/dmp/fhir/DocumentReference",
            params={"patient": f"Patient/{person.ins}", **params},
            headers=doctor,
        )
        assert found.status_code == 200, found.text
        return sorted(e["fullUrl"] for e in found.json().get("entry", []))

    reports = sorted(v for (code, _), v in posted.items() if code == "11488-4")
    assert await urls(type="http://loinc.org|11488-4") == reports
    assert await urls(type="11488-4,18748-4") == sorted(posted.values())
    assert await urls(category="imagerie") == [posted[("18748-4", "2025-12-10")]]
    assert await urls(category="compte-rendu", type="18748-4") == []
    assert await urls(category="31") == [posted[("18748-4", "2025-12-10")]]
    assert await urls(category=f"{metadata.CLASSES['10'].system}|10") == reports
    assert await urls(category="10,imagerie") == sorted(posted.values())
    assert await urls(period=["ge2025-12-01", "le2025-12-15"]) == [posted[("18748-4", "2025-12-10")]]
    assert await urls(period="2025-12-20") == [posted[("11488-4", "2025-12-20")]]
    first = await dmp.http.get(
        "/dmp/fhir/DocumentReference",
        params={"patient": f"Patient/{person.ins}", "_count": 2},
        headers=doctor,
    )
    page = first.json()
    assert (page["total"], len(page["entry"])) == (3, 2)
    following = next(link["url"] for link in page["link"] if link["relation"] == "next")
    rest = (await dmp.http.get(following, headers=doctor)).json()
    assert len(rest["entry"]) == 1
    assert "next" not in [link["relation"] for link in rest["link"]]
    seen = {e["fullUrl"] for e in page["entry"]} | {e["fullUrl"] for e in rest["entry"]}
    assert seen == set(posted.values())


async def test_iti67_ignores_unknown_parameters_unless_strict(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    params = {"patient": f"Patient/{person.ins}", "unheard-of": "1"}
    lenient = await dmp.http.get("/dmp/fhir/DocumentReference", params=params, headers=doctor)
    assert lenient.status_code == 200
    strict = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params=params, headers={**doctor, "Prefer": "handling=strict"}
    )
    outcome(strict, 400, "fhir-invalid", "fhir-search")
    for category in ("nothing", "77"):
        bad = await dmp.http.get(
            "/dmp/fhir/DocumentReference", params={**params, "category": category}, headers=doctor
        )
        outcome(bad, 400, "fhir-invalid", "fhir-search")
