"""The FHIR R4 shapes of the DMP facade (after the ANS PDSm draft built on IHE MHD): reading a
DocumentReference a client posts (ITI-65), writing DocumentReference, Patient, Bundle and
OperationOutcome, and applying a JSON Patch (RFC 6902) to the patchable elements.

Code systems: typeCode LOINC (``http://loinc.org``) or TRE_A05 (``urn:oid:1.2.250.1.213.1.1.4.12``);
visibility TRE_A07 (``urn:oid:1.2.250.1.213.1.1.4.13``); the INS by its OID (``urn:oid:1.2.250.1.213.1.4.8``
NIR, ``.9`` NIA); professionals by IdNat (``urn:oid:1.2.250.1.71.4.2.1``). The archive flag is the
PDSm ``isArchived`` extension. Profiles and extensions are those of IHE MHD 4.2 (Comprehensive) and of
the ANS PDSm guide 3.1.1 (``ansforge/IG-fhir-partage-de-documents-de-sante``, built on MHD 4.2.0).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from services.dmp import metadata, rendering
from services.dmp.documents import CONFIDENTIALITE, confidentialite_of
from services.dmp.errors import FhirInvalide, InsIncoherent
from services.dmp.identities import Identite
from services.dmp.lifecycle import ms
from services.dmp.records import Document, Profile
from services.dmp.repository.submissions import SubmissionSet
from services.dmp.typecodes import CATEGORIES, LOINC, TYPES
from shared.errors import SandboxError
from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST

FHIR_JSON: Final = "application/fhir+json"
LOINC_URL: Final = "http://loinc.org"
VISIBILITE_SYSTEM: Final = "urn:oid:1.2.250.1.213.1.1.4.13"
IDNAT_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.1"
IDNAT_STRUCT_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.2"
DMP_HOST: Final = "Dossier Médical Partagé (Assurance Maladie)"
"""The custodian of a document no structure deposited (a patient's own, a professional without one)."""
CATEGORIE_SYSTEM: Final = "urn:esante-sandbox:dmp:categorie"
IS_ARCHIVED: Final = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
INS_OIDS: Final = frozenset({OID_INS_NIR, OID_INS_NIA, OID_INS_NIR_TEST, OID_INS_NIR_DEMO})
PATCHABLE: Final = frozenset({"securityLabel", "status", "extension"})
MHD: Final = "https://profiles.ihe.net/ITI/MHD"
PDSM: Final = "https://interop.esante.gouv.fr/ig/fhir/pdsm"
DOCUMENT_PROFILES: Final = (
    f"{MHD}/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference",
    f"{PDSM}/StructureDefinition/pdsm-comprehensive-document-reference",
)
SUBMISSION_PROFILES: Final = (
    f"{MHD}/StructureDefinition/IHE.MHD.Comprehensive.SubmissionSet",
    f"{PDSM}/StructureDefinition/pdsm-submissionset-comprehensive",
)
LIST_TYPES: Final = f"{MHD}/CodeSystem/MHDlistTypes"
SOURCE_ID: Final = f"{MHD}/StructureDefinition/ihe-sourceId"
DESIGNATION_TYPE: Final = f"{MHD}/StructureDefinition/ihe-designationType"
URI: Final = "urn:ietf:rfc:3986"
V3_CONFIDENTIALITY: Final = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
NORMAL: Final = {"system": V3_CONFIDENTIALITY, "code": "N", "display": "normal"}
"""The label of a document with none of the DMP's visibility codes (MHD wants one securityLabel)."""
_STATUS: Final = {"current": "current", "superseded": "superseded", "deleted": "entered-in-error"}
_GENDER: Final = {"M": "male", "F": "female"}
_ISSUE: Final = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    413: "too-long",
}


def _invalid(detail: str, rule: str = "fhir-resource") -> FhirInvalide:
    return FhirInvalide(detail, rule=rule)


def parse_identifier(value: str, parameter: str) -> str:
    """``urn:oid:<INS OID>|<matricule>`` (the token search syntax) -> the matricule."""
    system, bar, matricule = value.partition("|")
    if not bar or not system.startswith("urn:oid:") or system[8:] not in INS_OIDS:
        raise _invalid(
            f"{parameter} must be urn:oid:1.2.250.1.213.1.4.8|<INS> (or .9 for a NIA), got {value[:60]!r}",
            "fhir-search",
        )
    return matricule


def searched_patient(reference: str | None, identifier: str | None) -> str:
    """The matricule an ITI-67 search names: MHD's ``patient`` (a reference ``Patient/<INS>``,
    relative or absolute) or ``patient.identifier``; exactly one of them."""
    if (reference is None) == (identifier is None):
        raise _invalid("give exactly one of patient and patient.identifier", "fhir-search")
    if identifier is not None:
        return parse_identifier(identifier, "patient.identifier")
    assert reference is not None
    kind, _, ins = reference.rstrip("/").rpartition("/")
    if not kind.endswith("Patient") or not ins:
        raise _invalid(f"patient must be Patient/<INS>, got {reference[:60]!r}", "fhir-search")
    return ins


def check_strict(prefer: str | None, params: Iterable[str], served: frozenset[str]) -> None:
    """Under ``Prefer: handling=strict`` an unknown search parameter is refused (else it is ignored)."""
    if prefer is not None and "handling=strict" in prefer.replace(" ", ""):
        unknown = sorted(set(params) - served)
        if unknown:
            raise _invalid(f"unknown search parameter {unknown[0][:40]!r}", "fhir-search")


