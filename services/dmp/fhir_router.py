"""The FHIR R4 facade: the same rules as the JSON API, resources in FHIR, errors as OperationOutcome."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, Final, NamedTuple

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection

from services.dmp import consultation, documents, fhir, identities, lifecycle, matrix_store, rendering
from services.dmp.access import parse_mode
from services.dmp.errors import DmpInexistant, DocumentInconnu, FhirInvalide
from services.dmp.lifecycle import ms
from services.dmp.records import Document, Profile
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import submissions
from services.dmp.router import AccessJustification, AccessMode, DocumentPath, Feeder, read_as_professional
from services.dmp.schemas import DocumentReferenceSearch, FhirResource, OperationOutcome
from shared.app import BINARY, StrictJsonRoute
from shared.auth import ProfessionalActor, require_professional
from shared.dependencies import ActorDep, TenantDep
from shared.errors import SandboxError
from shared.runtime import Runtime
from shared.tenants import Tenant

_INSTANT: Final = TypeAdapter(datetime)
_OUTCOME: Final[dict[int | str, dict[str, Any]]] = {
    status: {"description": "OperationOutcome", "model": OperationOutcome}
    for status in (400, 401, 403, 404, 409, 413, 422, 502)
}


def _answers(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A FHIR route's answers: the resource it returns, or an OperationOutcome."""
    return {status: {"description": description, "model": FhirResource}, **_OUTCOME}


class FhirResponse(JSONResponse):
    """What every FHIR route answers (so its docs say ``application/fhir+json``, as it sends)."""

    media_type = fhir.FHIR_JSON


