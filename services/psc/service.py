"""The rules of psc: authorization requests, logins, the three grants, introspection and logout.

Sources: OAuth 2.0 (RFC 6749), PKCE (RFC 7636), JWT access tokens (RFC 9068), token introspection
(RFC 7662), OpenID Connect Core 1.0 and RP-Initiated Logout 1.0, the OAuth 2.0 Security BCP (RFC 9700)
for replay handling. Nothing here knows about HTTP or commits: the caller's unit of work does.

Sandbox choices:

- Codes, refresh tokens and session ids are ``<tenant>.<random>``: a browser cannot send the tenant
  header, so the token and logout endpoints find the tenant from the artefact itself.
- Every client is confidential (it authenticates with its secret); PKCE is optional but checked when
  the authorization request used it, and a verifier without a challenge is refused.
- A second use of an authorization code, or of a refresh token already exchanged, revokes every
  refresh token of its login session (RFC 6749 §10.5, RFC 9700 §4.14.2).
- ``client_credentials`` answers without a refresh token and without an ID token (RFC 6749 §4.4.3);
  with ``login_hint`` the access token is the named person's, as if they had logged in.
- There is no browser session (no SSO): every authorization request shows the login page, so
  ``prompt=none`` answers ``login_required``; ``acr_values`` is not checked, the ``acr`` is always eidas1.
- Times come from the tenant clock given by the caller; codes live ``code_lifetime`` seconds (60),
  access and ID tokens ``token_lifetime``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, Literal, TypeVar
from urllib.parse import urlencode

import jwt
from sqlalchemy import Connection

from services.psc import claims as psc_claims
from services.psc import repository
from services.psc.claims import Subject
from services.psc.config import PscSettings, get_psc_settings
from services.psc.directory import ConnectionDirectory, Directory
from services.psc.errors import (
    AuthorizeError,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    SessionCompromised,
    UnauthorizedClient,
    UnknownClient,
)
from services.psc.keys import KeyRing
from services.psc.login_rules import decide_card_mode
from services.psc.records import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    Client,
    Patient,
    Professional,
    StoredCode,
    StoredRefreshToken,
)
from services.psc.seed import DEFAULT_CLIENT_ID
from shared.auth import ACCESS_TOKEN_TYPE
from shared.config import SandboxSettings
from shared.tenancy import InvalidTenant, check_tenant_name

IssuerKind = Literal["professional", "patient"]

SUPPORTED_SCOPES: Final[tuple[str, ...]] = ("openid", "scope_all", "profile", "email", "identity")
DEFAULT_SCOPE: Final[dict[IssuerKind, str]] = {"professional": "openid scope_all", "patient": "openid"}
PKCE_METHODS: Final[tuple[str, ...]] = ("S256", "plain")
_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_ID_TOKEN_TYPE: Final = "JWT"


# --- tokens ----------------------------------------------------------------------------------------


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
        return self.keys.sign(claims, typ=_ID_TOKEN_TYPE)


def _half_hash(value: str) -> str:
    """``at_hash`` (OIDC Core §3.1.3.6): left half of the SHA-256, base64url (ES256 and RS256)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _new_artefact(tenant: str, size: int = 32) -> str:
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


# --- client authentication and scopes --------------------------------------------------------------


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
    if secret is None or not hmac.compare_digest(_sha256(secret), client.secret_sha256):
        raise InvalidClient("the client secret is wrong", rule="client-secret")
    return client


def _require_grant(client: Client, grant: str) -> None:
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


# --- subjects --------------------------------------------------------------------------------------


def _professional_subject(pro: Professional, card_mode: str | None) -> Subject:
    decision = decide_card_mode(card_mode, pro.cards)
    if decision.card_mode is None:
        error = InvalidRequest if decision.rule == "card-mode-unknown" else InvalidGrant
        raise error(decision.refusal or "card refused", rule=decision.rule)
    return psc_claims.professional_subject(pro, decision.card_mode)


def _patient_subject(patient: Patient) -> Subject:
    return psc_claims.patient_subject(patient)


def _subject(directory: Directory, kind: IssuerKind, subject: str, card_mode: str | None) -> Subject:
    """The claims of a stored subject (IdNat or INS); the directory may have lost them after a reset."""
    if kind == "professional":
        pro = directory.professional(subject)
        if pro is None:
            raise InvalidGrant(
                f"no professional {subject!r} in this tenant's directory", rule="subject-unknown"
            )
        return _professional_subject(pro, card_mode)
    patient = directory.patient(subject)
    if patient is None:
        raise InvalidGrant(f"no person with INS {subject!r} in this tenant", rule="subject-unknown")
    return _patient_subject(patient)


