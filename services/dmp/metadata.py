"""The CI-SIS metadata of a document beyond its type: classCode (JDV_J06), healthcareFacilityTypeCode
(JDV_J02), practiceSettingCode (JDV_J04), formatCode (JDV_J10), eventCodeList and referenceIdList, with
the uniqueId the source gave. The JSON API, the FHIR facade (``context.facilityType``,
``context.practiceSetting``, ``content.format``, ``context.event``, ``context.related``,
``masterIdentifier``) and the XDS door read and write the same stored values.

The value sets are the subsets the sandbox accepts, each code with its NOS code system (OID and FHIR
canonical URL, ``https://mos.esante.gouv.fr/NOS/<TRE>/FHIR/<TRE with hyphens>``, as the ANS PDSm guide
writes them):

* classes (JDV_J06, OID 1.2.250.1.213.1.1.5.462): codes of TRE_A03-ClasseDocument, implied by the
  typeCode. The CI-SIS deduces them through ASS_X04-CorrespondanceType-Classe, whose rows are not all
  public: the sandbox gives each category of its habilitation matrix (``typecodes.CATEGORIES``) the
  class of the same family (comptes rendus 10, synthèses 11, imagerie 31, prescriptions 42,
  dispensations 43, plans de soins 44, traitements administrés 45, certificats 52, remboursement 60,
  documents du patient 90, gestion 95). Two are its own choice: a vaccination is a treatment
  administered (45), directives anticipées a declaration (52);
* facility types (JDV_J02, OID 1.2.250.1.213.1.1.5.466): codes of TRE_R02-SecteurActivite, and of
  TRE_A00-ProducteurDocNonPS for what no professional produces (``EXP_PATIENT``, ``SNR``);
* practice settings (JDV_J04, 1.2.250.1.213.1.1.5.467): codes of TRE_A01-CadreExercice and the same two
  of TRE_A00;
* formats (JDV_J10, 1.2.250.1.213.1.1.5.465): TRE_A11-IheFormatCode (the unstructured CDA bodies: PDF,
  text) and TRE_A06-FormatCodeComplementaire (CI-SIS models; ``urn:asipSante:modelesHorsProfils:2011``
  for a CDA that follows none).

A deposit that does not give them gets the values its author and content imply: the sector of the
author's structure (``SA07`` without one), ``ETABLISSEMENT`` for a hospital or a centre 15 and
``AMBULATOIRE`` for a cabinet or an officine, ``EXP_PATIENT`` for both when the patient is the author,
and the format code of the content's type (ASS_A12's correspondence for PDF and text; a CDA R2 without a
model given: ``urn:asipSante:modelesHorsProfils:2011``). A code outside these sets is refused
(``metadata-refused``), as the DMP's registry refuses metadata outside the CI-SIS value sets. The
eventCodeList has no value set (CCAM, CIM-10 and others are used): any code is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from services.dmp.errors import MetadonneeRefusee
from services.dmp.typecodes import TYPES
from shared.auth import StructureRef

NOS: Final = "https://mos.esante.gouv.fr/NOS"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    oid: str
    table: str
    display: str

    @property
    def system(self) -> str:
        """The FHIR canonical URL of the code system."""
        return f"{NOS}/{self.table}/FHIR/{self.table.replace('_', '-')}"

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


def _table(table: str, oid: str, *codes: tuple[str, str]) -> dict[str, Code]:
    return {code: Code(code, oid, table, display) for code, display in codes}


CLASSES: Final = _table(
    "TRE_A03-ClasseDocument",
    "1.2.250.1.213.1.1.4.1",
    ("10", "Compte rendu"),
    ("11", "Synthèse"),
    ("31", "Imagerie médicale"),
    ("42", "Prescription"),
    ("43", "Dispensation"),
    ("44", "Plan de soins, protocole de soins"),
    ("45", "Traitement administré"),
    ("52", "Certificat, déclaration"),
    ("60", "Données de remboursement"),
    ("90", "Autres documents déposés par le patient"),
    ("95", "Document de gestion"),
    ("99", "Document technique"),
)
CLASS_OF_CATEGORY: Final = {
    "compte-rendu": "10",
    "synthese": "11",
    "imagerie": "31",
    "prescription": "42",
    "dispensation": "43",
    "plan-de-soins": "44",
    "traitement-administre": "45",
    "vaccination": "45",
    "certificat": "52",
    "remboursement": "60",
    "directives-anticipees": "52",
    "document-patient": "90",
    "gestion": "95",
}
"""The classCode of each category of the habilitation matrix (every category has one)."""


def class_of(type_code: str) -> Code:
    """The classCode a typeCode implies (``99``, a technical document, for a type outside the list)."""
    found = TYPES.get(type_code)
    return CLASSES[CLASS_OF_CATEGORY[found.categorie] if found is not None else "99"]


def types_of_class(code: str) -> frozenset[str]:
    """The typeCodes of a classCode of ``CLASSES``."""
    return frozenset(t.code for t in TYPES.values() if CLASS_OF_CATEGORY[t.categorie] == code)


EXP_PATIENT: Final = "EXP_PATIENT"
_NON_PS: Final = _table(
    "TRE_A00-ProducteurDocNonPS",
    "1.2.250.1.213.1.1.4.6",
    (EXP_PATIENT, "Expression personnelle du patient"),
    ("SNR", "Service numérique référencé"),
)
FACILITY_TYPES: Final = {
    **_table(
        "TRE_R02-SecteurActivite",
        "1.2.250.1.71.4.2.4",
        ("SA01", "Etablissement public de santé"),
        ("SA05", "Centre de santé"),
        ("SA07", "Cabinet individuel"),
        ("SA08", "Cabinet de groupe"),
        ("SA24", "Organisme de sécurité sociale"),
        ("SA25", "Laboratoire de biologie médicale"),
        ("SA33", "Pharmacie d'officine"),
    ),
    **_NON_PS,
}
PRACTICE_SETTINGS: Final = {
    **_table(
        "TRE_A01-CadreExercice",
        "1.2.250.1.213.1.1.4.9",
        ("AMBULATOIRE", "Ambulatoire"),
        ("AMO", "Assurance maladie obligatoire"),
        ("DEPISTAGE", "Dépistage"),
        ("ESSMS", "Etablissement ou service social ou médico-social"),
        ("ETABLISSEMENT", "Etablissement de santé"),
        ("HAD", "Hospitalisation à domicile"),
        ("SAMU_SMUR", "SAMU/SMUR"),
    ),
    **_NON_PS,
}
PDF_FORMAT: Final = "urn:ihe:iti:xds-sd:pdf:2008"
TEXT_FORMAT: Final = "urn:ihe:iti:xds-sd:text:2008"
OUTSIDE_MODELS: Final = "urn:asipSante:modelesHorsProfils:2011"
FORMATS: Final = {
    **_table(
        "TRE_A11-IheFormatCode",
        "1.3.6.1.4.1.19376.1.2.3",
        (PDF_FORMAT, "Document à corps non structuré en Pdf/A-1"),
        (TEXT_FORMAT, "Document à corps non structuré en texte brut"),
    ),
    **_table(
        "TRE_A06-FormatCodeComplementaire",
        "1.2.250.1.213.1.1.4.2.282",
        (OUTSIDE_MODELS, "Document non référencé IHE ou CI-SIS"),
        ("urn:asip:ci-sis:vsm:2012", "Synthèse médicale (VSM)"),
        ("urn:asip:ci-sis:ldl-ses:2017", "Lettre de liaison à la sortie de l'établissement de santé"),
        ("urn:asip:ci-sis:vac:2019", "Historique des vaccinations"),
        ("urn:asip:ci-sis:hr:2019", "Données de remboursement"),
    ),
}
FORMAT_OF_CONTENT: Final = {
    "application/pdf": PDF_FORMAT,
    "text/plain": TEXT_FORMAT,
    "text/xml": OUTSIDE_MODELS,
}
"""The format code of a content given without one."""
UNSTRUCTURED: Final = {PDF_FORMAT: "application/pdf", TEXT_FORMAT: "text/plain"}
"""The codes of an unstructured body, each only with its own content type."""
_SETTING_OF_SECTOR: Final = {"SA01": "ETABLISSEMENT", "SA24": "AMO", EXP_PATIENT: EXP_PATIENT}


@dataclass(frozen=True, slots=True)
class Coded:
    """A code of a list the CI-SIS leaves open (an eventCodeList entry, a referenceIdList identifier)."""

    system: str
    code: str
    display: str = ""


@dataclass(frozen=True, slots=True)
class Given:
    """What a deposit says of these metadata; None: not given, the defaults apply."""

    unique_id: str | None = None
    facility_type: str | None = None
    practice_setting: str | None = None
    format_code: str | None = None
    events: tuple[Coded, ...] = ()
    references: tuple[Coded, ...] = ()


NOTHING_GIVEN: Final = Given()


@dataclass(frozen=True, slots=True)
class Metadonnees:
    """The values stored."""

    unique_id: str | None
    facility_type: str
    practice_setting: str
    format_code: str
    event_codes: str
    reference_ids: str


def _lines(codes: tuple[Coded, ...], with_display: bool) -> str:
    return "\n".join(
        "|".join((c.system, c.code, c.display) if with_display else (c.system, c.code)) for c in codes
    )


def events_of(stored: str) -> list[Coded]:
    """The stored eventCodeList: a line per code, ``system|code|display``."""
    return [Coded(*[*line.split("|", 2), "", ""][:3]) for line in stored.split("\n") if line]


def references_of(stored: str) -> list[Coded]:
    """The stored referenceIdList: a line per identifier, ``system|value``."""
    return [Coded(*[*line.split("|", 1), ""][:2]) for line in stored.split("\n") if line]


def _check_coded(codes: tuple[Coded, ...], what: str) -> None:
    if len(codes) > 10:
        raise MetadonneeRefusee(f"at most 10 {what}", rule="metadata-value-set")
    for c in codes:
        if not c.code or len(c.code) > 64 or len(c.system) > 128 or len(c.display) > 200:
            raise MetadonneeRefusee(
                f"{what}: a code of 1-64 characters, its system up to 128", rule="metadata"
            )
        if any("|" in part or "\n" in part for part in (c.system, c.code, c.display)):
            raise MetadonneeRefusee(f"{what}: '|' and line breaks are not allowed", rule="metadata")


def _member(value: str, table: dict[str, Code], what: str) -> str:
    if value not in table:
        raise MetadonneeRefusee(
            f"{what} {value[:80]!r} is not in the value set the DMP accepts ({', '.join(table)})",
            rule="metadata-value-set",
        )
    return value


def resolved(
    given: Given, content_format: str, structure: StructureRef | None, *, by_patient: bool
) -> Metadonnees:
    """The values a deposit stores: the given ones checked against the value sets, the others implied by
    the author (a patient, a professional's structure) and the content."""
    if by_patient:
        sector = EXP_PATIENT
    else:
        sector = (structure.secteur_activite if structure is not None else None) or "SA07"
    facility = _member(given.facility_type or sector, FACILITY_TYPES, "healthcareFacilityTypeCode")
    setting = _member(
        given.practice_setting or _SETTING_OF_SECTOR.get(facility, "AMBULATOIRE"),
        PRACTICE_SETTINGS,
        "practiceSettingCode",
    )
    format_code = _member(given.format_code or FORMAT_OF_CONTENT[content_format], FORMATS, "formatCode")
    if UNSTRUCTURED.get(format_code, content_format) != content_format:
        raise MetadonneeRefusee(
            f"formatCode {format_code} is for {UNSTRUCTURED[format_code]} content, not {content_format}",
            rule="metadata-format",
        )
    if given.unique_id is not None and not 0 < len(given.unique_id) <= 128:
        raise MetadonneeRefusee("the uniqueId has 1 to 128 characters", rule="metadata")
    _check_coded(given.events, "event codes")
    _check_coded(given.references, "reference ids")
    return Metadonnees(
        unique_id=given.unique_id,
        facility_type=facility,
        practice_setting=setting,
        format_code=format_code,
        event_codes=_lines(given.events, with_display=True),
        reference_ids=_lines(given.references, with_display=False),
    )
