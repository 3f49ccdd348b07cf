"""The DMP's JSON wire: requests (XCreate / XUpdate) and answers (XRead), with examples for the docs.

Instants are ISO 8601 in UTC on the wire; the matricule INS is the 15-character NIR or NIA.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.db import INTEGER_MAX

Confidentialite = Literal["MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatientIdentiteCreate(_Request):
    """The patient identity the document carries (as in its CDA header): the INS and the traits."""

    matricule: str | None = Field(
        default=None, description="Matricule INS, 15 characters", examples=["275126322074974"]
    )
    oid: str | None = Field(
        default=None, description="OID of the INS (.8 NIR, .9 NIA)", examples=["1.2.250.1.213.1.4.8"]
    )
    nom_naissance: str | None = Field(default=None, max_length=100)
    prenoms: list[str] = Field(default_factory=list, max_length=10)
    sexe: str | None = Field(default=None, max_length=1)
    date_naissance: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD (00 allowed)")
    lieu_naissance: str | None = Field(default=None, max_length=5, description="COG code (99xxx abroad)")


class DocumentCreate(_Request):
    """A document to feed the DMP with (TD2), or the new version of one (TD2.1)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "patient": {
                        "matricule": "275126322074974",
                        "oid": "1.2.250.1.213.1.4.8",
                        "nom_naissance": "ADRUN",
                        "prenoms": ["ZOE"],
                        "sexe": "F",
                        "date_naissance": "1975-12-31",
                        "lieu_naissance": "63220",
                    },
                    "type_code": "11488-4",
                    "titre": "Consultation du 2 janvier",
                    "date_acte": "2026-01-02T09:30:00Z",
                    "format": "text/plain",
                    "contenu": "Q29tcHRlIHJlbmR1",
                    "confidentialite": [],
                }
            ]
        },
    )

    patient: PatientIdentiteCreate | None = Field(default=None, description="Absent: refused with 903")
    type_code: str = Field(max_length=30, description="typeCode (JDV_J07 subset accepted by the DMP)")
    titre: str = Field(min_length=1, max_length=255)
    date_acte: datetime = Field(description="Date of the act the document reports")
    format: str = Field(max_length=60, description="application/pdf, text/xml (CDA R2) or text/plain")
    contenu: str = Field(description="The document, base64")
    confidentialite: list[Confidentialite] = Field(default_factory=list, max_length=3)
    version_attendue: int | None = Field(
        default=None,
        ge=1,
        le=INTEGER_MAX,
        description="Replacement only: the version being replaced (900 when stale)",
    )
    identifiant_unique: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="uniqueId (urn:oid:... or urn:uuid:...); absent: the entryUUID stands for it",
    )
    secteur_activite: str | None = Field(
        default=None,
        max_length=80,
        description="healthcareFacilityTypeCode (JDV_J02, TRE_R02 SAxx); absent: the structure's sector",
    )
    cadre_exercice: str | None = Field(
        default=None,
        max_length=80,
        description="practiceSettingCode (JDV_J04, TRE_A01); absent: implied by the sector",
    )
    code_format: str | None = Field(
        default=None, max_length=80, description="formatCode (JDV_J10); absent: implied by the format"
    )
    evenements: list[CodeCreate] = Field(default_factory=list, max_length=10, description="eventCodeList")
    references: list[ReferenceCreate] = Field(
        default_factory=list, max_length=10, description="referenceIdList"
    )


class CodeCreate(_Request):
    """A code of a list the CI-SIS leaves open (eventCodeList)."""

    code: str = Field(min_length=1, max_length=64)
    system: str = Field(default="", max_length=128, description="OID or URI of the code system")
    libelle: str = Field(default="", max_length=200)


class ReferenceCreate(_Request):
    """An identifier the document refers to (referenceIdList: an order, an encounter...)."""

    valeur: str = Field(min_length=1, max_length=64)
    system: str = Field(default="", max_length=128, description="OID or URI of the assigning authority")


class DocumentQuery(BaseModel):
    """The criteria of a search of documents (query parameters), every one optional."""

    type_code: list[str] | None = Field(default=None, max_length=50, description="typeCode(s) to keep")
    date_acte_min: AwareDatetime | None = Field(default=None, description="Acts from this instant")
    date_acte_max: AwareDatetime | None = Field(default=None, description="Acts up to this instant")
    auteur: str | None = Field(default=None, max_length=40, description="IdNat (or INS) of the author")
    statut: Literal["current", "archived", "superseded", "all"] = Field(
        default="current", description="current (default), archived, superseded, all"
    )


