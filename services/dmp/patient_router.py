"""The patient's endpoints (Mon espace santé, ``/v1/me``): the profile and its lifecycle, documents,
access history, notifications, professionals authorised or blocked, emergency settings. A legal
representative acts on a minor's profile with a token chosen at login for that minor (psc patient issuer,
``represented_ins``)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Connection

from services.dmp import documents, lifecycle, patient_space, rendering
from services.dmp.access import Reglages
from services.dmp.config import get_dmp_settings
from services.dmp.errors import (
    AccesRefuse,
    ActivationRefusee,
    CycleDeVieRefuse,
    DmpFerme,
    DmpInexistant,
    DocumentInconnu,
    DocumentTropGros,
    FormatRefuse,
    InsMalforme,
    ProfessionnelInconnu,
    RepresentationRefusee,
    TypeRefuse,
)
from services.dmp.lifecycle import ms
from services.dmp.repository import documents as document_rows
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import traces as trace_rows
from services.dmp.router import (
    DocumentPath,
    DocumentQueryDep,
    filtre,
)
from services.dmp.schemas import (
    ActivationCreate,
    ClotureCreate,
    DocumentContentRead,
    DocumentRead,
    MedecinTraitantUpdate,
    NotificationRead,
    PatientDocumentCreate,
    PatientDocumentUpdate,
    PatientSearchRead,
    ProfessionnelRead,
    ProfessionnelUpdate,
    ProfileRead,
    ReglagesUpdate,
    TraceRead,
)
from shared.app import PATIENT_TAG, StrictJsonRoute
from shared.auth import Actor, TokenError, require_patient
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, error_responses
from shared.identifiers import is_minor
from shared.runtime import Runtime
from shared.tenants import Tenant

IdNatPath = Annotated[str, Path(description="IdNat of the professional (8 + RPPS)", max_length=40)]
_BASE: Final = (TokenError, Forbidden, RepresentationRefusee, DmpInexistant, InsMalforme)
_ACTIVE: Final = (*_BASE, DmpFerme, AccesRefuse)


def build_patient_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1/me", tags=[PATIENT_TAG], route_class=StrictJsonRoute)
    settings = get_dmp_settings()

    def context(tenant: Tenant, actor: Actor, conn: Connection) -> patient_space.PatientContext:
        """The profile the token acts on: one's own, or the minor its ``represented_ins`` names."""
        patient = require_patient(actor)
        return patient_space.patient_context(
            conn, patient.ins, patient.represented_ins, tenant.clock.now().date()
        )

    @router.get("", response_model=ProfileRead, responses=error_responses(*_BASE))
    async def get_profile(tenant: TenantDep, actor: ActorDep) -> dict[str, Any]:
        """The profile: status (computed from the dates and the tenant clock), settings, representatives."""
        now = ms(tenant.clock.now())
        with tenant.reading() as conn:
            ctx = context(tenant, actor, conn)
            representants = profile_rows.representants(conn, ctx.profile.ins)
            today = tenant.clock.now().date()
            geres: tuple[str, ...] = ()
            if not ctx.representant:
                children = profile_rows.represented_by(conn, ctx.profile.ins)
                geres = tuple(
                    child
                    for child in children
                    if (found := profile_rows.get_profile(conn, child)) is not None
                    and is_minor(found.date_naissance, today)
                )
        statut = lifecycle.statut(ctx.profile.dates, now)
        return rendering.profile(ctx.profile, statut, representants, geres, ctx.representant)

    @router.post(
        "/activation",
        response_model=ProfileRead,
        responses=error_responses(*_BASE, DmpFerme, ActivationRefusee, CycleDeVieRefuse),
    )
    async def activate(tenant: TenantDep, actor: ActorDep, body: ActivationCreate) -> dict[str, Any]:
        """Activate Mon espace santé with the code of the invitation (creates it before the six weeks)."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.activate(conn, context(tenant, actor, conn), body.code, now)
        return await get_profile(tenant, actor)

    @router.post(
        "/opposition", response_model=ProfileRead, responses=error_responses(*_BASE, CycleDeVieRefuse)
    )
    async def oppose(tenant: TenantDep, actor: ActorDep) -> dict[str, Any]:
        """Object to the creation of Mon espace santé (within six weeks of the invitation)."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.oppose(conn, context(tenant, actor, conn), now)
        return await get_profile(tenant, actor)

    @router.post("/cloture", response_model=ProfileRead, responses=error_responses(*_BASE, CycleDeVieRefuse))
    async def close(tenant: TenantDep, actor: ActorDep, body: ClotureCreate) -> dict[str, Any]:
        """Close the profile: its data are archived ten years, then deleted."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.close(conn, context(tenant, actor, conn), body.motif, now)
        return await get_profile(tenant, actor)

    @router.post(
        "/reouverture", response_model=ProfileRead, responses=error_responses(*_BASE, CycleDeVieRefuse)
    )
    async def reopen(tenant: TenantDep, actor: ActorDep) -> dict[str, Any]:
        """Reopen a closed profile: the archive comes back within ten years, else a new empty one."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.reopen(conn, context(tenant, actor, conn), now)
        return await get_profile(tenant, actor)

    @router.get("/documents", response_model=PatientSearchRead, responses=error_responses(*_ACTIVE))
    async def list_my_documents(
        tenant: TenantDep,
        actor: ActorDep,
        query: DocumentQueryDep,
    ) -> dict[str, Any]:
        """The profile's documents the patient sees (not INVISIBLE_PATIENT; for a representative, not
        INVISIBLE_REPRESENTANTS_LEGAUX either)."""
        wanted = filtre(query)
        now = ms(tenant.clock.now())
        with tenant.reading() as conn:
            ctx = context(tenant, actor, conn)
            found = patient_space.patient_documents(conn, ctx, wanted, now)
        return {
            "ins": ctx.profile.ins,
            "total": len(found),
            "documents": [rendering.document(d) for d in found],
        }

    @router.post(
        "/documents",
        status_code=201,
        response_model=DocumentRead,
        responses=error_responses(*_ACTIVE, TypeRefuse, FormatRefuse, DocumentTropGros),
    )
    async def add_my_document(
        tenant: TenantDep, actor: ActorDep, body: PatientDocumentCreate
    ) -> dict[str, Any]:
        """Add a document of one's own (DOCPAT01-09, EXPPAT_1-3; directives anticipées by an adult)."""
        contenu = documents.check_contenu(body.format, body.contenu, settings.max_document_bytes)
        new = documents.NewDocument(
            type_code=body.type_code,
            titre=body.titre,
            date_acte=ms(body.date_acte),
            contenu=contenu,
            masque_ps=body.masque_ps,
            invisible_patient=False,
            invisible_representants=body.invisible_representants_legaux,
        )
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = patient_space.patient_deposit(conn, context(tenant, actor, conn), new, now)
        return rendering.document(doc)

    @router.get(
        "/documents/{document_id}",
        response_model=DocumentContentRead,
        responses=error_responses(*_ACTIVE, DocumentInconnu),
    )
    async def read_my_document(
        tenant: TenantDep, actor: ActorDep, document_id: DocumentPath
    ) -> dict[str, Any]:
        """One of the profile's documents, with its content."""
        now = ms(tenant.clock.now())
        with tenant.reading() as conn:
            doc = patient_space.patient_document(conn, context(tenant, actor, conn), document_id, now)
            contenu = document_rows.get_contenu(conn, doc.id) or b""
        return rendering.document_with_content(doc, contenu)

    @router.patch(
        "/documents/{document_id}",
        response_model=DocumentRead,
        responses=error_responses(*_ACTIVE, DocumentInconnu),
    )
    async def change_my_document(
        tenant: TenantDep,
        actor: ActorDep,
        document_id: DocumentPath,
        body: PatientDocumentUpdate,
    ) -> dict[str, Any]:
        """Hide a document from professionals or show it again (MASQUE_PS); archive it."""
        change = documents.Changement(archived=body.archive, masque_ps=body.masque_ps)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = patient_space.patient_change(conn, context(tenant, actor, conn), document_id, change, now)
        return rendering.document(doc)

    @router.delete(
        "/documents/{document_id}",
        status_code=204,
        response_model=None,
        responses=error_responses(*_ACTIVE, DocumentInconnu),
    )
    async def delete_my_document(tenant: TenantDep, actor: ActorDep, document_id: DocumentPath) -> Response:
        """Delete a document from the profile."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.patient_delete(conn, context(tenant, actor, conn), document_id, now)
        return Response(status_code=204)

    @router.get("/historique", response_model=list[TraceRead], responses=error_responses(*_ACTIVE))
    async def access_history(
        tenant: TenantDep,
        actor: ActorDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """The access history: consultations, deposits, changes, emergency accesses, newest first."""
        now = ms(tenant.clock.now())
        with tenant.reading() as conn:
            ctx = context(tenant, actor, conn)
            patient_space.require_activated(lifecycle.statut(ctx.profile.dates, now))
            rows = trace_rows.list_traces(conn, ctx.profile.ins, limit)
        return [rendering.trace(r) for r in rows]

    @router.get("/notifications", response_model=list[NotificationRead], responses=error_responses(*_BASE))
    async def notifications(
        tenant: TenantDep,
        actor: ActorDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        """Notifications: each professional's first access, every emergency access, new documents."""
        with tenant.reading() as conn:
            ctx = context(tenant, actor, conn)
            items = trace_rows.list_notifications(conn, ctx.profile.ins, limit)
        return [rendering.notification(n) for n in items]

    @router.get(
        "/professionnels", response_model=list[ProfessionnelRead], responses=error_responses(*_ACTIVE)
    )
    async def professionals(tenant: TenantDep, actor: ActorDep) -> list[dict[str, Any]]:
        """The professionals who accessed the profile, were authorised or blocked."""
        with tenant.reading() as conn:
            ctx = context(tenant, actor, conn)
            items = profile_rows.list_liens(conn, ctx.profile.ins)
        return [rendering.lien(i) for i in items]

    @router.put(
        "/professionnels/{idnat}",
        response_model=list[ProfessionnelRead],
        responses=error_responses(*_ACTIVE, ProfessionnelInconnu),
    )
    async def set_professional(
        tenant: TenantDep,
        actor: ActorDep,
        idnat: IdNatPath,
        body: ProfessionnelUpdate,
    ) -> list[dict[str, Any]]:
        """Authorise or block a professional (a blocked professional is refused in every mode)."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            ctx = context(tenant, actor, conn)
            patient_space.set_professional(conn, ctx, idnat, body.statut, now)
            items = profile_rows.list_liens(conn, ctx.profile.ins)
        return [rendering.lien(i) for i in items]

    @router.delete(
        "/professionnels/{idnat}",
        status_code=204,
        response_model=None,
        responses=error_responses(*_ACTIVE, ProfessionnelInconnu),
    )
    async def forget_professional(tenant: TenantDep, actor: ActorDep, idnat: IdNatPath) -> Response:
        """Withdraw an authorisation or lift a block."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.forget_professional(conn, context(tenant, actor, conn), idnat, now)
        return Response(status_code=204)

    @router.put("/parametres-urgence", response_model=ProfileRead, responses=error_responses(*_ACTIVE))
    async def set_emergency_settings(
        tenant: TenantDep, actor: ActorDep, body: ReglagesUpdate
    ) -> dict[str, Any]:
        """Emergency settings: centre-15 access, bris de glace, masked documents in an emergency."""
        now = ms(tenant.clock.now())
        reglages = Reglages(body.centre_15, body.bris_de_glace, body.masques_en_urgence)
        with tenant.unit_of_work() as conn:
            patient_space.set_reglages(conn, context(tenant, actor, conn), reglages, now)
        return await get_profile(tenant, actor)

    @router.put(
        "/medecin-traitant",
        response_model=ProfileRead,
        responses=error_responses(*_ACTIVE, ProfessionnelInconnu),
    )
    async def set_medecin_traitant(
        tenant: TenantDep, actor: ActorDep, body: MedecinTraitantUpdate
    ) -> dict[str, Any]:
        """Declare (or clear) the médecin traitant DMP, who sees the documents masked to professionals."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            patient_space.set_medecin_traitant(conn, context(tenant, actor, conn), body.idnat, now)
        return await get_profile(tenant, actor)

    return router