# --- client_credentials ----------------------------------------------------------------------------


def grant_client_credentials(
    directory: Directory,
    factory: TokenFactory,
    now: datetime,
    kind: IssuerKind,
    client: Client,
    form: Mapping[str, str],
) -> IssuedTokens:
    """``client_credentials``; with ``login_hint`` (RPPS or IdNat, or INS for patients) and
    ``card_mode`` the token is that person's, else (professional issuer only) the client's own."""
    _require_grant(client, GRANT_CLIENT_CREDENTIALS)
    scope = parse_scope(form.get("scope"), default=DEFAULT_SCOPE[kind], need_openid=False)
    login_hint = (form.get("login_hint") or "").strip()
    if kind == "professional":
        if not login_hint:
            if form.get("card_mode"):
                raise InvalidRequest("card_mode needs a login_hint (whose card?)", rule="card-mode-alone")
            subject = psc_claims.service_subject(client.client_id)
        else:
            pro = directory.professional(login_hint)
            if pro is None:
                raise InvalidGrant(
                    f"no professional with RPPS or IdNat {login_hint[:40]!r}", rule="login-hint-unknown"
                )
            subject = _professional_subject(pro, form.get("card_mode"))
    else:
        if not login_hint:
            raise InvalidRequest("login_hint (the person's INS) is required", rule="login-hint-missing")
        patient = directory.patient(login_hint)
        if patient is None:
            raise InvalidGrant(f"no person with INS {login_hint[:40]!r}", rule="login-hint-unknown")
        subject = _patient_subject(patient)
    stamp = int(now.timestamp())
    access = factory.access_token(
        kind, subject, client_id=client.client_id, scope=scope, now=stamp, session={"acr": psc_claims.ACR}
    )
    return IssuedTokens(access_token=access, expires_in=factory.lifetime, scope=scope)


