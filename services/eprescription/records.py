"""The e-prescription's records as the service layer handles them (JSON parts kept as stored text,
parsed on demand)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from services.eprescription.rules import Kind, LineState, Liste

TYPE_CODES: Final = {"produits-de-sante": "57833-6", "soins": "57832-8"}
"""The DMP typeCode of the PDF per family: prescription de produits de santé, prescription de soins."""
UNITES: Final = {Kind.MEDICAMENT: "jour", Kind.LPPR: "unite", Kind.SOINS: "passage"}


@dataclass(frozen=True, slots=True)
class Line:
    rang: int
    kind: Kind
    detail_json: str
    liste: Liste
    conditionnement: str
    duree_jours: int
    quantite_periode: int
    conditionnement_superieur: bool
    date_debut: str | None
    total: int
    restant: int

    @property
    def detail(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.detail_json)
        return parsed

    def state(self) -> LineState:
        return LineState(
            kind=self.kind,
            liste=self.liste,
            conditionnement=self.conditionnement,
            duree_jours=self.duree_jours,
            quantite_periode=self.quantite_periode,
            conditionnement_superieur=self.conditionnement_superieur,
            date_debut=None if self.date_debut is None else date.fromisoformat(self.date_debut),
            restant=self.restant,
        )


@dataclass(frozen=True, slots=True)
class Prescription:
    numero: str
    version: int
    statut: str
    famille: str
    prescrite_at: int
    prescrite_le: str
    executer_avant: str | None
    consentement: bool
    ins: str
    patient_json: str
    prescripteur_idnat: str
    prescripteur_json: str
    delivrances: int
    first_delivery_at: int | None
    closed_at: int | None
    depot_dmp: str
    depot_dmp_motif: str | None
    depot_dmp_document: str | None
    lines: tuple[Line, ...] = ()

    @property
    def patient(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.patient_json)
        return parsed

    @property
    def prescripteur(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.prescripteur_json)
        return parsed

    @property
    def type_code(self) -> str:
        return TYPE_CODES[self.famille]

    def line(self, rang: int) -> Line | None:
        return next((line for line in self.lines if line.rang == rang), None)


@dataclass(frozen=True, slots=True)
class Dispensation:
    rang: int
    at: int
    executant_idnat: str
    detail_json: str

    @property
    def detail(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.detail_json)
        return parsed
