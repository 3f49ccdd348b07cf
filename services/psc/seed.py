"""psc's part of the population: structures, professionals, patients, and the documented clients.

Documented clients (the secret of each is its client id; only its SHA-256 is stored):

- ``esante-ci``: every grant (authorization_code, refresh_token, client_credentials); redirect URIs
  ``http://localhost:*`` and ``http://127.0.0.1:*``, i.e. any port and any path on the loopback host.
- ``esante-web``: a web application restricted to authorization_code and refresh_token with the one
  redirect URI ``http://localhost:8080/callback``, to rehearse the refusals of a stricter client.
- ``esante-mssante``: the MSSanté service itself (client_credentials only, no redirect URI): its own
  token is what the DMP's service routes accept.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import Connection

from services.psc import repository
from services.psc.records import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    GRANT_TYPES,
)
from shared.config import SandboxSettings
from shared.population import Population

DEFAULT_CLIENT_ID: Final = "esante-ci"
DEFAULT_CLIENT_SECRET: Final = "esante-ci"
WEB_CLIENT_ID: Final = "esante-web"
WEB_CLIENT_SECRET: Final = "esante-web"
WEB_CLIENT_REDIRECT_URI: Final = "http://localhost:8080/callback"
MSSANTE_CLIENT_ID: Final = "esante-mssante"


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


DOCUMENTED_CLIENTS: Final[tuple[dict[str, str], ...]] = (
    {
        "client_id": DEFAULT_CLIENT_ID,
        "secret_sha256": _sha256(DEFAULT_CLIENT_SECRET),
        "name": "esante-sandbox CI client (every grant, any loopback redirect URI)",
        "redirect_uris": "http://localhost:* http://127.0.0.1:*",
        "grant_types": " ".join(GRANT_TYPES),
    },
    {
        "client_id": WEB_CLIENT_ID,
        "secret_sha256": _sha256(WEB_CLIENT_SECRET),
        "name": "esante-sandbox web application (authorization code only, one redirect URI)",
        "redirect_uris": WEB_CLIENT_REDIRECT_URI,
        "grant_types": f"{GRANT_AUTHORIZATION_CODE} {GRANT_REFRESH_TOKEN}",
    },
    {
        "client_id": MSSANTE_CLIENT_ID,
        "secret_sha256": _sha256(MSSANTE_CLIENT_ID),
        "name": "esante-sandbox MSSanté service (client_credentials, its own token for the DMP)",
        "redirect_uris": "",
        "grant_types": GRANT_CLIENT_CREDENTIALS,
    },
)


def seed(conn: Connection, population: Population, settings: SandboxSettings) -> None:
    repository.insert_many(
        conn,
        "structure",
        [
            {
                "id": s.id,
                "kind": s.kind,
                "raison_sociale": s.raison_sociale,
                "finess": s.finess,
                "siret": s.siret,
                "idnat": s.idnat,
                "adresse": s.adresse,
                "code_postal": s.code_postal,
                "ville": s.ville,
                "secteur_activite": s.secteur_activite,
            }
            for s in population.structures
        ],
    )
    repository.insert_many(
        conn,
        "professional",
        [
            {
                "id": p.id,
                "idnat": p.idnat,
                "rpps": p.rpps,
                "civilite": p.civilite,
                "nom": p.nom,
                "prenom": p.prenom,
                "profession": p.profession,
                "profession_label": p.profession_label,
                "categorie": p.categorie,
                "savoir_faire": p.savoir_faire,
                "type_savoir_faire": p.type_savoir_faire,
                "structure_id": p.structure_id,
                "cards": " ".join(p.cards),
                "regulation": p.regulation,
                "search": repository.search_text(p.nom, p.prenom, p.rpps, p.idnat),
            }
            for p in population.professionals
        ],
    )
    repository.insert_many(
        conn,
        "patient",
        [
            {
                "id": p.id,
                "ins": p.ins,
                "nom_naissance": p.nom_naissance,
                "nom_usage": p.nom_usage or None,
                "prenoms": ",".join(p.prenoms),
                "sexe": p.sexe,
                "date_naissance": p.date_naissance,
                "email": p.email or None,
                "mes_status": p.mes_status,
                "representants": " ".join(parent.ins for parent in population.parents_of(p)),
                "search": repository.search_text(p.nom_naissance, p.nom_usage, *p.prenoms, p.ins),
            }
            for p in population.persons
        ],
    )
    repository.insert_many(conn, "client", list(DOCUMENTED_CLIENTS))
