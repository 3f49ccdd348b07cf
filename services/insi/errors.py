"""INSi's errors, each with a stable code.

``desir_550`` and ``desir_560`` are the real INSi fault codes (unknown software authorisation number,
access level too low); the others are the sandbox's own codes, in the same words on both wires: the JSON
error shape carries them in ``error``, a SOAP fault in ``siram:Erreur/@code`` (see ``soap.py``).
"""

from __future__ import annotations

from shared.errors import Forbidden, InvalidInput, SandboxError


class IdamInconnu(Forbidden):
    """The software authorisation number (IDAM of ``ContexteLPS``) is missing or not known."""

    code = "desir_550"


class NiveauAccesInsuffisant(Forbidden):
    """The caller may not use INSi: certificate CN other than INSI-AUTO / INSI-MANU, or not a
    professional's (or a CPE holder's) token."""

    code = "desir_560"


class ServiceIndisponible(SandboxError):
    """A technical fault of the service (asked for by the magic nom ``FAUTE-TECHNIQUE``)."""

    status = 503
    code = "insi-indisponible"


class TraitInvalide(InvalidInput):
    """Base of the refusals of a malformed trait or identifier."""

    code = "insi-trait-invalide"


class NomInvalide(TraitInvalide):
    code = "insi-nom-invalide"


class PrenomInvalide(TraitInvalide):
    code = "insi-prenom-invalide"


class SexeInvalide(TraitInvalide):
    code = "insi-sexe-invalide"


class DateInvalide(TraitInvalide):
    code = "insi-date-invalide"


class LieuInvalide(TraitInvalide):
    code = "insi-lieu-invalide"


class MatriculeInvalide(TraitInvalide):
    code = "insi-matricule-invalide"


class CleInvalide(TraitInvalide):
    code = "insi-cle-invalide"


class RangInvalide(TraitInvalide):
    code = "insi-rang-invalide"


class TraitTropLong(TraitInvalide):
    code = "insi-trait-trop-long"


class RequeteIncomplete(InvalidInput):
    """A request lacks what its operation needs (e.g. a carte Vitale search without any matricule)."""

    code = "insi-requete-incomplete"


class EnveloppeInvalide(InvalidInput):
    """A SOAP request that is not a well-formed SOAP 1.2 envelope of an INSi operation."""

    code = "insi-enveloppe-invalide"


class ActionAbsente(EnveloppeInvalide):
    """No WS-Addressing ``Action`` header and no ``action`` parameter in the Content-Type."""

    code = "insi-action-absente"


class ActionInconnue(EnveloppeInvalide):
    """A WS-Addressing action that is not one of INSi's operations."""

    code = "insi-action-inconnue"


class VersionSoap(EnveloppeInvalide):
    """A SOAP 1.1 (or unknown) envelope: INSi speaks SOAP 1.2."""

    code = "insi-version-soap"


class EnTeteNonCompris(EnveloppeInvalide):
    """A header block marked ``mustUnderstand`` that the service does not process."""

    code = "insi-entete-non-compris"


class IdamInvalide(InvalidInput):
    """A software authorisation number that cannot be registered (format)."""

    code = "insi-idam-invalide"


class LogicielInconnu(SandboxError):
    status = 404
    code = "insi-logiciel-inconnu"


class LogicielDocumente(SandboxError):
    """The documented (seeded) numbers cannot be removed."""

    status = 409
    code = "insi-logiciel-documente"
