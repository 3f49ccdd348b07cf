"""The claims psc puts in userinfo, access tokens and ID tokens, shaped like ProSanté Connect's.

Pure functions of a directory record; nothing here reads a clock or a database.

Shape (ProSanté Connect userinfo as published in ANS test fixtures): ``sub`` is Keycloak's federated
form ``f:<provider uuid>:<IdNat>``, with one provider uuid for every user; ``SubjectNameID`` and
``preferred_username`` are the IdNat; ``SubjectRefPro.exercices[0]`` carries the profession and its
``activities[0]`` the structure, with the same field names as PSC. Sandbox choices where the real value
is not public:

- ``identifiantTechniqueDeLaStructure`` and ``SubjectOrganizationID`` are the sandbox structure id
  (``S00001``), the id every service of the sandbox uses; ``ancienIdentifiantDeLaStructure`` and the
  sandbox field ``idNatStructure`` carry the structure's IdNat; ``typeStructure`` is the sandbox kind
  (cabinet, officine, hopital, centre-15).
- ``codeModeExercice`` is ``L`` (libéral) in a cabinet or officine, ``S`` (salarié) elsewhere;
  ``codeCiviliteDexercice`` is ``DR`` for médecins, pharmaciens and dentistes, else the civilité;
  ``codeGenreActivite`` is ``GENR01``; the other activity fields PSC sends empty stay empty.
- ``Palier_Authentification`` is the same for every card mode; ``card_mode`` (cps, e-cps, cpe) is a
  sandbox claim; ``authMode`` is ``CARD`` for a physical card, ``MOBILE`` for e-CPS.
- The access token carries every userinfo claim, so that a service can build the caller from the token
  alone; PSC's own access tokens carry fewer.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from services.psc.login_rules import AUTH_MODES
from services.psc.records import Patient, Professional, Structure
from shared.auth import ACCESS_TOKEN_AUDIENCE, CardMode

PROVIDER_UUID: Final = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://esante-sandbox.invalid/psc/federation"))
"""The one federation-provider uuid of the sandbox, in every professional's ``sub``."""

ACR: Final = "eidas1"
PALIER_AUTHENTIFICATION: Final = "APPPRIP3^1.2.250.1.213.1.5.1.1.1"
PSI_LOCALE: Final = "1.2.250.1.213.1.3.1.1"
OID_PROFESSION: Final = "1.2.250.1.213.1.1.5.5"
OID_SECTEUR: Final = "1.2.250.1.71.4.2.4"
UIT_VERSION: Final = "1.0"

_LIBERAL_KINDS: Final = frozenset({"cabinet", "officine"})
_DOCTOR_TITLES: Final = frozenset({"10", "21", "40"})
_STREET = re.compile(r"\s*(\d+)\s*(.*)")

