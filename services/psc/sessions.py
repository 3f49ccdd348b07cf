"""What a token or a login session is worth afterwards: userinfo, introspection (RFC 7662), logout.

Sources: OpenID Connect Core 1.0 §5.3, RFC 7662, OpenID Connect RP-Initiated Logout 1.0. An access
token is judged by the tenant clock given by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from sqlalchemy import Connection

from services.psc import claims as psc_claims
from services.psc import repository
from services.psc.authorization import redirect_location
from services.psc.directory import Directory
from services.psc.errors import AuthorizeError
from services.psc.grants import revoke_session
from services.psc.tokens import ID_TOKEN_TYPE, IssuerKind, TokenFactory, artefact_hash
from shared.auth import ACCESS_TOKEN_TYPE


def userinfo(token: str, kind: IssuerKind) -> dict[str, Any]:
    """The userinfo of an access token the caller has already verified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return psc_claims.userinfo_from_access_claims(claims, patient=kind == "patient")


def signed_userinfo(factory: TokenFactory, kind: IssuerKind, info: dict[str, Any], client_id: str) -> str:
    """Userinfo as a JWT (OIDC Core §5.3.2): signed, with ``iss`` and ``aud`` (the client)."""
    return factory.keys.sign({**info, "iss": factory.issuers[kind], "aud": client_id}, typ=ID_TOKEN_TYPE)


def introspect_access_token(
    factory: TokenFactory, kind: IssuerKind, token: str, now: datetime
) -> dict[str, Any]:
    """RFC 7662 for this issuer's access tokens; ``active`` is judged with the tenant clock."""
    inactive: dict[str, Any] = {"active": False}
    try:
        if jwt.get_unverified_header(token).get("typ") != ACCESS_TOKEN_TYPE:
            return inactive
        claims = factory.keys.decode(
            token,
            options={"verify_exp": False, "verify_iat": False, "verify_aud": False, "verify_iss": False},
        )
    except jwt.InvalidTokenError:
        return inactive
    if claims.get("iss") != factory.issuers[kind]:
        return inactive
    if not isinstance(claims.get("exp"), int) or now.timestamp() >= claims["exp"]:
        return inactive
    username = claims.get("SubjectNameID") or claims.get("preferred_username") or claims.get("sub")
    return {**claims, "active": True, "token_type": "Bearer", "username": username}


def introspect_refresh_token(conn: Connection, kind: IssuerKind, token: str, now: datetime) -> dict[str, Any]:
    stored = repository.get_refresh_token(conn, artefact_hash(token))
    stamp = int(now.timestamp())
    if stored is None or stored.issuer != kind or stored.revoked_at is not None or stamp >= stored.expires_at:
        return {"active": False}
    return {
        "active": True,
        "token_type": "refresh_token",
        "client_id": stored.client_id,
        "username": stored.subject,
        "scope": stored.scope,
        "iat": stored.issued_at,
        "exp": stored.expires_at,
        "sid": stored.session_id,
    }


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    session_id: str | None
    client_id: str | None
    post_logout_redirect_uri: str | None
    state: str | None


def parse_logout_request(factory: TokenFactory, kind: IssuerKind, params: Mapping[str, str]) -> LogoutRequest:
    """RP-Initiated Logout §2: ``id_token_hint`` must be one of this issuer's ID tokens (expired ones
    are accepted); a ``client_id`` given with it must be its audience."""
    hint = params.get("id_token_hint")
    client_id = params.get("client_id") or None
    session_id = None
    if hint:
        try:
            claims = factory.keys.decode(
                hint, options={"verify_exp": False, "verify_iat": False, "verify_aud": False}
            )
        except jwt.InvalidTokenError as exc:
            raise AuthorizeError(
                "invalid_request", f"id_token_hint is not valid: {exc}", rule="logout-hint"
            ) from exc
        if claims.get("iss") != factory.issuers[kind]:
            raise AuthorizeError("invalid_request", "id_token_hint was not issued here", rule="logout-hint")
        audience = claims.get("aud")
        if client_id is not None and client_id != audience:
            raise AuthorizeError(
                "invalid_request", "client_id is not the id_token_hint's audience", rule="logout-hint"
            )
        client_id = str(audience) if audience else None
        session_id = str(claims["sid"]) if claims.get("sid") else None
    return LogoutRequest(
        session_id=session_id,
        client_id=client_id,
        post_logout_redirect_uri=params.get("post_logout_redirect_uri") or None,
        state=params.get("state") or None,
    )


def log_out(
    conn: Connection, directory: Directory, request: LogoutRequest, now: datetime
) -> tuple[str | None, int]:
    """End the session named by the hint: where to send the browser (None: show a page), and how many
    refresh tokens were revoked."""
    target = request.post_logout_redirect_uri
    if target is not None:
        client = directory.client(request.client_id) if request.client_id else None
        if client is None:
            raise AuthorizeError(
                "invalid_request",
                "post_logout_redirect_uri needs id_token_hint or client_id to know the client",
                rule="logout-redirect",
            )
        if not client.allows_redirect(target):
            raise AuthorizeError(
                "invalid_request",
                f"post_logout_redirect_uri {target[:200]!r} is not registered for {client.client_id!r}",
                rule="logout-redirect",
            )
    revoked = revoke_session(conn, request.session_id, now) if request.session_id is not None else 0
    if target is None:
        return None, revoked
    return redirect_location(target, {"state": request.state}), revoked