# --- authorization requests and logins ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A validated authorization request (OIDC Core §3.1.2.1)."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str
    nonce: str
    code_challenge: str | None
    code_challenge_method: str | None
    login_hint: str | None

    def as_params(self) -> dict[str, str]:
        """The request again, as the login page carries it in hidden fields."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
        }
        if self.code_challenge is not None:
            params["code_challenge"] = self.code_challenge
            params["code_challenge_method"] = self.code_challenge_method or "plain"
        return params


def validate_authorization_request(directory: Directory, params: Mapping[str, str]) -> AuthorizationRequest:
    """Check an authorization request. Before the redirect URI is known to be the client's, errors are
    for the page; after, they go back to the client (RFC 6749 §4.1.2.1)."""
    client_id = params.get("client_id") or ""
    if not client_id:
        raise AuthorizeError("invalid_request", "client_id is missing", rule="client-id")
    client = directory.client(client_id)
    if client is None:
        raise AuthorizeError("invalid_request", f"unknown client {client_id[:100]!r}", rule="client-unknown")
    redirect_uri = params.get("redirect_uri") or ""
    if not redirect_uri:
        raise AuthorizeError("invalid_request", "redirect_uri is missing", rule="redirect-uri")
    if not client.allows_redirect(redirect_uri):
        raise AuthorizeError(
            "invalid_request",
            f"redirect_uri {redirect_uri[:200]!r} is not registered for client {client_id!r}",
            rule="redirect-uri",
        )
    state = params.get("state") or ""

    def refuse(error: str, detail: str, rule: str) -> AuthorizeError:
        return AuthorizeError(error, detail, redirect_uri=redirect_uri, state=state or None, rule=rule)

    response_type = params.get("response_type")
    if not response_type:
        raise refuse("invalid_request", "response_type is missing", "response-type")
    if response_type != "code":
        raise refuse("unsupported_response_type", "only response_type=code is supported", "response-type")
    if GRANT_AUTHORIZATION_CODE not in client.grant_types:
        raise refuse("unauthorized_client", "this client may not use the authorization code", "client-grant")
    try:
        scope = parse_scope(params.get("scope"), default="", need_openid=True)
    except OAuthError as exc:
        raise refuse("invalid_scope", exc.detail, exc.rule or "scope") from exc
    if not scope:
        raise refuse("invalid_scope", "the scope must contain openid", "scope-openid")
    if not state:
        raise refuse("invalid_request", "state is required", "state")
    nonce = params.get("nonce") or ""
    if not nonce:
        raise refuse("invalid_request", "nonce is required", "nonce")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if method is not None and challenge is None:
        raise refuse("invalid_request", "code_challenge_method without code_challenge", "pkce")
    if challenge is not None:
        method = method or "plain"
        if method not in PKCE_METHODS:
            raise refuse(
                "invalid_request", f"code_challenge_method must be S256 or plain, not {method[:20]!r}", "pkce"
            )
        if not _PKCE_VALUE.fullmatch(challenge):
            raise refuse("invalid_request", "code_challenge must be 43 to 128 unreserved characters", "pkce")
    if params.get("prompt") == "none":
        raise refuse(
            "login_required", "the sandbox keeps no login session: prompt=none cannot succeed", "prompt"
        )
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        code_challenge_method=method if challenge is not None else None,
        login_hint=params.get("login_hint") or None,
    )


def redirect_location(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` added to its query (RFC 6749 §4.1.2: keep the existing query)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def error_location(error: AuthorizeError, issuer: str) -> str:
    assert error.redirect_uri is not None
    return redirect_location(
        error.redirect_uri,
        {"error": error.code, "error_description": error.detail, "state": error.state, "iss": issuer},
    )


def log_in(
    conn: Connection,
    directory: Directory,
    kind: IssuerKind,
    request: AuthorizationRequest,
    *,
    subject: str,
    card_mode: str | None,
    now: datetime,
    tenant: str,
    issuer: str,
    psc: PscSettings,
) -> str:
    """Log ``subject`` in for ``request``: store a single-use code and return where to send the browser."""

    def refuse(detail: str, rule: str | None) -> AuthorizeError:
        return AuthorizeError(
            "access_denied", detail, redirect_uri=request.redirect_uri, state=request.state, rule=rule
        )

    stored_card: str | None = None
    if kind == "professional":
        pro = directory.professional(subject)
        if pro is None:
            raise refuse(f"no professional {subject[:40]!r}", "login-hint-unknown")
        decision = decide_card_mode(card_mode, pro.cards)
        if decision.card_mode is None:
            raise refuse(decision.refusal or "card refused", decision.rule)
        subject, stored_card = pro.idnat, decision.card_mode
    else:
        patient = directory.patient(subject)
        if patient is None:
            raise refuse(f"no person with INS {subject[:40]!r}", "login-hint-unknown")
    stamp = int(now.timestamp())
    code = _new_artefact(tenant)
    repository.insert_code(
        conn,
        StoredCode(
            code_hash=_sha256(code),
            issuer=kind,
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            subject=subject,
            card_mode=stored_card,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            session_id=_new_artefact(tenant, 16),
            auth_time=stamp,
            expires_at=stamp + psc.code_lifetime,
            used_at=None,
        ),
    )
    return redirect_location(request.redirect_uri, {"code": code, "state": request.state, "iss": issuer})


# --- authorization_code and refresh_token ----------------------------------------------------------


def _pkce_matches(method: str, challenge: str, verifier: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return hmac.compare_digest(computed, challenge)
    return hmac.compare_digest(verifier, challenge)


def _check_pkce(code: StoredCode, verifier: str | None) -> None:
    """RFC 7636 §4.6; a verifier for a code that had no challenge is refused too (downgrade)."""
    if code.code_challenge is None:
        if verifier is not None:
            raise InvalidGrant(
                "code_verifier given but the authorization request had no code_challenge", rule="pkce"
            )
        return
    if verifier is None:
        raise InvalidGrant("code_verifier is required (the authorization request used PKCE)", rule="pkce")
    if not _PKCE_VALUE.fullmatch(verifier):
        raise InvalidGrant("code_verifier must be 43 to 128 unreserved characters", rule="pkce")
    if not _pkce_matches(code.code_challenge_method or "plain", code.code_challenge, verifier):
        raise InvalidGrant("code_verifier does not match the code_challenge", rule="pkce")


def _issue_session_tokens(
    conn: Connection,
    directory: Directory,
    factory: TokenFactory,
    *,
    kind: IssuerKind,
    client_id: str,
    subject: str,
    card_mode: str | None,
    scope: str,
    session_id: str,
    auth_time: int,
    nonce: str | None,
    now: int,
) -> IssuedTokens:
    """Access, ID and (new) refresh token of a login session."""
    claims = _subject(directory, kind, subject, card_mode)
    session = {"sid": session_id, "auth_time": auth_time, "acr": psc_claims.ACR}
    access = factory.access_token(kind, claims, client_id=client_id, scope=scope, now=now, session=session)
    id_token = None
    if "openid" in scope.split():
        id_token = factory.id_token(
            kind,
            claims,
            client_id=client_id,
            now=now,
            auth_time=auth_time,
            session_id=session_id,
            access_token=access,
            nonce=nonce,
        )
    refresh = _new_artefact(session_id.partition(".")[0])
    repository.insert_refresh_token(
        conn,
        StoredRefreshToken(
            token_hash=_sha256(refresh),
            issuer=kind,
            client_id=client_id,
            subject=subject,
            card_mode=card_mode,
            scope=scope,
            session_id=session_id,
            auth_time=auth_time,
            issued_at=now,
            expires_at=now + factory.psc.refresh_token_lifetime,
            revoked_at=None,
            rotated=False,
        ),
    )
    return IssuedTokens(
        access_token=access,
        expires_in=factory.lifetime,
        scope=scope,
        refresh_token=refresh,
        id_token=id_token,
    )


def grant_authorization_code(
    conn: Connection,
    directory: Directory,
    factory: TokenFactory,
    now: datetime,
    kind: IssuerKind,
    client: Client,
    form: Mapping[str, str],
) -> IssuedTokens:
    """Exchange a code once (RFC 6749 §4.1.3), checking client, redirect URI, expiry and PKCE."""
    _require_grant(client, GRANT_AUTHORIZATION_CODE)
    code = form.get("code")
    if not code:
        raise InvalidRequest("code is missing", rule="code")
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise InvalidRequest("redirect_uri is missing", rule="redirect-uri")
    stored = repository.get_code(conn, _sha256(code))
    if stored is None or stored.issuer != kind:
        raise InvalidGrant("unknown authorization code", rule="code-unknown")
    if stored.client_id != client.client_id:
        raise InvalidGrant("the authorization code was issued to another client", rule="code-client")
    stamp = int(now.timestamp())
    if stored.used_at is not None:
        raise SessionCompromised(
            "the authorization code was already used; the tokens issued from it are revoked",
            session_id=stored.session_id,
            rule="code-replay",
        )
    if stamp >= stored.expires_at:
        raise InvalidGrant("the authorization code has expired (tenant clock)", rule="code-expired")
    if redirect_uri != stored.redirect_uri:
        raise InvalidGrant("redirect_uri differs from the authorization request's", rule="code-redirect-uri")
    _check_pkce(stored, form.get("code_verifier"))
    if not repository.mark_code_used(conn, stored.code_hash, stamp):
        raise SessionCompromised(
            "the authorization code was already used", session_id=stored.session_id, rule="code-replay"
        )
    return _issue_session_tokens(
        conn,
        directory,
        factory,
        kind=kind,
        client_id=client.client_id,
        subject=stored.subject,
        card_mode=stored.card_mode,
        scope=stored.scope,
        session_id=stored.session_id,
        auth_time=stored.auth_time,
        nonce=stored.nonce,
        now=stamp,
    )


def grant_refresh_token(
    conn: Connection,
    directory: Directory,
    factory: TokenFactory,
    now: datetime,
    kind: IssuerKind,
    client: Client,
    form: Mapping[str, str],
) -> IssuedTokens:
    """Exchange a refresh token (RFC 6749 §6) for new tokens; the old one stops working (rotation)."""
    _require_grant(client, GRANT_REFRESH_TOKEN)
    token = form.get("refresh_token")
    if not token:
        raise InvalidRequest("refresh_token is missing", rule="refresh-token")
    stored = repository.get_refresh_token(conn, _sha256(token))
    if stored is None or stored.issuer != kind:
        raise InvalidGrant("unknown refresh token", rule="refresh-unknown")
    if stored.client_id != client.client_id:
        raise InvalidGrant("the refresh token was issued to another client", rule="refresh-client")
    stamp = int(now.timestamp())
    if stored.revoked_at is not None:
        if stored.rotated:
            raise SessionCompromised(
                "the refresh token was already exchanged; its session is revoked",
                session_id=stored.session_id,
                rule="refresh-reuse",
            )
        raise InvalidGrant("the refresh token was revoked", rule="refresh-revoked")
    if stamp >= stored.expires_at:
        raise InvalidGrant("the refresh token has expired (tenant clock)", rule="refresh-expired")
    scope = stored.scope
    asked = form.get("scope")
    if asked:
        extra = [s for s in asked.split() if s not in stored.scope.split()]
        if extra:
            raise InvalidScope(
                f"scope {extra[0][:40]!r} was not granted to this session", rule="scope-refresh"
            )
        scope = " ".join(dict.fromkeys(asked.split()))
    if not repository.rotate_refresh_token(conn, stored.token_hash, stamp):
        raise SessionCompromised(
            "the refresh token was already exchanged", session_id=stored.session_id, rule="refresh-reuse"
        )
    return _issue_session_tokens(
        conn,
        directory,
        factory,
        kind=kind,
        client_id=client.client_id,
        subject=stored.subject,
        card_mode=stored.card_mode,
        scope=scope,
        session_id=stored.session_id,
        auth_time=stored.auth_time,
        nonce=None,
        now=stamp,
    )


def revoke_session(conn: Connection, session_id: str, now: datetime) -> int:
    return repository.revoke_session(conn, session_id, int(now.timestamp()))


# --- userinfo, introspection, logout ---------------------------------------------------------------


def userinfo(token: str, kind: IssuerKind) -> dict[str, Any]:
    """The userinfo of an access token the caller has already verified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return psc_claims.userinfo_from_access_claims(claims, patient=kind == "patient")


