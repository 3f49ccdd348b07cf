"""ITI-65 Provide Document Bundle and ITI-66 Find Document Lists (IHE MHD, Comprehensive): a
transaction is all or nothing, its refusals name their entry, and what it provided is found again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from dmp_helpers import Cases, Dmp
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.list import List as FhirList
from fhir.resources.R4B.operationoutcome import OperationOutcome
from test_dmp_fhir import ins_token

from shared.population import Person
from shared.testing import mhd

pytestmark = pytest.mark.asyncio

FHIR = {"Content-Type": "application/fhir+json"}
MHD = "https://profiles.ihe.net/ITI/MHD"
PDF = b"%PDF-1.4\n% esante-sandbox MHD test\n%%EOF\n"


def provide_bundle(
    person: Person, *, documents: int = 1, binary: bool = True, type_codes: list[str] | None = None
) -> dict[str, Any]:
    """An MHD Comprehensive ProvideBundle: the SubmissionSet, the DocumentReferences, their Binaries."""
    patient = mhd.fhir_patient(
        person.ins, person.oid, person.nom_naissance, list(person.prenoms), person.sexe, person.date_naissance
    )
    codes = type_codes or ["11488-4"] * documents
    contents = [(code, "application/pdf", PDF + str(i).encode()) for i, code in enumerate(codes)]
    return mhd.provide_bundle(patient, contents, binary=binary)


async def _setup(dmp: Dmp, cases: Cases) -> tuple[Person, dict[str, str]]:
    await dmp.freeze()
    return cases.person("mes-activated", "adult"), await dmp.pro(cases.pro("10", "generaliste"))


async def _provide(dmp: Dmp, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return await dmp.http.post("/dmp/fhir", json=body, headers={**headers, **FHIR})


def _refused(response: Any, status: int, code: str, entry: int | None) -> None:
    assert response.status_code == status, response.text
    issue = OperationOutcome.model_validate(response.json()).issue[0]
    assert issue.details.coding[0].code == code
    assert issue.expression == (None if entry is None else [f"Bundle.entry[{entry}]"])


async def test_a_bundle_is_provided_whole_and_every_location_answers(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    answered = await _provide(dmp, provide_bundle(person, documents=2), doctor)
    assert answered.status_code == 200, answered.text
    response = Bundle.model_validate(answered.json())
    assert response.type == "transaction-response"
    kinds = [e.response.location.rsplit("/", 2)[-2] for e in response.entry]
    assert kinds == ["List", "DocumentReference", "Binary", "DocumentReference", "Binary"]
    assert all(e.response.status == "201 Created" for e in response.entry)
    for entry in response.entry:
        followed = await dmp.http.get(entry.response.location, headers=doctor)
        assert followed.status_code == 200, entry.response.location
    binary = await dmp.http.get(
        response.entry[2].response.location, headers={**doctor, "Accept": "application/pdf"}
    )
    assert binary.content == PDF + b"0"
    listed = FhirList.model_validate(
        (await dmp.http.get(response.entry[0].response.location, headers=doctor)).json()
    )
    assert [e.item.reference for e in listed.entry] == [
        response.entry[1].response.location,
        response.entry[3].response.location,
    ]
    assert listed.code.coding[0].code == "submissionset"
    assert f"{MHD}/StructureDefinition/IHE.MHD.Comprehensive.SubmissionSet" in listed.meta.profile


async def test_one_refused_document_writes_nothing(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    before = await dmp.ids(person, doctor)
    body = provide_bundle(person, documents=2, type_codes=["11488-4", "REMB"])  # REMB: reserved to the CNAM
    _refused(await _provide(dmp, body, doctor), 422, "type-code-refused", 3)
    mismatch = provide_bundle(person)
    mismatch["entry"][1]["resource"]["contained"][0]["name"][0]["family"] = "AUTRE"
    _refused(await _provide(dmp, mismatch, doctor), 422, "904", 1)
    assert await dmp.ids(person, doctor) == before
    lists = await dmp.http.get(
        "/dmp/fhir/List", params={"patient.identifier": ins_token(person)}, headers=doctor
    )
    assert Bundle.model_validate(lists.json()).total == 0


async def test_a_malformed_bundle_is_refused_naming_its_entry(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    no_binary = provide_bundle(person)
    del no_binary["entry"][2]
    _refused(await _provide(dmp, no_binary, doctor), 400, "fhir-invalid", 1)
    no_source = provide_bundle(person)
    no_source["entry"][0]["resource"]["extension"] = no_source["entry"][0]["resource"]["extension"][1:]
    _refused(await _provide(dmp, no_source, doctor), 400, "fhir-invalid", 0)
    unlisted = provide_bundle(person)
    unlisted["entry"][0]["resource"]["entry"] = []
    _refused(await _provide(dmp, unlisted, doctor), 400, "fhir-invalid", 1)
    other = provide_bundle(person)
    other["entry"][0]["resource"]["subject"] = {"reference": "Patient/199999999999999"}
    _refused(await _provide(dmp, other, doctor), 422, "904", 0)
    _refused(
        await _provide(dmp, {"resourceType": "Bundle", "type": "batch"}, doctor), 400, "fhir-invalid", None
    )
    inline = provide_bundle(person, binary=False)  # attachment.data inline is accepted too
    assert (await _provide(dmp, inline, doctor)).status_code == 200


async def test_replaces_in_a_bundle_by_its_author_only(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    first = Bundle.model_validate((await _provide(dmp, provide_bundle(person), doctor)).json())
    old = first.entry[1].response.location
    replacing = provide_bundle(person)
    replacing["entry"][1]["resource"]["relatesTo"] = [{"code": "replaces", "target": {"reference": old}}]
    other = await dmp.pro(cases.pro("10", "generaliste", skip=1))
    _refused(await _provide(dmp, replacing, other), 403, "901", 1)
    done = Bundle.model_validate((await _provide(dmp, replacing, doctor)).json())
    new = DocumentReference.model_validate(
        (await dmp.http.get(done.entry[1].response.location, headers=doctor)).json()
    )
    assert new.relatesTo[0].target.reference == old
    superseded = DocumentReference.model_validate((await dmp.http.get(old, headers=doctor)).json())
    assert superseded.status == "superseded"


async def test_iti66_finds_the_sets_by_mhd_parameters(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    provided = Bundle.model_validate((await _provide(dmp, provide_bundle(person), doctor)).json())
    set_id = provided.entry[0].response.location.rsplit("/", 1)[1]

    async def found(**params: str) -> list[str]:
        answer = await dmp.http.get(
            "/dmp/fhir/List", params={"patient": f"Patient/{person.ins}", **params}, headers=doctor
        )
        assert answer.status_code == 200, answer.text
        return [e.resource.id for e in Bundle.model_validate(answer.json()).entry]

    assert await found() == [set_id]
    assert await found(code="submissionset", status="current") == [set_id]
    assert await found(code="folder") == []
    assert await found(designationType="http://loinc.org|11488-4") == [set_id]
    assert await found(designationType="34133-9") == []
    assert await found(sourceId="urn:oid:1.2.3.4") == [set_id]
    assert await found(sourceId="urn:oid:9.9") == []
    assert await found(identifier="urn:ietf:rfc:3986|urn:oid:1.2.3.4.5.6") == [set_id]
    assert await found(date="ge2025-12-01") == [set_id]
    assert await found(date="le2025-01-01") == []
    strict = await dmp.http.get(
        "/dmp/fhir/List",
        params={"patient": f"Patient/{person.ins}", "nope": "1"},
        headers={**doctor, "Prefer": "handling=strict"},
    )
    assert strict.status_code == 400


async def test_iti66_shows_only_what_the_reader_may_see(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    body = provide_bundle(person)
    body["entry"][1]["resource"]["securityLabel"] = [
        {"coding": [{"system": "urn:oid:1.2.250.1.213.1.1.4.13", "code": "MASQUE_PS"}]}
    ]
    provided = Bundle.model_validate((await _provide(dmp, body, doctor)).json())
    nurse = await dmp.pro(cases.pro("60"))
    answer = await dmp.http.get(
        "/dmp/fhir/List", params={"patient.identifier": ins_token(person)}, headers=nurse
    )
    assert Bundle.model_validate(answer.json()).total == 0
    hidden = await dmp.http.get(provided.entry[0].response.location, headers=nurse)
    assert hidden.status_code == 404
    # The author sees what they masked.
    seen = await dmp.http.get(provided.entry[0].response.location, headers=doctor)
    assert seen.status_code == 200


async def test_a_document_reference_carries_the_comprehensive_metadata(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    provided = Bundle.model_validate((await _provide(dmp, provide_bundle(person), doctor)).json())
    read = (await dmp.http.get(provided.entry[1].response.location, headers=doctor)).json()
    resource = DocumentReference.model_validate(read)
    assert f"{MHD}/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference" in resource.meta.profile
    assert resource.masterIdentifier.use == "usual"
    assert resource.identifier[0].use == "official"
    assert resource.identifier[0].value.startswith("urn:uuid:")
    assert resource.author[0].reference == "#author"
    assert read["contained"][0]["identifier"][0]["system"] == "urn:oid:1.2.250.1.71.4.2.1"
    assert resource.securityLabel[0].coding[0].code == "N"
    assert resource.subject.reference.endswith(f"/dmp/fhir/Patient/{person.ins}")
    assert (await dmp.http.get(resource.subject.reference, headers=doctor)).status_code == 200
    assert resource.content[0].attachment.hash is not None


async def test_iti67_finds_by_identifier_dates_author_and_security_label(dmp: Dmp, cases: Cases) -> None:
    person, doctor = await _setup(dmp, cases)
    author = cases.pro("10", "generaliste")
    provided = Bundle.model_validate((await _provide(dmp, provide_bundle(person), doctor)).json())
    doc = DocumentReference.model_validate(
        (await dmp.http.get(provided.entry[1].response.location, headers=doctor)).json()
    )

    async def found(**params: str) -> list[str]:
        answer = await dmp.http.get(
            "/dmp/fhir/DocumentReference",
            params={"patient.identifier": ins_token(person), **params},
            headers=doctor,
        )
        assert answer.status_code == 200, answer.text
        return [e.resource.id for e in Bundle.model_validate(answer.json()).entry]

    assert await found(identifier=f"urn:ietf:rfc:3986|{doc.identifier[0].value}") == [doc.id]
    assert await found(identifier=f"urn:uuid:{uuid.uuid4()}") == []
    assert doc.id in await found(creation="ge2025-12-30", date="ge2025-12-01")
    assert doc.id not in await found(creation="le2025-12-29")
    assert doc.id not in await found(date="le2020-01-01")
    assert doc.id in await found(**{"author.family": author.nom[:3].lower(), "author.given": author.prenom})
    assert doc.id not in await found(**{"author.family": "ZZZ"})
    assert doc.id in await found(**{"security-label": "N"})
    assert doc.id not in await found(**{"security-label": "MASQUE_PS"})


async def test_the_rules_hold_through_every_fhir_search(dmp: Dmp, cases: Cases) -> None:
    """A blocked professional, centre 15 by a non-regulator, bris de glace without a justification: the
    same refusals (and the same grants) on ITI-66 and ITI-67 as on the JSON API."""
    person, doctor = await _setup(dmp, cases)
    provided = Bundle.model_validate((await _provide(dmp, provide_bundle(person), doctor)).json())
    doc_id = provided.entry[1].response.location.rsplit("/", 1)[1]
    blocked_pro = cases.pro("10", "generaliste", skip=3)
    assert (
        await dmp.me(person, "PUT", f"/professionnels/{blocked_pro.idnat}", json={"statut": "bloque"})
    ).status_code == 200
    blocked = await dmp.pro(blocked_pro)
    other = await dmp.pro(cases.pro("10", "generaliste", skip=4))
    regulator = await dmp.pro(cases.pro("10", "regulateur"))
    c15 = {"X-Access-Mode": "centre-15"}
    btg = {"X-Access-Mode": "bris-de-glace"}
    justified = {**btg, "X-Access-Justification": "patient inconscient aux urgences"}
    params = {"patient.identifier": ins_token(person)}
    for path in ("/dmp/fhir/DocumentReference", "/dmp/fhir/List"):
        for headers, code, rule in (
            (blocked, "access-refused", "blocked"),
            ({**other, **c15}, "access-refused", "centre15-regulation"),
            ({**other, **btg}, "access-refused", "btg-justification"),
        ):
            answer = await dmp.http.get(path, params=params, headers=headers)
            assert answer.status_code == 403, (path, rule, answer.text)
            issue = OperationOutcome.model_validate(answer.json()).issue[0]
            assert issue.details.coding[0].code == code
            assert issue.diagnostics == f"rule={rule}"
        for headers in ({**regulator, **c15}, {**other, **justified}):
            answer = await dmp.http.get(path, params=params, headers=headers)
            assert answer.status_code == 200, (path, answer.text)
            assert Bundle.model_validate(answer.json()).total == 1
    refused_read = await dmp.http.get(f"/dmp/fhir/Binary/{doc_id}", headers=blocked)
    assert refused_read.status_code == 403
