"""INSi's JSON wire: requests, answers (the ``RESULTAT`` of the SOAP service, in JSON) and the sandbox
routes' bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.insi.records import HistoryEntry, Identity, Resultat
from services.insi.rules import OidMode, oid_publie

IDAM_HEADER = "X-Insi-Idam"
"""The JSON operations' header carrying the software authorisation number (``ContexteLPS/LPS/IDAM``)."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TraitsSearch(_Request):
    """A search by traits (``rechercherInsAvecTraitsIdentite``).

    ``prenoms`` holds one prénom (the first, as on the identity document) or every prénom in order: a
    ``02`` answer to the first prénom is disambiguated by sending them all, then by adding
    ``lieu_naissance``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"nom_naissance": "ADRUN", "prenoms": ["ZOE"], "sexe": "F", "date_naissance": "1975-12-31"}
            ]
        },
    )

    nom_naissance: str = Field(description="Nom de naissance (case, accents, hyphens, apostrophes free)")
    prenoms: list[str] = Field(description="The first prénom, or every prénom in order (1 to 10)")
    sexe: str = Field(description="M or F")
    date_naissance: str = Field(description="YYYY-MM-DD; 00 for an unknown day or month")
    lieu_naissance: str | None = Field(
        default=None, description="COG of the place of birth (5 characters; 99 + country abroad)"
    )


class VitaleSearch(_Request):
    """A search with the data read from a carte Vitale (``rechercherInsAvecCarteVitale``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "matricule_od": "275126322074974",
                    "nom_naissance": "ECETINSI",
                    "date_naissance": "2009-07-14",
                    "rang_naissance": 1,
                }
            ]
        },
    )

    matricule_individu: str | None = Field(
        default=None, description="The beneficiary's own matricule (13 characters + key), when on the card"
    )
    matricule_od: str | None = Field(
        default=None, description="The ouvrant droit's matricule (13 characters + key)"
    )
    nom_naissance: str | None = Field(default=None, description="Nom de naissance (optional filter)")
    date_naissance: str = Field(description="YYYY-MM-DD; 00 for an unknown day or month")
    rang_naissance: int | None = Field(
        default=None, description="Rang de naissance on the card (1 to 9; twins: 1 and 2)"
    )


class VerifyRequest(_Request):
    """An INS already held (matricule + OID) and the traits held with it, to check against INSi."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "matricule": "275126322074974",
                    "oid": "1.2.250.1.213.1.4.8",
                    "nom_naissance": "ADRUN",
                    "prenoms": ["ZOE"],
                    "sexe": "F",
                    "date_naissance": "1975-12-31",
                    "lieu_naissance": "63220",
                }
            ]
        },
    )

    matricule: str = Field(description="The matricule INS held: 15 characters (13 + key)")
    oid: str | None = Field(default=None, description="The OID held with it (compared when given)")
    nom_naissance: str
    prenoms: list[str] = Field(description="The first prénom, or every prénom in order")
    sexe: str
    date_naissance: str
    lieu_naissance: str | None = None


class InsRead(BaseModel):
    matricule: str = Field(
        description="15 characters: NumIdentifiant (13) + Cle (2)", examples=["275126322074974"]
    )
    oid: str = Field(description="Assigning authority (.8 NIR, .9 NIA; .10 / .11 by setting)")


class HistoriqueRead(InsRead):
    """A former matricule (INSHISTO)."""

    date_deb: str | None = None
    date_fin: str | None = None


class TraitsRead(BaseModel):
    """The traits (TIQ) as INSi returns them."""

    nom_naissance: str
    prenom: str = Field(description="Premier prénom")
    liste_prenom: str = Field(description="ListePrenom: every prénom, space-separated")
    sexe: str
    date_naissance: str
    lieu_naissance: str


class IndividuRead(BaseModel):
    ins: InsRead = Field(description="The active INS (INSACTIF)")
    historique: list[HistoriqueRead] = Field(description="Former matricules (INSHISTO), often empty")
    traits: TraitsRead


class ResultatRead(BaseModel):
    """The answer of a search: CR 00 with the identity, 01 (none found) or 02 (several found)."""

    code_cr: Literal["00", "01", "02"]
    libelle_cr: str = Field(examples=["OK", "Aucune identite trouvee", "Plusieurs identites trouvees"])
    individu: IndividuRead | None = None


class EcartRead(BaseModel):
    trait: str = Field(
        description="matricule, oid, nom_naissance, prenoms, sexe, date_naissance or lieu_naissance"
    )
    envoye: str = Field(description="What the request sent")
    insi: str = Field(description="What INSi holds")


class VerificationRead(BaseModel):
    conforme: bool = Field(description="The INS is the active one and every trait sent matches")
    ins_actif: bool = Field(description="False when the matricule sent was replaced (found in INSHISTO)")
    ecarts: list[EcartRead]


class VerificationResultatRead(ResultatRead):
    """The answer of a verification: 01 for an unknown matricule, else 00 with the comparison."""

    verification: VerificationRead | None = None


class LogicielRead(BaseModel):
    idam: str
    nom: str
    origine: Literal["seed", "tenant", "settings"] = Field(
        description="seed: documented; tenant: registered in this tenant; settings: ESANTE_INSI_KNOWN_IDAM"
    )


class LogicielList(BaseModel):
    items: list[LogicielRead]


class LogicielPut(_Request):
    nom: str = Field(default="", max_length=200, description="The software's name, for the listing")


# --- answers from the service's results --------------------------------------------------------------


def _historique(entry: HistoryEntry, mode: OidMode) -> HistoriqueRead:
    return HistoriqueRead(
        matricule=entry.matricule,
        oid=oid_publie(entry.oid, mode),
        date_deb=entry.date_deb,
        date_fin=entry.date_fin,
    )


def individu_read(identity: Identity, mode: OidMode) -> IndividuRead:
    """The ``individu`` member of an answer."""
    return IndividuRead(
        ins=InsRead(matricule=identity.matricule, oid=oid_publie(identity.oid, mode)),
        historique=[_historique(entry, mode) for entry in identity.historique],
        traits=TraitsRead(
            nom_naissance=identity.nom_naissance,
            prenom=identity.premier_prenom,
            liste_prenom=identity.liste_prenom,
            sexe=identity.sexe,
            date_naissance=identity.date_naissance,
            lieu_naissance=identity.lieu_naissance,
        ),
    )


def resultat_read(resultat: Resultat, mode: OidMode) -> ResultatRead:
    """The answer of a search."""
    return ResultatRead(
        code_cr=resultat.code_cr,
        libelle_cr=resultat.libelle_cr,
        individu=None if resultat.individu is None else individu_read(resultat.individu, mode),
    )


def verification_read(resultat: Resultat, mode: OidMode) -> VerificationResultatRead:
    """The answer of a verification."""
    checked = resultat.verification
    return VerificationResultatRead(
        code_cr=resultat.code_cr,
        libelle_cr=resultat.libelle_cr,
        individu=None if resultat.individu is None else individu_read(resultat.individu, mode),
        verification=None
        if checked is None
        else VerificationRead(
            conforme=checked.conforme,
            ins_actif=checked.ins_actif,
            ecarts=[EcartRead(trait=e.trait, envoye=e.envoye, insi=e.insi) for e in checked.ecarts],
        ),
    )