def codes_of(value: str | None) -> frozenset[str] | None:
    """A token parameter's codes (comma: either), each without its ``system|``; None when absent."""
    found = _codes(value)
    return None if found is None else frozenset(found)


@dataclass(frozen=True, slots=True)
class ListCriteria:
    """ITI-66's criteria; None: not asked."""

    codes: frozenset[str] | None
    statuses: frozenset[str] | None
    low: int | None
    high: int | None
    designations: frozenset[str] | None
    identifiers: frozenset[str] | None
    source_ids: frozenset[str] | None

    def match(self, found: SubmissionSet) -> bool:
        uuid = f"urn:uuid:{_uuid(found.id)}"
        return (
            (self.codes is None or "submissionset" in self.codes)
            and (self.statuses is None or "current" in self.statuses)
            and (self.low is None or found.submitted_at >= self.low)
            and (self.high is None or found.submitted_at <= self.high)
            and (self.designations is None or found.designation_code in self.designations)
            and (self.identifiers is None or bool({found.unique_id, uuid} & self.identifiers))
            and (self.source_ids is None or found.source_id in self.source_ids)
        )


@dataclass(frozen=True, slots=True)
class DocumentCriteria:
    """ITI-67's criteria the DMP's own search does not apply; None: not asked. Instants in Unix ms."""

    identifiers: frozenset[str] | None = None
    date_low: int | None = None
    date_high: int | None = None
    author_given: str | None = None
    author_family: str | None = None
    security_labels: frozenset[str] | None = None
    facilities: frozenset[str] | None = None
    settings: frozenset[str] | None = None
    formats: frozenset[str] | None = None
    events: frozenset[str] | None = None
    related: frozenset[str] | None = None

    def match(self, doc: Document) -> bool:
        words = (doc.auteur_nom or "").casefold().split()
        labels = set(confidentialite_of(doc)) or {"N"}
        return (
            (
                self.identifiers is None
                or bool({f"urn:uuid:{_uuid(doc.id)}", doc.unique_id} & self.identifiers)
            )
            and (self.date_low is None or doc.deposited_at >= self.date_low)
            and (self.date_high is None or doc.deposited_at <= self.date_high)
            and (self.author_given is None or _starts_a_word(words, self.author_given))
            and (self.author_family is None or _starts_a_word(words, self.author_family))
            and (self.security_labels is None or bool(labels & self.security_labels))
            and (self.facilities is None or doc.facility_type in self.facilities)
            and (self.settings is None or doc.practice_setting in self.settings)
            and (self.formats is None or doc.format_code in self.formats)
            and (
                self.events is None or any(e.code in self.events for e in metadata.events_of(doc.event_codes))
            )
            and (
                self.related is None
                or any(r.code in self.related for r in metadata.references_of(doc.reference_ids))
            )
        )


def _starts_a_word(words: list[str], value: str) -> bool:
    """FHIR's string search: a case-insensitive match of the start of a name (here, of any word of the
    author's name, as the DMP keeps it whole)."""
    wanted = value.casefold().strip()
    return any(word.startswith(wanted) for word in words)


def ms_bounds(values: list[str]) -> tuple[int | None, int | None]:
    """A date parameter's bounds (``searched_period``) in Unix ms."""
    low, high = searched_period(values)
    return (None if low is None else ms(low), None if high is None else ms(high))


def _codes(value: str | None) -> list[str] | None:
    """A token parameter's values (``a,b`` is either), each without its ``system|``."""
    if value is None:
        return None
    return [part.rpartition("|")[2] for part in value.split(",") if part.strip()]


def searched_types(type_: str | None, category: str | None) -> frozenset[str] | None:
    """The typeCodes an ITI-67 search keeps: ``type`` codes, and / or the types of ``category``
    (CI-SIS classCodes or the habilitation matrix's categories, both written in ``category.coding``);
    both: the types that are in both."""
    types = _codes(type_)
    categories = _codes(category)
    if types is None and categories is None:
        return None
    kept = set(TYPES) if types is None else set(types)
    if categories is not None:
        either: set[str] = set()
        for value in categories:
            if value in metadata.CLASSES:
                either |= metadata.types_of_class(value)
            elif value in CATEGORIES:
                either |= {c for c, found in TYPES.items() if found.categorie == value}
            else:
                raise _invalid(
                    f"unknown category {value[:40]!r} (a classCode of {', '.join(metadata.CLASSES)},"
                    f" or one of {', '.join(CATEGORIES)})",
                    "fhir-search",
                )
        kept &= either
    return frozenset(kept)


def searched_period(values: list[str]) -> tuple[datetime | None, datetime | None]:
    """MHD's ``period`` (the act's date): ``ge``/``gt`` a lower bound, ``le``/``lt`` an upper one,
    ``eq`` (or no prefix) the day or instant given; repeated for both ends."""
    low = high = None
    for value in values:
        prefix, rest = (
            (value[:2], value[2:]) if value[:2] in ("ge", "gt", "le", "lt", "eq") else ("eq", value)
        )
        try:
            instant = datetime.fromisoformat(rest if "T" in rest else f"{rest}T00:00:00+00:00")
        except ValueError:
            raise _invalid(f"period {value[:40]!r} is not a FHIR date", "fhir-search") from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        day_end = instant + timedelta(days=1) - timedelta(milliseconds=1) if "T" not in rest else instant
        if prefix in ("ge", "gt", "eq"):
            low = instant
        if prefix in ("le", "lt", "eq"):
            high = day_end
    return low, high


