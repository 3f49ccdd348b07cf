"""INSi's endpoints: the JSON operations, the SOAP endpoint, and the sandbox's software numbers."""

from __future__ import annotations

from asyncio import sleep
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from services.insi import access, logiciels, service, soap, wsdl
from services.insi.config import InsiSettings
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
from services.insi.records import Logiciel, Resultat
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
    resultat_read,
    verification_read,
)
from services.insi.seed import DOCUMENTED_IDAM
from services.insi.traits import split_matricule
from shared.app import BEARER_SCHEME, BINARY, PRO_LOGIN_SCHEME, StrictJsonRoute
from shared.auth import TokenError, bearer_token
from shared.dependencies import RuntimeDep, TenantDep, request_tenant
from shared.errors import ErrorBody, NotFound, SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenancy import InvalidTenant, check_tenant_name
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

_SOAP: Final = {"application/soap+xml": {"schema": BINARY}}
_SOAP_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {"application/soap+xml": {"schema": BINARY, "example": SOAP_EXAMPLE}},
    }
}
"""The SOAP envelope: XML that the endpoint parses itself (``soap.parse_envelope``), so FastAPI cannot
describe it from a model."""
_SOAP_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": _SOAP, "description": "RESULTAT (CR 00, 01 or 02)"},
    400: {"content": _SOAP, "description": "SOAP fault caused by the request"},
    409: {"content": _SOAP, "description": "soap:Receiver: tenant reset meanwhile"},
    500: {
        "content": _SOAP,
        "description": "soap:Receiver (technical fault on demand)",
    },
    503: {
        "content": _SOAP,
        "description": "soap:Receiver: not ready, or the database cannot be reached",
    },
}

MUTUAL_TLS_SCHEME: Final = "insi-mutual-tls"
_EITHER_CREDENTIAL: Final[dict[str, Any]] = {
    "security": [{BEARER_SCHEME: []}, {PRO_LOGIN_SCHEME: ["openid"]}, {MUTUAL_TLS_SCHEME: []}]
}
"""A bearer token or a client certificate: alternatives, which FastAPI's security dependencies (each
one required) cannot express."""

router = APIRouter(route_class=StrictJsonRoute)


async def appelant(request: Request, runtime: Runtime, now: datetime) -> access.Appelant:
    """The caller: a psc token when one is sent, else the client certificate of the TLS layer."""
    authorization = request.headers.get("authorization")
    if authorization:
        return access.from_actor(await runtime.verifier.verify(bearer_token(authorization), now))
    certificate = client_certificate(request.scope)
    if certificate is not None:
        return access.from_certificate(certificate.common_name, certificate.subject)
    raise TokenError(
        "an Authorization: Bearer <token> header (or, over HTTPS, a client certificate) is required",
        code="token-missing",
        rule="token",
    )


@dataclass(frozen=True, slots=True)
class Call:
    """An operation's context once its caller and software are admitted."""

    register: Register
    today: date
    settings: InsiSettings


def settings_of(request: Request) -> InsiSettings:
    """The settings the app was built with (``create_app``)."""
    settings: InsiSettings = request.app.state.insi_settings
    return settings


def _software(tenant: Tenant, idam: str | None, now: datetime, settings: InsiSettings) -> Call:
    """Admit the caller's software number; the tenant's register and today."""
    logiciels.check_idam(tenant, idam, settings.known_idams)
    return Call(register_for(tenant), now.date(), settings)


async def json_call(
    request: Request,
    tenant: TenantDep,
    runtime: RuntimeDep,
    idam: Annotated[
        str | None,
        Header(
            alias=IDAM_HEADER,
            description="Software authorisation number (ContexteLPS/LPS/IDAM); missing or unknown: desir_550",
            examples=[DOCUMENTED_IDAM],
        ),
    ] = None,
) -> Call:
    """A JSON operation's context: its caller, its software number, the tenant's register and today."""
    now = tenant.clock.now()
    await appelant(request, runtime, now)
    return _software(tenant, idam, now, settings_of(request))


CallDep = Annotated[Call, Depends(json_call)]


async def _honour(demande: Demande) -> None:
    delay = service.honour(demande)
    if delay:
        await sleep(delay)


async def _by_traits(
    call: Call,
    nom: str,
    prenoms: list[str] | tuple[str, ...],
    sexe: str,
    naissance: str,
    lieu: str | None,
) -> Resultat:
    """rechercherInsAvecTraitsIdentite, whichever wire (JSON or SOAP) asked."""
    query, demande = service.prepare_traits(
        nom, prenoms, sexe, naissance, lieu, today=call.today, slow_seconds=call.settings.slow_seconds
    )
    await _honour(demande)
    return service.answer_traits(call.register, query)


