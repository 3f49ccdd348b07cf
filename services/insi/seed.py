"""INSi's part of the population: every person's identity (with its search keys and carte Vitale links),
the INS history, and the documented software authorisation number.

Documented number (known in every tenant; more can be registered per tenant, or for every tenant with
``ESANTE_INSI_KNOWN_IDAM``):

- ``ESANTE-SANDBOX``: any software may use it, in ``ContexteLPS/LPS/IDAM`` (SOAP) or the
  ``X-Insi-Idam`` header (JSON).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection

from services.insi import repository
from services.insi.traits import normalise
from shared.config import SandboxSettings
from shared.population import Population

DOCUMENTED_IDAM: Final = "ESANTE-SANDBOX"
DOCUMENTED_LOGICIELS: Final[tuple[dict[str, str], ...]] = (
    {
        "idam": DOCUMENTED_IDAM,
        "nom": "esante-sandbox: the documented number, for any software",
        "origine": "seed",
    },
)


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    identities = []
    history = []
    for person in population.persons:
        ouvrant = population.person(person.ouvrant_droit_id) if person.ouvrant_droit_id else None
        identities.append(
            {
                "id": person.id,
                "matricule": person.ins,
                "kind": person.ins_kind,
                "oid": person.oid,
                "nom_naissance": person.nom_naissance,
                "prenoms": " ".join(person.prenoms),
                "premier_prenom": person.prenoms[0],
                "sexe": person.sexe,
                "date_naissance": person.date_naissance,
                "lieu_naissance": person.lieu_naissance,
                "nom_cle": normalise(person.nom_naissance),
                "prenom_cle": normalise(person.prenoms[0]),
                "prenoms_cle": normalise(" ".join(person.prenoms)),
                "matricule_od": None if ouvrant is None else ouvrant.ins,
                "rang_naissance": person.rang_naissance,
                "comportement": person.insi_behaviour,
            }
        )
        for position, entry in enumerate(person.ins_history):
            history.append(
                {
                    "identity_id": person.id,
                    "position": position,
                    "matricule": entry.matricule,
                    "oid": entry.oid,
                    "date_deb": None if entry.date_deb is None else entry.date_deb.isoformat(),
                    "date_fin": None if entry.date_fin is None else entry.date_fin.isoformat(),
                }
            )
    repository.insert_many(conn, "identity", identities)
    repository.insert_many(conn, "history", history)
    repository.insert_many(conn, "logiciel", list(DOCUMENTED_LOGICIELS))
