"""A document's CI-SIS metadata (healthcareFacilityTypeCode, practiceSettingCode, formatCode,
eventCodeList, referenceIdList, uniqueId): given or implied at the deposit, checked against the value
sets, the same through the JSON API and the FHIR facade, and searched by MHD's parameters."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest
from dmp_helpers import Cases, Dmp, refused
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from test_dmp_fhir import ins_token
from test_dmp_fhir_mhd import FHIR, provide_bundle

from services.dmp import fhir, metadata
from shared.population import Person

pytestmark = pytest.mark.asyncio

NOS = "https://mos.esante.gouv.fr/NOS"
PDF_CODE = "urn:ihe:iti:xds-sd:pdf:2008"
TEXT_CODE = "urn:ihe:iti:xds-sd:text:2008"
CCAM = "1.2.250.1.213.2.5"


async def _setup(dmp: Dmp, cases: Cases) -> tuple[Person, dict[str, str], Any]:
    await dmp.freeze()
    doctor = cases.pro("10", "generaliste")
    return cases.person("mes-activated", "adult"), await dmp.pro(doctor), doctor


async def _found(dmp: Dmp, person: Person, headers: dict[str, str], **params: str) -> list[str]:
    answer = await dmp.http.get(
        "/dmp/fhir/DocumentReference",
        params={"patient.identifier": ins_token(person), **params},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return [e.resource.id for e in Bundle.model_validate(answer.json()).entry]


async def test_a_deposit_without_them_gets_what_its_author_and_content_imply(dmp: Dmp, cases: Cases) -> None:
    person, headers, doctor = await _setup(dmp, cases)
    body = await dmp.deposited(person, headers)
    structure = cases.population.structure(doctor.structure_id)
    assert structure is not None
    sector = structure.secteur_activite
    assert body["secteur_activite"] == {
        "code": sector,
        "system": "1.2.250.1.71.4.2.4",
        "libelle": metadata.FACILITY_TYPES[sector].display,
    }
    assert body["cadre_exercice"]["code"] == ("ETABLISSEMENT" if sector == "SA01" else "AMBULATOIRE")
    assert body["code_format"] == {
        "code": TEXT_CODE,
        "system": "1.3.6.1.4.1.19376.1.2.3",
        "libelle": "Document à corps non structuré en texte brut",
    }
    assert body["identifiant_unique"] is None
    assert body["evenements"] == []
    assert body["references"] == []
    read = (await dmp.http.get(f"/dmp/fhir/DocumentReference/{body['id']}", headers=headers)).json()
    resource = DocumentReference.model_validate(read)
    facility = resource.context.facilityType.coding[0]
    assert (facility.system, facility.code) == (
        f"{NOS}/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite",
        sector,
    )
    setting = resource.context.practiceSetting.coding[0]
    assert setting.system == f"{NOS}/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice"
    assert resource.content[0].format.code == TEXT_CODE
    assert resource.content[0].format.system == f"{NOS}/TRE_A11-IheFormatCode/FHIR/TRE-A11-IheFormatCode"
    assert resource.context.sourcePatientInfo.reference == "#patient"
    patient = next(c for c in read["contained"] if c["id"] == "patient")
    assert patient["identifier"][0]["value"] == person.ins
    assert resource.masterIdentifier.value == resource.identifier[0].value
    attachment = read["content"][0]["attachment"]
    sha1 = hashlib.sha1(base64.b64decode(attachment["data"]), usedforsecurity=False).digest()
    assert attachment["hash"] == base64.b64encode(sha1).decode()
    category = read["category"][0]["coding"][0]
    assert (category["system"], category["code"]) == (
        f"{NOS}/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument",
        "10",
    )
    custodian = next(c for c in read["contained"] if c["id"] == "custodian")
    assert custodian["name"] == structure.raison_sociale
    assert custodian["identifier"] == [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": structure.idnat}]


async def test_given_metadata_are_kept_and_searched_by_mhd_parameters(dmp: Dmp, cases: Cases) -> None:
    person, headers, _ = await _setup(dmp, cases)
    given = await dmp.deposited(
        person,
        headers,
        identifiant_unique="urn:oid:1.2.250.1.999.1.42",
        secteur_activite="SA05",
        cadre_exercice="DEPISTAGE",
        code_format=TEXT_CODE,
        evenements=[{"code": "DEQP003", "system": CCAM, "libelle": "ECG"}],
        references=[{"valeur": "CMD-7", "system": "urn:oid:1.2.250.1.999.2"}],
    )
    other = await dmp.deposited(person, headers)
    assert given["secteur_activite"]["code"] == "SA05"
    assert given["evenements"] == [{"code": "DEQP003", "system": CCAM, "libelle": "ECG"}]
    assert given["references"] == [{"valeur": "CMD-7", "system": "urn:oid:1.2.250.1.999.2"}]
    read = DocumentReference.model_validate(
        (await dmp.http.get(f"/dmp/fhir/DocumentReference/{given['id']}", headers=headers)).json()
    )
    assert read.masterIdentifier.value == "urn:oid:1.2.250.1.999.1.42"
    assert read.context.event[0].coding[0].code == "DEQP003"
    assert read.context.related[0].identifier.value == "CMD-7"
    both = {given["id"], other["id"]}
    assert set(await _found(dmp, person, headers)) >= both
    for parameter, value in (
        ("facility", "SA05"),
        ("setting", "DEPISTAGE"),
        ("event", f"urn:oid:{CCAM}|DEQP003"),
        ("related", "CMD-7"),
        ("identifier", "urn:ietf:rfc:3986|urn:oid:1.2.250.1.999.1.42"),
    ):
        assert await _found(dmp, person, headers, **{parameter: value}) == [given["id"]], parameter
    assert await _found(dmp, person, headers, event="XXXX000") == []
    assert set(await _found(dmp, person, headers, format=TEXT_CODE)) >= both
    assert await _found(dmp, person, headers, format=PDF_CODE) == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"secteur_activite": "SA99"}, "metadata-value-set"),
        ({"cadre_exercice": "CABINET"}, "metadata-value-set"),
        ({"code_format": "urn:example:format"}, "metadata-value-set"),
        ({"code_format": PDF_CODE}, "metadata-format"),
        ({"evenements": [{"code": "A|B"}]}, "metadata"),
    ],
)
async def test_metadata_outside_the_value_sets_are_refused_and_nothing_is_written(
    dmp: Dmp, cases: Cases, changes: dict[str, Any], rule: str
) -> None:
    person, headers, _ = await _setup(dmp, cases)
    before = await dmp.ids(person, headers, statut="all")
    refused(await dmp.deposit(person, headers, **changes), 422, "metadata-refused", rule)
    assert await dmp.ids(person, headers, statut="all") == before


async def test_a_unique_id_names_one_document(dmp: Dmp, cases: Cases) -> None:
    person, headers, _ = await _setup(dmp, cases)
    await dmp.deposited(person, headers, identifiant_unique="urn:oid:1.2.250.1.999.1.7")
    before = await dmp.ids(person, headers, statut="all")
    again = await dmp.deposit(person, headers, identifiant_unique="urn:oid:1.2.250.1.999.1.7")
    refused(again, 409, "document-duplicate", "unique-id-duplicate")
    assert await dmp.ids(person, headers, statut="all") == before


async def test_an_mhd_bundle_gives_them_through_the_document_reference(dmp: Dmp, cases: Cases) -> None:
    person, headers, _ = await _setup(dmp, cases)
    bundle = provide_bundle(person)
    document = bundle["entry"][1]["resource"]
    document["masterIdentifier"] = {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.250.1.999.3.1"}
    document["content"][0]["format"] = {"system": f"{NOS}/TRE_A11-IheFormatCode/FHIR/x", "code": PDF_CODE}
    document["context"]["facilityType"] = {"coding": [{"code": "SA01"}]}
    document["context"]["practiceSetting"] = {"coding": [{"code": "ETABLISSEMENT"}]}
    answered = await dmp.http.post("/dmp/fhir", json=bundle, headers={**headers, **FHIR})
    assert answered.status_code == 200, answered.text
    location = Bundle.model_validate(answered.json()).entry[1].response.location
    read = DocumentReference.model_validate((await dmp.http.get(location, headers=headers)).json())
    assert read.masterIdentifier.value == "urn:oid:1.2.250.1.999.3.1"
    assert read.context.facilityType.coding[0].code == "SA01"
    assert read.content[0].format.code == PDF_CODE
    assert read.id in await _found(dmp, person, headers, facility="SA01", setting="ETABLISSEMENT")

    twice = copy.deepcopy(bundle)
    refused_twice = await dmp.http.post("/dmp/fhir", json=twice, headers={**headers, **FHIR})
    assert refused_twice.status_code == 409, refused_twice.text
    assert refused_twice.json()["issue"][0]["details"]["coding"][0]["code"] == "document-duplicate"
    wrong = provide_bundle(person)
    wrong["entry"][1]["resource"]["context"]["facilityType"] = {"coding": [{"code": "NOPE"}]}
    refused_wrong = await dmp.http.post("/dmp/fhir", json=wrong, headers={**headers, **FHIR})
    assert refused_wrong.status_code == 422, refused_wrong.text
    issue = refused_wrong.json()["issue"][0]
    assert issue["details"]["coding"][0]["code"] == "metadata-refused"
    assert issue["expression"] == ["Bundle.entry[1]"]


async def test_a_patients_own_document_is_an_expression_personnelle(dmp: Dmp, cases: Cases) -> None:
    person, headers, _ = await _setup(dmp, cases)
    answer = await dmp.me(
        person,
        "POST",
        "/documents",
        json={
            "type_code": "DOCPAT01",
            "titre": "Mes notes",
            "date_acte": "2025-12-01T10:00:00Z",
            "format": "text/plain",
            "contenu": base64.b64encode(b"notes").decode(),
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["secteur_activite"]["code"] == "EXP_PATIENT"
    assert answer.json()["cadre_exercice"]["code"] == "EXP_PATIENT"
    read = (await dmp.http.get(f"/dmp/fhir/DocumentReference/{answer.json()['id']}", headers=headers)).json()
    assert read["category"][0]["coding"][0]["code"] == "90"
    custodian = next(c for c in read["contained"] if c["id"] == "custodian")
    assert custodian == {"resourceType": "Organization", "id": "custodian", "name": fhir.DMP_HOST}


COMPREHENSIVE_REQUIRED = (
    ("masterIdentifier", "value"),
    ("status",),
    ("type", "coding"),
    ("category",),
    ("subject", "reference"),
    ("securityLabel",),
    ("content", 0, "attachment", "contentType"),
    ("content", 0, "attachment", "language"),
    ("content", 0, "attachment", "url"),
    ("content", 0, "attachment", "creation"),
    ("content", 0, "attachment", "size"),
    ("content", 0, "attachment", "hash"),
    ("content", 0, "attachment", "title"),
    ("content", 0, "format", "code"),
    ("context", "facilityType", "coding"),
    ("context", "practiceSetting", "coding"),
    ("context", "sourcePatientInfo", "reference"),
    ("author", 0, "reference"),
    ("custodian", "reference"),
)
"""The elements IHE MHD's Comprehensive DocumentReference requires (1..), and PDSm's (``custodian``,
the attachment's size, hash and title), as paths into the JSON."""
VALUE_SETS = (
    (("category", 0, "coding", 0), metadata.CLASSES),
    (("context", "facilityType", "coding", 0), metadata.FACILITY_TYPES),
    (("context", "practiceSetting", "coding", 0), metadata.PRACTICE_SETTINGS),
    (("content", 0, "format"), metadata.FORMATS),
)
"""PDSm's bindings: JDV_J06, JDV_J02, JDV_J04, JDV_J10, each code with its NOS system."""


def _at(resource: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        resource = resource[step] if isinstance(step, int) or step in resource else None
        if resource is None:
            return None
    return resource


async def test_every_document_reference_has_the_comprehensive_elements_and_bindings(
    dmp: Dmp, cases: Cases
) -> None:
    person, headers, _ = await _setup(dmp, cases)
    await dmp.deposited(person, headers)
    await dmp.deposited(person, headers, secteur_activite="SA24", cadre_exercice="AMO")
    answer = await dmp.http.get(
        "/dmp/fhir/DocumentReference", params={"patient.identifier": ins_token(person)}, headers=headers
    )
    resources = [entry["resource"] for entry in answer.json()["entry"]]
    assert len(resources) >= 2
    for resource in resources:
        missing = [path for path in COMPREHENSIVE_REQUIRED if _at(resource, path) in (None, "", [])]
        assert missing == [], resource["id"]
        for path, table in VALUE_SETS:
            coding = _at(resource, path)
            assert coding["code"] in table, (path, coding)
            assert coding["system"] == table[coding["code"]].system, (path, coding)
        contained = {c["id"] for c in resource["contained"]}
        assert resource["context"]["sourcePatientInfo"]["reference"].removeprefix("#") in contained
        assert resource["author"][0]["reference"].removeprefix("#") in contained
        assert resource["custodian"]["reference"].removeprefix("#") in contained
