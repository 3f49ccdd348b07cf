"""INSi's endpoints: the JSON operations, the SOAP endpoint, and the sandbox's software numbers."""

from __future__ import annotations

from asyncio import sleep
from datetime import date, datetime
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.insi import access, logiciels, repository, service, soap
from services.insi.config import get_insi_settings
from services.insi.errors import (
    CleInvalide,
    DateInvalide,
    IdamInconnu,
    IdamInvalide,
    LieuInvalide,
    LogicielDocumente,
    LogicielInconnu,
    MatriculeInvalide,
    NiveauAccesInsuffisant,
    NomInvalide,
    PrenomInvalide,
    RangInvalide,
    RequeteIncomplete,
    ServiceIndisponible,
    SexeInvalide,
    TraitTropLong,
)
from services.insi.register import Register, register_for
from services.insi.rules import Demande
from services.insi.schemas import (
    IDAM_HEADER,
    LogicielList,
    LogicielPut,
    LogicielRead,
    ResultatRead,
    TraitsSearch,
    VerificationResultatRead,
    VerifyRequest,
    VitaleSearch,
    resultat_json,
)
from services.insi.seed import DOCUMENTED_IDAM
from services.insi.traits import split_matricule
from shared.app import BEARER_SCHEME, StrictJsonRoute, hot_route, json_body
from shared.auth import TokenError, bearer_token
from shared.dependencies import TenantDep
from shared.errors import SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER, InvalidTenant
from shared.tenants import Tenant
from shared.tls import client_certificate

_OPERATION_ERRORS: Final = error_responses(
    TokenError,
    IdamInconnu,
    NiveauAccesInsuffisant,
    NomInvalide,
    PrenomInvalide,
    SexeInvalide,
    DateInvalide,
    LieuInvalide,
    TraitTropLong,
    ServiceIndisponible,
)
_VITALE_ERRORS: Final = error_responses(
    TokenError,
    IdamInconnu,
    NiveauAccesInsuffisant,
    MatriculeInvalide,
    CleInvalide,
    RangInvalide,
    RequeteIncomplete,
    NomInvalide,
    DateInvalide,
    TraitTropLong,
    ServiceIndisponible,
)
_VERIFY_ERRORS: Final = error_responses(
    TokenError,
    IdamInconnu,
    NiveauAccesInsuffisant,
    MatriculeInvalide,
    CleInvalide,
    NomInvalide,
    PrenomInvalide,
    SexeInvalide,
    DateInvalide,
    LieuInvalide,
    TraitTropLong,
    ServiceIndisponible,
)

SOAP_EXAMPLE: Final = f"""<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="{soap.SOAP12}" xmlns:wsa="{soap.WSA}"
    xmlns:ctxlps="{soap.CTXLPS}" xmlns:ctxbam="{soap.CTXBAM}" xmlns:rec="{soap.NS_RECSANS}">
  <soap:Header>
    <ctxbam:ContexteBAM Version="01_02"><ctxbam:Id>9b1d7f0e-2f6b-4c1a-9a53-0c5d2e7b8a11</ctxbam:Id>
      <ctxbam:Temps>2026-01-05T09:00:00.000Z</ctxbam:Temps><ctxbam:Emetteur>ESANTE</ctxbam:Emetteur>
      <ctxbam:COUVERTURE/></ctxbam:ContexteBAM>
    <ctxlps:ContexteLPS Nature="CTXLPS" Version="01_00">
      <ctxlps:Id>9b1d7f0e-2f6b-4c1a-9a53-0c5d2e7b8a11</ctxlps:Id>
      <ctxlps:Temps>2026-01-05T09:00:00.000Z</ctxlps:Temps><ctxlps:Emetteur>ESANTE</ctxlps:Emetteur>
      <ctxlps:LPS><ctxlps:IDAM R="4">ESANTE-SANDBOX</ctxlps:IDAM><ctxlps:Version>1.0</ctxlps:Version>
        <ctxlps:Instance>4c0e5a52-1b7e-4d6f-8d0a-7e3f2c1b9a00</ctxlps:Instance>
        <ctxlps:Nom>urn:lps:my-software:1.0</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>
    <wsa:Action>{soap.ACTION_TRAITS}</wsa:Action>
    <wsa:MessageID>uuid:6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f</wsa:MessageID>
  </soap:Header>
  <soap:Body>
    <rec:RECSANSVITALE><rec:NomNaissance>ADRUN</rec:NomNaissance><rec:Prenom>ZOE</rec:Prenom>
      <rec:Sexe>F</rec:Sexe><rec:DateNaissance>1975-12-31</rec:DateNaissance></rec:RECSANSVITALE>
  </soap:Body>
</soap:Envelope>"""