def signed_userinfo(factory: TokenFactory, kind: IssuerKind, info: dict[str, Any], client_id: str) -> str:
    """Userinfo as a JWT (OIDC Core §5.3.2): signed, with ``iss`` and ``aud`` (the client)."""
    return factory.keys.sign({**info, "iss": factory.issuers[kind], "aud": client_id}, typ=_ID_TOKEN_TYPE)


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
    stored = repository.get_refresh_token(conn, _sha256(token))
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


# --- login pages -----------------------------------------------------------------------------------


_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Page(Generic[_T]):
    items: list[_T]
    page: int
    has_next: bool


def find_professionals(
    conn: Connection, *, term: str, profession: str | None, page: int, size: int
) -> tuple[Page[Professional], list[tuple[str, str]]]:
    """A page of professionals for the login page, and the profession filter's choices."""
    rows = repository.search_professionals(
        conn, term=term, profession=profession, limit=size + 1, offset=(page - 1) * size
    )
    return Page(rows[:size], page, len(rows) > size), repository.profession_choices(conn)


def find_patients(conn: Connection, *, term: str, page: int, size: int) -> Page[Patient]:
    rows = repository.search_patients(conn, term=term, limit=size + 1, offset=(page - 1) * size)
    return Page(rows[:size], page, len(rows) > size)


