"""The e-prescription's endpoints: prescribing, reading by number, QR code and PDF, dispensing,
cancelling, the executions for the prescriber, the patient's list, and the sandbox's listing of the
seeded numbers. Thin: parse, call the service layer, serialise."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response

from services.eprescription import clients, facsimile, rendering, repository, service
from services.eprescription.errors import (
    AnnulationRefusee,
    DispensationConcurrente,
    DispensationRefusee,
    ExecutionsRefusees,
    NumeroInvalide,
    PrescriptionClose,
    PrescriptionInconnue,
    PrescriptionRefusee,
    ProfessionRefusee,
)
from services.eprescription.records import Prescription
from services.eprescription.schemas import (
    DispensationCreate,
    ExecutionsRead,
    PrescriptionCreate,
    PrescriptionListRead,
    PrescriptionRead,
)
from shared.app import BEARER_SCHEME, StrictJsonRoute, hot_json_route, hot_route, json_body
from shared.auth import Actor, TokenError, bearer_token
from shared.dependencies import ActorDep, TenantDep, get_actor, request_tenant
from shared.errors import Forbidden, SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_TENANT, TENANT_HEADER
from shared.tenants import Tenant

NumeroPath = Annotated[
    str, Path(description="Numéro unique de prescription (18 characters)", examples=["01..."], max_length=40)
]
_ACCESS: Final = (TokenError, Forbidden, ProfessionRefusee)
_BY_NUMBER: Final = (*_ACCESS, NumeroInvalide, PrescriptionInconnue)
JSON: Final = "application/json"
RETRIES: Final = 5
_NUMERO_PARAMETERS: Final[list[dict[str, Any]]] = [
    {
        "name": "numero",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 40},
        "description": "Numéro unique de prescription (18 characters), as scanned from the QR code",
    },
    {
        "name": TENANT_HEADER,
        "in": "header",
        "schema": {"type": "string", "default": DEFAULT_TENANT},
        "description": "Tenant (isolated copy of the seeded world), created on first use",
    },
]


def responses(
    model: type[Any] | None, *errors: type[SandboxError], status: int = 200, media: str | None = None
) -> dict[int | str, dict[str, Any]]:
    found = error_responses(*errors)
    if model is not None:
        found[status] = {"model": model}
    if media is not None:
        found[status] = {"content": {media: {}}, "description": media}
    return found


def json_response(body: str, status: int = 200) -> Response:
    return Response(body.encode(), status_code=status, media_type=JSON)


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


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["prescriptions"], route_class=StrictJsonRoute)

    @router.post(
        "/prescriptions",
        status_code=201,
        response_model=None,
        responses=responses(PrescriptionRead, *_ACCESS, PrescriptionRefusee, status=201),
    )
    async def create_prescription(
        request: Request, tenant: TenantDep, actor: ActorDep, body: PrescriptionCreate
    ) -> Response:
        """Prescribe: the answer carries the numéro unique; the PDF goes to the patient's DMP."""
        now = int(tenant.clock.now().timestamp() * 1000)
        new = service.new_prescription(actor, body, now)
        with tenant.unit_of_work() as conn:
            service.create(conn, new)
            prescription = service.load(conn, new.row["numero"])
        pdf = facsimile.pdf(prescription)
        token = bearer_token(request.headers.get("authorization"))
        depot = await clients.deposit(runtime, tenant, token, prescription, pdf)
        with tenant.unit_of_work() as conn:
            repository.set_depot(conn, prescription.numero, depot.statut, depot.motif, depot.document_id)
            prescription = service.load(conn, prescription.numero)
        return json_response(rendering.prescription_json(prescription), 201)

    @router.get(
        "/prescriptions/{numero}",
        response_model=None,
        responses=responses(PrescriptionRead, *_BY_NUMBER, PrescriptionClose),
        openapi_extra={"parameters": _NUMERO_PARAMETERS, "security": [{BEARER_SCHEME: []}]},
    )
    @hot_route
    async def read_prescription(request: Request) -> Response:
        """The prescription by its number (scanned from the QR code): lines and what remains of each."""
        tenant = request_tenant(request)
        actor = await get_actor(request)
        numero = service.check_numero(request.path_params["numero"])
        with tenant.reading() as conn:
            prescription = service.read_by_number(conn, numero, actor)
        return json_response(rendering.prescription_json(prescription))

    @router.post(
        "/prescriptions/{numero}/dispensations",
        status_code=201,
        response_model=None,
        responses=responses(
            None,
            *_BY_NUMBER,
            PrescriptionClose,
            DispensationRefusee,
            DispensationConcurrente,
        ),
        openapi_extra={"parameters": _NUMERO_PARAMETERS, "security": [{BEARER_SCHEME: []}]},
    )
    @hot_json_route(DispensationCreate)
    async def dispense(request: Request) -> Response:
        """Record what was delivered, line by line (all the lines of the request, or none)."""
        tenant = request_tenant(request)
        actor = await get_actor(request)
        checked = service.check_numero(request.path_params["numero"])
        body = await json_body(request, DispensationCreate)
        now = int(tenant.clock.now().timestamp() * 1000)
        statut, restants = record_dispensation(tenant, checked, actor, body, now)
        lines = ",".join(f'{{"rang":{rang},"restant":{left}}}' for rang, left in sorted(restants.items()))
        return json_response(f'{{"numero":"{checked}","statut":"{statut}","lignes":[{lines}]}}', 201)

    @router.post(
        "/prescriptions/{numero}/annulation",
        response_model=None,
        responses=responses(PrescriptionRead, *_BY_NUMBER, AnnulationRefusee),
    )
    async def cancel_prescription(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
        """The prescriber cancels a prescription nothing has been dispensed from."""
        checked = service.check_numero(numero)
        now = int(tenant.clock.now().timestamp() * 1000)
        with tenant.unit_of_work() as conn:
            service.cancel(conn, checked, actor, now)
            prescription = service.load(conn, checked)
        return json_response(rendering.prescription_json(prescription))

    @router.get(
        "/prescriptions/{numero}/executions",
        response_model=None,
        responses=responses(ExecutionsRead, *_BY_NUMBER, ExecutionsRefusees),
    )
    async def read_executions(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
        """What was dispensed, for the prescriber, when the patient answered OUI."""
        checked = service.check_numero(numero)
        with tenant.reading() as conn:
            prescription, done = service.executions(conn, checked, actor)
        return json_response(rendering.executions_json(prescription, done))

    def viewed(tenant: Tenant, actor: Actor, numero: str) -> Prescription:
        """The prescription ``numero`` when ``actor`` may see it (its patient, prescriber, executants)."""
        checked = service.check_numero(numero)
        with tenant.reading() as conn:
            prescription = service.load(conn, checked)
        service.check_viewer(actor, prescription)
        return prescription

    @router.get(
        "/prescriptions/{numero}/qr.png",
        response_model=None,
        responses=responses(None, *_BY_NUMBER, media="image/png"),
    )
    async def qr_png(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
        """The QR code holding the number (PNG)."""
        prescription = viewed(tenant, actor, numero)
        return Response(facsimile.qr_png(prescription.numero), media_type="image/png")

    @router.get(
        "/prescriptions/{numero}/qr.svg",
        response_model=None,
        responses=responses(None, *_BY_NUMBER, media="image/svg+xml"),
    )
    async def qr_svg(tenant: TenantDep, actor: ActorDep, numero: NumeroPath) -> Response:
        """The QR code holding the number (SVG)."""
        prescription = viewed(tenant, actor, numero)
        return Response(facsimile.qr_svg(prescription.numero), media_type="image/svg+xml")

    @router.get(
        "/prescriptions/{numero}/pdf",
        response_model=None,
        responses=responses(None, *_BY_NUMBER, media="application/pdf"),
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
        response_model=None,
        responses=responses(PrescriptionListRead, *_ACCESS),
        tags=["patient"],
    )
    async def my_prescriptions(tenant: TenantDep, actor: ActorDep) -> Response:
        """The patient's own prescriptions (Mon espace santé token), newest first."""
        with tenant.reading() as conn:
            found = service.patient_prescriptions(conn, actor)
        return json_response(rendering.list_json(found))

    return router


def build_sandbox_router() -> APIRouter:
    """Sandbox-only routes (no token): the seeded numbers, for editors to read at once."""
    router = APIRouter(prefix="/sandbox", tags=["sandbox"], route_class=StrictJsonRoute)

    @router.get("/prescriptions", response_model=None)
    async def list_prescriptions(
        tenant: TenantDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        """The tenant's prescriptions (number, status, family, patient INS), oldest first."""
        with tenant.reading() as conn:
            rows = repository.list_numeros(conn, limit, offset)
        body = [{"numero": n, "statut": s, "famille": f, "ins": i} for n, s, f, i in rows]
        return json_response(rendering.dumps({"prescriptions": body}))

    return router
