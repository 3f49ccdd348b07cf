"""The document types the sandbox's DMP accepts: a documented subset of the CI-SIS typeCode list.

The CI-SIS list is JDV_J07-XdsTypeCode-CISIS (OID 1.2.250.1.213.1.1.5.471): LOINC codes (system
2.16.840.1.113883.6.1) and local codes of TRE_A05-TypeDocComplementaire (system 1.2.250.1.213.1.1.4.12).
The DMP accepts only its own subset, JDV_J66-TypeCode-DMP, whose content is not public: the subset below
is the sandbox's choice, made of the types named in the public DMP material, and stays stable.

Each type belongs to a category of the habilitation matrix (``matrice.py``). The categories follow the
families of documents the arrêté du 26 octobre 2023 lists (comptes rendus, synthèses, imagerie,
prescriptions, dispensations, plans de soins, traitements administrés, certificats, données de
remboursement, documents du patient, documents de gestion); their identifiers are the sandbox's own. Two
categories are split out because the seeds give them their own rule: vaccinations and directives
anticipées are readable by every professional.

Who may deposit which type is data too:

* ``DEPOSANT_PATIENT``: the types a patient (or a legal representative) adds from Mon espace santé
  (DOCPATxx, EXPPAT_x); professionals may not use them;
* ``RESERVE_ASSURANCE_MALADIE``: the données de remboursement are fed by the Assurance Maladie only;
* ``VSM``: the volet de synthèse médicale is deposited by the patient's médecin traitant (seed 000);
* ``DIRECTIVES_ANTICIPEES``: written by the patient, an adult (CSP L1111-11: "toute personne majeure").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

LOINC: Final = "2.16.840.1.113883.6.1"
TRE_A05: Final = "1.2.250.1.213.1.1.4.12"
JDV_J07: Final = "1.2.250.1.213.1.1.5.471"


@dataclass(frozen=True, slots=True)
class TypeDocument:
    code: str
    system: str
    libelle: str
    categorie: str


CATEGORIES: Final[dict[str, str]] = {
    "compte-rendu": "Comptes rendus",
    "synthese": "Synthèses",
    "imagerie": "Imagerie médicale",
    "prescription": "Prescriptions",
    "dispensation": "Dispensations",
    "plan-de-soins": "Plans de soins, protocoles de soins",
    "traitement-administre": "Traitements administrés",
    "vaccination": "Vaccinations",
    "certificat": "Certificats, déclarations",
    "remboursement": "Données de remboursement",
    "directives-anticipees": "Directives anticipées",
    "document-patient": "Autres documents déposés par le patient",
    "gestion": "Documents de gestion",
}
"""Categories of the habilitation matrix: id -> label."""


def _t(code: str, libelle: str, categorie: str, system: str = LOINC) -> TypeDocument:
    return TypeDocument(code, system, libelle, categorie)


TYPES: Final[dict[str, TypeDocument]] = {
    t.code: t
    for t in (
        _t("11488-4", "CR ou fiche de consultation ou de visite", "compte-rendu"),
        _t("11490-0", "Lettre de liaison à la sortie d'un établissement de soins", "compte-rendu"),
        _t("34112-3", "CR hospitalier (séjour)", "compte-rendu"),
        _t("11502-2", "CR d'examens biologiques", "compte-rendu"),
        _t("15507-7", "CR de passage aux urgences", "compte-rendu"),
        _t("34874-8", "CR opératoire", "compte-rendu"),
        _t("11506-3", "CR ou fiche de suivi de soins par auxiliaire médical", "compte-rendu"),
        _t("47420-5", "CR de bilan fonctionnel (par auxiliaire médical)", "compte-rendu"),
        _t("18748-4", "CR d'imagerie médicale", "imagerie"),
        _t("60591-5", "Synthèse du dossier médical (VSM)", "synthese"),
        _t("34133-9", "Synthèse d'épisode de soins", "synthese"),
        _t("57833-6", "Prescription de produits de santé", "prescription"),
        _t("57832-8", "Prescription de soins", "prescription"),
        _t("57828-6", "Prescription (autre)", "prescription"),
        _t("PRESC-BIO", "Prescription d'actes de biologie médicale", "prescription", TRE_A05),
        _t("PRESC-KINE", "Prescription d'actes de kinésithérapie", "prescription", TRE_A05),
        _t("PRESC-INF", "Prescription d'actes infirmiers", "prescription", TRE_A05),
        _t("60593-1", "Dispensation médicamenteuse", "dispensation"),
        _t("18776-5", "Plan personnalisé de soins", "plan-de-soins"),
        _t("PROT_ALD", "Protocole de soins ALD", "plan-de-soins", TRE_A05),
        _t("80565-5", "CR d'administration de médicaments", "traitement-administre"),
        _t("87273-9", "Note de vaccination", "vaccination"),
        _t("11369-6", "Historique des vaccinations", "vaccination"),
        _t("89601-9", "Certificat médical", "certificat"),
        _t("CERT_DECL", "Certificat, déclaration", "certificat", TRE_A05),
        _t("REMB", "Données de remboursement", "remboursement", TRE_A05),
        _t("EXPPAT_3", "Directives anticipées", "directives-anticipees", TRE_A05),
        _t("EXPPAT_1", "Volontés et droits du patient", "document-patient", TRE_A05),
        _t("EXPPAT_2", "Autre document du patient", "document-patient", TRE_A05),
        _t("DOCPAT01", "Synthèse déposée par le patient", "document-patient", TRE_A05),
        _t("DOCPAT02", "Traitement ou document de soins déposé par le patient", "document-patient", TRE_A05),
        _t("DOCPAT03", "CR déposé par le patient", "document-patient", TRE_A05),
        _t("DOCPAT04", "Imagerie déposée par le patient", "document-patient", TRE_A05),
        _t("DOCPAT05", "CR de biologie déposé par le patient", "document-patient", TRE_A05),
        _t("DOCPAT06", "CR de prévention déposé par le patient", "document-patient", TRE_A05),
        _t("DOCPAT07", "Certificat déposé par le patient", "document-patient", TRE_A05),
        _t("DOCPAT08", "Profil médical Mon espace santé", "document-patient", TRE_A05),
        _t("DOCPAT09", "Document administratif déposé par le patient", "document-patient", TRE_A05),
        _t("ATTEST-RESID", "Attestation de résidence", "gestion", TRE_A05),
    )
}
"""The typeCodes the DMP accepts (the sandbox's documented subset), by code."""

VSM: Final = "60591-5"
DIRECTIVES_ANTICIPEES: Final = "EXPPAT_3"
ATTESTATION_RESIDENCE: Final = "ATTEST-RESID"
DEPOSANT_PATIENT: Final[frozenset[str]] = frozenset(
    code for code, t in TYPES.items() if t.categorie in ("document-patient", "directives-anticipees")
)
RESERVE_ASSURANCE_MALADIE: Final[frozenset[str]] = frozenset({"REMB"})
PRESCRIPTIONS: Final[frozenset[str]] = frozenset(c for c, t in TYPES.items() if t.categorie == "prescription")
VACCINATIONS: Final[frozenset[str]] = frozenset(c for c, t in TYPES.items() if t.categorie == "vaccination")


def types_of(categories: frozenset[str]) -> frozenset[str]:
    """Every accepted typeCode in one of ``categories``."""
    return frozenset(code for code, t in TYPES.items() if t.categorie in categories)