def page_links(
    url: str, params: list[tuple[str, str]], offset: int, count: int, total: int
) -> list[dict[str, str]]:
    """``self`` and, when more entries remain, ``next`` (``_offset`` the first entry of the page)."""
    kept = [(k, v) for k, v in params if k != "_offset"]

    def link(relation: str, at: int) -> dict[str, str]:
        return {"relation": relation, "url": f"{url}?{urlencode([*kept, ('_offset', str(at))])}"}

    links = [link("self", offset)]
    if offset + count < total:
        links.append(link("next", offset + count))
    return links


# --- reading what a client posts ----------


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(f"{where} must be an array")
    return value


def _patient(resource: dict[str, Any]) -> dict[str, Any] | None:
    subject = resource.get("subject")
    contained = [c for c in _list(resource.get("contained"), "contained") if isinstance(c, dict)]
    if isinstance(subject, dict) and str(subject.get("reference", "")).startswith("#"):
        wanted = str(subject["reference"])[1:]
        for item in contained:
            if item.get("resourceType") == "Patient" and item.get("id") == wanted:
                return item
        raise _invalid(f"subject {subject['reference']!r} is not a contained Patient")
    return next((c for c in contained if c.get("resourceType") == "Patient"), None)


def identite(resource: dict[str, Any]) -> Identite | None:
    """The patient identity of a posted DocumentReference: its contained Patient (INS and traits)."""
    patient = _patient(resource)
    if patient is None:
        subject = resource.get("subject")
        identifier = subject.get("identifier") if isinstance(subject, dict) else None
        if isinstance(identifier, dict) and identifier.get("value"):
            system = str(identifier.get("system", ""))
            oid = system[8:] if system.startswith("urn:oid:") else None
            return Identite(str(identifier["value"]), oid, None, (), None, None, None)
        return None
    ins = next(
        (
            i
            for i in _list(patient.get("identifier"), "Patient.identifier")
            if isinstance(i, dict) and str(i.get("system", "")).removeprefix("urn:oid:") in INS_OIDS
        ),
        None,
    )
    name = next((n for n in _list(patient.get("name"), "Patient.name") if isinstance(n, dict)), {})
    gender = {"male": "M", "female": "F"}.get(str(patient.get("gender", "")))
    birth_date = patient.get("birthDate")
    if isinstance(birth_date, str) and len(birth_date) == 4:
        birth_date += "-00-00"
    elif isinstance(birth_date, str) and len(birth_date) == 7:
        birth_date += "-00"
    lieu = next(
        (
            e.get("valueCode") or e.get("valueString")
            for e in _list(patient.get("extension"), "Patient.extension")
            if isinstance(e, dict) and str(e.get("url", "")).endswith("birthPlace")
        ),
        None,
    )
    return Identite(
        matricule=None if ins is None else str(ins.get("value") or "") or None,
        oid=None if ins is None else str(ins.get("system", "")).removeprefix("urn:oid:"),
        nom_naissance=name.get("family"),
        prenoms=tuple(str(g) for g in _list(name.get("given"), "Patient.name.given")),
        sexe=gender,
        date_naissance=birth_date if isinstance(birth_date, str) else None,
        lieu_naissance=lieu,
    )


def document_fields(resource: dict[str, Any]) -> dict[str, Any]:
    """The DocumentCreate fields of a posted DocumentReference (ITI-65)."""
    if resource.get("resourceType") != "DocumentReference":
        raise _invalid("the body must be a DocumentReference")
    type_ = _dict(resource.get("type") or {}, "type")
    coding = next((c for c in _list(type_.get("coding"), "type.coding") if isinstance(c, dict)), None)
    if coding is None or not coding.get("code"):
        raise _invalid("type.coding[0].code (the typeCode) is required")
    contents = _list(resource.get("content"), "content")
    if not contents:
        raise _invalid("content[0].attachment is required")
    attachment = _dict(_dict(contents[0], "content[0]").get("attachment"), "content[0].attachment")
    labels: list[str] = []
    for label in _list(resource.get("securityLabel"), "securityLabel"):
        for c in _list(_dict(label, "securityLabel[]").get("coding"), "securityLabel.coding"):
            if isinstance(c, dict) and c.get("code") in CONFIDENTIALITE:
                labels.append(str(c["code"]))
    period = (resource.get("context") or {}).get("period") or {}
    date_acte = period.get("start") or attachment.get("creation") or resource.get("date")
    if not date_acte:
        raise _invalid("context.period.start (the date of the act) is required")
    title = attachment.get("title") or resource.get("description") or coding.get("display") or coding["code"]
    context = _dict(resource.get("context") or {}, "context")
    return {
        "given": _given(resource, context, _dict(contents[0], "content[0]")),
        "type_code": str(coding["code"]),
        "titre": str(title)[:255],
        "date_acte": date_acte,
        "format": str(attachment.get("contentType") or ""),
        "contenu": str(attachment.get("data") or ""),
        "confidentialite": sorted(set(labels)),
    }


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _code_in(concept: Any, where: str) -> str | None:
    """The code of a CodeableConcept's first coding that has one (``_coding``)."""
    found = _coding(_dict(concept or {}, where))
    return None if found is None else str(found["code"])


