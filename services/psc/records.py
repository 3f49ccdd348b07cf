"""The records psc works with, read from its tables: clients, structures, professionals, patients."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES: tuple[str, ...] = (GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_CLIENT_CREDENTIALS)

LOOPBACK_ANY_PORT = ":*"
"""A registered redirect URI ending in ``:*`` (``http://localhost:*``) matches every port and path
of that scheme and host; any other registered URI matches only itself, character for character."""


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    secret_sha256: str
    name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]

    def allows_redirect(self, uri: str) -> bool:
        """Exact match, or the loopback pattern ``<scheme>://<host>:*`` (RFC 8252 §7.3 style)."""
        if uri in self.redirect_uris:
            return True
        try:
            parts = urlsplit(uri)
            port = parts.port
        except ValueError:
            return False
        if parts.fragment or parts.username or parts.password or port == 0:
            return False
        for pattern in self.redirect_uris:
            if not pattern.endswith(LOOPBACK_ANY_PORT):
                continue
            wanted = urlsplit(pattern[: -len(LOOPBACK_ANY_PORT)])
            if (parts.scheme, parts.hostname) == (wanted.scheme, wanted.hostname):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Structure:
    id: str
    kind: str
    raison_sociale: str
    finess: str | None
    siret: str | None
    idnat: str
    adresse: str
    code_postal: str
    ville: str
    secteur_activite: str


@dataclass(frozen=True, slots=True)
class Professional:
    """A professional, or a CPE-holding secretary (no RPPS, no profession)."""

    id: str
    idnat: str
    rpps: str | None
    civilite: str
    nom: str
    prenom: str
    profession: str | None
    profession_label: str
    categorie: str
    savoir_faire: str | None
    type_savoir_faire: str | None
    structure: Structure
    cards: tuple[str, ...]
    regulation: bool


@dataclass(frozen=True, slots=True)
class Patient:
    """A person as the Mon espace santé login knows them."""

    id: str
    ins: str
    nom_naissance: str
    nom_usage: str | None
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str
    email: str | None
    mes_status: str
    representants: tuple[str, ...] = ()

    @property
    def family_name(self) -> str:
        return self.nom_usage or self.nom_naissance

    @property
    def given_name(self) -> str:
        return self.prenoms[0] if self.prenoms else ""


@dataclass(frozen=True, slots=True)
class StoredCode:
    """An authorization code as stored (its hash), with what the login decided."""

    code_hash: str
    issuer: str
    client_id: str
    redirect_uri: str
    subject: str
    card_mode: str | None
    represented_ins: str | None
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    session_id: str
    auth_time: int
    expires_at: int
    used_at: int | None


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    token_hash: str
    issuer: str
    client_id: str
    subject: str
    card_mode: str | None
    represented_ins: str | None
    scope: str
    session_id: str
    auth_time: int
    issued_at: int
    expires_at: int
    revoked_at: int | None
    rotated: bool
