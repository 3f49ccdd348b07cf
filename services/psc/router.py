"""psc's endpoints, in the Keycloak layout ProSanté Connect uses, for one issuer.

The professional issuer is the psc app itself (``<issuer>``); the patient issuer (Mon espace santé)
is the same set of endpoints under ``/patients``. Browsers cannot send ``X-Sandbox-Tenant``: the
authorization and logout endpoints also take a ``tenant`` parameter, and codes and refresh tokens name
their tenant, so the token endpoint finds it without the header.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.psc import authorization, client_auth, forms, grants, pages, sessions, tokens
from services.psc.claims import PATIENT_USERINFO_CLAIMS, PROFESSIONAL_USERINFO_CLAIMS
from services.psc.config import get_psc_settings
from services.psc.directory import CachedDirectory, cached_directory
from services.psc.errors import (
    AuthorizeError,
    InvalidGrant,
    InvalidRequest,
    NotAPatient,
    NotAProfessional,
    OAuthError,
    OAuthErrorBody,
    SessionCompromised,
    UnsupportedGrantType,
)
from services.psc.keys import key_ring
from services.psc.records import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    GRANT_TYPES,
)
from services.psc.schemas import (
    DiscoveryRead,
    IntrospectionForm,
    IntrospectionRead,
    JwksRead,
    TokenForm,
    TokenRead,
    UserinfoRead,
    form_body,
)
from services.psc.tokens import IssuerKind, TokenFactory
from shared.app import BEARER_SCHEME, PATIENT_LOGIN_SCHEME, PATIENT_TAG, PRO_LOGIN_SCHEME, StrictJsonRoute
from shared.auth import PatientActor, ProfessionalActor, bearer_token
from shared.dependencies import TenantDep
from shared.errors import ErrorBody, InvalidInput, SandboxError, error_responses
from shared.runtime import JWKS_PATH, Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER, check_tenant_name
from shared.tenants import Tenant

OIDC: Final = "/protocol/openid-connect"
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_OAUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": OAuthErrorBody, "description": "RFC 6749 error"},
    401: {"model": OAuthErrorBody, "description": "invalid_client"},
}
_PAGE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {"text/html": {}}, "description": "The login page"},
    302: {"description": "Back to the client's redirect_uri with error= (RFC 6749 §4.1.2.1)"},
    400: {"content": {"text/html": {}}, "description": "Error page (no trusted redirect URI)"},
}
_LOGIN_POST: Final[dict[int | str, dict[str, Any]]] = {
    200: _PAGE[200],
    303: {"description": "Back to the client's redirect_uri with code= and state=, or with error="},
    400: _PAGE[400],
}


def _query(
    name: str, description: str, *, required: bool = False, enum: list[str] | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"} if enum is None else {"type": "string", "enum": enum}
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


_AUTHORIZE_PARAMETERS: Final[list[dict[str, Any]]] = [
    _query("response_type", "Only `code`", required=True, enum=["code"]),
    _query("client_id", "A registered client, e.g. `esante-ci`", required=True),
    _query("redirect_uri", "One of the client's redirect URIs", required=True),
    _query("scope", "Must contain `openid`; also `scope_all`, `profile`, `email`, `identity`", required=True),
    _query("state", "Required: returned unchanged with the code", required=True),
    _query("nonce", "Required (as ProSanté Connect requires it): copied into the ID token", required=True),
    _query("code_challenge", "PKCE (RFC 7636): 43 to 128 unreserved characters"),
    _query("code_challenge_method", "PKCE method", enum=["S256", "plain"]),
    _query("login_hint", "Preselects a person: RPPS or IdNat (INS at the patient issuer)"),
    _query("represented_ins", "Patient issuer: the INS of the minor a legal representative acts for"),
    _query("acr_values", "Accepted, not checked: the `acr` is always `eidas1`"),
    _query("prompt", "`login` (the page is always shown) or `none` (refused: login_required)"),
    _query("tenant", "The tenant whose test identities the page lists (default `default`)"),
    _query("q", "The login page's search box: a name, RPPS, IdNat or INS"),
    _query("profession", "The login page's filter: a TRE_G15 profession code"),
    _query("page", "The login page's page number"),
]


class TokenTwice(InvalidInput):
    code = "token-twice"


_USERINFO_FORM: Final[dict[str, Any]] = {
    "requestBody": {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"access_token": {"type": "string", "description": "RFC 6750 §2.2"}},
                }
            }
        },
    }
}


async def _userinfo_token(request: Request) -> str:
    """The access token of a userinfo call: the Authorization header, or the form body's
    ``access_token`` on a POST; both at once is refused (RFC 6750 §2: one method per request)."""
    header = request.headers.get("authorization")
    content_type = request.headers.get("content-type")
    if request.method == "POST" and (content_type or "").lower().startswith(forms.FORM_TYPE):
        try:
            in_body = forms.parse_form(await request.body(), content_type).get("access_token")
        except SandboxError as exc:  # the form's own faults, in the shape userinfo answers with
            raise InvalidInput(exc.detail, rule=exc.rule) from None
        if in_body and header:
            raise TokenTwice(
                "send the access token once: in the Authorization header or in the body",
                rule="rfc6750-one-method",
            )
        if in_body:
            return in_body.strip()
    return bearer_token(header)


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def build_router(runtime: Runtime, kind: IssuerKind) -> APIRouter:
    """The endpoints of one issuer: ``professional`` (ProSanté Connect) or ``patient`` (Mon espace santé)."""
    settings = runtime.settings
    psc = get_psc_settings()
    patient = kind == "patient"
    issuer = settings.patient_issuer if patient else settings.issuer
    name = "patient_" if patient else ""
    router = APIRouter(
        prefix="/patients" if patient else "",
        tags=[PATIENT_TAG if patient else "ProSanté Connect"],
        route_class=StrictJsonRoute,
    )

    @cache
    def factory() -> TokenFactory:
        return TokenFactory(key_ring(settings.data_dir, settings.signing_alg), settings, psc)

    def directory(tenant: Tenant) -> CachedDirectory:
        return cached_directory(tenant, psc.directory_cache_size)

    def open_tenant(tenant_name: str) -> Tenant:
        runtime.check_ready()
        return runtime.tenants.get(tenant_name)

    def header_tenant(request: Request) -> Tenant:
        return open_tenant(request.headers.get(TENANT_HEADER) or DEFAULT_TENANT)

    def artefact_tenant(request: Request, artefact: str, what: str) -> Tenant:
        """The tenant a code or refresh token names; it must exist and agree with the header."""
        tenant_name = tokens.tenant_of(artefact)
        if tenant_name is None:
            raise InvalidGrant(f"unknown {what}", rule=f"{what.replace(' ', '-')}-unknown")
        header = request.headers.get(TENANT_HEADER)
        if header and header != tenant_name:
            raise InvalidGrant(
                f"the {what} belongs to another tenant than {header!r}", rule="tenant-mismatch"
            )
        runtime.check_ready()
        if not runtime.storage.tenant_exists(tenant_name):
            raise InvalidGrant(f"unknown {what}", rule=f"{what.replace(' ', '-')}-unknown")
        return runtime.tenants.get(tenant_name)

    def page_tenant(request: Request, params: dict[str, str]) -> str:
        """A browser's tenant: the ``tenant`` parameter, else the header, else ``default``."""
        return check_tenant_name(
            params.pop("tenant", "") or request.headers.get(TENANT_HEADER) or DEFAULT_TENANT
        )

    def refused(exc: AuthorizeError, tenant_name: str, *, after_post: bool) -> Response:
        if exc.redirect_uri is not None:
            return RedirectResponse(
                authorization.error_location(exc, issuer), status_code=303 if after_post else 302
            )
        html = pages.error_page(tenant=tenant_name, error=exc.code, detail=exc.detail, rule=exc.rule)
        return HTMLResponse(html, status_code=400, headers=_NO_STORE)

    def page_error(exc: SandboxError, tenant_name: str) -> Response:
        error = exc.code if isinstance(exc, OAuthError) else "invalid_request"
        html = pages.error_page(tenant=tenant_name, error=error, detail=exc.detail, rule=exc.rule or exc.code)
        return HTMLResponse(html, status_code=400, headers=_NO_STORE)

    endpoint = f"{issuer}{OIDC}"
    discovery = json.dumps(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{endpoint}/auth",
            "token_endpoint": f"{endpoint}/token",
            "userinfo_endpoint": f"{endpoint}/userinfo",
            "introspection_endpoint": f"{endpoint}/token/introspect",
            "jwks_uri": f"{endpoint}/certs",
            "end_session_endpoint": f"{endpoint}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [settings.signing_alg],
            "userinfo_signing_alg_values_supported": [settings.signing_alg],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": list(authorization.PKCE_METHODS),
            "acr_values_supported": ["eidas1"],
            "scopes_supported": list(client_auth.SUPPORTED_SCOPES),
            "claims_supported": [
                *(PATIENT_USERINFO_CLAIMS if patient else PROFESSIONAL_USERINFO_CLAIMS),
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                "sid",
            ],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
        },
        separators=(",", ":"),
    ).encode()

    @router.post(
        f"{OIDC}/token",
        name=f"{name}token",
        response_model=None,
        responses={200: {"model": TokenRead}, **_OAUTH_ERRORS},
        openapi_extra=form_body(TokenForm),
    )
    async def token(request: Request) -> Response:
        """Token endpoint (RFC 6749): authorization_code (+PKCE), refresh_token (rotated),
        client_credentials (with login_hint and card_mode for CI)."""
        form = forms.parse_form(await request.body(), request.headers.get("content-type"))
        grant = form.get("grant_type")
        authorization = request.headers.get("authorization")
        if grant == GRANT_CLIENT_CREDENTIALS:
            tenant = header_tenant(request)
            known = directory(tenant)
            client = client_auth.authenticate_client(known, forms.client_credentials(authorization, form))
            tokens = grants.grant_client_credentials(known, factory(), tenant.clock.now(), kind, client, form)
            return _json(tokens.as_dict(), headers=_NO_STORE)
        if grant not in (GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN):
            if not grant:
                raise InvalidRequest("grant_type is missing", rule="grant-type")
            raise UnsupportedGrantType(f"unsupported grant_type {grant[:60]!r}", rule="grant-type")
        by_code = grant == GRANT_AUTHORIZATION_CODE
        what = "code" if by_code else "refresh token"
        artefact = form.get("code" if by_code else "refresh_token")
        if not artefact:
            raise InvalidRequest(f"{what} is missing", rule=what.replace(" ", "-"))
        tenant = artefact_tenant(request, artefact, what)
        known = directory(tenant)
        client = client_auth.authenticate_client(known, forms.client_credentials(authorization, form))
        now = tenant.clock.now()
        exchange = grants.grant_authorization_code if by_code else grants.grant_refresh_token
        try:
            with tenant.unit_of_work() as conn:
                tokens = exchange(conn, known, factory(), now, kind, client, form)
        except SessionCompromised as exc:
            with tenant.unit_of_work() as conn:
                grants.revoke_session(conn, exc.session_id, now)
            raise
        return _json(tokens.as_dict(), headers=_NO_STORE)

    async def openid_configuration() -> Response:
        """OpenID Provider metadata (OIDC Discovery 1.0)."""
        return Response(discovery, media_type="application/json")

    for path, route_name in (
        ("/.well-known/openid-configuration", "openid_configuration"),
        ("/.well-known/wallet-openid-configuration", "wallet_openid_configuration"),
    ):
        router.add_api_route(
            path,
            openid_configuration,
            methods=["GET"],
            name=f"{name}{route_name}",
            response_model=None,
            responses={200: {"model": DiscoveryRead}},
            summary="OpenID Provider metadata" + (" (ProSanté Connect's name)" if "wallet" in path else ""),
        )

    @router.get(JWKS_PATH, name=f"{name}certs", response_model=None, responses={200: {"model": JwksRead}})
    async def certs() -> Response:
        """The public signing keys (JWKS): EC P-256 (ES256) and RSA (RS256), kid = RFC 7638 thumbprint."""
        return Response(factory().keys.jwks_json, media_type="application/json")

    @router.get(
        f"{OIDC}/auth",
        name=f"{name}authorize",
        response_class=HTMLResponse,
        responses=_PAGE,
        openapi_extra={"parameters": _AUTHORIZE_PARAMETERS},
    )
    async def authorize(request: Request) -> Response:
        """Authorization endpoint (OIDC Core §3.1.2): check the request, then show the login page of test
        identities. `state` and `nonce` are required, as ProSanté Connect requires them: without one the
        browser goes back to the client's redirect_uri with `error=invalid_request` (or, with no trusted
        redirect_uri, an error page)."""
        tenant_name = DEFAULT_TENANT
        try:
            params = forms.single_valued(request.query_params.multi_items())
            tenant_name = page_tenant(request, params)
            tenant = open_tenant(tenant_name)
            auth = authorization.validate_authorization_request(directory(tenant), params)
        except AuthorizeError as exc:
            return refused(exc, tenant_name, after_post=False)
        except SandboxError as exc:
            return page_error(exc, tenant_name)
        client = directory(tenant).client(auth.client_id)
        assert client is not None
        q = params.get("q", auth.login_hint or "").strip()
        page_number = (
            int(params["page"]) if params.get("page", "").isdigit() and int(params["page"]) > 0 else 1
        )
        request_params = {**auth.as_params(), "tenant": tenant_name}
        action = f"{request.scope.get('root_path', '')}{router.prefix}{OIDC}/auth"
        with tenant.reading() as conn:
            if patient:
                html = pages.patient_login(
                    action=action,
                    tenant=tenant_name,
                    client=client,
                    request_params=request_params,
                    q=q,
                    page=authorization.find_patients(
                        conn, term=q, page=page_number, size=psc.login_page_size
                    ),
                )
            else:
                profession = params.get("profession", "")
                found, professions = authorization.find_professionals(
                    conn, term=q, profession=profession or None, page=page_number, size=psc.login_page_size
                )
                html = pages.professional_login(
                    action=action,
                    tenant=tenant_name,
                    client=client,
                    request_params=request_params,
                    q=q,
                    profession=profession,
                    page=found,
                    professions=professions,
                )
        return HTMLResponse(html, headers=_NO_STORE)

    @router.post(f"{OIDC}/auth", name=f"{name}login", response_class=HTMLResponse, responses=_LOGIN_POST)
    async def login(request: Request) -> Response:
        """The login page's form: issue a single-use code and go back to the client (303)."""
        tenant_name = DEFAULT_TENANT
        try:
            form = forms.parse_form(await request.body(), request.headers.get("content-type"))
            tenant_name = page_tenant(request, form)
            tenant = open_tenant(tenant_name)
            auth = authorization.validate_authorization_request(directory(tenant), form)
            subject, card_mode = form.get("login", ""), form.get("card_mode")
            if not patient and ":" in subject:
                subject, _, card_mode = subject.rpartition(":")
            subject = subject or form.get("login_hint", "")
            if not subject:
                raise AuthorizeError(
                    "invalid_request",
                    "no identity was chosen",
                    redirect_uri=auth.redirect_uri,
                    state=auth.state,
                    rule="login-choice",
                )
            with tenant.unit_of_work() as conn:
                location = authorization.log_in(
                    conn,
                    directory(tenant),
                    kind,
                    auth,
                    subject=subject,
                    card_mode=card_mode,
                    now=tenant.clock.now(),
                    tenant=tenant.name,
                    issuer=issuer,
                    psc=psc,
                )
        except AuthorizeError as exc:
            return refused(exc, tenant_name, after_post=True)
        except SandboxError as exc:
            return page_error(exc, tenant_name)
        return RedirectResponse(location, status_code=303)

    async def userinfo(request: Request, tenant: TenantDep) -> Response:
        """Userinfo of the bearer access token, sent in the Authorization header (RFC 6750 §2.1) or, on a
        POST, as the form field `access_token` (§2.2, as Keycloak takes it and pyoidc sends it); a signed
        JWT when the client accepts application/jwt."""
        token = await _userinfo_token(request)
        actor = await runtime.verifier.verify(token, tenant.clock.now())
        if patient and not isinstance(actor, PatientActor):
            raise NotAPatient("the patient userinfo needs a Mon espace santé token", rule="userinfo-subject")
        if not patient and not isinstance(actor, ProfessionalActor):
            raise NotAProfessional(
                "userinfo needs a professional's token, not a client's own", rule="userinfo-subject"
            )
        info = sessions.userinfo(token, kind)
        if "application/jwt" in request.headers.get("accept", ""):
            signed = sessions.signed_userinfo(factory(), kind, info, actor.client_id)
            return Response(signed, media_type="application/jwt", headers=_NO_STORE)
        return _json(info, headers=_NO_STORE)

    userinfo_responses: dict[int | str, dict[str, Any]] = {
        200: {"model": UserinfoRead, "content": {"application/jwt": {}}},
        **error_responses(NotAProfessional, TokenTwice, InvalidInput),
        401: {"model": ErrorBody, "description": "token-missing, token-malformed, token-expired..."},
    }
    flow = PATIENT_LOGIN_SCHEME if patient else PRO_LOGIN_SCHEME
    secured: dict[str, Any] = {"security": [{BEARER_SCHEME: []}, {flow: ["openid"]}]}
    for method in ("GET", "POST"):
        router.add_api_route(
            f"{OIDC}/userinfo",
            userinfo,
            methods=[method],
            name=f"{name}userinfo" + ("_post" if method == "POST" else ""),
            response_model=None,
            responses=userinfo_responses,
            openapi_extra=secured if method == "GET" else {**secured, **_USERINFO_FORM},
        )

    @router.post(
        f"{OIDC}/token/introspect",
        name=f"{name}introspect",
        response_model=None,
        responses={200: {"model": IntrospectionRead}, **_OAUTH_ERRORS},
        openapi_extra=form_body(IntrospectionForm),
    )
    async def introspect(request: Request) -> Response:
        """Token introspection (RFC 7662) for authenticated clients. An access token is judged by the
        clock of the request's tenant, a refresh token in the tenant it names."""
        form = forms.parse_form(await request.body(), request.headers.get("content-type"))
        tenant = header_tenant(request)
        client_auth.authenticate_client(
            directory(tenant), forms.client_credentials(request.headers.get("authorization"), form)
        )
        token_value = form.get("token")
        if not token_value:
            raise InvalidRequest("token is missing", rule="token")
        if token_value.count(".") == 2:
            result = sessions.introspect_access_token(factory(), kind, token_value, tenant.clock.now())
            return _json(result, headers=_NO_STORE)
        try:
            owner = artefact_tenant(request, token_value, "refresh token")
        except InvalidGrant:
            return _json({"active": False}, headers=_NO_STORE)
        with owner.reading() as conn:
            result = sessions.introspect_refresh_token(conn, kind, token_value, owner.clock.now())
        return _json(result, headers=_NO_STORE)

    @router.get(f"{OIDC}/logout", name=f"{name}logout", response_class=HTMLResponse, responses=_PAGE)
    async def logout(request: Request) -> Response:
        """RP-initiated logout: revoke the hinted session's refresh tokens, then go to
        post_logout_redirect_uri when it is registered for the client."""
        tenant_name = DEFAULT_TENANT
        try:
            params = forms.single_valued(request.query_params.multi_items())
            wanted = sessions.parse_logout_request(factory(), kind, params)
            from_session = tokens.tenant_of(wanted.session_id) if wanted.session_id else None
            tenant_name = from_session or page_tenant(request, params)
            if from_session and not runtime.storage.tenant_exists(from_session):
                # The session's tenant was dropped since: nothing is left to revoke.
                wanted = dataclasses.replace(wanted, session_id=None)
                tenant_name = page_tenant(request, params)
            tenant = open_tenant(tenant_name)
            with tenant.unit_of_work() as conn:
                target, revoked = sessions.log_out(conn, directory(tenant), wanted, tenant.clock.now())
        except AuthorizeError as exc:
            return refused(exc, tenant_name, after_post=False)
        except SandboxError as exc:
            return page_error(exc, tenant_name)
        if target is not None:
            return RedirectResponse(target, status_code=302)
        return HTMLResponse(pages.logged_out_page(tenant=tenant_name, revoked=revoked), headers=_NO_STORE)

    return router