def _given(resource: dict[str, Any], context: dict[str, Any], content: dict[str, Any]) -> metadata.Given:
    """The CI-SIS metadata a posted DocumentReference gives; what it leaves out is None."""
    events = []
    for event in _list(context.get("event"), "context.event"):
        codings = _list(_dict(event, "context.event[]").get("coding"), "context.event.coding")
        first = _dict(codings[0], "context.event.coding[0]") if codings else {}
        if first:
            events.append(
                metadata.Coded(*(str(first.get(key) or "") for key in ("system", "code", "display")))
            )
    references = []
    for related in _list(context.get("related"), "context.related"):
        found = _dict(
            _dict(related, "context.related[]").get("identifier") or {}, "context.related.identifier"
        )
        if found:
            references.append(metadata.Coded(str(found.get("system") or ""), str(found.get("value") or "")))
    return metadata.Given(
        unique_id=_text(_dict(resource.get("masterIdentifier") or {}, "masterIdentifier").get("value")),
        facility_type=_code_in(context.get("facilityType"), "context.facilityType"),
        practice_setting=_code_in(context.get("practiceSetting"), "context.practiceSetting"),
        format_code=_text(_dict(content.get("format") or {}, "content[0].format").get("code")),
        events=tuple(events),
        references=tuple(references),
    )


def replaces(resource: dict[str, Any]) -> str | None:
    """The id of the DocumentReference a posted one replaces (``relatesTo`` code ``replaces``)."""
    for relation in _list(resource.get("relatesTo"), "relatesTo"):
        if isinstance(relation, dict) and relation.get("code") == "replaces":
            target = str((relation.get("target") or {}).get("reference", ""))
            return target.rsplit("/", 1)[-1] or None
    return None


# --- writing resources ----------


def document_reference(doc: Document, oid: str, base: str, contenu: bytes | None = None) -> dict[str, Any]:
    """A stored document as an MHD Comprehensive DocumentReference; ``attachment.url`` is its ``Binary``
    under ``base`` (the facade's absolute URL: ITI-68 Retrieve Document), and a read carries the bytes
    inline too. The author is contained, as MHD asks, with their IdNat (or the patient's INS)."""
    found = TYPES.get(doc.type_code)
    type_system = LOINC_URL if found is None or found.system == LOINC else f"urn:oid:{found.system}"
    attachment: dict[str, Any] = {
        "contentType": doc.format,
        "language": "fr-FR",
        "size": doc.taille,
        "title": doc.titre,
        "creation": rendering.iso(doc.date_acte),
    }
    if contenu is not None:
        attachment["data"] = rendering.base64_of(contenu)
    if doc.sha1:
        attachment["hash"] = rendering.base64_of(bytes.fromhex(doc.sha1))
    attachment["url"] = f"{base}/Binary/{doc.id}"
    author_system = IDNAT_SYSTEM if doc.auteur_kind != "patient" else f"urn:oid:{oid}"
    author: dict[str, Any] = {
        "resourceType": "Practitioner" if doc.auteur_kind != "patient" else "Patient",
        "id": "author",
        "identifier": [{"system": author_system, "value": doc.auteur_id}],
        "name": [{"text": doc.auteur_nom or doc.auteur_id}],
    }
    uuid = f"urn:uuid:{_uuid(doc.id)}"
    custodian = _custodian(doc)
    subject_id = {"system": f"urn:oid:{oid}", "value": doc.ins}
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": doc.id,
        "meta": {"profile": list(DOCUMENT_PROFILES)},
        "contained": [
            author,
            {"resourceType": "Patient", "id": "patient", "identifier": [subject_id]},
            custodian,
        ],
        "extension": [{"url": IS_ARCHIVED, "valueBoolean": bool(doc.archived)}],
        "masterIdentifier": {"use": "usual", "system": URI, "value": doc.unique_id or uuid},
        "identifier": [{"use": "official", "system": URI, "value": uuid}],
        "status": _STATUS[doc.status],
        "type": {
            "coding": [
                {
                    "system": type_system,
                    "code": doc.type_code,
                    "display": found.libelle if found else doc.type_code,
                }
            ]
        },
        "category": [
            {
                "coding": [
                    metadata.class_of(doc.type_code).coding(),
                    {
                        "system": CATEGORIE_SYSTEM,
                        "code": found.categorie if found else "inconnue",
                        "display": CATEGORIES.get(found.categorie, "") if found else "",
                    },
                ]
            }
        ],
        "subject": {
            "reference": f"{base}/Patient/{doc.ins}",
            "identifier": subject_id,
        },
        "date": rendering.iso(doc.deposited_at),
        "author": [
            {
                "reference": "#author",
                "identifier": {"system": author_system, "value": doc.auteur_id},
                "display": doc.auteur_nom or doc.auteur_id,
            }
        ],
        "custodian": {"reference": "#custodian", "display": custodian["name"]},
        "content": [{"attachment": attachment, "format": _coding_of(metadata.FORMATS, doc.format_code)}],
        "context": _context(doc, oid),
    }
    labels = confidentialite_of(doc)
    resource["securityLabel"] = (
        [{"coding": [{"system": VISIBILITE_SYSTEM, "code": code}]} for code in labels]
        if labels
        else [{"coding": [NORMAL]}]
    )
    if doc.replaces is not None:
        resource["relatesTo"] = [
            {"code": "replaces", "target": {"reference": f"{base}/DocumentReference/{doc.replaces}"}}
        ]
    return resource


