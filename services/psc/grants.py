"""The token endpoint's three grants, and the same tokens issued without HTTP for the CLI.

Sources: OAuth 2.0 (RFC 6749), PKCE (RFC 7636), JWT access tokens (RFC 9068), OpenID Connect Core 1.0,
the OAuth 2.0 Security BCP (RFC 9700) for replay handling. Nothing here knows about HTTP or commits:
the caller's unit of work does. Sandbox choices:

- A code verifier without a challenge in the authorization request is refused (downgrade).
- A second use of an authorization code, or of a refresh token already exchanged, revokes every
  refresh token of its login session (RFC 6749 §10.5, RFC 9700 §4.14.2).
- ``client_credentials`` answers without a refresh token and without an ID token (RFC 6749 §4.4.3);
  with ``login_hint`` the access token is the named person's, as if they had logged in.
- Times come from the tenant clock given by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.psc import claims as psc_claims
from services.psc import repository
from services.psc.authorization import PKCE_VALUE
from services.psc.claims import Subject
from services.psc.client_auth import DEFAULT_SCOPE, parse_scope, require_grant
from services.psc.directory import ConnectionDirectory, Directory
from services.psc.errors import InvalidGrant, InvalidRequest, InvalidScope, SessionCompromised, UnknownClient
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
from services.psc.tokens import IssuedTokens, IssuerKind, TokenFactory, artefact_hash, new_artefact
from shared.config import SandboxSettings


def _professional_subject(pro: Professional, card_mode: str | None) -> Subject:
    decision = decide_card_mode(card_mode, pro.cards)
    if decision.card_mode is None:
        error = InvalidRequest if decision.rule == "card-mode-unknown" else InvalidGrant
        raise error(decision.refusal or "card refused", rule=decision.rule)
    return psc_claims.professional_subject(pro, decision.card_mode)


def _patient_subject(directory: Directory, patient: Patient, represented_ins: str | None) -> Subject:
    """A patient's claims; with ``represented_ins``, those of a legal representative acting for that
    minor (the DMP and MSSanté check the representation and the minority on every call)."""
    if represented_ins is None:
        return psc_claims.patient_subject(patient)
    represented = directory.patient(represented_ins)
    if represented is None:
        raise InvalidGrant(f"no person with INS {represented_ins[:40]!r}", rule="represented-unknown")
    if patient.ins not in represented.representants:
        raise InvalidGrant(
            f"{patient.ins} is not a legal representative of {represented.ins}", rule="not-representative"
        )
    return psc_claims.representative_subject(patient, represented)


def _subject(
    directory: Directory, kind: IssuerKind, subject: str, card_mode: str | None, represented_ins: str | None
) -> Subject:
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
    return _patient_subject(directory, patient, represented_ins)


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
    require_grant(client, GRANT_CLIENT_CREDENTIALS)
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
        if form.get("represented_ins"):
            raise InvalidRequest("represented_ins is for the patient issuer", rule="represented-patient-only")
    else:
        if not login_hint:
            raise InvalidRequest("login_hint (the person's INS) is required", rule="login-hint-missing")
        patient = directory.patient(login_hint)
        if patient is None:
            raise InvalidGrant(f"no person with INS {login_hint[:40]!r}", rule="login-hint-unknown")
        subject = _patient_subject(directory, patient, (form.get("represented_ins") or "").strip() or None)
    stamp = int(now.timestamp())
    access = factory.access_token(
        kind, subject, client_id=client.client_id, scope=scope, now=stamp, session={"acr": psc_claims.ACR}
    )
    return IssuedTokens(access_token=access, expires_in=factory.lifetime, scope=scope)


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
    if not PKCE_VALUE.fullmatch(verifier):
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
    represented_ins: str | None,
    scope: str,
    session_id: str,
    auth_time: int,
    nonce: str | None,
    now: int,
) -> IssuedTokens:
    """Access, ID and (new) refresh token of a login session."""
    claims = _subject(directory, kind, subject, card_mode, represented_ins)
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
    refresh = new_artefact(session_id.partition(".")[0])
    repository.insert_refresh_token(
        conn,
        StoredRefreshToken(
            token_hash=artefact_hash(refresh),
            issuer=kind,
            client_id=client_id,
            subject=subject,
            card_mode=card_mode,
            represented_ins=represented_ins,
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
    require_grant(client, GRANT_AUTHORIZATION_CODE)
    code = form.get("code")
    if not code:
        raise InvalidRequest("code is missing", rule="code")
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise InvalidRequest("redirect_uri is missing", rule="redirect-uri")
    stored = repository.get_code(conn, artefact_hash(code))
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
        represented_ins=stored.represented_ins,
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
    require_grant(client, GRANT_REFRESH_TOKEN)
    token = form.get("refresh_token")
    if not token:
        raise InvalidRequest("refresh_token is missing", rule="refresh-token")
    stored = repository.get_refresh_token(conn, artefact_hash(token))
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
        represented_ins=stored.represented_ins,
        scope=scope,
        session_id=stored.session_id,
        auth_time=stored.auth_time,
        nonce=None,
        now=stamp,
    )


def revoke_session(conn: Connection, session_id: str, now: datetime) -> int:
    return repository.revoke_session(conn, session_id, int(now.timestamp()))


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