_SOAP_DOC: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {"application/soap+xml": {"schema": {"type": "string"}, "example": SOAP_EXAMPLE}},
    }
}
_TENANT_IN_PATH: Final[dict[str, Any]] = {
    "name": "tenant",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
    "description": "Tenant (isolated copy of the seeded world), created on first use",
}
_SOAP_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {"application/soap+xml": {}}, "description": "RESULTAT (CR 00, 01 or 02)"},
    400: {"content": {"application/soap+xml": {}}, "description": "SOAP fault caused by the request"},
    500: {
        "content": {"application/soap+xml": {}},
        "description": "soap:Receiver (technical fault on demand)",
    },
    503: {"content": {"application/soap+xml": {}}, "description": "soap:Receiver: not ready"},
}


MUTUAL_TLS_SCHEME: Final = "insi-mutual-tls"


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


def _documented(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI of a JSON operation whose endpoint reads the request itself (see ``build_router``)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        },
        "parameters": [
            {
                "name": TENANT_HEADER,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$", "default": DEFAULT_TENANT},
                "description": "Tenant (isolated copy of the seeded world), created on first use",
            },
            {
                "name": IDAM_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string", "examples": [DOCUMENTED_IDAM]},
                "description": "Software authorisation number (ContexteLPS/LPS/IDAM); unknown: desir_550",
            },
        ],
        "security": [{BEARER_SCHEME: []}, {MUTUAL_TLS_SCHEME: []}],
    }


