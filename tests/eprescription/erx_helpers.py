"""Helpers of the e-prescription tests: the population's cases, tokens, bodies, calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from shared.population import Person, Population, Professional
from shared.testing.oidc import Oidc

NOON = "2026-01-01T12:00:00Z"
BASE = "/eprescription/v1/prescriptions"


def patient_block(person: Person, **changes: Any) -> dict[str, Any]:
    block = {
        "ins": person.ins,
        "oid": person.oid,
        "nom_naissance": person.nom_naissance,
        "prenoms": list(person.prenoms),
        "sexe": person.sexe,
        "date_naissance": person.date_naissance,
        "lieu_naissance": person.lieu_naissance,
        "poids_kg": 72,
    }
    block.update(changes)
    return block


def medicament(**changes: Any) -> dict[str, Any]:
    line = {
        "kind": "medicament",
        "code_type": "substance",
        "substance": "paracétamol",
        "dosage": "1000 mg",
        "designation": "Paracétamol 1000 mg comprimé",
        "posologie": "1 comprimé toutes les 8 heures si fièvre",
        "duree_jours": 30,
    }
    line.update(changes)
    return line


def lppr(**changes: Any) -> dict[str, Any]:
    line = {
        "kind": "lppr",
        "code_lpp": "1101421",
        "designation": "Bas de contention classe 2",
        "quantite": 2,
        "duree_jours": 30,
        "renouvellements": 2,
    }
    line.update(changes)
    return line


def soins(**changes: Any) -> dict[str, Any]:
    line = {
        "kind": "soins",
        "acte_type": "injection",
        "acte": "1 injection intramusculaire le soir",
        "lieu": "cabinet",
        "nuit": True,
        "dimanches_feries": True,
        "duree_jours": 5,
        "date_debut": "2026-01-02",
    }
    line.update(changes)
    return line


def prescription_body(person: Person, *lines: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prescripteur": {"numero_am": "991118019"},
        "patient": patient_block(person),
        "consentement": "OUI",
        "lignes": list(lines) or [medicament()],
    }
    body.update(changes)
    return body


@dataclass
class Cases:
    population: Population

    def person(self, status: str = "activated", *, adult: bool = True, skip: int = 0) -> Person:
        found = [
            p
            for p in self.population.persons
            if p.mes_status == status and ("adult" in p.tags) == adult and p.insi_behaviour is None
        ]
        return found[skip]

    def pro(self, profession: str | None, skip: int = 0) -> Professional:
        return [p for p in self.population.professionals if p.profession == profession and not p.regulation][
            skip
        ]


@dataclass
class Erx:
    """Speaks to the all-in-one app in the test's tenant."""

    http: httpx.AsyncClient
    tenant: str
    oidc: Oidc

    async def pro(self, professional: Professional, card_mode: str | None = None) -> dict[str, str]:
        return await self.oidc.professional_headers(professional, card_mode)

    async def patient(self, person: Person) -> dict[str, str]:
        return await self.oidc.patient_headers(person)

    async def freeze(self, when: str = NOON) -> None:
        await self.oidc.freeze(when)

    async def prescribe(self, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(BASE, json=body, headers=headers)

    async def prescribed(self, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = await self.prescribe(headers, body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def read(self, numero: str, headers: dict[str, str]) -> httpx.Response:
        return await self.http.get(f"{BASE}/{numero}", headers=headers)

    async def dispense(self, numero: str, headers: dict[str, str], *lines: dict[str, Any]) -> httpx.Response:
        return await self.http.post(
            f"{BASE}/{numero}/dispensations", json={"lignes": list(lines)}, headers=headers
        )


def refused(response: httpx.Response, status: int, error: str, rule: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["rule"] == rule, body
