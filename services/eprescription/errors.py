"""The e-prescription's errors, each with a stable code, and the table of every code (its docs).

The real base e-prescription's error codes are not public: these codes are the sandbox's own. Every
refusal by a rule of ``rules.py`` carries that rule's id; the article is in the service description.
"""

from __future__ import annotations

from typing import Final

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound, SandboxError


class NumeroInvalide(InvalidInput):
    code = "numero-invalid"


class NumeroPris(Conflict):
    """The prescriber's software gave a number already used in the tenant."""

    code = "numero-taken"


class PrescriptionInconnue(NotFound):
    code = "prescription-not-found"


class PrescriptionClose(SandboxError):
    status = 410
    code = "prescription-closed"


class ProfessionRefusee(Forbidden):
    code = "profession-refused"


class PrescriptionRefusee(SandboxError):
    status = 422
    code = "prescription-refused"


class DispensationRefusee(SandboxError):
    status = 422
    code = "dispensation-refused"


class AnnulationRefusee(Conflict):
    code = "cancellation-refused"


class ExecutionsRefusees(Forbidden):
    code = "executions-refused"


class DispensationConcurrente(Conflict):
    """Another dispensation changed the prescription between the read and the write."""

    code = "dispensation-conflict"


ERROR_TABLE: Final[tuple[tuple[type[SandboxError], str, str], ...]] = (
    (NumeroInvalide, "numero-format | numero-check", "the number is mistyped (length, alphabet, check)"),
    (NumeroPris, "numero-unique", "the number given by the prescriber's software is already used"),
    (PrescriptionInconnue, "numero-unknown", "no prescription with that number in this tenant"),
    (
        PrescriptionClose,
        "prescription-executee | prescription-annulee",
        "the number was fully executed or cancelled: it can no longer be dispensed",
    ),
    (
        ProfessionRefusee,
        "prescriber-kind | stupefiant-prescriber | executant-kind | prescripteur-rpps | prescripteur-only",
        "this professional may not prescribe, execute or act on this",
    ),
    (
        PrescriptionRefusee,
        "ins-format | date-naissance | prescripteur-identification | finess-format | numero-am-format | "
        "famille-mixte | medicament-duree-max | stupefiant-duree-max | stupefiant-renouvellement | "
        "lppr-periode | lppr-duree-max | lppr-poids | poids-enfant | soins-passages-max | "
        "executer-avant-passe",
        "a prescribing rule refuses the prescription",
    ),
    (
        DispensationRefusee,
        "medicament-premiere-delivrance | medicament-traitement-12-mois | medicament-delivrance-max | "
        "grand-conditionnement-max | contraceptif-max | stupefiant-delivrance-max | "
        "stupefiant-presentation | lppr-premiere-delivrance | lppr-delivrance-max | lppr-validite | "
        "executer-avant | soins-avant-debut | soins-apres-duree | line-remaining | line-unknown | line-twice",
        "a dispensing rule refuses the delivery (nothing of the request is recorded)",
    ),
    (AnnulationRefusee, "already-dispensed | not-active", "only a prescription nothing was dispensed from"),
    (ExecutionsRefusees, "consentement-non", "the patient did not let the prescriber see the executions"),
    (DispensationConcurrente, "concurrent-dispensation", "another dispensation won the race: read again"),
)
"""(error class, rules, when): rendered into the service description."""
