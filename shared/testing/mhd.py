"""An IHE MHD Comprehensive Provide Document Bundle (ITI-65) as a client builds it, for the tests and
the bench: the SubmissionSet List, the DocumentReferences (a contained Patient with the INS and
traits), and their Binaries (or inline data)."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

MHD = "https://profiles.ihe.net/ITI/MHD"


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def fhir_patient(
    ins: str, oid: str, nom: str, prenoms: list[str], sexe: str, date_naissance: str
) -> dict[str, Any]:
    """The patient as a DocumentReference contains it (``#pat``)."""
    return {
        "resourceType": "Patient",
        "id": "pat",
        "identifier": [{"system": f"urn:oid:{oid}", "value": ins}],
        "name": [{"family": nom, "given": prenoms}],
        "gender": {"M": "male", "F": "female"}[sexe],
        "birthDate": date_naissance,
    }


def provide_bundle(
    patient: dict[str, Any],
    contents: list[tuple[str, str, bytes]],
    *,
    binary: bool = True,
    when: str = "2025-12-30T10:00:00Z",
) -> dict[str, Any]:
    """A transaction Bundle providing one document per ``(typeCode, media type, bytes)`` of ``contents``
    for ``patient`` (``fhir_patient``); with ``binary`` each content is a Binary entry, else inline."""
    ins = patient["identifier"][0]["value"]
    refs = [urn() for _ in contents]
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": urn(),
            "resource": {
                "resourceType": "List",
                "extension": [
                    {
                        "url": f"{MHD}/StructureDefinition/ihe-sourceId",
                        "valueIdentifier": {"value": "urn:oid:1.2.3.4"},
                    },
                    {
                        "url": f"{MHD}/StructureDefinition/ihe-designationType",
                        "valueCodeableConcept": {
                            "coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "CR"}]
                        },
                    },
                ],
                "identifier": [
                    {"use": "usual", "system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.3.4.5.6"}
                ],
                "status": "current",
                "mode": "working",
                "title": "Consultation",
                "code": {"coding": [{"system": f"{MHD}/CodeSystem/MHDlistTypes", "code": "submissionset"}]},
                "subject": {"reference": f"Patient/{ins}"},
                "date": when,
                "entry": [{"item": {"reference": ref}} for ref in refs],
            },
            "request": {"method": "POST", "url": "List"},
        }
    ]
    for index, (ref, (type_code, media_type, data)) in enumerate(zip(refs, contents, strict=True)):
        encoded = base64.b64encode(data).decode()
        binary_url = urn()
        attachment: dict[str, Any] = {"contentType": media_type, "title": f"document {index}"}
        attachment.update({"url": binary_url} if binary else {"data": encoded})
        document = {
            "resourceType": "DocumentReference",
            "contained": [copy.deepcopy(patient)],
            "status": "current",
            "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
            "subject": {"reference": f"Patient/{ins}"},
            "content": [{"attachment": attachment}],
            "context": {"period": {"start": when}, "sourcePatientInfo": {"reference": "#pat"}},
        }
        entries.append(
            {"fullUrl": ref, "resource": document, "request": {"method": "POST", "url": "DocumentReference"}}
        )
        if binary:
            entries.append(
                {
                    "fullUrl": binary_url,
                    "resource": {"resourceType": "Binary", "contentType": media_type, "data": encoded},
                    "request": {"method": "POST", "url": "Binary"},
                }
            )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}
