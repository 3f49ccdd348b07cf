"""Who the client is and what it may ask: client authentication (RFC 6749 §2.3.1), grants and scopes.

Every client is confidential: it authenticates with its secret, by HTTP Basic or in the body.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

from services.psc.directory import Directory
from services.psc.errors import InvalidClient, InvalidScope, UnauthorizedClient
from services.psc.records import Client
from services.psc.tokens import IssuerKind, artefact_hash

SUPPORTED_SCOPES: Final[tuple[str, ...]] = ("openid", "scope_all", "profile", "email", "identity")
DEFAULT_SCOPE: Final[dict[IssuerKind, str]] = {"professional": "openid scope_all", "patient": "openid"}


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """What the request presented: HTTP Basic or ``client_id`` / ``client_secret`` in the body."""

    client_id: str | None
    client_secret: str | None


def authenticate_client(directory: Directory, credentials: ClientCredentials) -> Client:
    """RFC 6749 §2.3.1: the client exists and its secret matches (401 ``invalid_client`` otherwise)."""
    if not credentials.client_id:
        raise InvalidClient(
            "client authentication is required (HTTP Basic or client_id and client_secret in the body)",
            rule="client-auth",
        )
    client = directory.client(credentials.client_id)
    if client is None:
        raise InvalidClient(f"unknown client {credentials.client_id[:100]!r}", rule="client-unknown")
    secret = credentials.client_secret
    if secret is None or not hmac.compare_digest(artefact_hash(secret), client.secret_sha256):
        raise InvalidClient("the client secret is wrong", rule="client-secret")
    return client


def require_grant(client: Client, grant: str) -> None:
    """The client is registered for ``grant`` (RFC 6749 §5.2 ``unauthorized_client``)."""
    if grant not in client.grant_types:
        raise UnauthorizedClient(
            f"client {client.client_id!r} may not use the {grant} grant", rule="client-grant"
        )


def parse_scope(raw: str | None, *, default: str, need_openid: bool) -> str:
    """The scope asked for, every value known; ``openid`` when OIDC requires it."""
    if raw is None or not raw.strip():
        return default
    values = raw.split()
    unknown = [v for v in values if v not in SUPPORTED_SCOPES]
    if unknown:
        raise InvalidScope(
            f"unknown scope {unknown[0][:40]!r} (supported: {' '.join(SUPPORTED_SCOPES)})", rule="scope"
        )
    if need_openid and "openid" not in values:
        raise InvalidScope("the scope must contain openid", rule="scope-openid")
    return " ".join(dict.fromkeys(values))
