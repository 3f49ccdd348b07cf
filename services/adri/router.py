"""ADRi's endpoints: rights lookups (by NIR, or as a carte Vitale designates the beneficiary) and the
appli carte Vitale sessions."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Header, Path, Query

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
from shared.app import StrictJsonRoute
from shared.auth import ProfessionalActor, TokenError
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, error_responses
from shared.tenants import Tenant

APCV_SESSION_HEADER: Final = "X-Apcv-Session"

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

# The lookups' parameters are read as text and checked by the service, which answers its own error
# codes (``date-format``, ``rang-format``, ``parameters``...) rather than a generic 422.
SituationDate = Annotated[
    str | None,
    Query(
        description="Date of the situation (of care), YYYY-MM-DD; default: the tenant clock's today",
        examples=["2026-01-01"],
    ),
]
ApcvSession = Annotated[
    str | None,
    Header(
        alias=APCV_SESSION_HEADER,
        description="Id of the appli carte Vitale session the lookup is made in (optional)",
    ),
]


def _register(tenant: Tenant) -> Register:
    return register_of(tenant, get_adri_settings().register_cache_size)


def _situation(
    tenant: Tenant,
    professional: ProfessionalActor,
    found: Beneficiary,
    day: str | None,
    session: str | None,
) -> dict[str, Any]:
    """The beneficiary's situation at ``day``, the lookup made within ``session`` when given."""
    now = tenant.clock.now()
    if session is not None:
        with tenant.reading() as conn:
            service.check_session_lookup(conn, professional, session, found, now)
    return rendering.situation(service.situation(found, service.parse_day(day, now.date())), session)


router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)


@router.get(
    "/beneficiaries/{nir}",
    tags=["rights"],
    response_model=SituationRead,
    responses=error_responses(*_LOOKUP),
)
async def get_beneficiary(
    nir: Annotated[
        str,
        Path(
            description="The beneficiary's own NIR (or NIA) with its key, 15 characters",
            examples=["275126322074974"],
        ),
    ],
    tenant: TenantDep,
    actor: ActorDep,
    date: SituationDate = None,
    session: ApcvSession = None,
) -> dict[str, Any]:
    """The administrative situation (droits et bénéficiaires) of the beneficiary ``nir`` at ``date``."""
    professional = service.authorise_lookup(actor)
    found = service.beneficiary_by_nir(_register(tenant), nir)
    return _situation(tenant, professional, found, date, session)


@router.get(
    "/beneficiaries",
    tags=["rights"],
    response_model=SituationRead,
    responses=error_responses(
        *_LOOKUP, ParameterMissing, RangInvalid, OuvrantDroitUnknown, RangUnknown, BeneficiaryAmbiguous
    ),
)
async def find_beneficiary_by_carte_vitale(
    tenant: TenantDep,
    actor: ActorDep,
    ouvrant_droit: Annotated[
        str | None,
        Query(
            description="NIR (or NIA) of the ouvrant droit, with its key, as on the carte Vitale (required)",
            examples=["275126322074974"],
        ),
    ] = None,
    rang_naissance: Annotated[
        str | None,
        Query(
            description="Rang de naissance (gémellaire) of the beneficiary, one digit 1-9: 1, or 2 for a "
            "second twin (required)",
            examples=["1"],
        ),
    ] = None,
    date_naissance: Annotated[
        str | None,
        Query(
            description="The beneficiary's date de naissance (YYYY-MM-DD, 00 for an unknown day or "
            "month); needed when several beneficiaries of the ouvrant droit share the rang",
            examples=["2009-07-14"],
        ),
    ] = None,
    date: SituationDate = None,
    session: ApcvSession = None,
) -> dict[str, Any]:
    """The situation of the beneficiary a carte Vitale designates (ouvrant droit, rang, naissance)."""
    professional = service.authorise_lookup(actor)
    found = service.beneficiary_by_card(_register(tenant), ouvrant_droit, rang_naissance, date_naissance)
    return _situation(tenant, professional, found, date, session)


@router.post(
    "/apcv/sessions",
    tags=["appli carte Vitale"],
    status_code=201,
    response_model=ApcvSessionRead,
    responses=error_responses(*_ACCESS, NirMalformed, NirKey, BeneficiaryUnknown),
)
async def open_apcv_session(tenant: TenantDep, actor: ActorDep, body: ApcvSessionCreate) -> dict[str, Any]:
    """Open a session, as reading the patient's appli carte Vitale does: 20 minutes, one invoice."""
    professional = service.authorise_apcv(actor)
    now = tenant.clock.now()
    with tenant.unit_of_work() as conn:
        opened = service.open_session(conn, _register(tenant), professional, body.matricule, now)
    return rendering.session(opened, int(now.timestamp()))


@router.get(
    "/apcv/sessions/{session_id}",
    tags=["appli carte Vitale"],
    response_model=ApcvSessionRead,
    responses=error_responses(*_ACCESS, ApcvSessionUnknown, ApcvSessionOwner),
)
async def get_apcv_session(tenant: TenantDep, actor: ActorDep, session_id: str) -> dict[str, Any]:
    """The session's status (open, expired, invoiced) by the tenant clock, and its invoice."""
    professional = service.authorise_apcv(actor)
    now = tenant.clock.now()
    with tenant.reading() as conn:
        found, invoice = service.read_session(conn, professional, session_id)
    return rendering.session(found, int(now.timestamp()), invoice)


@router.post(
    "/apcv/sessions/{session_id}/invoice",
    tags=["appli carte Vitale"],
    status_code=201,
    response_model=InvoiceRead,
    responses=error_responses(*_ACCESS, ApcvSessionUnknown, ApcvSessionOwner, ApcvReauthenticationRequired),
)
async def record_apcv_invoice(
    tenant: TenantDep, actor: ActorDep, session_id: str, body: InvoiceCreate
) -> dict[str, Any]:
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
    return rendering.invoice(recorded)