def _fhir(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(rendering.dumps(body), status_code=status, media_type=fhir.FHIR_JSON, headers=headers)


class FhirRoute(StrictJsonRoute):
    """Every error of a FHIR route, the sandbox's or a validation error, answers an OperationOutcome."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SandboxError as exc:
                return _fhir(fhir.operation_outcome(exc), exc.status, exc.headers)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
                )
                error = FhirInvalide(problems or "invalid request", rule="fhir-resource")
                return _fhir(fhir.operation_outcome(error), 400)

        return route


_ITI67_PARAMETERS: Final = frozenset(
    field.alias or name for name, field in DocumentReferenceSearch.model_fields.items()
)
"""The search parameters ITI-67 serves (the others are ignored, or refused when strict)."""
_ITI66_PARAMETERS: Final = frozenset(
    {"patient", "patient.identifier", "code", "status", "date", "designationType", "identifier", "sourceId"}
)


PatientIdentifier = Annotated[
    str | None, Query(alias="patient.identifier", description="urn:oid:1.2.250.1.213.1.4.8|<INS>")
]
PatientReference = Annotated[
    str | None, Query(max_length=300, description="The Patient: `Patient/<INS>` or its absolute URL")
]
Prefer = Annotated[str | None, Header(description="handling=strict refuses unknown parameters")]


class Prepared(NamedTuple):
    previous: str | None
    """The document a replacement replaces."""
    ins: str
    new: documents.NewDocument


def active_profile(tenant: Tenant, matricule: str) -> Profile | None:
    """The patient's profile when their DMP exists at the tenant's date (open, activated or closed
    with its archive: what the JSON status calls existing)."""
    now = ms(tenant.clock.now())
    with tenant.reading() as conn:
        found = profile_rows.get_profile(conn, matricule)
    return found if found is not None and lifecycle.statut(found.dates, now) in lifecycle.EXISTS else None


def build_fhir_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(
        prefix="/fhir",
        tags=["FHIR R4 (PDSm / IHE MHD)"],
        route_class=FhirRoute,
        default_response_class=FhirResponse,
    )
    feeder = Feeder(runtime)

    def base(request: Request) -> str:
        """The facade's absolute URL: the configured public URL (else the request's origin), the mount
        prefix (``/dmp``), ``/fhir``; every URL the facade writes starts with it."""
        public = runtime.settings.public_url
        origin = public.rstrip("/") if public else f"{request.url.scheme}://{request.url.netloc}"
        return f"{origin}{request.scope.get('root_path', '')}/fhir"

    @router.get("/metadata", response_model=None, responses=_answers(200, "The CapabilityStatement"))
    async def metadata(request: Request) -> Response:
        """The facade's CapabilityStatement (R4): what it serves, as an IHE MHD Document Responder, and
        where to get a token (psc's OAuth endpoints in `rest.security`)."""
        issuer = runtime.settings.issuer
        return _fhir(fhir.capability_statement(base(request), issuer))

    @router.get(
        "/.well-known/smart-configuration",
        response_model=None,
        response_class=JSONResponse,
        responses={200: {"description": "SMART App Launch configuration"}},
    )
    async def smart_configuration() -> Response:
        """How a FHIR client finds psc's authorization and token endpoints (SMART App Launch 2.0)."""
        return JSONResponse(fhir.smart_configuration(runtime.settings.issuer))

    @router.get("/Patient", response_model=None, responses=_answers(200, "Bundle of Patient"))
    async def search_patient(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        identifier: Annotated[str, Query(description="urn:oid:1.2.250.1.213.1.4.8|<INS>")],
    ) -> Response:
        """Whether the patient has an active DMP: one Patient entry, or none."""
        require_professional(actor)
        found = active_profile(tenant, identities.check_ins(fhir.parse_identifier(identifier, "identifier")))
        return _fhir(fhir.bundle([] if found is None else [fhir.patient(found)], base(request)))

    @router.get("/Patient/{ins}", response_model=None, responses=_answers(200, "The Patient"))
    async def read_patient(
        tenant: TenantDep, actor: ActorDep, ins: Annotated[str, Path(max_length=40)]
    ) -> Response:
        """The patient whose id is their INS, when they have an active DMP (404 otherwise)."""
        require_professional(actor)
        found = active_profile(tenant, identities.check_ins(ins))
        if found is None:
            raise DmpInexistant(f"no active DMP for {ins!r}", rule="dmp-exists")
        return _fhir(fhir.patient(found))

    async def prepared(request: Request, tenant: Tenant, resource: dict[str, Any]) -> Prepared:
        """What a provided DocumentReference asks to store, checked as every deposit is (the INS with
        INSi, the content); nothing is written."""
        fields = fhir.document_fields(resource)
        identite = fhir.identite(resource)
        previous = fhir.replaces(resource)
        try:
            date_acte = _INSTANT.validate_python(fields["date_acte"])
        except ValidationError:
            raise FhirInvalide("context.period.start is not an instant", rule="fhir-resource") from None
        if date_acte.tzinfo is None:
            raise FhirInvalide("context.period.start needs a time zone", rule="fhir-resource")
        if previous is None:
            path_ins = identities.check_ins((identite.matricule if identite else None) or "")
        else:
            with tenant.reading() as conn:
                path_ins = documents.document_of(conn, previous).ins
        new = await feeder.new_document(
            request,
            tenant,
            path_ins,
            identite,
            type_code=fields["type_code"],
            titre=fields["titre"],
            date_acte=date_acte,
            format_=fields["format"],
            contenu_b64=fields["contenu"],
            confidentialite=fields["confidentialite"],
            given=fields["given"],
        )
        return Prepared(previous, path_ins, new)

    def stored(conn: Connection, pro: ProfessionalActor, asked: Prepared, now: int) -> Document:
        if asked.previous is None:
            return documents.deposit(conn, documents.Deposit(asked.ins, pro, asked.new, now))
        return documents.replace_document(conn, asked.previous, pro, asked.new, None, now)

    @router.post(
        "",
        response_model=None,
        responses=_answers(200, "The transaction-response Bundle: a Location per entry"),
    )
    async def provide_document_bundle(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        body: Annotated[
            dict[str, Any],
            Body(media_type=fhir.FHIR_JSON, description="A transaction Bundle (MHD Comprehensive)"),
        ],
    ) -> Response:
        """ITI-65 Provide Document Bundle: a SubmissionSet List, its DocumentReferences and their Binaries
        (or inline `attachment.data`). All or nothing: one refused document writes nothing, and the
        OperationOutcome names its entry (`Bundle.entry[i]`) and the DMP's code. `relatesTo` `replaces`
        replaces a document (its author only; the old one becomes superseded)."""
        pro = require_professional(actor)
        try:
            provided = fhir.provided_bundle(body)
            asked: list[Prepared] = []
            for document in provided.documents:
                try:
                    asked.append(await prepared(request, tenant, document.resource))
                except SandboxError as exc:
                    raise fhir.BundleEntryError(document.index, exc) from exc
            ins = asked[0].ins
            for document, each in zip(provided.documents, asked, strict=True):
                if each.ins != ins:
                    raise fhir.BundleEntryError(
                        document.index,
                        FhirInvalide("a bundle provides documents of one patient", rule="fhir-bundle"),
                    )
            submission = provided.submission
            fhir.check_subject(submission, ins)
            now = ms(tenant.clock.now())
            with tenant.unit_of_work() as conn:
                docs: dict[str, Document] = {}
                for document, each in zip(provided.documents, asked, strict=True):
                    try:
                        docs[document.full_url] = stored(conn, pro, each, now)
                    except SandboxError as exc:
                        raise fhir.BundleEntryError(document.index, exc) from exc
                submission_id = documents.new_id()
                submissions.insert_submission(
                    conn,
                    submissions.SubmissionSet(
                        id=submission_id,
                        ins=ins,
                        unique_id=submission.unique_id,
                        source_id=submission.source_id,
                        designation_system=submission.designation[0],
                        designation_code=submission.designation[1],
                        designation_display=submission.designation[2],
                        title=submission.title,
                        author_id=pro.idnat,
                        author_nom=f"{pro.prenom} {pro.nom}".strip(),
                        submitted_at=now,
                        document_ids=tuple(docs[url].id for url in submission.document_urls),
                    ),
                )
        except fhir.BundleEntryError as exc:
            outcome = fhir.operation_outcome(exc.error, expression=f"Bundle.entry[{exc.index}]")
            return _fhir(outcome, exc.error.status, exc.error.headers)
        url = base(request)
        by_index = {d.index: docs[d.full_url] for d in provided.documents}
        locations = []
        for index in range(len(body["entry"])):
            if index == submission.index:
                locations.append(f"{url}/List/{submission_id}")
            elif index in by_index:
                locations.append(f"{url}/DocumentReference/{by_index[index].id}")
            else:
                locations.append(f"{url}/Binary/{docs[provided.binaries[index]].id}")
        return _fhir(fhir.transaction_response(locations))

    def visible_sets(
        tenant: Tenant,
        pro: ProfessionalActor,
        matricule: str,
        submission_id: str | None,
        access_mode: str | None,
        access_justification: str | None,
    ) -> tuple[list[submissions.SubmissionSet], set[str]]:
        """The patient's submission sets and the ids of the documents this professional may see, by
        the rules of a search (the access is traced as a search's)."""
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            search = consultation.Search(
                matricule,
                pro,
                parse_mode(access_mode),
                access_justification,
                documents.Filtre(statut="all"),
                matrix_store.matrice_of(conn),
                now,
            )
            _, found, _ = consultation.search_documents(conn, search)
            sets = submissions.submissions_of(conn, matricule, submission_id)
        return sets, {d.id for d in found}

    @router.get("/List/{list_id}", response_model=None, responses=_answers(200, "The SubmissionSet List"))
    async def read_list(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        list_id: DocumentPath,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> Response:
        """A SubmissionSet, with the documents of it this professional may see (404 when none)."""
        pro = require_professional(actor)
        with tenant.reading() as conn:
            ins = submissions.ins_of_submission(conn, list_id)
        if ins is None:
            raise DocumentInconnu(f"no submission set {list_id!r}", rule="submission-set-exists")
        sets, visible = visible_sets(tenant, pro, ins, list_id, access_mode, access_justification)
        entries = [d for d in sets[0].document_ids if d in visible] if sets else []
        if not entries:
            raise DocumentInconnu(f"no submission set {list_id!r}", rule="submission-set-exists")
        return _fhir(fhir.submission_set(sets[0], base(request), entries))

    @router.get("/List", response_model=None, responses=_answers(200, "Bundle of SubmissionSet List"))
    async def find_document_lists(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        patient_identifier: PatientIdentifier = None,
        patient: PatientReference = None,
        code: Annotated[
            str | None, Query(max_length=300, description="submissionset (folders: none)")
        ] = None,
        status: Annotated[str | None, Query(max_length=100, description="current")] = None,
        date: Annotated[
            list[str] | None, Query(max_length=2, description="When it was submitted: ge2026-01-01...")
        ] = None,
        designation_type: Annotated[
            str | None,
            Query(alias="designationType", max_length=500, description="[system|]code, comma: either"),
        ] = None,
        identifier: Annotated[
            str | None,
            Query(max_length=500, description="uniqueId (urn:oid:...) or entryUUID (urn:uuid:...)"),
        ] = None,
        source_id: Annotated[
            str | None, Query(alias="sourceId", max_length=500, description="[system|]OID")
        ] = None,
        prefer: Prefer = None,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> Response:
        """ITI-66 Find Document Lists: the patient's SubmissionSets, each with the documents this
        professional may see (a set with none is left out), newest first."""
        pro = require_professional(actor)
        fhir.check_strict(prefer, request.query_params, _ITI66_PARAMETERS)
        matricule = identities.check_ins(fhir.searched_patient(patient, patient_identifier))
        low, high = fhir.ms_bounds(date or [])
        sets, visible = visible_sets(tenant, pro, matricule, None, access_mode, access_justification)
        wanted = fhir.ListCriteria(
            codes=fhir.codes_of(code),
            statuses=fhir.codes_of(status),
            low=low,
            high=high,
            designations=fhir.codes_of(designation_type),
            identifiers=fhir.codes_of(identifier),
            source_ids=fhir.codes_of(source_id),
        )
        url = base(request)
        found = []
        for each in sets:
            entries = [d for d in each.document_ids if d in visible]
            if entries and wanted.match(each):
                found.append(fhir.submission_set(each, url, entries))
        return _fhir(fhir.bundle(found, url))

    @router.post(
        "/DocumentReference",
        status_code=201,
        response_model=None,
        responses=_answers(201, "The DocumentReference stored"),
    )
    async def provide_document(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        resource: Annotated[
            dict[str, Any], Body(media_type=fhir.FHIR_JSON, description="A DocumentReference")
        ],
    ) -> Response:
        """Feed one DocumentReference (contained Patient with the INS and traits, inline attachment), the
        single-resource form of ITI-65; ``relatesTo`` ``replaces`` makes it a new version of another."""
        pro = require_professional(actor)
        asked = await prepared(request, tenant, resource)
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            doc = stored(conn, pro, asked, now)
            oid = identities.profile_oid(conn, doc.ins)
        location = f"{base(request)}/DocumentReference/{doc.id}"
        return _fhir(fhir.document_reference(doc, oid, base(request)), 201, {"Location": location})

    @router.get(
        "/DocumentReference",
        response_model=None,
        responses=_answers(200, "Bundle of DocumentReference"),
    )
    async def find_document_references(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        query: Annotated[DocumentReferenceSearch, Query()],
        prefer: Prefer = None,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> Response:
        """ITI-67: the DocumentReferences this professional may see, by the same rules as the JSON API.
        Paged by `_count` (`Bundle.link` `next`); an unknown parameter is ignored, as FHIR's lenient
        handling says, or refused under `Prefer: handling=strict`."""
        pro = require_professional(actor)
        fhir.check_strict(prefer, request.query_params, _ITI67_PARAMETERS)
        matricule = identities.check_ins(fhir.searched_patient(query.patient, query.patient_identifier))
        mode = parse_mode(access_mode)
        low, high = fhir.ms_bounds([*(query.period or []), *(query.creation or [])])
        date_low, date_high = fhir.ms_bounds(query.date or [])
        also = fhir.DocumentCriteria(
            identifiers=fhir.codes_of(query.identifier),
            date_low=date_low,
            date_high=date_high,
            author_given=query.author_given,
            author_family=query.author_family,
            security_labels=fhir.codes_of(query.security_label),
            facilities=fhir.codes_of(query.facility),
            settings=fhir.codes_of(query.setting),
            formats=fhir.codes_of(query.format),
            events=fhir.codes_of(query.event),
            related=fhir.codes_of(query.related),
        )
        wanted = documents.Filtre(
            type_codes=fhir.searched_types(query.type, query.category),
            date_from=low,
            date_to=high,
            statut=query.status or "all",
        )
        now = ms(tenant.clock.now())
        with tenant.unit_of_work() as conn:
            matrice = matrix_store.matrice_of(conn)
            search = consultation.Search(matricule, pro, mode, access_justification, wanted, matrice, now)
            session, found, _ = consultation.search_documents(conn, search)
        found = tuple(d for d in found if also.match(d))
        oid = session.profile.oid
        url = base(request)
        page = found[query.offset : query.offset + query.count]
        links = fhir.page_links(
            f"{url}/DocumentReference",
            request.query_params.multi_items(),
            query.offset,
            query.count,
            len(found),
        )
        resources = [fhir.document_reference(d, oid, url) for d in page]
        return _fhir(fhir.bundle(resources, url, total=len(found), links=links))

    @router.get(
        "/DocumentReference/{document_id}",
        response_model=None,
        responses=_answers(200, "The DocumentReference with its content"),
    )
    async def read_document_reference(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        document_id: DocumentPath,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> Response:
        """One DocumentReference with its attachment data, when the rules let this professional see it."""
        doc, contenu, session = read_as_professional(
            tenant, actor, document_id, access_mode, access_justification
        )
        return _fhir(fhir.document_reference(doc, session.profile.oid, base(request), contenu))

    @router.patch(
        "/DocumentReference/{document_id}",
        response_model=None,
        responses=_answers(200, "The DocumentReference after the patch"),
    )
    async def patch_document_reference(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        document_id: DocumentPath,
        operations: Annotated[
            list[dict[str, Any]],
            Body(
                media_type="application/json-patch+json",
                description="JSON Patch on securityLabel, status (entered-in-error deletes), isArchived",
            ),
        ],
    ) -> Response:
        """Mask or show (securityLabel MASQUE_PS / INVISIBLE_PATIENT), archive (isArchived) or delete
        (status entered-in-error) a document: its author only (901)."""
        pro = require_professional(actor)
        now = ms(tenant.clock.now())
        url = base(request)
        with tenant.unit_of_work() as conn:
            doc = documents.document_of(conn, document_id)
            oid = identities.profile_oid(conn, doc.ins)
            patched = fhir.apply_patch(fhir.document_reference(doc, oid, url), operations)
            status, archived, codes = fhir.patched_state(patched)
            if status == "entered-in-error":
                documents.delete_by_professional(conn, document_id, pro, now)
                doc = documents.document_of_any(conn, document_id)
            elif status != fhir.document_reference(doc, oid, url)["status"]:
                raise FhirInvalide(
                    "status changes only to entered-in-error (replace to supersede)", rule="fhir-patch"
                )
            else:
                doc = documents.change_by_professional(
                    conn,
                    document_id,
                    pro,
                    documents.Changement(
                        archived=archived,
                        masque_ps="MASQUE_PS" in codes,
                        invisible_patient="INVISIBLE_PATIENT" in codes,
                        invisible_representants="INVISIBLE_REPRESENTANTS_LEGAUX" in codes,
                    ),
                    now,
                )
        return _fhir(fhir.document_reference(doc, oid, url))

    @router.get(
        "/Binary/{document_id}",
        response_model=None,
        responses={
            **_OUTCOME,
            200: {
                "description": "The document's bytes in its own media type, or a Binary for FHIR JSON",
                "content": {
                    **{stored: {"schema": BINARY} for stored in sorted(set(documents.FORMATS.values()))},
                    fhir.FHIR_JSON: {"schema": {"$ref": "#/components/schemas/FhirResource"}},
                },
            },
        },
    )
    async def read_binary(
        request: Request,
        tenant: TenantDep,
        actor: ActorDep,
        document_id: DocumentPath,
        access_mode: AccessMode = None,
        access_justification: AccessJustification = None,
    ) -> Response:
        """ITI-68 Retrieve Document, the target of every `attachment.url`: the document's bytes, by the
        rules of a read; a `Binary` resource when `Accept` asks for FHIR JSON."""
        doc, contenu, _ = read_as_professional(tenant, actor, document_id, access_mode, access_justification)
        accept = request.headers.get("accept", "")
        if fhir.FHIR_JSON in accept or "application/json" in accept:
            return _fhir(fhir.binary(doc, contenu))
        return Response(contenu, media_type=doc.format)

    return router