def _custodian(doc: Document) -> dict[str, Any]:
    """The contained Organization PDSm's ``custodian`` names: the author's structure (by its IdNat_Struct
    when the DMP knows it), else the DMP itself."""
    organization: dict[str, Any] = {
        "resourceType": "Organization",
        "id": "custodian",
        "name": doc.structure_nom or DMP_HOST,
    }
    if doc.structure_idnat:
        organization["identifier"] = [{"system": IDNAT_STRUCT_SYSTEM, "value": doc.structure_idnat}]
    return organization


def _coding_of(table: dict[str, metadata.Code], code: str) -> dict[str, str]:
    found = table.get(code)
    return {"code": code} if found is None else found.coding()


def _context(doc: Document, oid: str) -> dict[str, Any]:
    """``context``: the act's period, the CI-SIS facility type and practice setting, the events, the
    references, and ``sourcePatientInfo`` (the contained patient, as MHD asks)."""
    context: dict[str, Any] = {"period": {"start": rendering.iso(doc.date_acte)}}
    events = metadata.events_of(doc.event_codes)
    if events:
        context["event"] = [
            {
                "coding": [
                    {k: v for k, v in (("system", e.system), ("code", e.code), ("display", e.display)) if v}
                ]
            }
            for e in events
        ]
    context["facilityType"] = {"coding": [_coding_of(metadata.FACILITY_TYPES, doc.facility_type)]}
    context["practiceSetting"] = {"coding": [_coding_of(metadata.PRACTICE_SETTINGS, doc.practice_setting)]}
    context["sourcePatientInfo"] = {"reference": "#patient"}
    references = metadata.references_of(doc.reference_ids)
    if references:
        context["related"] = [
            {"identifier": {k: v for k, v in (("system", r.system), ("value", r.code)) if v}}
            for r in references
        ]
    return context


def _uuid(hex32: str) -> str:
    h = hex32.ljust(32, "0")[:32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def patient(profile: Profile) -> dict[str, Any]:
    year, month, day = profile.date_naissance.split("-")
    birth = year if month == "00" else f"{year}-{month}" if day == "00" else profile.date_naissance
    return {
        "resourceType": "Patient",
        "id": profile.ins,
        "identifier": [{"system": f"urn:oid:{profile.oid}", "value": profile.ins}],
        "name": [{"family": profile.nom_naissance, "given": list(profile.prenoms)}],
        "gender": _GENDER.get(profile.sexe, "unknown"),
        "birthDate": birth,
    }


MHD_RESPONDER = "https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentResponder"
MHD_RECIPIENT = "https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentRecipient"
_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _search(*names: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "type": kind} for name, kind in names]


def capability_statement(base: str, issuer: str) -> dict[str, Any]:
    """What the facade serves, and no more: the resources, interactions and search parameters its
    routes implement, as an MHD Document Recipient (ITI-65) and Document Responder (ITI-66, 67, 68)."""
    endpoint = f"{issuer}/protocol/openid-connect"
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-07",
        "kind": "instance",
        "instantiates": [MHD_RECIPIENT, MHD_RESPONDER],
        "software": {"name": "esante-sandbox DMP FHIR facade"},
        "implementation": {"description": "esante-sandbox: DMP, FHIR R4 facade", "url": base},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "extension": [
                        {
                            "url": _OAUTH_URIS,
                            "extension": [
                                {"url": "authorize", "valueUri": f"{endpoint}/auth"},
                                {"url": "token", "valueUri": f"{endpoint}/token"},
                            ],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "A ProSanté Connect access token (psc), as a Bearer token",
                },
                "resource": [
                    {
                        "type": "Patient",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search(("identifier", "token")),
                    },
                    {
                        "type": "DocumentReference",
                        "supportedProfile": [DOCUMENT_PROFILES[0]],
                        "interaction": [
                            {"code": "create"},
                            {"code": "read"},
                            {"code": "patch"},
                            {"code": "search-type"},
                        ],
                        "searchParam": _search(
                            ("patient", "reference"),
                            ("patient.identifier", "token"),
                            ("identifier", "token"),
                            ("status", "token"),
                            ("type", "token"),
                            ("category", "token"),
                            ("period", "date"),
                            ("creation", "date"),
                            ("date", "date"),
                            ("author.given", "string"),
                            ("author.family", "string"),
                            ("security-label", "token"),
                            ("facility", "token"),
                            ("setting", "token"),
                            ("format", "token"),
                            ("event", "token"),
                            ("related", "token"),
                        ),
                    },
                    {
                        "type": "List",
                        "supportedProfile": [SUBMISSION_PROFILES[0]],
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": _search(
                            ("patient", "reference"),
                            ("patient.identifier", "token"),
                            ("code", "token"),
                            ("status", "token"),
                            ("date", "date"),
                            ("designationType", "token"),
                            ("identifier", "token"),
                            ("sourceId", "token"),
                        ),
                    },
                    {"type": "Binary", "interaction": [{"code": "read"}]},
                ],
                "interaction": [{"code": "transaction", "documentation": "ITI-65 Provide Document Bundle"}],
            }
        ],
    }


