"""ADRi's errors, each with a stable code, and the table of every code ADRi answers (its docs)."""

from __future__ import annotations

from typing import Final

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, SandboxError


class NirMalformed(InvalidInput):
    code = "nir-malformed"


class NirKey(InvalidInput):
    code = "nir-key"


class DateInvalid(InvalidInput):
    code = "date-invalid"


class RangInvalid(InvalidInput):
    code = "rang-invalid"


class ParameterMissing(InvalidInput):
    code = "parameter-missing"


class BeneficiaryUnknown(NotFound):
    code = "beneficiary-unknown"


class OuvrantDroitUnknown(NotFound):
    code = "ouvrant-droit-unknown"


class RangUnknown(NotFound):
    code = "rang-unknown"


class BeneficiaryAmbiguous(Conflict):
    code = "beneficiary-ambiguous"


class RightsClosed(NotFound):
    code = "rights-closed"


class RightsNotYetOpen(NotFound):
    code = "rights-not-yet-open"


class ApcvSessionUnknown(NotFound):
    code = "apcv-session-unknown"


class ApcvReauthenticationRequired(Forbidden):
    code = "apcv-reauthentication-required"


class ApcvSessionOwner(Forbidden):
    code = "apcv-session-owner"


class ApcvSessionPatient(Forbidden):
    code = "apcv-session-patient"


ERROR_TABLE: Final[tuple[tuple[type[SandboxError], str, str], ...]] = (
    (NirMalformed, "nir-format", "the NIR / NIA is not 15 characters of the décret 82-103 shape"),
    (NirKey, "nir-key", "the 2-digit key is not 97 - (13 digits mod 97)"),
    (DateInvalid, "date-format", "`date` or `date_naissance` is not an existing YYYY-MM-DD date"),
    (RangInvalid, "rang-format", "`rang_naissance` is not one digit 1-9"),
    (
        ParameterMissing,
        "parameters",
        "a required query parameter (`ouvrant_droit`, `rang_naissance`) is missing",
    ),
    (BeneficiaryUnknown, "beneficiary-unknown", "ADRi knows no beneficiary with that matricule"),
    (OuvrantDroitUnknown, "ouvrant-droit-unknown", "the matricule is not an ouvrant droit's"),
    (RangUnknown, "rang-unknown", "no beneficiary of the ouvrant droit has that rang de naissance"),
    (BeneficiaryAmbiguous, "beneficiary-ambiguous", "several have that rang: add `date_naissance`"),
    (RightsClosed, "rights-closed", "the AMO rights ended before that date"),
    (RightsNotYetOpen, "rights-not-yet-open", "the AMO rights start after that date"),
    (ApcvSessionUnknown, "apcv-session-unknown", "no ApCV session with that id in this tenant"),
    (
        ApcvReauthenticationRequired,
        "apcv-session-duration",
        "the session's 20 minutes are over: read the app again",
    ),
    (
        ApcvReauthenticationRequired,
        "apcv-one-invoice",
        "the session's invoice is recorded: read the app again",
    ),
    (ApcvSessionOwner, "apcv-session-owner", "the session was opened by another professional"),
    (ApcvSessionPatient, "apcv-session-patient", "the session is for another beneficiary"),
)
"""(error class, rule, when): rendered into the service description, checked by the tests."""