class DocumentReferenceSearch(BaseModel):
    """ITI-67's search parameters (MHD 4), every one optional; a comma means either."""

    model_config = ConfigDict(extra="ignore")

    patient: str | None = Field(
        default=None, max_length=300, description="The Patient: `Patient/<INS>` or its absolute URL"
    )
    patient_identifier: str | None = Field(
        default=None,
        alias="patient.identifier",
        max_length=300,
        description="urn:oid:1.2.250.1.213.1.4.8|<INS>",
    )
    status: Literal["current", "superseded"] | None = None
    type: str | None = Field(default=None, max_length=500, description="[system|]typeCode, comma: either")
    category: str | None = Field(
        default=None,
        max_length=500,
        description="The matrix's category (category.coding.code), comma: either",
    )
    period: list[str] | None = Field(
        default=None, max_length=2, description="The act's date: ge2026-01-01, le2026-12-31..."
    )
    identifier: str | None = Field(
        default=None, max_length=500, description="[system|]urn:uuid:... (entryUUID or uniqueId)"
    )
    creation: list[str] | None = Field(
        default=None, max_length=2, description="attachment.creation (the act's date): ge, le"
    )
    date: list[str] | None = Field(default=None, max_length=2, description="When the DMP received it: ge, le")
    author_given: str | None = Field(
        default=None, alias="author.given", max_length=100, description="Start of a word of the author's name"
    )
    author_family: str | None = Field(
        default=None,
        alias="author.family",
        max_length=100,
        description="Start of a word of the author's name",
    )
    security_label: str | None = Field(
        default=None,
        alias="security-label",
        max_length=500,
        description="MASQUE_PS, INVISIBLE_PATIENT..., or N",
    )
    facility: str | None = Field(
        default=None, max_length=500, description="context.facilityType: SA01, SA07..."
    )
    setting: str | None = Field(
        default=None, max_length=500, description="context.practiceSetting: AMBULATOIRE..."
    )
    format: str | None = Field(
        default=None, max_length=500, description="content.format: urn:ihe:iti:xds-sd:pdf:2008..."
    )
    event: str | None = Field(default=None, max_length=500, description="context.event codes")
    related: str | None = Field(default=None, max_length=500, description="context.related identifier values")
    count: int = Field(default=100, alias="_count", ge=1, le=500, description="Entries per page")
    offset: int = Field(default=0, alias="_offset", ge=0, le=100_000, description="First entry of the page")


class PatientDocumentCreate(_Request):
    """A document the patient adds from Mon espace santé (DOCPAT01-09, EXPPAT_1-3)."""

    type_code: str = Field(max_length=30, examples=["DOCPAT03"])
    titre: str = Field(min_length=1, max_length=255)
    date_acte: datetime
    format: str = Field(max_length=60)
    contenu: str = Field(description="base64")
    masque_ps: bool = Field(
        default=False, description="Hidden from professionals (except the médecin traitant)"
    )
    invisible_representants_legaux: bool = False


class DocumentUpdate(_Request):
    """A change of a document's flags (TD3.3a/b/d); absent fields stay as they are."""

    archive: bool | None = None
    masque_ps: bool | None = None
    invisible_patient: bool | None = None
    invisible_representants_legaux: bool | None = None


class PatientDocumentUpdate(_Request):
    masque_ps: bool | None = Field(default=None, description="Hide from professionals, or show again")
    archive: bool | None = None


class TypeCodeRead(BaseModel):
    code: str
    system: str
    libelle: str
    categorie: str


class CodeRead(BaseModel):
    code: str
    system: str = Field(description="OID of the code system")
    libelle: str


class ReferenceRead(BaseModel):
    valeur: str
    system: str


class AuteurRead(BaseModel):
    kind: str = Field(description="professional, structure, patient or representant")
    id: str = Field(description="IdNat of a professional / structure staff, INS of a patient")
    nom: str
    profession: str | None


class StructureRead(BaseModel):
    id: str
    nom: str | None


class DocumentRead(BaseModel):
    id: str
    ins: str
    set_id: str = Field(description="Id of the first version (the lineage)")
    version: int
    remplace: str | None
    statut: Literal["current", "superseded", "deleted"]
    archive: bool
    type_code: TypeCodeRead
    titre: str
    date_acte: str
    date_depot: str
    auteur: AuteurRead
    structure: StructureRead | None
    format: str
    taille: int
    hash: str = Field(description="SHA-256 of the content")
    confidentialite: list[Confidentialite]
    identifiant_unique: str | None = Field(description="uniqueId as the source gave it")
    secteur_activite: CodeRead = Field(description="healthcareFacilityTypeCode")
    cadre_exercice: CodeRead = Field(description="practiceSettingCode")
    code_format: CodeRead = Field(description="formatCode")
    evenements: list[CodeRead] = Field(description="eventCodeList")
    references: list[ReferenceRead] = Field(description="referenceIdList")