def smart_configuration(issuer: str) -> dict[str, Any]:
    """SMART App Launch's discovery document, naming psc's endpoints."""
    endpoint = f"{issuer}/protocol/openid-connect"
    return {
        "issuer": issuer,
        "jwks_uri": f"{endpoint}/certs",
        "authorization_endpoint": f"{endpoint}/auth",
        "token_endpoint": f"{endpoint}/token",
        "introspection_endpoint": f"{endpoint}/token/introspect",
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "scope_all"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "capabilities": ["client-confidential-symmetric"],
    }


def binary(doc: Document, contenu: bytes) -> dict[str, Any]:
    """The document's bytes as a FHIR ``Binary`` (for an ``Accept`` of FHIR JSON)."""
    return {
        "resourceType": "Binary",
        "id": doc.id,
        "contentType": doc.format,
        "data": rendering.base64_of(contenu),
    }


def bundle(
    resources: list[dict[str, Any]],
    base: str,
    *,
    total: int | None = None,
    links: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources) if total is None else total,
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
    if links:
        found["link"] = links
    return found


def operation_outcome(exc: SandboxError, expression: str | None = None) -> dict[str, Any]:
    """A SandboxError as an OperationOutcome: the stable code in details.coding, the rule in diagnostics,
    and ``expression`` the element it is about (``Bundle.entry[2]``)."""
    issue_code = _ISSUE.get(exc.status, "invalid" if exc.status < 500 else "transient")
    if exc.status == 422:
        issue_code = "processing" if exc.code.isdigit() else "invalid"
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue_code,
                "details": {
                    "coding": [{"system": "urn:esante-sandbox:error", "code": exc.code}],
                    "text": exc.detail,
                },
                "diagnostics": f"rule={exc.rule}" if exc.rule else "rule=none",
                **({"expression": [expression]} if expression else {}),
            }
        ],
    }


# --- JSON Patch (RFC 6902) on the patchable elements ----------


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise _invalid(f"JSON Patch path {path!r} must start with /", "fhir-patch")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(part)
    return node, parts[-1]