PROFESSIONAL_USERINFO_CLAIMS: Final[tuple[str, ...]] = (
    "sub",
    "SubjectNameID",
    "preferred_username",
    "given_name",
    "family_name",
    "SubjectRefPro",
    "otherIds",
    "SubjectOrganization",
    "SubjectOrganizationID",
    "SubjectRole",
    "Secteur_Activite",
    "Palier_Authentification",
    "Acces_Regulation_Medicale",
    "Mode_Acces_Raison",
    "UITVersion",
    "PSI_Locale",
    "authMode",
    "card_mode",
)
PATIENT_USERINFO_CLAIMS: Final[tuple[str, ...]] = (
    "sub",
    "preferred_username",
    "given_name",
    "family_name",
    "birth_family_name",
    "birthdate",
    "gender",
    "email",
    "represented_ins",
    "represented",
)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a token is about: their claims, and the same already serialised (members without braces),
    so that each token only serialises its own few claims (iat, exp, jti...)."""

    claims: dict[str, Any]
    members: bytes

    @classmethod
    def of(cls, claims: dict[str, Any]) -> Subject:
        return cls(claims, _json(claims)[1:-1])


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def professional_sub(idnat: str) -> str:
    return f"f:{PROVIDER_UUID}:{idnat}"


def _activity(structure: Structure) -> dict[str, str]:
    street = _STREET.fullmatch(structure.adresse or "")
    numero, voie = (street.group(1), street.group(2)) if street else ("", structure.adresse or "")
    departement = (
        structure.code_postal[:3] if structure.code_postal.startswith("97") else structure.code_postal[:2]
    )
    return {
        "codeModeExercice": "L" if structure.kind in _LIBERAL_KINDS else "S",
        "codeSecteurDactivite": structure.secteur_activite,
        "codeSectionPharmacien": "",
        "codeRole": "",
        "codeGenreActivite": "GENR01",
        "numeroSiretSite": structure.siret or "",
        "numeroSirenSite": (structure.siret or "")[:9],
        "numeroFinessSite": structure.finess or "",
        "numeroFinessetablissementJuridique": "",
        "identifiantTechniqueDeLaStructure": structure.id,
        "raisonSocialeSite": structure.raison_sociale,
        "enseigneCommercialeSite": "",
        "complementDestinataire": "",
        "complementPointGeographique": "",
        "numeroVoie": numero,
        "indiceRepetitionVoie": "",
        "codeTypeDeVoie": "",
        "libelleVoie": voie.upper(),
        "mentionDistribution": "",
        "bureauCedex": f"{structure.code_postal} {structure.ville.upper()}",
        "codePostal": structure.code_postal,
        "codeCommune": "",
        "codePays": "",
        "telephone": "",
        "telephone2": "",
        "telecopie": "",
        "adresseEMail": "",
        "codeDepartement": departement,
        "ancienIdentifiantDeLaStructure": structure.idnat,
        "autoriteDenregistrement": "",
        "idNatStructure": structure.idnat,
        "typeStructure": structure.kind,
    }


def professional_userinfo(pro: Professional, card_mode: CardMode) -> dict[str, Any]:
    """The ProSanté Connect userinfo of ``pro`` logged in with ``card_mode``."""
    structure = pro.structure
    civilite_exercice = "DR" if pro.profession in _DOCTOR_TITLES else pro.civilite
    return {
        "sub": professional_sub(pro.idnat),
        "SubjectNameID": pro.idnat,
        "preferred_username": pro.idnat,
        "given_name": pro.prenom,
        "family_name": pro.nom,
        "SubjectRefPro": {
            "codeCivilite": pro.civilite,
            "exercices": [
                {
                    "codeProfession": pro.profession or "",
                    "codeCategorieProfessionnelle": pro.categorie,
                    "codeCiviliteDexercice": civilite_exercice,
                    "nomDexercice": pro.nom,
                    "prenomDexercice": pro.prenom,
                    "codeTypeSavoirFaire": pro.type_savoir_faire or "",
                    "codeSavoirFaire": pro.savoir_faire or "",
                    "activities": [_activity(structure)],
                }
            ],
        },
        "otherIds": [{"identifiant": pro.idnat, "origine": "RPPS", "qualite": 1}] if pro.rpps else [],
        "SubjectOrganization": structure.raison_sociale,
        "SubjectOrganizationID": structure.id,
        "SubjectRole": [f"{pro.profession}^{OID_PROFESSION}"] if pro.profession else [],
        "Secteur_Activite": f"{structure.secteur_activite}^{OID_SECTEUR}",
        "Palier_Authentification": PALIER_AUTHENTIFICATION,
        "Acces_Regulation_Medicale": "VRAI" if pro.regulation else "FAUX",
        "Mode_Acces_Raison": "",
        "UITVersion": UIT_VERSION,
        "PSI_Locale": PSI_LOCALE,
        "authMode": AUTH_MODES[card_mode],
        "card_mode": card_mode,
    }


_GENDERS: Final = {"M": "male", "F": "female"}


def patient_userinfo(patient: Patient) -> dict[str, Any]:
    """The userinfo of a person logged in to Mon espace santé (``sub`` = INS)."""
    info: dict[str, Any] = {
        "sub": patient.ins,
        "preferred_username": patient.ins,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_family_name": patient.nom_naissance,
        "birthdate": patient.date_naissance,
        "gender": _GENDERS.get(patient.sexe, "unknown"),
    }
    if patient.email:
        info["email"] = patient.email
    return info


@lru_cache(maxsize=8192)
def professional_subject(pro: Professional, card_mode: CardMode) -> Subject:
    """``professional_userinfo`` as a ``Subject``, kept for the next token of the same login."""
    return Subject.of(professional_userinfo(pro, card_mode))


def access_token_payload(
    subject: Subject,
    *,
    issuer: str,
    client_id: str,
    scope: str,
    issued_at: int,
    lifetime: int,
    jti: str,
    session: dict[str, Any] | None = None,
) -> bytes:
    """An RFC 9068 access token's JSON: the subject's claims plus iss, aud, azp, times, jti, scope."""
    own = access_token_claims(
        issuer=issuer,
        client_id=client_id,
        scope=scope,
        issued_at=issued_at,
        lifetime=lifetime,
        jti=jti,
        session=session,
    )
    return _json(own)[:-1] + b"," + subject.members + b"}"


def access_token_claims(
    *,
    issuer: str,
    client_id: str,
    scope: str,
    issued_at: int,
    lifetime: int,
    jti: str,
    session: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The access token's own claims (those that are not the subject's)."""
    claims = {
        "iss": issuer,
        "aud": ACCESS_TOKEN_AUDIENCE,
        "azp": client_id,
        "client_id": client_id,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": jti,
        "scope": scope,
        "typ": "Bearer",
    }
    if session:
        claims.update(session)
    return claims


