"""The e-prescription's endpoints: prescribing, reading by number, QR code and PDF, dispensing,
cancelling, the executions for the prescriber, the patient's list, and the sandbox's listing of the
seeded numbers. Thin: parse, call the service layer, serialise."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.eprescription import clients, facsimile, rendering, repository, service
from services.eprescription.errors import (
    AnnulationRefusee,
    DispensationConcurrente,
    DispensationRefusee,
    ExecutionsRefusees,
    NumeroInvalide,
    NumeroPris,
    PrescriptionClose,
    PrescriptionInconnue,
    PrescriptionRefusee,
    ProfessionRefusee,
)
from services.eprescription.records import Prescription
from services.eprescription.schemas import (
    DispensationCreate,
    DispensationResultRead,
    ExecutionsRead,
    PrescriptionCreate,
    PrescriptionListRead,
    PrescriptionRead,
    SandboxPrescriptionListRead,
)
from shared.app import BINARY, StrictJsonRoute
from shared.auth import Actor, TokenError, bearer_token
from shared.db import BIGINT_MAX
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenants import Tenant

NumeroPath = Annotated[
    str,
    Path(
        description="Numéro unique de prescription (18 characters), as scanned from the QR code",
        examples=["01..."],
        max_length=40,
    ),
]
_ACCESS: Final = (TokenError, Forbidden, ProfessionRefusee)
_BY_NUMBER: Final = (*_ACCESS, NumeroInvalide, PrescriptionInconnue)
RETRIES: Final = 5


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def media(kind: str, *errors: type[SandboxError]) -> dict[int | str, dict[str, Any]]:
    """The declared answers of a route that answers ``kind`` (not JSON), besides its errors."""
    return {200: {"content": {kind: {"schema": BINARY}}, "description": kind}, **error_responses(*errors)}


def record_dispensation(
    tenant: Tenant, numero: str, actor: Actor, body: DispensationCreate, now: int
) -> tuple[str, dict[int, int]]:
    """One dispensation in its own unit of work; when another dispensation of the same number won
    the race, the whole check runs again on what the winner left (a few times at most)."""
    for attempt in range(RETRIES):
        try:
            with tenant.unit_of_work() as conn:
                return service.dispense(conn, numero, actor, body, now)
        except DispensationConcurrente:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def viewed(tenant: Tenant, actor: Actor, numero: str) -> Prescription:
    """The prescription ``numero`` when ``actor`` may see it (its patient, prescriber, executants)."""
    checked = service.check_numero(numero)
    with tenant.reading() as conn:
        prescription = service.load(conn, checked)
    service.check_viewer(actor, prescription)
    return prescription


router = APIRouter(prefix="/v1", tags=["prescriptions"], route_class=StrictJsonRoute)


@router.post(
    "/prescriptions",
    status_code=201,
    response_model=PrescriptionRead,
    responses=error_responses(*_ACCESS, PrescriptionRefusee, NumeroInvalide, NumeroPris),
)
async def create_prescription(
    request: Request, runtime: RuntimeDep, tenant: TenantDep, actor: ActorDep, body: PrescriptionCreate
) -> PrescriptionRead:
    """Prescribe: the answer carries the numéro unique (the one the prescriber's software gave, or a new
    one); the PDF goes to the patient's DMP unless ``depot_dmp`` is false (the software deposits it)."""
    now = int(tenant.clock.now().timestamp() * 1000)
    new = service.new_prescription(actor, body, now)
    with tenant.unit_of_work() as conn:
        service.create(conn, new)
        prescription = service.load(conn, new.row["numero"])
    if not body.depot_dmp:
        return rendering.prescription(prescription)
    pdf = facsimile.pdf(prescription)
    token = bearer_token(request.headers.get("authorization"))
    depot = await clients.deposit(runtime, tenant, token, prescription, pdf)
    with tenant.unit_of_work() as conn:
        repository.set_depot(conn, prescription.numero, depot.statut, depot.motif, depot.document_id)
        prescription = service.load(conn, prescription.numero)
    return rendering.prescription(prescription)


