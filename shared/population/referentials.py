"""Code lists the population uses: professions, savoir-faire, sectors, régimes, ALD.

Sources and certainty:

- Professions (TRE_G15-ProfessionSante): 10, 21, 40, 50, 60, 70 are the NOS codes.
- Savoir-faire: the ``SMxx`` spécialités ordinales of médecins, with the labels of
  TRE_A02-ProfessionSavFaire-CISIS (``G15_10/SMxx``). Only codes read in that table are used.
  Pharmaciens, dentistes, sages-femmes, infirmiers and kinés get no savoir-faire (None): the
  sandbox does not model sous-sections ordinales or dental specialties.
- Secteurs d'activité (TRE_R02-SecteurActivite): SA07 "Cabinet individuel" is seen in
  ProSanté Connect samples; SA01 "Etablissement public de santé" is the NOS label; SA08
  "Cabinet de groupe" and SA33 "Pharmacie d'officine" are TRE_R02's codes as the CI-SIS value set
  JDV_J02-XdsHealthcareFacilityTypeCode lists them.
- Régimes (grand régime codes of the SESAM-Vitale / ADRi world): 01, 02, 03 are the usual
  codes; 04, 06, 08 are to our knowledge SNCF, ENIM (marins) and CNMSS (militaires). ADRi field
  names and code lists were not found (see the facts file, open questions).
- ALD: the numbers and titles of the list of 30 affections de longue durée (CSS D160-4).
  The sandbox writes an ALD exonération code as ``ALD`` + the 2-digit number, maternité as
  ``MAT`` and invalidité as ``INV``: these codes are sandbox-defined.
"""

from __future__ import annotations

from datetime import date
from typing import Final

PROFESSIONS: Final[dict[str, str]] = {
    "10": "Médecin",
    "21": "Pharmacien",
    "40": "Chirurgien-dentiste",
    "50": "Sage-femme",
    "60": "Infirmier",
    "70": "Masseur-kinésithérapeute",
}

SM_GENERALISTE: Final = "SM26"
SM_URGENCE: Final = "SM59"

SAVOIR_FAIRE: Final[dict[str, str]] = {
    "SM26": "Qualifié en Médecine Générale",
    "SM04": "Cardiologie et maladies vasculaires",
    "SM15": "Dermatologie et Vénéréologie",
    "SM20": "Gynécologie-obstétrique",
    "SM38": "Ophtalmologie",
    "SM40": "Pédiatrie",
    "SM42": "Psychiatrie",
    "SM44": "Radio-diagnostic",
    "SM59": "Médecine d'urgence",
}
SPECIALTIES: Final[tuple[str, ...]] = ("SM04", "SM40", "SM15", "SM42", "SM20", "SM38", "SM44")
"""Specialties given to specialists, in the order they are handed out (round robin)."""

SECTEURS: Final[dict[str, str]] = {
    "SA01": "Etablissement public de santé",
    "SA07": "Cabinet individuel",
    "SA08": "Cabinet de groupe",
    "SA33": "Pharmacie d'officine",
}

REGIMES: Final[dict[str, str]] = {
    "01": "Régime général",
    "02": "Régime agricole (MSA)",
    "03": "Travailleurs indépendants",
    "04": "SNCF",
    "06": "Marins (ENIM)",
    "08": "Militaires (CNMSS)",
}
REGIME_WEIGHTS: Final[tuple[tuple[str, int], ...]] = (
    ("01", 860),
    ("02", 60),
    ("03", 40),
    ("04", 15),
    ("06", 5),
    ("08", 20),
)

ALD: Final[tuple[tuple[str, str], ...]] = (
    ("ALD01", "Accident vasculaire cérébral invalidant"),
    ("ALD02", "Insuffisances médullaires et autres cytopénies chroniques"),
    ("ALD03", "Artériopathies chroniques avec manifestations ischémiques"),
    ("ALD05", "Insuffisance cardiaque grave, troubles du rythme graves, cardiopathies valvulaires"),
    ("ALD06", "Maladies chroniques actives du foie et cirrhoses"),
    ("ALD07", "Déficit immunitaire primitif grave, infection par le VIH"),
    ("ALD08", "Diabète de type 1 et diabète de type 2"),
    ("ALD09", "Formes graves des affections neurologiques et musculaires, épilepsie grave"),
    ("ALD13", "Maladie coronaire"),
    ("ALD14", "Insuffisance respiratoire chronique grave"),
    ("ALD15", "Maladie d'Alzheimer et autres démences"),
    ("ALD16", "Maladie de Parkinson"),
    ("ALD19", "Néphropathie chronique grave et syndrome néphrotique primitif"),
    ("ALD22", "Polyarthrite rhumatoïde évolutive"),
    ("ALD23", "Affections psychiatriques de longue durée"),
    ("ALD24", "Rectocolite hémorragique et maladie de Crohn évolutives"),
    ("ALD25", "Sclérose en plaques"),
    ("ALD30", "Tumeur maligne, affection maligne du tissu lymphatique ou hématopoïétique"),
)
ALD_CHILD: Final[tuple[tuple[str, str], ...]] = tuple(
    entry for entry in ALD if entry[0] in ("ALD07", "ALD08", "ALD09", "ALD23", "ALD30")
)
"""The ALD handed to minors (a narrower, plausible subset)."""

EXO_MATERNITE: Final = ("MAT", "Exonération maternité")
EXO_INVALIDITE: Final = ("INV", "Pension d'invalidité")

MES_LAUNCH: Final = date(2022, 1, 3)
"""First invitations to Mon espace santé (general roll-out, January 2022)."""
ACTIVATION_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Characters of the sandbox's 8-character activation codes (no I, O, 0, 1)."""

MES_STATUSES: Final[tuple[str, ...]] = ("activated", "open", "opposed", "closed", "invited")
"""Mon espace santé account states.

activated: the person activated the account. open: created automatically after 6 weeks
without objection, never activated. opposed: the person objected within the 6 weeks (no
account). closed: created, then closed. invited: invitation sent less than 6 weeks ago, no
decision yet.
"""
MES_WEIGHTS: Final[tuple[tuple[str, int], ...]] = (
    ("activated", 55),
    ("open", 15),
    ("opposed", 8),
    ("closed", 7),
    ("invited", 15),
)

PERSON_TAGS: Final[tuple[str, ...]] = (
    "adult",
    "ald",
    "born-abroad",
    "child-on-parent-rights",
    "cnam-test",
    "corsica",
    "css",
    "homonym",
    "invalidite",
    "maternite",
    "mes-activated",
    "mes-closed",
    "mes-invited",
    "mes-open",
    "mes-opposed",
    "minor",
    "nia",
    "nir",
    "partial-birth-date",
    "regime-change",
    "rights-closed",
    "rights-future",
    "rights-open",
    "twin",
    "unknown-to-adri",
)
PROFESSIONAL_TAGS: Final[tuple[str, ...]] = (
    "centre-15",
    "cpe",
    "dentiste",
    "generaliste",
    "infirmier",
    "kine",
    "medecin",
    "pharmacien",
    "regulateur",
    "sage-femme",
    "secretaire",
    "specialiste",
)