class DocumentContentRead(DocumentRead):
    contenu: str = Field(description="base64")


class SearchRead(BaseModel):
    ins: str
    total: int
    invisibles_patient: int = Field(description="How many of these documents the patient cannot see")
    documents: list[DocumentRead]


class PatientSearchRead(BaseModel):
    ins: str
    total: int
    documents: list[DocumentRead]


class StatusRead(BaseModel):
    """TD0.2: does a DMP exist, its status, this professional's authorisation."""

    ins: str
    nom_naissance: str | None = None
    prenoms: list[str] | None = None
    dmp: Literal["actif", "ferme", "inconnu"]
    statut: str | None = Field(description="invited, opposed, open, activated, closed, deleted")
    mon_espace_sante: bool | None = Field(default=None, description="Activated by the person")
    date_fermeture: str | None = None
    motif_fermeture: str | None = None
    autorisation: Literal["autorise", "non-autorise", "bloque"]
    medecin_traitant_dmp: bool | None = None
    centre_15_autorise: bool | None = None
    bris_de_glace_autorise: bool | None = None


class ActivationCreate(_Request):
    code: str = Field(
        max_length=20, description="The provisional code of the invitation", examples=["ABCD2345"]
    )


class ClotureCreate(_Request):
    motif: str | None = Field(default=None, max_length=200)


class ReglagesUpdate(_Request):
    """The emergency settings of Mon espace santé."""

    centre_15: bool = Field(description="SAMU regulators may access (ETREAT)")
    bris_de_glace: bool = Field(description="Other professionals may access in an emergency (BTG)")
    masques_en_urgence: bool = Field(description="Masked documents readable in an emergency (MASKED)")


class ProfessionnelUpdate(_Request):
    statut: Literal["autorise", "bloque"]


class MedecinTraitantUpdate(_Request):
    idnat: str | None = Field(description="IdNat of the médecin traitant DMP (8 + RPPS), null to clear")


class ProfileRead(BaseModel):
    ins: str
    nom_naissance: str
    prenoms: list[str]
    statut: str
    invitation: str
    creation: str | None
    activation: str | None
    opposition: str | None
    fermeture: str | None
    motif_fermeture: str | None
    suppression_archive: str | None = Field(description="When a closed profile's archive is deleted")
    medecin_traitant: str | None
    parametres_urgence: ReglagesUpdate
    representants_legaux: list[str]
    profils_geres: list[str] = Field(description="The minors whose profile the caller manages")
    agissant_comme: Literal["patient", "representant"]


class ProfessionnelRead(BaseModel):
    idnat: str
    statut: str = Field(description="autorise, bloque, or aucun (a past access without a decision)")
    source: str = Field(description="presume (first access, consent presumed), patient, urgence")
    nom: str
    profession: str | None
    premier_acces: str | None


class TraceRead(BaseModel):
    date: str
    action: str
    acteur: AuteurRead
    mode: str | None
    justification: str | None
    document_id: str | None
    detail: str | None


class NotificationRead(BaseModel):
    id: int
    date: str
    kind: str = Field(description="premier-acces, acces-bris-de-glace, acces-centre-15, nouveau-document")
    acteur_id: str
    acteur_nom: str
    mode: str | None
    justification: str | None
    document_id: str | None
    email: str = Field(description="The personal address the e-mail goes to")
    envoye: str | None = Field(description="Set once sent (by MSSanté's outbox, not built yet)")


class FhirResource(BaseModel):
    """A FHIR R4 resource in JSON (a Bundle, a Patient, a DocumentReference): its ``resourceType`` and
    the elements FHIR defines for it, described by the R4 specification rather than here."""

    model_config = ConfigDict(extra="allow")

    resourceType: str = Field(examples=["Bundle"])


class OperationOutcomeIssue(BaseModel):
    model_config = ConfigDict(extra="allow")

    severity: Literal["fatal", "error", "warning", "information"]
    code: str = Field(examples=["forbidden"])
    diagnostics: str | None = Field(default=None, examples=["rule=matrix"])


class OperationOutcome(BaseModel):
    """Every error of the FHIR facade: the sandbox's code in ``issue[0].details.coding`` (system
    ``urn:esante-sandbox:error``), its rule in ``diagnostics``."""

    model_config = ConfigDict(extra="allow")

    resourceType: Literal["OperationOutcome"]
    issue: list[OperationOutcomeIssue]