@router.get(
    "/prescriptions/{numero}",
    response_model=PrescriptionRead,
    responses=error_responses(*_BY_NUMBER, PrescriptionClose),
)
async def read_prescription(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> PrescriptionRead:
    """The prescription by its number (scanned from the QR code): lines and what remains of each."""
    checked = service.check_numero(numero)
    with tenant.reading() as conn:
        prescription = service.read_by_number(conn, checked, actor)
    return rendering.prescription(prescription)


@router.post(
    "/prescriptions/{numero}/dispensations",
    status_code=201,
    response_model=DispensationResultRead,
    responses=error_responses(*_BY_NUMBER, PrescriptionClose, DispensationRefusee, DispensationConcurrente),
)
async def dispense(
    tenant: TenantDep, actor: ActorDep, numero: NumeroPath, body: DispensationCreate
) -> DispensationResultRead:
    """Record what was delivered, line by line (all the lines of the request, or none)."""
    checked = service.check_numero(numero)
    now = int(tenant.clock.now().timestamp() * 1000)
    statut, restants = record_dispensation(tenant, checked, actor, body, now)
    return rendering.dispensation(checked, statut, restants)


@router.post(
    "/prescriptions/{numero}/annulation",
    response_model=PrescriptionRead,
    responses=error_responses(*_BY_NUMBER, AnnulationRefusee),
)
async def cancel_prescription(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> PrescriptionRead:
    """The prescriber cancels a prescription nothing has been dispensed from."""
    checked = service.check_numero(numero)
    now = int(tenant.clock.now().timestamp() * 1000)
    with tenant.unit_of_work() as conn:
        service.cancel(conn, checked, actor, now)
        prescription = service.load(conn, checked)
    return rendering.prescription(prescription)


@router.get(
    "/prescriptions/{numero}/executions",
    response_model=ExecutionsRead,
    responses=error_responses(*_BY_NUMBER, ExecutionsRefusees),
)
async def read_executions(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> ExecutionsRead:
    """What was dispensed, for the prescriber, when the patient answered OUI."""
    checked = service.check_numero(numero)
    with tenant.reading() as conn:
        prescription, done = service.executions(conn, checked, actor)
    return rendering.executions(prescription, done)


@router.get(
    "/prescriptions/{numero}/qr.png", response_class=Response, responses=media("image/png", *_BY_NUMBER)
)
async def qr_png(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
    """The QR code holding the number (PNG)."""
    prescription = viewed(tenant, actor, numero)
    return Response(facsimile.qr_png(prescription.numero), media_type="image/png")


@router.get(
    "/prescriptions/{numero}/qr.svg",
    response_class=Response,
    responses=media("image/svg+xml", *_BY_NUMBER),
)
async def qr_svg(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
    """The QR code holding the number (SVG)."""
    prescription = viewed(tenant, actor, numero)
    return Response(facsimile.qr_svg(prescription.numero), media_type="image/svg+xml")


@router.get(
    "/prescriptions/{numero}/pdf",
    response_class=Response,
    responses=media("application/pdf", *_BY_NUMBER),
)
async def read_pdf(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
    """The facsimile of the ordonnance numérique (PDF) with its QR code and number."""
    prescription = viewed(tenant, actor, numero)
    return Response(
        facsimile.pdf(prescription),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="ordonnance-{prescription.numero}.pdf"'},
    )


@router.get(
    "/me/prescriptions",
    response_model=PrescriptionListRead,
    responses=error_responses(*_ACCESS),
    tags=["patient"],
)
async def my_prescriptions(tenant: TenantDep, actor: ActorDep) -> PrescriptionListRead:
    """The patient's own prescriptions (Mon espace santé token), newest first."""
    with tenant.reading() as conn:
        found = service.patient_prescriptions(conn, actor)
    return rendering.prescriptions(found)


sandbox_router = APIRouter(prefix="/sandbox", tags=["sandbox"], route_class=StrictJsonRoute)
"""Sandbox-only routes (no token): the seeded numbers, for editors to read at once."""


@sandbox_router.get("/prescriptions", response_model=SandboxPrescriptionListRead)
async def list_prescriptions(
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> dict[str, Any]:
    """The tenant's prescriptions (number, status, family, patient INS), oldest first."""
    with tenant.reading() as conn:
        return {"prescriptions": repository.list_numeros(conn, limit, offset)}
