"""The e-prescription's JSON wire: requests (XCreate) and answers (XRead), with examples for the docs.

Dates are ISO (``YYYY-MM-DD``), instants ISO 8601 UTC. Quantities of a dispensation are in the line's
unit: days of treatment for a médicament, units for an LPPR device, passages for soins infirmiers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PrescripteurCreate(_Request):
    """What identifies the prescriber besides the token's RPPS: the N° AM (cabinet) or the FINESS
    (établissement) number, one of them at least."""

    numero_am: str | None = Field(default=None, description="N° AM: 9 digits", examples=["991118019"])
    finess: str | None = Field(default=None, description="FINESS géographique: 9 characters, Luhn key")


class PatientCreate(_Request):
    """The patient: the INS and the five traits as qualified with INSi (the DMP checks them), and the
    weight where a line needs it."""

    ins: str = Field(description="Matricule INS, 15 characters", examples=["275126322074974"])
    oid: str = Field(description="OID of the INS (.8 NIR, .9 NIA)", examples=["1.2.250.1.213.1.4.8"])
    nom_naissance: str = Field(min_length=1, max_length=100)
    prenoms: list[str] = Field(min_length=1, max_length=10)
    sexe: Literal["M", "F", "I"]
    date_naissance: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD (00 allowed)")
    lieu_naissance: str = Field(pattern=r"^[0-9AB]{5}$", description="COG code (99xxx abroad)")
    poids_kg: float | None = Field(default=None, gt=0, le=400, description="Required for LPPR lines")


class _Line(_Request):
    ald: bool = Field(default=False, description="In relation with an exonerating ALD (bizone ordonnance)")
    non_remboursable: bool = Field(default=False, description="Mention « non remboursable » (NR)")


class MedicamentCreate(_Line):
    """A médicament by CIP13 or UCD code, or in the common name of a substance with its dosage."""

    kind: Literal["medicament"]
    code_type: Literal["cip13", "ucd", "substance"]
    code: str | None = Field(default=None, pattern=r"^\d{7}$|^\d{13}$", description="CIP13 or UCD")
    substance: str | None = Field(default=None, max_length=120)
    dosage: str | None = Field(default=None, max_length=60, examples=["1000 mg"])
    designation: str = Field(min_length=1, max_length=200, examples=["Paracétamol 1000 mg comprimé"])
    posologie: str = Field(min_length=1, max_length=500)
    duree_jours: int = Field(ge=1, le=366, description="Duration of one period of treatment, in days")
    renouvellements: int = Field(default=0, ge=0, le=12)
    liste: Literal["none", "I", "II", "stupefiant"] = "none"
    conditionnement: Literal["standard", "grand-conditionnement", "contraceptif"] = "standard"

    @model_validator(mode="after")
    def _coded(self) -> MedicamentCreate:
        if self.code_type == "substance":
            if not (self.substance and self.dosage):
                raise ValueError("a line in substance names the substance and its dosage")
        elif self.code is None or (self.code_type == "cip13" and len(self.code) != 13):
            raise ValueError(f"a {self.code_type} line carries its code (CIP13: 13 digits, UCD: 7 or 13)")
        return self


class LpprCreate(_Line):
    """An LPPR device: its LPP code, the quantity of one period, the period (at most a month) and the
    renewals (within twelve months)."""

    kind: Literal["lppr"]
    code_lpp: str = Field(pattern=r"^\d{7}$", examples=["1101421"])
    designation: str = Field(min_length=1, max_length=200)
    quantite: int = Field(ge=1, le=10_000, description="Units for one period")
    duree_jours: int = Field(ge=1, le=366, description="The period, in days")
    renouvellements: int = Field(default=0, ge=0, le=12)
    conditionnement_superieur: bool = Field(
        default=False, description="The packaging holds more than a period: delivered at once"
    )


class SoinsCreate(_Line):
    """Soins infirmiers as the model ordonnances lay them out."""

    kind: Literal["soins"]
    acte_type: Literal[
        "injection",
        "pansement",
        "administration-surveillance",
        "surveillance-observation",
        "diabete",
        "perfusion",
        "autre",
    ]
    acte: str = Field(min_length=1, max_length=300, examples=["1 injection intramusculaire le soir"])
    voie: str | None = Field(default=None, max_length=60)
    lieu: Literal["cabinet", "domicile"]
    passages_par_jour: int = Field(default=1, ge=1, le=6)
    nuit: bool = Field(default=False, description="Mention « nuit »")
    intervalle_12h: bool = Field(default=False, description="Mention « intervalle de 12 heures »")
    dimanches_feries: bool = Field(default=False, description="Dimanche et jours fériés inclus")
    duree_jours: int | None = Field(default=None, ge=1, le=366)
    nombre_passages: int | None = Field(default=None, ge=1, le=2000)
    date_debut: date
    urgence: bool = False

    @model_validator(mode="after")
    def _length(self) -> SoinsCreate:
        """Seed 000: « durée de prescription et/ou nombre de passages »: one of them, or both."""
        if self.duree_jours is None and self.nombre_passages is None:
            raise ValueError("soins give duree_jours, nombre_passages or both")
        return self


LineCreate = Annotated[MedicamentCreate | LpprCreate | SoinsCreate, Field(discriminator="kind")]


class PrescriptionCreate(_Request):
    """A new ordonnance numérique."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "prescripteur": {"numero_am": "991118019"},
                    "patient": {
                        "ins": "275126322074974",
                        "oid": "1.2.250.1.213.1.4.8",
                        "nom_naissance": "ADRUN",
                        "prenoms": ["ZOE"],
                        "sexe": "F",
                        "date_naissance": "1975-12-31",
                        "lieu_naissance": "63220",
                        "poids_kg": 80,
                    },
                    "consentement": "OUI",
                    "lignes": [
                        {
                            "kind": "medicament",
                            "code_type": "substance",
                            "substance": "paracétamol",
                            "dosage": "1000 mg",
                            "designation": "Paracétamol 1000 mg comprimé",
                            "posologie": "1 comprimé en cas de fièvre, toutes les 8 heures si besoin",
                            "duree_jours": 7,
                        }
                    ],
                }
            ]
        },
    )

    numero: str | None = Field(
        default=None,
        max_length=40,
        description="The numéro unique made by the prescriber's software (seed 000); absent: the sandbox "
        "makes one. Checked like any number (400 numero-invalid); one already used: 409 numero-taken",
        examples=["01S2TBPZ2JCNZZYGHZ"],
    )
    depot_dmp: bool = Field(
        default=True,
        description="The base deposits the PDF in the patient's DMP (default); false: the prescriber's "
        "software deposits it itself (seed 001), the base does not",
    )
    prescripteur: PrescripteurCreate
    patient: PatientCreate
    consentement: Literal["OUI", "NON"] = Field(
        description="The patient lets the prescriber consult what was dispensed (OUI) or not (NON)"
    )
    executer_avant: date | None = Field(default=None, description="Mention « à exécuter avant le »")
    lignes: list[LineCreate] = Field(min_length=1, max_length=30)


