"""Routes other sandbox services call with their own psc token (client_credentials without a login_hint):
MSSanté reads a patient's Mon espace santé status and personal address at delivery time, and claims the
pending notifications its outbox sends. Only the clients in ``SERVICE_CLIENTS`` are accepted."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from services.dmp import patient_space, rendering
from services.dmp.errors import DmpInexistant, InsMalforme
from services.dmp.lifecycle import ms
from services.dmp.repository import traces as trace_rows
from services.dmp.schemas import NotificationRead
from shared.app import StrictJsonRoute
from shared.auth import Actor, ServiceActor, TokenError
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, error_responses
from shared.runtime import Runtime

SERVICE_CLIENTS: Final = frozenset({"esante-mssante"})
"""psc clients whose own tokens may use these routes: MSSanté's (seeded in psc, secret = its id)."""


class ServiceProfileRead(BaseModel):
    ins: str
    statut: str = Field(description="invited, opposed, open, activated, closed or deleted (tenant clock)")
    email: str = Field(description="The personal e-mail address notifications go to")
    nom_naissance: str
    prenoms: list[str]
    mineur: bool
    representants: list[str] = Field(description="INS of the legal representatives of a minor")


class ClaimedNotificationRead(NotificationRead):
    ins: str = Field(description="The patient the notification is about")


def require_service(actor: Actor) -> ServiceActor:
    """Only a service token of a client in ``SERVICE_CLIENTS`` (a professional's or patient's is refused)."""
    if not isinstance(actor, ServiceActor) or actor.client_id not in SERVICE_CLIENTS:
        raise Forbidden("this route is reserved to the MSSanté service's own token", rule="service-client")
    return actor


def build_service_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1/services", tags=["services (MSSanté)"], route_class=StrictJsonRoute)

    @router.get(
        "/profiles/{ins}",
        response_model=ServiceProfileRead,
        responses=error_responses(TokenError, Forbidden, DmpInexistant, InsMalforme),
    )
    async def service_profile(
        tenant: TenantDep, actor: ActorDep, ins: Annotated[str, Path(max_length=20)]
    ) -> dict[str, object]:
        """A patient's Mon espace santé status and personal address, for MSSanté's delivery."""
        require_service(actor)
        now = tenant.clock.now()
        with tenant.reading() as conn:
            return patient_space.service_profile(conn, ins, ms(now), now.date())

    @router.post(
        "/notifications/claim",
        response_model=list[ClaimedNotificationRead],
        responses=error_responses(TokenError, Forbidden),
    )
    async def claim_notifications(
        tenant: TenantDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
    ) -> list[dict[str, Any]]:
        """Take the notifications not sent yet, marking them sent (``envoye``) in the same transaction:
        two callers never both get one. MSSanté's outbox e-mails them to the personal addresses."""
        require_service(actor)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            claimed = trace_rows.claim_notifications(conn, now, limit)
        return [{"ins": ins, **rendering.notification(n)} for ins, n in claimed]

    return router