def apply_patch(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    """Apply RFC 6902 ``add`` / ``replace`` / ``remove`` / ``test`` operations to ``securityLabel``,
    ``status`` and ``extension``; any other element is refused (rule ``fhir-patch``)."""
    if not isinstance(operations, list):
        raise _invalid("a JSON Patch body is an array of operations", "fhir-patch")
    result = copy.deepcopy(resource)
    for index, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise _invalid(f"operation {index} has no path", "fhir-patch")
        parts = _pointer(op["path"])
        if parts[0] not in PATCHABLE:
            raise _invalid(
                f"{op['path']!r} cannot be patched: only {', '.join(sorted(PATCHABLE))}", "fhir-patch"
            )
        kind = op.get("op")
        try:
            if kind in ("add", "replace") and parts[0] not in result and len(parts) > 1:
                result[parts[0]] = []
            parent, key = _parent(result, parts)
            if kind == "add":
                if isinstance(parent, list):
                    parent.insert(len(parent) if key == "-" else int(key), op["value"])
                else:
                    parent[key] = op["value"]
            elif kind == "replace":
                if isinstance(parent, list):
                    parent[int(key)] = op["value"]
                else:
                    if key not in parent and parent is not result:
                        raise KeyError(key)
                    parent[key] = op["value"]
            elif kind == "remove":
                if isinstance(parent, list):
                    del parent[int(key)]
                else:
                    del parent[key]
            elif kind == "test":
                current = parent[int(key)] if isinstance(parent, list) else parent[key]
                if current != op.get("value"):
                    raise _invalid(f"test failed at {op['path']}", "fhir-patch")
            else:
                raise _invalid(
                    f"operation {kind!r} is not supported (add, replace, remove, test)", "fhir-patch"
                )
        except (KeyError, IndexError, ValueError, TypeError):
            raise _invalid(f"operation {index} ({kind} {op['path']}) does not apply", "fhir-patch") from None
    return result


def patched_state(resource: dict[str, Any]) -> tuple[str, bool, set[str]]:
    """(status, isArchived, visibility codes) of a patched DocumentReference."""
    status = resource.get("status")
    if status not in ("current", "superseded", "entered-in-error"):
        raise _invalid(f"status {status!r} is not current, superseded or entered-in-error", "fhir-patch")
    archived = False
    for extension in _list(resource.get("extension"), "extension"):
        if isinstance(extension, dict) and str(extension.get("url", "")).lower().replace("-", "").endswith(
            "isarchived"
        ):
            value = extension.get("valueBoolean")
            if not isinstance(value, bool):
                raise _invalid("the isArchived extension needs valueBoolean", "fhir-patch")
            archived = value
    codes: set[str] = set()
    for label in _list(resource.get("securityLabel"), "securityLabel"):
        for coding in _list(_dict(label, "securityLabel[]").get("coding"), "securityLabel.coding"):
            code = coding.get("code") if isinstance(coding, dict) else None
            if isinstance(coding, dict) and coding.get("system") == V3_CONFIDENTIALITY and code == "N":
                continue
            if code not in CONFIDENTIALITE:
                raise _invalid(
                    f"securityLabel {code!r} is not one of {', '.join(CONFIDENTIALITE)}", "fhir-patch"
                )
            codes.add(str(code))
    return str(status), archived, codes


# --- ITI-65 Provide Document Bundle ----------


@dataclass(frozen=True, slots=True)
class ProvidedSubmission:
    """The SubmissionSet List of a bundle, as the DMP keeps it."""

    index: int
    unique_id: str
    source_id: str
    designation: tuple[str, str, str]
    title: str | None
    document_urls: tuple[str, ...]
    subject: str


@dataclass(frozen=True, slots=True)
class ProvidedDocument:
    index: int
    full_url: str
    resource: dict[str, Any]
    binary_index: int | None


@dataclass(frozen=True, slots=True)
class ProvidedBundle:
    submission: ProvidedSubmission
    documents: tuple[ProvidedDocument, ...]
    binaries: dict[int, str]
    """Entry index of each Binary -> the fullUrl of the DocumentReference whose content it is."""


class BundleEntryError(Exception):
    """A refusal about one entry of a bundle: the OperationOutcome names it (``Bundle.entry[i]``)."""

    def __init__(self, index: int, error: SandboxError) -> None:
        super().__init__(error.detail)
        self.index = index
        self.error = error


def _entry_error(index: int, detail: str) -> BundleEntryError:
    return BundleEntryError(index, _invalid(f"entry {index}: {detail}", "fhir-bundle"))


def _coding(concept: Any) -> dict[str, Any] | None:
    if not isinstance(concept, dict):
        return None
    return next(
        (c for c in _list(concept.get("coding"), "coding") if isinstance(c, dict) and c.get("code")), None
    )


def _extension_value(resource: dict[str, Any], url: str, kind: str) -> Any:
    for extension in _list(resource.get("extension"), "extension"):
        if isinstance(extension, dict) and extension.get("url") == url:
            return extension.get(kind)
    return None


def _submission(index: int, resource: dict[str, Any]) -> ProvidedSubmission:
    source = _extension_value(resource, SOURCE_ID, "valueIdentifier")
    if not isinstance(source, dict) or not str(source.get("value") or "").strip():
        raise _entry_error(index, f"the SubmissionSet needs the extension {SOURCE_ID} (valueIdentifier)")
    designation = _coding(_extension_value(resource, DESIGNATION_TYPE, "valueCodeableConcept"))
    if designation is None:
        raise _entry_error(index, f"the SubmissionSet needs the extension {DESIGNATION_TYPE} (a coding)")
    unique_id = next(
        (
            str(i.get("value"))
            for i in _list(resource.get("identifier"), "List.identifier")
            if isinstance(i, dict) and str(i.get("value") or "").startswith("urn:oid:")
        ),
        None,
    )
    if unique_id is None:
        raise _entry_error(index, "the SubmissionSet needs its uniqueId (an identifier urn:oid:...)")
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    identifier = subject.get("identifier") if isinstance(subject, dict) else None
    if isinstance(reference, str) and "Patient/" in reference:
        patient_ins = reference.rstrip("/").rpartition("/")[2]
    elif isinstance(identifier, dict) and identifier.get("value"):
        patient_ins = str(identifier["value"])
    else:
        raise _entry_error(index, "the SubmissionSet needs its subject (Patient/<INS> or the INS identifier)")
    items = []
    for position, entry in enumerate(_list(resource.get("entry"), "List.entry")):
        item = entry.get("item") if isinstance(entry, dict) else None
        reference = item.get("reference") if isinstance(item, dict) else None
        if not isinstance(reference, str) or not reference:
            raise _entry_error(index, f"List.entry[{position}].item names no reference")
        items.append(reference)
    return ProvidedSubmission(
        index=index,
        unique_id=unique_id[:128],
        source_id=str(source["value"])[:128],
        designation=(
            str(designation.get("system") or "")[:128],
            str(designation["code"])[:64],
            str(designation.get("display") or "")[:255],
        ),
        title=None if resource.get("title") is None else str(resource["title"])[:255],
        document_urls=tuple(items),
        subject=patient_ins.strip().upper(),
    )


def check_subject(submission: ProvidedSubmission, ins: str) -> None:
    """The SubmissionSet is about the patient of its documents (904 otherwise, as a document's INS)."""
    if submission.subject != ins:
        raise BundleEntryError(
            submission.index,
            InsIncoherent(
                f"the SubmissionSet's subject {submission.subject[:20]} is not {ins}", rule="ins-mismatch"
            ),
        )


def provided_bundle(body: Any) -> ProvidedBundle:
    """Read an ITI-65 transaction Bundle (MHD Comprehensive): one SubmissionSet List, its
    DocumentReferences, their Binaries (or inline ``attachment.data``). Nothing is checked against the
    DMP here; every structural refusal names its entry."""
    bundle_ = _dict(body, "the body")
    if bundle_.get("resourceType") != "Bundle" or bundle_.get("type") != "transaction":
        raise _invalid("ITI-65 takes a Bundle of type transaction", "fhir-bundle")
    entries = _list(bundle_.get("entry"), "Bundle.entry")
    submissions: list[ProvidedSubmission] = []
    documents: list[ProvidedDocument] = []
    binaries: dict[str, tuple[int, dict[str, Any]]] = {}
    seen_urls: set[str] = set()
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict) or not isinstance(raw.get("resource"), dict):
            raise _entry_error(index, "an entry needs a resource")
        resource: dict[str, Any] = raw["resource"]
        kind = resource.get("resourceType")
        request: dict[str, Any] = raw["request"] if isinstance(raw.get("request"), dict) else {}
        if request.get("method") != "POST" or str(request.get("url", "")).rstrip("/") != kind:
            raise _entry_error(index, f"request must be POST {kind} (the DMP creates every resource)")
        full_url = str(raw.get("fullUrl") or "")
        if not full_url or full_url in seen_urls:
            raise _entry_error(index, "every entry needs its own fullUrl (urn:uuid:...)")
        seen_urls.add(full_url)
        if kind == "List":
            code = _coding(resource.get("code"))
            if code is None or code.get("code") != "submissionset":
                raise _entry_error(index, "a List must be the SubmissionSet (code submissionset; no folders)")
            submissions.append(_submission(index, resource))
        elif kind == "DocumentReference":
            documents.append(ProvidedDocument(index, full_url, resource, None))
        elif kind == "Binary":
            binaries[full_url] = (index, resource)
        else:
            raise _entry_error(index, f"{kind!r} is not part of a Provide Document Bundle")
    if len(submissions) != 1:
        raise _invalid(
            f"the bundle needs exactly one SubmissionSet List, has {len(submissions)}", "fhir-bundle"
        )
    if not documents:
        raise _invalid("the bundle provides no DocumentReference", "fhir-bundle")
    submission = submissions[0]
    urls = {d.full_url for d in documents}
    for reference in submission.document_urls:
        if reference not in urls:
            raise _entry_error(
                submission.index, f"the SubmissionSet lists {reference[:60]!r}, not in the bundle"
            )
    resolved: list[ProvidedDocument] = []
    used: dict[int, str] = {}
    for document in documents:
        if document.full_url not in submission.document_urls:
            raise _entry_error(document.index, "the SubmissionSet does not list this DocumentReference")
        attachment = _attachment(document)
        url = attachment.get("url") if isinstance(attachment.get("url"), str) else None
        binary_index = None
        if "data" not in attachment:
            if url not in binaries:
                raise _entry_error(
                    document.index, "content[0].attachment has neither data nor the url of a Binary"
                )
            binary_index, found = binaries[str(url)]
            if binary_index in used:
                raise _entry_error(binary_index, "a Binary is the content of one document only")
            used[binary_index] = document.full_url
            attachment["data"] = str(found.get("data") or "")
            attachment.setdefault("contentType", found.get("contentType"))
        resolved.append(ProvidedDocument(document.index, document.full_url, document.resource, binary_index))
    for url, (index, _) in binaries.items():
        if index not in used:
            raise _entry_error(index, f"no DocumentReference points to the Binary {url[:60]!r}")
    return ProvidedBundle(submission, tuple(resolved), used)


