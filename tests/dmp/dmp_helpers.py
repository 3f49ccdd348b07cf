"""Helpers of the DMP tests: the population's cases, tokens, the tenant clock, documents."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.population import Person, Population, Professional
from shared.testing.oidc import Oidc

REFERENCE_NOON = "2026-01-01T12:00:00Z"
TEXT = base64.b64encode(b"Compte rendu de consultation").decode()
PDF = base64.b64encode(b"%PDF-1.4\n%sandbox\n").decode()
CDA = base64.b64encode(b'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>').decode()


def identite(person: Person, **changes: Any) -> dict[str, Any]:
    """The patient block of a deposit, as a DPI qualified it (INS + traits)."""
    body = {
        "matricule": person.ins,
        "oid": person.oid,
        "nom_naissance": person.nom_naissance,
        "prenoms": list(person.prenoms),
        "sexe": person.sexe,
        "date_naissance": person.date_naissance,
        "lieu_naissance": person.lieu_naissance,
    }
    body.update(changes)
    return body


def document_body(person: Person, type_code: str = "11488-4", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient": identite(person),
        "type_code": type_code,
        "titre": f"Document {type_code}",
        "date_acte": "2025-12-30T10:00:00Z",
        "format": "text/plain",
        "contenu": TEXT,
        "confidentialite": [],
    }
    body.update(changes)
    return body


@dataclass
class Cases:
    """Finds the population's cases."""

    population: Population

    def person(self, *tags: str, test: Callable[[Person], bool] | None = None, skip: int = 0) -> Person:
        found = [
            p for p in self.population.persons if all(t in p.tags for t in tags) and (test is None or test(p))
        ]
        if len(found) <= skip:
            raise LookupError(f"no person with {tags}")
        return found[skip]

    def pro(
        self,
        profession: str | None,
        *tags: str,
        skip: int = 0,
        test: Callable[[Professional], bool] | None = None,
    ) -> Professional:
        found = [
            p
            for p in self.population.professionals
            if p.profession == profession and all(t in p.tags for t in tags) and (test is None or test(p))
        ]
        return found[skip]

    def medecin_traitant(self, person: Person) -> Professional:
        assert person.rights is not None
        assert person.rights.medecin_traitant_rpps
        found = self.population.professional_by_rpps(person.rights.medecin_traitant_rpps)
        assert found is not None
        return found

    def parent(self, child: Person) -> Person:
        parent = self.population.person(child.parents[0])
        assert parent is not None
        return parent


@dataclass
class Dmp:
    """Speaks to the all-in-one app in the test's tenant."""

    http: httpx.AsyncClient
    tenant: str
    oidc: Oidc
    frozen: bool = False

    async def pro(
        self, professional: Professional, card_mode: str | None = None, **headers: str
    ) -> dict[str, str]:
        return {**await self.oidc.professional_headers(professional, card_mode), **headers}

    async def patient(self, person: Person) -> dict[str, str]:
        return await self.oidc.patient_headers(person)

    async def freeze(self, when: str = REFERENCE_NOON) -> None:
        await self.oidc.freeze(when)
        self.frozen = True

    async def deposit(
        self, person: Person, headers: dict[str, str], type_code: str = "11488-4", **changes: Any
    ) -> httpx.Response:
        return await self.http.post(
            f"/dmp/v1/patients/{person.ins}/documents",
            json=document_body(person, type_code, **changes),
            headers=headers,
        )

    async def deposited(
        self, person: Person, headers: dict[str, str], type_code: str = "11488-4", **changes: Any
    ) -> dict[str, Any]:
        response = await self.deposit(person, headers, type_code, **changes)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def search(self, person: Person, headers: dict[str, str], **params: Any) -> httpx.Response:
        return await self.http.get(f"/dmp/v1/patients/{person.ins}/documents", params=params, headers=headers)

    async def ids(self, person: Person, headers: dict[str, str], **params: Any) -> set[str]:
        response = await self.search(person, headers, **params)
        assert response.status_code == 200, response.text
        return {d["id"] for d in response.json()["documents"]}

    async def read(self, document_id: str, headers: dict[str, str]) -> httpx.Response:
        return await self.http.get(f"/dmp/v1/documents/{document_id}", headers=headers)

    async def me(
        self, person: Person, method: str, path: str = "", represented_ins: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        params = kwargs.pop("params", {})
        headers = await self.oidc.patient_headers(person, represented_ins)
        return await self.http.request(method, f"/dmp/v1/me{path}", params=params, headers=headers, **kwargs)


def refused(response: httpx.Response, status: int, error: str, rule: str | None) -> None:
    """Assert a refusal: its status, stable code and rule."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["rule"] == rule, body
