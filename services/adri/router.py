"""ADRi's endpoints: rights lookups (by NIR, or as a carte Vitale designates the beneficiary) and the
appli carte Vitale sessions.

The two lookups are the hot path and read their request by hand: declared FastAPI parameters and
dependencies cost more than everything else a lookup does (measured in ``bench/adri.py``), so these
routes take the raw request, call ``shared.dependencies``' functions themselves rather than through
``Depends``, and document their parameters with ``openapi_extra``. The session routes use the shared
dependencies as usual.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from fastapi import APIRouter, Request, Response

from services.adri import rendering, service
from services.adri.config import get_adri_settings
from services.adri.errors import (
    ApcvReauthenticationRequired,
    ApcvSessionOwner,
    ApcvSessionPatient,
    ApcvSessionUnknown,
    BeneficiaryAmbiguous,
    BeneficiaryUnknown,
    DateInvalid,
    NirKey,
    NirMalformed,
    OuvrantDroitUnknown,
    ParameterMissing,
    RangInvalid,
    RangUnknown,
    RightsClosed,
    RightsNotYetOpen,
)
from services.adri.records import Beneficiary
from services.adri.register import Register, register_of
from services.adri.schemas import (
    ApcvSessionCreate,
    ApcvSessionRead,
    InvoiceCreate,
    InvoiceRead,
    SituationRead,
)
from shared.app import BEARER_SCHEME, StrictJsonRoute, hot_route
from shared.auth import ProfessionalActor, TokenError
from shared.dependencies import ActorDep, TenantDep, get_actor, request_tenant
from shared.errors import Forbidden, SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER
from shared.tenants import Tenant

APCV_SESSION_HEADER: Final = "X-Apcv-Session"
JSON: Final = "application/json"

_ACCESS: Final = (TokenError, Forbidden)
_LOOKUP: Final = (
    *_ACCESS,
    NirMalformed,
    NirKey,
    DateInvalid,
    BeneficiaryUnknown,
    RightsClosed,
    RightsNotYetOpen,
    ApcvSessionUnknown,
    ApcvReauthenticationRequired,
    ApcvSessionOwner,
    ApcvSessionPatient,
)


def _parameter(
    where: str, name: str, description: str, schema: dict[str, Any], **more: Any
) -> dict[str, Any]:
    return {"in": where, "name": name, "description": description, "schema": schema, **more}


_COMMON_PARAMETERS: Final = [
    _parameter(
        "query",
        "date",
        "Date of the situation (of care), YYYY-MM-DD; default: the tenant clock's today",
        {"type": "string", "format": "date"},
        example="2026-01-01",
    ),
    _parameter(
        "header",
        APCV_SESSION_HEADER,
        "Id of the appli carte Vitale session the lookup is made in (optional)",
        {"type": "string", "maxLength": service.SESSION_ID_MAX},
    ),
    _parameter(
        "header",
        TENANT_HEADER,
        "Tenant (isolated copy of the seeded world), created on first use",
        {"type": "string", "default": DEFAULT_TENANT},
    ),
]
_BY_NIR: Final = {
    "security": [{BEARER_SCHEME: []}],
    "parameters": [
        _parameter(
            "path",
            "nir",
            "The beneficiary's own NIR (or NIA) with its key, 15 characters",
            {"type": "string"},
            required=True,
            example="275126322074974",
        ),
        *_COMMON_PARAMETERS,
    ],
}
_BY_CARD: Final = {
    "security": [{BEARER_SCHEME: []}],
    "parameters": [
        _parameter(
            "query",
            "ouvrant_droit",
            "NIR (or NIA) of the ouvrant droit, with its key, as on the carte Vitale",
            {"type": "string"},
            required=True,
            example="275126322074974",
        ),
        _parameter(
            "query",
            "rang_naissance",
            "Rang de naissance (gémellaire) of the beneficiary: 1, or 2 for a second twin",
            {"type": "integer", "minimum": 1, "maximum": 9},
            required=True,
            example=1,
        ),
        _parameter(
            "query",
            "date_naissance",
            "The beneficiary's date de naissance (YYYY-MM-DD, 00 for an unknown day or month); needed "
            "when several beneficiaries of the ouvrant droit share the rang",
            {"type": "string"},
            example="2009-07-14",
        ),
        *_COMMON_PARAMETERS,
    ],
}


def _json(body: dict[str, Any], status: int = 200) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type=JSON)


def _responses(model: type[Any], *errors: type[SandboxError]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}, **error_responses(*errors)}


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)
    settings = get_adri_settings()

    async def caller(request: Request) -> tuple[Tenant, ProfessionalActor]:
        """The tenant and the verified caller, as ``TenantDep`` and ``ActorDep`` give them."""
        actor = await get_actor(request)
        return request_tenant(request), service.authorise_lookup(actor)

    def register(tenant: Tenant) -> Register:
        return register_of(tenant, settings.register_cache_size)

    async def lookup(
        request: Request, key: tuple[str | None, ...], find: Callable[[Register], Beneficiary]
    ) -> Response:
        """Answer a lookup: from the answers already rendered, else find, apply the rules, render."""
        tenant, professional = await caller(request)
        now = tenant.clock.now()
        date = request.query_params.get("date")
        session = request.headers.get(APCV_SESSION_HEADER)
        found_in = register(tenant)
        key = (*key, now.date().isoformat() if date is None else date)
        if session is None:
            cached = found_in.answer(key)
            if cached is not None:
                return Response(cached, media_type=JSON)
        found = find(found_in)
        day = service.parse_day(date, now.date())
        if session is not None:
            with tenant.reading() as conn:
                service.check_session_lookup(conn, professional, session, found, now)
        content = rendering.situation_json(service.situation(found, day), session)
        if session is None:
            found_in.remember_answer(key, content)
        return Response(content, media_type=JSON)

    @router.get(
        "/beneficiaries/{nir}",
        tags=["rights"],
        response_model=None,
        responses=_responses(SituationRead, *_LOOKUP),
        openapi_extra=_BY_NIR,
    )
    @hot_route
    async def get_beneficiary(request: Request) -> Response:
        """The administrative situation (droits et bénéficiaires) of the beneficiary ``nir`` at ``date``."""
        nir: str = request.path_params["nir"]
        return await lookup(request, ("nir", nir), lambda found_in: service.beneficiary_by_nir(found_in, nir))

    @router.get(
        "/beneficiaries",
        tags=["rights"],
        response_model=None,
        responses=_responses(
            SituationRead,
            *_LOOKUP,
            ParameterMissing,
            RangInvalid,
            OuvrantDroitUnknown,
            RangUnknown,
            BeneficiaryAmbiguous,
        ),
        openapi_extra=_BY_CARD,
    )
    @hot_route
    async def find_beneficiary_by_carte_vitale(request: Request) -> Response:
        """The situation of the beneficiary a carte Vitale designates (ouvrant droit, rang, naissance)."""
        params = request.query_params
        card = (params.get("ouvrant_droit"), params.get("rang_naissance"), params.get("date_naissance"))
        return await lookup(
            request, ("card", *card), lambda found_in: service.beneficiary_by_card(found_in, *card)
        )

    @router.post(
        "/apcv/sessions",
        tags=["appli carte Vitale"],
        status_code=201,
        response_model=None,
        responses={
            201: {"model": ApcvSessionRead},
            **error_responses(*_ACCESS, NirMalformed, NirKey, BeneficiaryUnknown),
        },
    )
    async def open_apcv_session(tenant: TenantDep, actor: ActorDep, body: ApcvSessionCreate) -> Response:
        """Open a session, as reading the patient's appli carte Vitale does: 20 minutes, one invoice."""
        professional = service.authorise_apcv(actor)
        now = tenant.clock.now()
        with tenant.unit_of_work() as conn:
            opened = service.open_session(conn, register(tenant), professional, body.matricule, now)
        return _json(rendering.session(opened, int(now.timestamp())), 201)

    @router.get(
        "/apcv/sessions/{session_id}",
        tags=["appli carte Vitale"],
        response_model=None,
        responses=_responses(ApcvSessionRead, *_ACCESS, ApcvSessionUnknown, ApcvSessionOwner),
    )
    async def get_apcv_session(tenant: TenantDep, actor: ActorDep, session_id: str) -> Response:
        """The session's status (open, expired, invoiced) by the tenant clock, and its invoice."""
        professional = service.authorise_apcv(actor)
        now = tenant.clock.now()
        with tenant.reading() as conn:
            found, invoice = service.read_session(conn, professional, session_id)
        return _json(rendering.session(found, int(now.timestamp()), invoice))

    @router.post(
        "/apcv/sessions/{session_id}/invoice",
        tags=["appli carte Vitale"],
        status_code=201,
        response_model=None,
        responses={
            201: {"model": InvoiceRead},
            **error_responses(*_ACCESS, ApcvSessionUnknown, ApcvSessionOwner, ApcvReauthenticationRequired),
        },
    )
    async def record_apcv_invoice(
        tenant: TenantDep, actor: ActorDep, session_id: str, body: InvoiceCreate
    ) -> Response:
        """Record the session's one invoice (feuille de soins); the session then ends."""
        professional = service.authorise_apcv(actor)
        now = tenant.clock.now()
        with tenant.unit_of_work() as conn:
            recorded = service.record_invoice(
                conn,
                professional,
                session_id,
                numero_facture=body.numero_facture,
                montant=body.montant,
                date_soins=body.date_soins,
                now=now,
            )
        return _json(rendering.invoice(recorded), 201)

    return router