def _attachment(document: ProvidedDocument) -> dict[str, Any]:
    """The attachment of a provided DocumentReference, copied so that resolving its Binary does not
    change what the client sent (the copy replaces the resource's content)."""
    contents = _list(document.resource.get("content"), "content")
    if not contents:
        raise _entry_error(document.index, "content[0].attachment is required")
    first = _dict(contents[0], "content[0]")
    attachment = dict(_dict(first.get("attachment"), "content[0].attachment"))
    document.resource["content"] = [{**first, "attachment": attachment}, *contents[1:]]
    return attachment


def transaction_response(locations: list[str]) -> dict[str, Any]:
    """ITI-65's answer: one entry per entry of the request, in its order, each created."""
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [f"{MHD}/StructureDefinition/IHE.MHD.ProvideDocumentBundleResponse"]},
        "type": "transaction-response",
        "entry": [{"response": {"status": "201 Created", "location": location}} for location in locations],
    }


def submission_set(found: SubmissionSet, base: str, visible: list[str]) -> dict[str, Any]:
    """A kept submission set as the MHD Comprehensive SubmissionSet List; its entries are the documents
    of ``visible`` (those the reader may see, in the set's order)."""
    system, code, display = found.designation_system, found.designation_code, found.designation_display
    designation: dict[str, Any] = {"code": code}
    if system:
        designation["system"] = system
    if display:
        designation["display"] = display
    resource: dict[str, Any] = {
        "resourceType": "List",
        "id": found.id,
        "meta": {"profile": list(SUBMISSION_PROFILES)},
        "contained": [
            {
                "resourceType": "Practitioner",
                "id": "source",
                "identifier": [{"system": IDNAT_SYSTEM, "value": found.author_id}],
                "name": [{"text": found.author_nom or found.author_id}],
            }
        ],
        "extension": [
            {"url": SOURCE_ID, "valueIdentifier": {"value": found.source_id}},
            {"url": DESIGNATION_TYPE, "valueCodeableConcept": {"coding": [designation]}},
        ],
        "identifier": [
            {"use": "usual", "system": URI, "value": found.unique_id},
            {"use": "official", "system": URI, "value": f"urn:uuid:{_uuid(found.id)}"},
        ],
        "status": "current",
        "mode": "working",
        "code": {"coding": [{"system": LIST_TYPES, "code": "submissionset"}]},
        "subject": {"reference": f"{base}/Patient/{found.ins}"},
        "date": rendering.iso(found.submitted_at),
        "source": {"reference": "#source"},
        "entry": [{"item": {"reference": f"{base}/DocumentReference/{doc_id}"}} for doc_id in visible],
    }
    if found.title:
        resource["title"] = found.title
    return resource
