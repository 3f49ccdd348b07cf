"""The authorization endpoint: checking a request, the login page's search, and the login that issues a code.

Sources: RFC 6749 §4.1, PKCE (RFC 7636), OpenID Connect Core 1.0 §3.1.2. Sandbox choices:

- PKCE is optional but checked when the authorization request used it.
- There is no browser session (no SSO): every authorization request shows the login page, so
  ``prompt=none`` answers ``login_required``; ``acr_values`` is not checked, the ``acr`` is always eidas1.
- A code lives ``code_lifetime`` seconds (60) of the tenant clock and may be used once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Connection

from services.psc import repository
from services.psc.client_auth import parse_scope
from services.psc.config import PscSettings
from services.psc.directory import Directory
from services.psc.errors import AuthorizeError, OAuthError
from services.psc.login_rules import decide_card_mode
from services.psc.records import GRANT_AUTHORIZATION_CODE, Patient, Professional, StoredCode
from services.psc.tokens import IssuerKind, artefact_hash, new_artefact

PKCE_METHODS: Final[tuple[str, ...]] = ("S256", "plain")
PKCE_VALUE: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
REPRESENTED_INS: Final = re.compile(r"[0-9]{6}[0-9AB][0-9]{8}")
"""A matricule INS (NIR or NIA; 2A / 2B for Corsica), the minor a legal representative acts for."""


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
    represented_ins: str | None = None

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
        if self.represented_ins is not None:
            params["represented_ins"] = self.represented_ins
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
        if not PKCE_VALUE.fullmatch(challenge):
            raise refuse("invalid_request", "code_challenge must be 43 to 128 unreserved characters", "pkce")
    represented = params.get("represented_ins") or None
    if represented is not None and not REPRESENTED_INS.fullmatch(represented):
        raise refuse("invalid_request", "represented_ins is a 15-character INS", "represented-ins")
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
        represented_ins=represented,
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
        if request.represented_ins is not None:
            raise refuse("represented_ins is for the patient issuer", "represented-patient-only")
    else:
        patient = directory.patient(subject)
        if patient is None:
            raise refuse(f"no person with INS {subject[:40]!r}", "login-hint-unknown")
        if request.represented_ins is not None:
            represented = directory.patient(request.represented_ins)
            if represented is None:
                raise refuse(f"no person with INS {request.represented_ins!r}", "represented-unknown")
            if patient.ins not in represented.representants:
                raise refuse(f"{patient.ins} is not a legal representative of it", "not-representative")
    stamp = int(now.timestamp())
    code = new_artefact(tenant)
    repository.insert_code(
        conn,
        StoredCode(
            code_hash=artefact_hash(code),
            issuer=kind,
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            subject=subject,
            card_mode=stored_card,
            represented_ins=request.represented_ins,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            session_id=new_artefact(tenant, 16),
            auth_time=stamp,
            expires_at=stamp + psc.code_lifetime,
            used_at=None,
        ),
    )
    return redirect_location(request.redirect_uri, {"code": code, "state": request.state, "iss": issuer})


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
