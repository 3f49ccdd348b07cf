"""What psc signs and hands out: token answers, access and ID tokens, artefacts that name their tenant.

Codes, refresh tokens and session ids are ``<tenant>.<random>``: a browser cannot send the tenant
header, so the token and logout endpoints find the tenant from the artefact itself. Only their SHA-256
is stored. Access and ID tokens live ``token_lifetime`` seconds of the tenant clock.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

from services.psc import claims as psc_claims
from services.psc.claims import Subject
from services.psc.config import PscSettings, get_psc_settings
from services.psc.keys import KeyRing
from shared.auth import ACCESS_TOKEN_TYPE
from shared.config import SandboxSettings
from shared.tenancy import InvalidTenant, check_tenant_name

IssuerKind = Literal["professional", "patient"]

ID_TOKEN_TYPE: Final = "JWT"


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """A token answer (RFC 6749 §5.1)."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


class TokenFactory:
    """Signs access and ID tokens for both issuers with the key ring and the configured lifetimes."""

    def __init__(self, keys: KeyRing, settings: SandboxSettings, psc: PscSettings | None = None) -> None:
        self.keys = keys
        self.psc = psc or get_psc_settings()
        self.lifetime = settings.token_lifetime
        self.issuers: dict[IssuerKind, str] = {
            "professional": settings.issuer,
            "patient": settings.patient_issuer,
        }

    def access_token(
        self,
        kind: IssuerKind,
        subject: Subject,
        *,
        client_id: str,
        scope: str,
        now: int,
        session: dict[str, Any] | None = None,
    ) -> str:
        payload = psc_claims.access_token_payload(
            subject,
            issuer=self.issuers[kind],
            client_id=client_id,
            scope=scope,
            issued_at=now,
            lifetime=self.lifetime,
            jti=str(uuid.uuid4()),
            session=session,
        )
        return self.keys.sign_payload(payload, typ=ACCESS_TOKEN_TYPE)

    def id_token(
        self,
        kind: IssuerKind,
        subject: Subject,
        *,
        client_id: str,
        now: int,
        auth_time: int,
        session_id: str,
        access_token: str,
        nonce: str | None,
    ) -> str:
        claims = psc_claims.id_token_claims(
            subject.claims,
            issuer=self.issuers[kind],
            client_id=client_id,
            issued_at=now,
            lifetime=self.lifetime,
            auth_time=auth_time,
            session_id=session_id,
            access_token_hash=_half_hash(access_token),
            nonce=nonce,
        )
        return self.keys.sign(claims, typ=ID_TOKEN_TYPE)


def _half_hash(value: str) -> str:
    """``at_hash`` (OIDC Core §3.1.3.6): left half of the SHA-256, base64url (ES256 and RS256)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def artefact_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_artefact(tenant: str, size: int = 32) -> str:
    return f"{tenant}.{secrets.token_urlsafe(size)}"


def tenant_of(artefact: str) -> str | None:
    """The tenant a code, refresh token or session id belongs to (None when it names none)."""
    name, dot, rest = artefact.partition(".")
    if not dot or not rest or "." in rest:
        return None
    try:
        return check_tenant_name(name)
    except InvalidTenant:
        return None