@lru_cache(maxsize=1024)
def patient_subject(patient: Patient) -> Subject:
    return Subject.of(patient_userinfo(patient))


REPRESENTED_CLAIM: Final = "represented_ins"
"""The sandbox's claim of a legal representative's token: the INS of the minor they act for."""


def representative_subject(representative: Patient, represented: Patient) -> Subject:
    """A legal representative logged in with their own identity (``sub`` = their INS) acting for a minor:
    ``represented_ins`` names the minor, ``represented`` carries the minor's names (ameli.fr: the parent
    activates the child's profile « sur son propre compte »; « les 2 profils seront accessibles depuis le
    compte du parent »)."""
    info = patient_userinfo(representative)
    info[REPRESENTED_CLAIM] = represented.ins
    info["represented"] = {
        "given_name": represented.given_name,
        "family_name": represented.family_name,
        "birthdate": represented.date_naissance,
    }
    return Subject.of(info)


@lru_cache(maxsize=1024)
def service_subject(client_id: str) -> Subject:
    """A client acting for itself: ``sub`` is the client id and there is no ``SubjectNameID``."""
    return Subject.of({"sub": client_id})


def id_token_claims(
    subject_claims: dict[str, Any],
    *,
    issuer: str,
    client_id: str,
    issued_at: int,
    lifetime: int,
    auth_time: int,
    session_id: str,
    access_token_hash: str,
    nonce: str | None,
) -> dict[str, Any]:
    """OIDC Core §2 ID token: audience is the client; ``acr`` is always eidas1."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject_claims["sub"],
        "aud": client_id,
        "azp": client_id,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "auth_time": auth_time,
        "acr": ACR,
        "sid": session_id,
        "at_hash": access_token_hash,
    }
    for name in (
        "SubjectNameID",
        "preferred_username",
        "given_name",
        "family_name",
        "authMode",
        "card_mode",
        "represented_ins",
    ):
        if name in subject_claims:
            claims[name] = subject_claims[name]
    if nonce:
        claims["nonce"] = nonce
    return claims


def userinfo_from_access_claims(claims: dict[str, Any], *, patient: bool) -> dict[str, Any]:
    """The userinfo claims kept from an access token's claims."""
    names = PATIENT_USERINFO_CLAIMS if patient else PROFESSIONAL_USERINFO_CLAIMS
    return {name: claims[name] for name in names if name in claims}
