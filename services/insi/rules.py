"""INSi's answer matrix, as data: result codes, OIDs by mode, the CNAM test identities' behaviours, the
magic identities that make faults on demand, and who may call.

Sources: the INSi WSDL ``DESIR_ICIR_EXP_1.5.0`` and answers of the CNAM qualification platform
(padoa/tlsi-ins fixtures) for the codes, labels and faults; FR Core ``fr-core-patient-ins`` for the OIDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST

# --- result codes (CR) -------------------------------------------------------------------------------

CR_OK: Final = "00"
CR_AUCUNE: Final = "01"
CR_PLUSIEURS: Final = "02"

LIBELLES_CR: Final[dict[str, str]] = {
    CR_OK: "OK",
    CR_AUCUNE: "Aucune identite trouvee",
    CR_PLUSIEURS: "Plusieurs identites trouvees",
}
"""CodeCR -> LibelleCR, as the service writes them (no accents)."""


def code_cr(found: int) -> str:
    """00 for exactly one identity, 01 for none, 02 for several."""
    return CR_OK if found == 1 else CR_AUCUNE if found == 0 else CR_PLUSIEURS


# --- OIDs --------------------------------------------------------------------------------------------

OidMode = Literal["qualification", "test", "demo"]

OID_PAR_MODE: Final[dict[OidMode, dict[str, str]]] = {
    "qualification": {OID_INS_NIR: OID_INS_NIR, OID_INS_NIA: OID_INS_NIA, OID_INS_NIR_TEST: OID_INS_NIR_TEST},
    "test": {OID_INS_NIR: OID_INS_NIR_TEST, OID_INS_NIA: OID_INS_NIA, OID_INS_NIR_TEST: OID_INS_NIR_TEST},
    "demo": {OID_INS_NIR: OID_INS_NIR_DEMO, OID_INS_NIA: OID_INS_NIA, OID_INS_NIR_TEST: OID_INS_NIR_DEMO},
}
"""The OID answered for a registered OID, by ``ESANTE_INSI_OID_MODE``.

``qualification`` (default) answers like the CNAM test platform: ``.8`` for a NIR, ``.9`` for a NIA, and
PAT-TROIS DOMINIQUE keeps the ``.10`` she is published with. ``test`` answers the INS-NIR-TEST OID ``.10``
for every NIR, ``demo`` the INS-NIR-DEMO OID ``.11``; a NIA keeps ``.9`` in every mode.
"""


def oid_publie(oid: str, mode: OidMode) -> str:
    """The OID INSi answers for an identity (or history entry) registered with ``oid``."""
    return OID_PAR_MODE[mode].get(oid, oid)


# --- behaviours of the CNAM test identities -----------------------------------------------------------

JAMAIS_TROUVEE: Final = frozenset({"always-01"})
"""Behaviours whose identity no operation ever finds (HOUILLES PIERRE PAUL JACQUES answers 01)."""

# The other documented behaviours need no rule of their own: "history" (INSHISTO entries), "nia-oid"
# (the registered OID is .9), "nir-test-oid" (registered .10), "key-mismatch" (the published key is
# answered as published and accepted in requests), "prenom-ola-01" (OLA is not one of her prénoms).

# --- errors on demand ---------------------------------------------------------------------------------

FAUTES_A_LA_DEMANDE: Final[dict[str, str]] = {
    "FAUTE 550": "desir_550",
    "FAUTE 560": "desir_560",
    "FAUTE TECHNIQUE": "insi-indisponible",
}
"""Normalised nom de naissance -> the fault INSi answers (``FAUTE-550``, ``FAUTE-560``,
``FAUTE-TECHNIQUE``), whatever the other traits."""

LENT: Final = re.compile(r"LENT(?: ([0-9]{1,3}))?")
"""``LENT`` answers after ``ESANTE_INSI_SLOW_SECONDS``; ``LENT-<n>`` after n seconds (at most
``MAX_LENT``). The search then runs as usual (and finds nobody)."""
MAX_LENT: Final = 120


@dataclass(frozen=True, slots=True)
class Demande:
    """What a magic nom asks for: a fault code, or a delay in seconds (both empty: a normal search)."""

    faute: str | None = None
    delai: float = 0.0


NORMALE: Final = Demande()
"""What an ordinary nom asks for: nothing."""


def demande(nom_cle: str, slow_seconds: float) -> Demande:
    """The fault or delay a normalised nom de naissance asks for."""
    faute = FAUTES_A_LA_DEMANDE.get(nom_cle)
    if faute is not None:
        return Demande(faute=faute)
    match = LENT.fullmatch(nom_cle) if nom_cle.startswith("LENT") else None
    if match is None:
        return NORMALE
    seconds = slow_seconds if match.group(1) is None else float(int(match.group(1)))
    return Demande(delai=min(seconds, MAX_LENT))


# --- who may call -------------------------------------------------------------------------------------

CERTIFICATE_LEVELS: Final[dict[str, str]] = {"INSI-AUTO": "INSI-AUTO", "INSI-MANU": "INSI-MANU"}
"""Certificate CN -> access level. As on the real mTLS endpoint the CN must be exactly one of these;
any other CN (even from the sandbox CA) is an insufficient access level (desir_560)."""

CARD_LEVELS: Final[dict[str, str]] = {"cps": "CPS", "e-cps": "E-CPS", "cpe": "CPE"}
"""Card of a psc token -> access level. CPE holders may call: qualifying the INS can be delegated to the
secretariat (authenticated by its CPE). Patient and software-only tokens may not (desir_560)."""