class ProduitDelivre(_Request):
    code: str = Field(min_length=1, max_length=20, description="CIP13, UCD or LPP code delivered")
    designation: str = Field(min_length=1, max_length=200)


class Intervention(_Request):
    """An intervention pharmaceutique (a generic substitution is not one)."""

    code: str = Field(min_length=1, max_length=20)
    libelle: str = Field(min_length=1, max_length=300)


class LineDispensationCreate(_Request):
    rang: int = Field(ge=1, le=30, description="The line's rank on the prescription (from 1)")
    quantite: int = Field(ge=1, le=10_000, description="Days (médicament), units (LPPR), passages (soins)")
    boites: int | None = Field(default=None, ge=1, le=1000, description="Packs handed over")
    produit: ProduitDelivre | None = Field(default=None, description="What was delivered, when it differs")
    substitution: bool = Field(default=False, description="Generic substitution")
    interventions: list[Intervention] = Field(default_factory=list, max_length=10)


class DispensationCreate(_Request):
    """One visit of the patient: what was delivered on some lines (all recorded, or none)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lignes": [{"rang": 1, "quantite": 7, "boites": 1}]}]},
    )

    lignes: list[LineDispensationCreate] = Field(min_length=1, max_length=30)


class DepotDmpRead(BaseModel):
    statut: Literal["pending", "deposited", "not-deposited", "by-prescriber"] = Field(
        description="by-prescriber: the prescriber's software deposits the PDF itself (depot_dmp false)"
    )
    motif: str | None
    document_id: str | None
    type_code: str


class LineRead(BaseModel):
    rang: int
    kind: str
    detail: dict[str, object]
    unite: str
    total: int
    restant: int


class DispensationRead(BaseModel):
    rang: int
    at: str
    executant: str
    detail: dict[str, object]


class PrescriptionRead(BaseModel):
    numero: str
    statut: Literal["active", "executee", "annulee"]
    famille: str
    prescrite_le: str
    executer_avant: str | None
    consentement: Literal["OUI", "NON"]
    prescripteur: dict[str, object]
    patient: dict[str, object]
    lignes: list[LineRead]
    depot_dmp: DepotDmpRead


class ExecutionsRead(BaseModel):
    numero: str
    statut: str
    lignes: list[LineRead]
    dispensations: list[DispensationRead]


class PrescriptionListRead(BaseModel):
    prescriptions: list[PrescriptionRead]


class RestantRead(BaseModel):
    rang: int
    restant: int = Field(description="What remains to deliver on the line, in its unit")


class DispensationResultRead(BaseModel):
    """What a dispensation left: the prescription's status and what remains on the lines it named."""

    numero: str
    statut: Literal["active", "executee"]
    lignes: list[RestantRead]


class SandboxPrescriptionRead(BaseModel):
    numero: str
    statut: str
    famille: str
    ins: str


class SandboxPrescriptionListRead(BaseModel):
    prescriptions: list[SandboxPrescriptionRead]