def build_router(runtime: Runtime) -> APIRouter:
    """INSi's routes (the hot operations are served by plain Starlette routes: ``hot_route``)."""
    router = APIRouter(route_class=StrictJsonRoute)
    settings = get_insi_settings()
    extra_idams = settings.known_idams
    idam_cache: float | None = 0.0 if runtime.settings.uses_postgres else None
    verifier = runtime.verifier

    async def appelant(request: Request, now: datetime) -> access.Appelant:
        """The caller: a psc token when one is sent, else the client certificate of the TLS layer."""
        authorization = request.headers.get("authorization")
        if authorization:
            return access.from_actor(await verifier.verify(bearer_token(authorization), now))
        certificate = client_certificate(request.scope)
        if certificate is not None:
            return access.from_certificate(certificate.common_name, certificate.subject)
        raise TokenError(
            "an Authorization: Bearer <token> header (or, over HTTPS, a client certificate) is required",
            code="token-missing",
            rule="token",
        )

    def check_idam(tenant: Tenant, idam: str | None) -> None:
        if idam is not None and idam in extra_idams:
            return
        access.check_idam(idam, logiciels.known_idams(tenant, cache_seconds=idam_cache))

    def tenant_of(request: Request, name: str | None = None) -> Tenant:
        runtime.check_ready()
        return runtime.tenants.get(name or request.headers.get(TENANT_HEADER) or DEFAULT_TENANT)

    async def _call(request: Request) -> tuple[Register, date]:
        """Tenant, caller and software of a JSON call: its register and the tenant's today."""
        tenant = tenant_of(request)
        now = tenant.clock.now()
        await appelant(request, now)
        check_idam(tenant, request.headers.get(IDAM_HEADER))
        return register_for(tenant), now.date()

    async def honour(demande: Demande) -> None:
        delay = service.honour(demande)
        if delay:
            await sleep(delay)

    @router.post(
        "/v1/search-by-traits",
        response_model=ResultatRead,
        responses=_OPERATION_ERRORS,
        openapi_extra=_documented(TraitsSearch),
        tags=["INSi (JSON)"],
    )
    @hot_route
    async def search_by_traits(request: Request) -> Response:
        """Search the INS by the traits (rechercherInsAvecTraitsIdentite): 00, 01 or 02."""
        register, today = await _call(request)
        body = await json_body(request, TraitsSearch)
        query, demande = service.prepare_traits(
            body.nom_naissance,
            body.prenoms,
            body.sexe,
            body.date_naissance,
            body.lieu_naissance,
            today=today,
            slow_seconds=settings.slow_seconds,
        )
        await honour(demande)
        return _json(resultat_json(service.answer_traits(register, query), settings.oid_mode))

    @router.post(
        "/v1/search-by-vitale",
        response_model=ResultatRead,
        responses=_VITALE_ERRORS,
        openapi_extra=_documented(VitaleSearch),
        tags=["INSi (JSON)"],
    )
    @hot_route
    async def search_by_vitale(request: Request) -> Response:
        """Search the INS with the data of a carte Vitale (rechercherInsAvecCarteVitale): 00, 01 or 02."""
        register, today = await _call(request)
        body = await json_body(request, VitaleSearch)
        query, demande = service.prepare_vitale(
            register,
            individu=None
            if body.matricule_individu is None
            else split_matricule(body.matricule_individu, "matricule_individu"),
            ouvrant_droit=None
            if body.matricule_od is None
            else split_matricule(body.matricule_od, "matricule_od"),
            nom_naissance=body.nom_naissance,
            date_naissance=body.date_naissance,
            rang_naissance=body.rang_naissance,
            today=today,
            slow_seconds=settings.slow_seconds,
        )
        await honour(demande)
        return _json(resultat_json(service.answer_vitale(register, query), settings.oid_mode))

    @router.post(
        "/v1/verify",
        response_model=VerificationResultatRead,
        responses=_VERIFY_ERRORS,
        openapi_extra=_documented(VerifyRequest),
        tags=["INSi (JSON)"],
    )
    @hot_route
    async def verify(request: Request) -> Response:
        """Verify an INS already held against INSi: 01 when unknown, else 00 saying which traits differ."""
        register, today = await _call(request)
        body = await json_body(request, VerifyRequest)
        query, demande = service.prepare_verification(
            register,
            matricule=body.matricule,
            oid=body.oid,
            nom_naissance=body.nom_naissance,
            prenoms=body.prenoms,
            sexe=body.sexe,
            date_naissance=body.date_naissance,
            lieu_naissance=body.lieu_naissance,
            today=today,
            slow_seconds=settings.slow_seconds,
        )
        await honour(demande)
        resultat = service.answer_verification(register, query, settings.oid_mode)
        return _json(resultat_json(resultat, settings.oid_mode, verification=True))

    # --- SOAP ---------------------------------------------------------------------------------------

    async def soap_call(request: Request, tenant_name: str | None) -> Response:
        raw = await request.body()
        message_id: str | None = None
        try:
            tenant = tenant_of(request, tenant_name)
            now = tenant.clock.now()
            await appelant(request, now)
            envelope = soap.parse_envelope(raw, request.headers.get("content-type"))
            message_id = envelope.message_id
            check_idam(tenant, envelope.idam)
            register = register_for(tenant)
            today = now.date()
            if envelope.operation == "traits":
                fields = soap.traits_fields(envelope.body)
                query, demande = service.prepare_traits(
                    fields.nom_naissance,
                    fields.prenoms,
                    fields.sexe,
                    fields.date_naissance,
                    fields.lieu_naissance,
                    today=today,
                    slow_seconds=settings.slow_seconds,
                )
                await honour(demande)
                resultat = service.answer_traits(register, query)
            else:
                card = soap.vitale_fields(envelope.body)
                vitale, demande = service.prepare_vitale(
                    register,
                    individu=card.individu,
                    ouvrant_droit=card.ouvrant_droit,
                    nom_naissance=card.nom_naissance,
                    date_naissance=card.date_naissance,
                    rang_naissance=card.rang_naissance,
                    today=today,
                    slow_seconds=settings.slow_seconds,
                )
                await honour(demande)
                resultat = service.answer_vitale(register, vitale)
        except SandboxError as exc:
            status, content = soap.render_fault(exc, message_id)
            return Response(content, status_code=status, media_type=soap.CONTENT_TYPE)
        return Response(soap.render_resultat(resultat, settings.oid_mode), media_type=soap.CONTENT_TYPE)

    @router.post(
        "/soap",
        response_class=Response,
        responses=_SOAP_RESPONSES,
        openapi_extra=_SOAP_DOC,
        tags=["INSi (SOAP 1.2)"],
    )
    @hot_route
    async def soap_endpoint(request: Request) -> Response:
        """The real wire: SOAP 1.2 rechercherInsAvecTraitsIdentite / rechercherInsAvecCarteVitale."""
        return await soap_call(request, None)

    @router.post(
        "/soap/{tenant}",
        response_class=Response,
        responses=_SOAP_RESPONSES,
        openapi_extra={**_SOAP_DOC, "parameters": [_TENANT_IN_PATH]},
        tags=["INSi (SOAP 1.2)"],
    )
    @hot_route
    async def soap_in_tenant(request: Request) -> Response:
        """The SOAP endpoint of one tenant, for clients that cannot send the tenant header."""
        return await soap_call(request, str(request.path_params["tenant"]))

    # --- sandbox: software numbers ---------------------------------------------------------------------

    @router.get("/sandbox/logiciels", response_model=LogicielList, tags=["sandbox"])
    async def list_logiciels(tenant: TenantDep) -> LogicielList:
        """Software authorisation numbers (IDAM) this tenant's INSi knows."""
        with tenant.reading() as conn:
            rows = repository.list_logiciels(conn)
        items = [LogicielRead(idam=i, nom=n, origine="seed" if o == "seed" else "tenant") for i, n, o in rows]
        known = {item.idam for item in items}
        items += [
            LogicielRead(idam=i, nom="ESANTE_INSI_KNOWN_IDAM", origine="settings")
            for i in sorted(extra_idams - known)
        ]
        return LogicielList(items=items)

    @router.put(
        "/sandbox/logiciels/{idam}",
        response_model=LogicielRead,
        responses=error_responses(IdamInvalide, LogicielDocumente, InvalidTenant),
        tags=["sandbox"],
    )
    async def put_logiciel(idam: str, body: LogicielPut, tenant: TenantDep) -> LogicielRead:
        """Make a software authorisation number known in this tenant (e.g. your software's real one)."""
        idam = access.check_new_idam(idam)
        with tenant.unit_of_work() as conn:
            existing = repository.get_logiciel(conn, idam)
            if existing is not None and existing[2] == "seed":
                raise LogicielDocumente(f"{idam} is a documented number", rule="insi-logiciel-documente")
            repository.put_logiciel(conn, idam, body.nom)
        logiciels.forget(tenant)
        return LogicielRead(idam=idam, nom=body.nom, origine="tenant")

    @router.delete(
        "/sandbox/logiciels/{idam}",
        status_code=204,
        responses=error_responses(LogicielInconnu, LogicielDocumente, InvalidTenant),
        tags=["sandbox"],
    )
    async def delete_logiciel(idam: str, tenant: TenantDep) -> Response:
        """Forget a number registered in this tenant (documented numbers stay)."""
        with tenant.unit_of_work() as conn:
            existing = repository.get_logiciel(conn, idam)
            if existing is not None and existing[2] == "seed":
                raise LogicielDocumente(f"{idam} is a documented number", rule="insi-logiciel-documente")
            if not repository.delete_logiciel(conn, idam):
                raise LogicielInconnu(f"{idam} is not registered in this tenant", rule="insi-logiciel")
        logiciels.forget(tenant)
        return Response(status_code=204)

    return router
