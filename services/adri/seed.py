"""ADRi's part of the population: every person with rights, their periods, exonérations, CSS and
médecin traitant, and the link from each ayant droit to its ouvrant droit.

A person is keyed by their matricule INS: the NIR, or the NIA of a person waiting for a NIR (such a
person has rights under it; the CNAM test identity PROVISOIRE MATRICULE is one). Persons without
rights (tag ``unknown-to-adri``) are not seeded: ADRi does not know them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from services.adri import repository
from shared.config import SandboxSettings
from shared.population import Exoneration, Population


def _exoneration(matricule: str, kind: str, exo: Exoneration) -> dict[str, Any]:
    return {
        "matricule": matricule,
        "kind": kind,
        "code": exo.code,
        "label": exo.label,
        "start": exo.start,
        "end": exo.end,
    }


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    beneficiaries: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    exonerations: list[dict[str, Any]] = []
    css: list[dict[str, Any]] = []
    for person in population.persons:
        rights = person.rights
        if rights is None or person.ouvrant_droit_id is None:
            continue
        ouvrant = population.person(person.ouvrant_droit_id)
        assert ouvrant is not None, f"{person.id}: ouvrant droit {person.ouvrant_droit_id} is not a person"
        matricule = person.ins
        beneficiaries.append(
            {
                "matricule": matricule,
                "nom_naissance": person.nom_naissance,
                "nom_usage": person.nom_usage,
                "prenoms": ",".join(person.prenoms),
                "sexe": person.sexe,
                "date_naissance": person.date_naissance,
                "rang_naissance": person.rang_naissance,
                "ouvrant_droit": ouvrant.ins,
                "medecin_traitant_rpps": rights.medecin_traitant_rpps,
            }
        )
        periods.extend(
            {
                "matricule": matricule,
                "start": p.start,
                "end": p.end,
                "regime": p.regime,
                "caisse": p.caisse,
                "centre": p.centre,
            }
            for p in rights.periods
        )
        exonerations.extend(_exoneration(matricule, "ald", exo) for exo in rights.ald)
        if rights.maternite is not None:
            exonerations.append(_exoneration(matricule, "maternite", rights.maternite))
        if rights.invalidite is not None:
            exonerations.append(_exoneration(matricule, "invalidite", rights.invalidite))
        if rights.css is not None:
            css.append({"matricule": matricule, "start": rights.css.start, "end": rights.css.end})
    repository.insert_many(conn, "beneficiary", beneficiaries)
    repository.insert_many(conn, "period", periods)
    repository.insert_many(conn, "exoneration", exonerations)
    repository.insert_many(conn, "css", css)