async def _by_vitale(
    call: Call,
    individu: tuple[str, str] | None,
    ouvrant_droit: tuple[str, str] | None,
    nom: str | None,
    naissance: str | None,
    rang: int | str | None,
) -> Resultat:
    """rechercherInsAvecCarteVitale, whichever wire (JSON or SOAP) asked."""
    query, demande = service.prepare_vitale(
        call.register,
        individu=individu,
        ouvrant_droit=ouvrant_droit,
        nom_naissance=nom,
        date_naissance=naissance,
        rang_naissance=rang,
        today=call.today,
        slow_seconds=call.settings.slow_seconds,
    )
    await _honour(demande)
    return service.answer_vitale(call.register, query)


@router.post(
    "/v1/search-by-traits",
    response_model=ResultatRead,
    responses=_OPERATION_ERRORS,
    openapi_extra=_EITHER_CREDENTIAL,
    tags=["INSi (JSON)"],
)
async def search_by_traits(body: TraitsSearch, call: CallDep) -> ResultatRead:
    """Search the INS by the traits (rechercherInsAvecTraitsIdentite): 00, 01 or 02."""
    found = await _by_traits(
        call, body.nom_naissance, body.prenoms, body.sexe, body.date_naissance, body.lieu_naissance
    )
    return resultat_read(found, call.settings.oid_mode)


@router.post(
    "/v1/search-by-vitale",
    response_model=ResultatRead,
    responses=_VITALE_ERRORS,
    openapi_extra=_EITHER_CREDENTIAL,
    tags=["INSi (JSON)"],
)
async def search_by_vitale(body: VitaleSearch, call: CallDep) -> ResultatRead:
    """Search the INS with the data of a carte Vitale (rechercherInsAvecCarteVitale): 00, 01 or 02."""
    individu = body.matricule_individu
    od = body.matricule_od
    found = await _by_vitale(
        call,
        None if individu is None else split_matricule(individu, "matricule_individu"),
        None if od is None else split_matricule(od, "matricule_od"),
        body.nom_naissance,
        body.date_naissance,
        body.rang_naissance,
    )
    return resultat_read(found, call.settings.oid_mode)


@router.post(
    "/v1/verify",
    response_model=VerificationResultatRead,
    responses=_VERIFY_ERRORS,
    openapi_extra=_EITHER_CREDENTIAL,
    tags=["INSi (JSON)"],
)
async def verify(body: VerifyRequest, call: CallDep) -> VerificationResultatRead:
    """Verify an INS already held against INSi: 01 when unknown, else 00 saying which traits differ."""
    query, demande = service.prepare_verification(
        call.register,
        matricule=body.matricule,
        oid=body.oid,
        nom_naissance=body.nom_naissance,
        prenoms=body.prenoms,
        sexe=body.sexe,
        date_naissance=body.date_naissance,
        lieu_naissance=body.lieu_naissance,
        today=call.today,
        slow_seconds=call.settings.slow_seconds,
    )
    await _honour(demande)
    mode = call.settings.oid_mode
    return verification_read(service.answer_verification(call.register, query, mode), mode)


# --- SOAP -------------------------------------------------------------------------------------------


async def _verify_over_soap(call: Call, held: soap.VerifyFields) -> Response:
    """verifierInsAvecTraitsIdentite: the JSON verification's rules and codes, answered in SOAP."""
    query, demande = service.prepare_verification(
        call.register,
        matricule=held.matricule,
        oid=held.oid,
        nom_naissance=held.traits.nom_naissance,
        prenoms=held.traits.prenoms,
        sexe=held.traits.sexe,
        date_naissance=held.traits.date_naissance,
        lieu_naissance=held.traits.lieu_naissance,
        today=call.today,
        slow_seconds=call.settings.slow_seconds,
    )
    await _honour(demande)
    mode = call.settings.oid_mode
    resultat = service.answer_verification(call.register, query, mode)
    return Response(soap.render_verification(resultat, mode), media_type=soap.CONTENT_TYPE)


async def _soap_call(request: Request, runtime: Runtime, tenant_name: str | None) -> Response:
    """Every failure, down to the tenant and the database, answers as a SOAP fault."""
    message_id: str | None = None
    try:
        raw = await request.body()
        tenant = request_tenant(request, tenant_name)
        now = tenant.clock.now()
        await appelant(request, runtime, now)
        envelope = soap.parse_envelope(raw, request.headers.get("content-type"))
        message_id = envelope.message_id
        call = _software(tenant, envelope.idam, now, settings_of(request))
        if envelope.operation == "traits":
            fields = soap.traits_fields(envelope.body)
            resultat = await _by_traits(
                call,
                fields.nom_naissance,
                fields.prenoms,
                fields.sexe,
                fields.date_naissance,
                fields.lieu_naissance,
            )
        elif envelope.operation == "verify":
            held = soap.verify_fields(envelope.body)
            return await _verify_over_soap(call, held)
        else:
            card = soap.vitale_fields(envelope.body)
            resultat = await _by_vitale(
                call,
                card.individu,
                card.ouvrant_droit,
                card.nom_naissance,
                card.date_naissance,
                card.rang_naissance,
            )
    except SandboxError as exc:
        status, content = soap.render_fault(exc, message_id)
        return Response(content, status_code=status, media_type=soap.CONTENT_TYPE)
    return Response(soap.render_resultat(resultat, call.settings.oid_mode), media_type=soap.CONTENT_TYPE)


