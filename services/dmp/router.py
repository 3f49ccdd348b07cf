"""The professionals' endpoints (status, feed, search, read, replace, delete, flags) and the sandbox's
matrix upload. Thin: parse, call the service layer, serialise."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from services.dmp import consultation, documents, identities, matrix_store, metadata, rendering
from services.dmp.access import Mode, parse_mode
from services.dmp.clients import InsiClient
from services.dmp.config import get_dmp_settings
from services.dmp.errors import (
    AccesRefuse,
    AuteurNonAutorise,
    DmpFerme,
    DmpInexistant,
    DocumentEnDouble,
    DocumentInconnu,
    DocumentTropGros,
    FormatRefuse,
    InsIncoherent,
    InsIncomplet,
    InsMalforme,
    InsManquant,
    MatriceInvalide,
    MetadonneeRefusee,
    ModeAccesInvalide,
    PatientInconnu,
    TypeRefuse,
    VersionPerimee,
)
from services.dmp.lifecycle import ms
from services.dmp.records import Document
from services.dmp.schemas import (
    DocumentContentRead,
    DocumentCreate,
    DocumentQuery,
    DocumentRead,
    DocumentUpdate,
    PatientIdentiteCreate,
    SearchRead,
    StatusRead,
)
from shared.app import StrictJsonRoute
from shared.auth import Actor, TokenError, bearer_token, require_professional
from shared.clients import UpstreamError
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, error_responses
from shared.runtime import Runtime
from shared.tenants import Tenant

ACCESS_MODE_HEADER: Final = "X-Access-Mode"
ACCESS_JUSTIFICATION_HEADER: Final = "X-Access-Justification"

AccessMode = Annotated[
    str | None,
    Header(
        alias=ACCESS_MODE_HEADER,
        description="normal (default), bris-de-glace (justification required) or centre-15 (regulators)",
    ),
]
AccessJustification = Annotated[
    str | None,
    Header(alias=ACCESS_JUSTIFICATION_HEADER, description="Why the emergency access (bris de glace)"),
]
InsPath = Annotated[
    str, Path(description="Matricule INS of the patient (15 characters)", examples=["275126322074974"])
]
DocumentPath = Annotated[str, Path(description="Id of the document", max_length=64)]

_ACCESS: Final = (TokenError, Forbidden)
_CONSULT: Final = (*_ACCESS, AccesRefuse, ModeAccesInvalide, InsMalforme, DmpInexistant, DmpFerme)
_FEED: Final = (
    *_ACCESS,
    InsManquant,
    InsIncomplet,
    InsIncoherent,
    PatientInconnu,
    InsMalforme,
    DmpInexistant,
    DmpFerme,
    TypeRefuse,
    FormatRefuse,
    MetadonneeRefusee,
    DocumentTropGros,
    UpstreamError,
)


def filtre(query: DocumentQuery) -> documents.Filtre:
    """The service's criteria from a search's query parameters."""
    return documents.Filtre(
        type_codes=None if not query.type_code else frozenset(query.type_code),
        date_from=None if query.date_acte_min is None else ms(query.date_acte_min),
        date_to=None if query.date_acte_max is None else ms(query.date_acte_max),
        auteur=query.auteur,
        statut=query.statut,
    )


def identite_of(body: PatientIdentiteCreate | None) -> identities.Identite | None:
    if body is None:
        return None
    return identities.Identite(
        matricule=body.matricule,
        oid=body.oid,
        nom_naissance=body.nom_naissance,
        prenoms=tuple(p for p in body.prenoms if p.strip()),
        sexe=body.sexe,
        date_naissance=body.date_naissance,
        lieu_naissance=body.lieu_naissance,
    )


DocumentQueryDep = Annotated[DocumentQuery, Query()]


class Feeder:
    """What every feed (JSON or FHIR, deposit or replacement) checks before the database: the INS
    (903, 905, 904, then INSi: 902, 904), the format and the size."""

    def __init__(self, runtime: Runtime) -> None:
        settings = get_dmp_settings()
        self.max_bytes = settings.max_document_bytes
        self.insi = InsiClient(runtime, idam=settings.insi_idam, cache_seconds=settings.insi_cache_seconds)

    async def new_document(
        self,
        request: Request,
        tenant: Tenant,
        path_ins: str,
        identite: identities.Identite | None,
        *,
        type_code: str,
        titre: str,
        date_acte: datetime,
        format_: str,
        contenu_b64: str,
        confidentialite: list[str],
        given: metadata.Given,
    ) -> documents.NewDocument:
        checked = identities.check_identite(path_ins, identite)
        contenu = documents.check_contenu(format_, contenu_b64, self.max_bytes)
        verdict = await self.insi.verify(tenant, bearer_token(request.headers.get("authorization")), checked)
        identities.check_verdict(verdict, path_ins)
        masque, invisible_patient, invisible_rep = documents.flags(confidentialite)
        return documents.NewDocument(
            type_code=type_code,
            titre=titre,
            date_acte=ms(date_acte),
            contenu=contenu,
            masque_ps=masque,
            invisible_patient=invisible_patient,
            invisible_representants=invisible_rep,
            given=given,
        )

    async def from_body(
        self, request: Request, tenant: Tenant, path_ins: str, body: DocumentCreate
    ) -> documents.NewDocument:
        return await self.new_document(
            request,
            tenant,
            path_ins,
            identite_of(body.patient),
            type_code=body.type_code,
            titre=body.titre,
            date_acte=body.date_acte,
            format_=body.format,
            contenu_b64=body.contenu,
            confidentialite=list(body.confidentialite),
            given=metadata.Given(
                unique_id=body.identifiant_unique,
                facility_type=body.secteur_activite,
                practice_setting=body.cadre_exercice,
                format_code=body.code_format,
                events=tuple(metadata.Coded(e.system, e.code, e.libelle) for e in body.evenements),
                references=tuple(metadata.Coded(r.system, r.valeur) for r in body.references),
            ),
        )


def read_as_professional(
    tenant: Tenant,
    actor: Actor,
    document_id: str,
    access_mode: str | None,
    access_justification: str | None,
) -> tuple[Document, bytes, consultation.Session]:
    """TD3.2 for any door (JSON, FHIR): a professional reads one document, by the access mode, the
    matrix and the patient's settings; the access is traced in the same unit of work."""
    pro = require_professional(actor)
    mode = parse_mode(access_mode)
    now = ms(tenant.clock.now())
    with tenant.unit_of_work() as conn:
        matrice = matrix_store.matrice_of(conn)
        return consultation.read(conn, document_id, pro, mode, access_justification, matrice, now)


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["professionals"], route_class=StrictJsonRoute)
    settings = get_dmp_settings()
    feeder = Feeder(runtime)

    @router.get(
        "/patients/{ins}/status",
        response_model=StatusRead,
        response_model_exclude_unset=True,
        responses=error_responses(*_ACCESS, InsMalforme),
    )
    async def get_status(tenant: TenantDep, actor: ActorDep, ins: InsPath) -> dict[str, Any]:
        """TD0.2: whether the patient has a DMP, its status, and this professional's authorisation."""
        pro = require_professional(actor)
        matricule = identities.check_ins(ins)
        now = ms(tenant.clock.now())
        with tenant.reading() as conn:
            return rendering.status(consultation.status(conn, matricule, pro, now))

    @router.post(
        "/patients/{ins}/documents",
        status_code=201,
        response_model=DocumentRead,
        responses=error_responses(*_FEED, DocumentEnDouble),
    )
    async def deposit_document(
        request: Request, tenant: TenantDep, actor: ActorDep, ins: InsPath, body: DocumentCreate
    ) -> dict[str, Any]:
        """TD2: feed the DMP with a document (INS checked with INSi: 902, 903, 904, 905)."""
        pro = require_professional(actor)
        matricule = identities.check_ins(ins)
        new = await feeder.from_body(request, tenant, matricule, body)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = documents.deposit(conn, documents.Deposit(matricule, pro, new, now))
        return rendering.document(doc)

    @router.get(
        "/patients/{ins}/documents",
        response_model=SearchRead,
        responses=error_responses(*_CONSULT),
    )
    async def search_documents(
        tenant: TenantDep,
        actor: ActorDep,
        ins: InsPath,
        query: DocumentQueryDep,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> dict[str, Any]:
        """TD3.1: the documents this professional may see (matrix, masking, mode), newest act first."""
        pro = require_professional(actor)
        matricule = identities.check_ins(ins)
        mode = parse_mode(access_mode)
        wanted = filtre(query)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            matrice = matrix_store.matrice_of(conn)
            search = consultation.Search(matricule, pro, mode, access_justification, wanted, matrice, now)
            _, found, invisibles = consultation.search_documents(conn, search)
        return rendering.search(matricule, found[: settings.search_limit], invisibles)

    @router.get(
        "/documents/{document_id}",
        response_model=DocumentContentRead,
        responses=error_responses(*_CONSULT, DocumentInconnu),
    )
    async def read_document(
        tenant: TenantDep,
        actor: ActorDep,
        document_id: DocumentPath,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> dict[str, Any]:
        """TD3.2: one document with its content (base64), when the rules let this professional see it."""
        doc, contenu, _ = read_as_professional(tenant, actor, document_id, access_mode, access_justification)
        return rendering.document_with_content(doc, contenu)

    @router.post(
        "/documents/{document_id}/replace",
        status_code=201,
        response_model=DocumentRead,
        responses=error_responses(
            *_FEED, DocumentInconnu, AuteurNonAutorise, VersionPerimee, DocumentEnDouble
        ),
    )
    async def replace_document(
        request: Request, tenant: TenantDep, actor: ActorDep, document_id: DocumentPath, body: DocumentCreate
    ) -> dict[str, Any]:
        """TD2.1: a new version of a document (its author only, 901; the current version only, 900)."""
        pro = require_professional(actor)
        with tenant.reading() as conn:
            old = documents.document_of(conn, document_id)
        new = await feeder.from_body(request, tenant, old.ins, body)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = documents.replace_document(conn, document_id, pro, new, body.version_attendue, now)
        return rendering.document(doc)

    @router.patch(
        "/documents/{document_id}",
        response_model=DocumentRead,
        responses=error_responses(*_ACCESS, DocumentInconnu, AuteurNonAutorise, DmpInexistant, DmpFerme),
    )
    async def update_document(
        tenant: TenantDep, actor: ActorDep, document_id: DocumentPath, body: DocumentUpdate
    ) -> dict[str, Any]:
        """TD3.3a/b/d: mask or unmask, show to or hide from the patient, archive (the author only, 901)."""
        pro = require_professional(actor)
        change = documents.Changement(
            archived=body.archive,
            masque_ps=body.masque_ps,
            invisible_patient=body.invisible_patient,
            invisible_representants=body.invisible_representants_legaux,
        )
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = documents.change_by_professional(conn, document_id, pro, change, now)
        return rendering.document(doc)

    @router.delete(
        "/documents/{document_id}",
        status_code=204,
        response_model=None,
        responses=error_responses(*_ACCESS, DocumentInconnu, AuteurNonAutorise, DmpInexistant, DmpFerme),
    )
    async def delete_document(tenant: TenantDep, actor: ActorDep, document_id: DocumentPath) -> Response:
        """TD3.3c: delete a document (its author only, 901)."""
        pro = require_professional(actor)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            documents.delete_by_professional(conn, document_id, pro, now)
        return Response(status_code=204)

    return router


def build_sandbox_router(runtime: Runtime) -> APIRouter:
    """Sandbox-only routes (no token): the tenant's habilitation matrix."""
    router = APIRouter(prefix="/sandbox", tags=["sandbox"], route_class=StrictJsonRoute)

    @router.get(
        "/matrice",
        response_model=None,
        responses={200: {"description": "The matrix, every row as typeCodes"}},
    )
    async def get_matrix(tenant: TenantDep) -> dict[str, Any]:
        """The tenant's habilitation matrix (the default one unless a file was uploaded)."""
        with tenant.reading() as conn:
            return matrix_store.matrice_of(conn).as_document()

    @router.put("/matrice", response_model=None, responses=error_responses(MatriceInvalide))
    async def upload_matrix(
        tenant: TenantDep,
        document: Annotated[
            dict[str, Any],
            Body(
                description="The matrix file (JSON, see the service description)",
                examples=[{"lignes": [{"profession": "60", "savoir_faire": None, "autorise": ["synthese"]}]}],
            ),
        ],
    ) -> dict[str, Any]:
        """Replace the tenant's habilitation matrix with an uploaded file."""
        uploaded = matrix_store.upload(tenant, rendering.dumps(document), ms(tenant.clock.now()))
        return uploaded.as_document()

    @router.delete("/matrice", response_model=None)
    async def restore_matrix(tenant: TenantDep) -> dict[str, Any]:
        """Go back to the default habilitation matrix."""
        return matrix_store.restore_default(tenant).as_document()

    return router


__all__ = [
    "ACCESS_JUSTIFICATION_HEADER",
    "ACCESS_MODE_HEADER",
    "Mode",
    "build_router",
    "build_sandbox_router",
]
