"""The DMP's errors, each with a stable code, and the table of every code and rule (its docs).

The feed refusals carry the real codes of the DMP feed acknowledgement (ANS HL7v2 transmission IG,
"error codes"): 900 wrong document version, 901 author not allowed to replace or delete, 902 unknown
patient, 903 INS missing, 904 INS mismatch, 905 INS incomplete. The other codes are the sandbox's own.
"""

from __future__ import annotations

from typing import Final

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, SandboxError


class VersionPerimee(Conflict):
    code = "900"


class AuteurNonAutorise(Forbidden):
    code = "901"


class PatientInconnu(NotFound):
    code = "902"


class InsManquant(SandboxError):
    status = 422
    code = "903"


class InsIncoherent(SandboxError):
    status = 422
    code = "904"


class InsIncomplet(SandboxError):
    status = 422
    code = "905"


class InsMalforme(SandboxError):
    status = 422
    code = "ins-malformed"


class DmpInexistant(NotFound):
    code = "dmp-not-found"


class DmpFerme(Forbidden):
    code = "dmp-closed"


class AccesRefuse(Forbidden):
    code = "access-refused"


class ModeAccesInvalide(InvalidInput):
    code = "access-mode-invalid"


class TypeRefuse(SandboxError):
    status = 422
    code = "type-code-refused"


class FormatRefuse(SandboxError):
    status = 422
    code = "format-refused"


class DocumentTropGros(SandboxError):
    status = 413
    code = "document-too-large"


class DocumentInconnu(NotFound):
    code = "document-not-found"


class DocumentEnDouble(Conflict):
    code = "document-duplicate"


class MetadonneeRefusee(SandboxError):
    status = 422
    code = "metadata-refused"


class CycleDeVieRefuse(Conflict):
    code = "lifecycle-refused"


class ActivationRefusee(Forbidden):
    code = "activation-refused"


class RepresentationRefusee(Forbidden):
    code = "representation-refused"


class ProfessionnelInconnu(InvalidInput):
    code = "professional-invalid"


class MatriceInvalide(InvalidInput):
    code = "matrix-invalid"


class FhirInvalide(InvalidInput):
    code = "fhir-invalid"


ERROR_TABLE: Final[tuple[tuple[type[SandboxError], str, str], ...]] = (
    (InsManquant, "ins-missing", "the deposit carries no patient matricule INS"),
    (InsIncomplet, "ins-incomplete", "the INS comes without its OID or without the five traits"),
    (PatientInconnu, "ins-unknown", "INSi knows no identity with that matricule"),
    (
        InsIncoherent,
        "ins-mismatch",
        "the matricule differs from the path's, or INSi's traits / OID differ, or the INS was replaced",
    ),
    (InsMalforme, "ins-format", "the INS in the path is not a 15-character matricule"),
    (VersionPerimee, "document-version", "the document replaced is not the current version (stale)"),
    (AuteurNonAutorise, "author-only", "only the document's author may replace, delete or re-flag it"),
    (DmpInexistant, "status-invited | status-opposed | status-deleted | profile-unknown", "no DMP"),
    (DmpFerme, "status-closed", "the profile is closed (archived): reopen it first"),
    (
        AccesRefuse,
        "matrix | masked | blocked | card-cpe | btg-forbidden | btg-justification | "
        "centre15-forbidden | centre15-regulation | not-activated",
        "a rule refuses this access; not-activated: the patient has not activated Mon espace santé",
    ),
    (ModeAccesInvalide, "access-mode", "X-Access-Mode is not normal, bris-de-glace or centre-15"),
    (
        TypeRefuse,
        "type-code | type-reserved | type-patient-only | type-professional-only | vsm-medecin | "
        "directives-anticipees-majeur",
        "the typeCode is not accepted, or not for this depositor",
    ),
    (FormatRefuse, "format | format-content | content-encoding", "format not PDF / CDA XML / text"),
    (DocumentTropGros, "size-limit", "the document is larger than the limit"),
    (DocumentInconnu, "document-unknown", "no document with that id for this DMP"),
    (
        DocumentEnDouble,
        "prescription-duplicate | unique-id-duplicate",
        "the same prescription (identical content, same typeCode) is already in the patient's DMP, or "
        "a document with this uniqueId is",
    ),
    (
        MetadonneeRefusee,
        "metadata | metadata-value-set | metadata-format",
        "a facility type, practice setting or format code outside the value sets the DMP accepts, a "
        "format code for another content type, or a malformed uniqueId, event code or reference id",
    ),
    (
        CycleDeVieRefuse,
        "opposition-after-creation | already-activated | close-not-open | reopen-not-closed",
        "the lifecycle does not allow this step now",
    ),
    (ActivationRefusee, "activation-code", "the code is not the invitation's"),
    (
        RepresentationRefusee,
        "minor-managed-by-representatives | not-representative | representative-of-adult",
        "a minor's profile is managed by the legal representatives only",
    ),
    (ProfessionnelInconnu, "idnat-format | idnat-unknown", "not an IdNat, or no decision recorded about it"),
    (MatriceInvalide, "matrix-file", "the uploaded matrix file is not valid"),
    (
        FhirInvalide,
        "fhir-resource | fhir-search | fhir-patch",
        "the FHIR resource, search or patch is not valid",
    ),
)
"""(error class, rules, when): rendered into the service description."""