@router.get(
    "/soap",
    response_class=Response,
    responses={200: {"content": {wsdl.XML: {"schema": BINARY}}, "description": "The WSDL"}},
    tags=["INSi (SOAP 1.2)"],
)
async def soap_wsdl(request: Request) -> Response:
    """The WSDL of the SOAP endpoint (`?wsdl`, as SOAP toolkits ask), with the XSDs it imports
    (`/soap/xsd/<name>`): rechercherInsAvecTraitsIdentite, rechercherInsAvecCarteVitale,
    verifierInsAvecTraitsIdentite, their SOAP 1.2 binding and headers."""
    return Response(wsdl.wsdl(str(request.url_for("soap_endpoint"))), media_type=wsdl.XML)


@router.get(
    "/soap/xsd/{name}",
    response_class=Response,
    responses={
        200: {"content": {wsdl.XML: {"schema": BINARY}}, "description": "An XSD the WSDL imports"},
        404: {"model": ErrorBody, "description": "not-found: no such schema"},
    },
    tags=["INSi (SOAP 1.2)"],
)
async def soap_schema(name: Annotated[str, Path(max_length=64)]) -> Response:
    """An XSD the WSDL imports (`insi-recsans.xsd`, `insi-resultat.xsd`, `ctxlps.xsd`...)."""
    found = wsdl.schema(name)
    if found is None:
        raise NotFound(f"no schema {name!r}; the WSDL imports {', '.join(wsdl.SCHEMAS)}", rule="insi-wsdl")
    return Response(found, media_type=wsdl.XML)


@router.get(
    "/soap/{tenant}",
    response_class=Response,
    responses={
        200: {"content": {wsdl.XML: {"schema": BINARY}}, "description": "The tenant's WSDL"},
        **error_responses(InvalidTenant),
    },
    tags=["INSi (SOAP 1.2)"],
)
async def soap_wsdl_in_tenant(tenant: Annotated[str, Path(max_length=40)], request: Request) -> Response:
    """The WSDL of the tenant's own endpoint `/soap/{tenant}` (its address names the tenant)."""
    endpoint = str(request.url_for("soap_in_tenant", tenant=check_tenant_name(tenant)))
    return Response(wsdl.wsdl(endpoint, relative_schemas="xsd/"), media_type=wsdl.XML)


@router.post(
    "/soap",
    response_class=Response,
    responses=_SOAP_RESPONSES,
    openapi_extra={**_SOAP_BODY, **_EITHER_CREDENTIAL},
    tags=["INSi (SOAP 1.2)"],
)
async def soap_endpoint(request: Request, runtime: RuntimeDep) -> Response:
    """The real wire: SOAP 1.2 rechercherInsAvecTraitsIdentite / rechercherInsAvecCarteVitale
    (the tenant in ``X-Sandbox-Tenant``, default ``default``)."""
    return await _soap_call(request, runtime, None)


@router.post(
    "/soap/{tenant}",
    response_class=Response,
    responses=_SOAP_RESPONSES,
    openapi_extra={**_SOAP_BODY, **_EITHER_CREDENTIAL},
    tags=["INSi (SOAP 1.2)"],
)
async def soap_in_tenant(tenant: str, request: Request, runtime: RuntimeDep) -> Response:
    """The SOAP endpoint of one tenant, for clients that cannot send the tenant header."""
    return await _soap_call(request, runtime, tenant)


# --- sandbox: software numbers -----------------------------------------------------------------------


def _logiciel_read(logiciel: Logiciel) -> LogicielRead:
    return LogicielRead(idam=logiciel.idam, nom=logiciel.nom, origine=logiciel.origine)


@router.get("/sandbox/logiciels", response_model=LogicielList, tags=["sandbox"])
async def list_logiciels(request: Request, tenant: TenantDep) -> LogicielList:
    """Software authorisation numbers (IDAM) this tenant's INSi knows."""
    held = logiciels.list_logiciels(tenant, settings_of(request).known_idams)
    return LogicielList(items=[_logiciel_read(logiciel) for logiciel in held])


@router.put(
    "/sandbox/logiciels/{idam}",
    response_model=LogicielRead,
    responses=error_responses(IdamInvalide, LogicielDocumente, InvalidTenant),
    tags=["sandbox"],
)
async def put_logiciel(idam: str, body: LogicielPut, tenant: TenantDep) -> LogicielRead:
    """Make a software authorisation number known in this tenant (e.g. your software's real one)."""
    return _logiciel_read(logiciels.register(tenant, idam, body.nom))


@router.delete(
    "/sandbox/logiciels/{idam}",
    status_code=204,
    responses=error_responses(LogicielInconnu, LogicielDocumente, InvalidTenant),
    tags=["sandbox"],
)
async def delete_logiciel(idam: str, tenant: TenantDep) -> Response:
    """Forget a number registered in this tenant (documented numbers stay)."""
    logiciels.forget(tenant, idam)
    return Response(status_code=204)