# --- for the CLI -----------------------------------------------------------------------------------


def _cli_client(directory: Directory, client_id: str) -> Client:
    client = directory.client(client_id)
    if client is None:
        raise UnknownClient(f"no client {client_id!r} in this tenant", rule="client-unknown")
    return client


def issue_professional_token(
    conn: Connection,
    keys: KeyRing,
    settings: SandboxSettings,
    now: datetime,
    *,
    login_hint: str,
    card_mode: str | None = None,
    client_id: str = DEFAULT_CLIENT_ID,
    scope: str | None = None,
) -> dict[str, Any]:
    """A professional's token answer (RFC 6749 §5.1 JSON) without HTTP, for ``esante token --rpps``.

    ``login_hint`` is an RPPS or an IdNat; ``card_mode`` cps (default for a CPS holder), e-cps or cpe;
    ``now`` is the tenant's clock. Raises the same ``OAuthError`` subclasses as the token endpoint.
    """
    directory = ConnectionDirectory(conn)
    client = _cli_client(directory, client_id)
    form = {"login_hint": login_hint}
    if card_mode is not None:
        form["card_mode"] = card_mode
    if scope is not None:
        form["scope"] = scope
    factory = TokenFactory(keys, settings)
    return grant_client_credentials(directory, factory, now, "professional", client, form).as_dict()


def issue_patient_token(
    conn: Connection,
    keys: KeyRing,
    settings: SandboxSettings,
    now: datetime,
    *,
    ins: str,
    client_id: str = DEFAULT_CLIENT_ID,
    scope: str | None = None,
) -> dict[str, Any]:
    """A patient's token answer (issuer ``<issuer>/patients``, ``sub`` = INS) without HTTP."""
    directory = ConnectionDirectory(conn)
    client = _cli_client(directory, client_id)
    form = {"login_hint": ins}
    if scope is not None:
        form["scope"] = scope
    factory = TokenFactory(keys, settings)
    return grant_client_credentials(directory, factory, now, "patient", client, form).as_dict()
