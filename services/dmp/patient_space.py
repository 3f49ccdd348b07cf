"""The patient's side of Mon espace santé: acting on one's own profile or a represented minor's, the
lifecycle (activation, opposition, closure, reopening), the patient's documents, decisions about
professionals and emergency settings; and the profile as MSSanté reads it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection

from services.dmp import access, lifecycle
from services.dmp.access import Reglages
from services.dmp.documents import (
    Changement,
    Filtre,
    NewDocument,
    action_of,
    applied,
    document_of,
    new_id,
    new_record,
)
from services.dmp.errors import (
    AccesRefuse,
    ActivationRefusee,
    CycleDeVieRefuse,
    DmpFerme,
    DmpInexistant,
    DocumentInconnu,
    ProfessionnelInconnu,
    RepresentationRefusee,
    TypeRefuse,
)
from services.dmp.identities import check_idnat, check_ins, require_profile
from services.dmp.lifecycle import Statut
from services.dmp.records import Acteur, Document, Profile, Trace
from services.dmp.repository import documents as document_rows
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import traces as trace_rows
from services.dmp.typecodes import DEPOSANT_PATIENT, DIRECTIVES_ANTICIPEES, TYPES
from shared.identifiers import is_minor


@dataclass(frozen=True, slots=True)
class PatientContext:
    """The profile a patient token acts on: the person's own, or a minor's they represent."""

    profile: Profile
    representant: bool
    acteur: Acteur


def patient_context(conn: Connection, patient_ins: str, profil: str | None, today: date) -> PatientContext:
    """Own profile (refused for a minor: managed by the legal representatives), or the profile of a
    minor whose legal representative the caller is."""
    target = patient_ins if profil is None else check_ins(profil)
    profile = require_profile(conn, target)
    name = f"{profile.prenoms[0]} {profile.nom_naissance}" if target == patient_ins else ""
    if target == patient_ins:
        if is_minor(profile.date_naissance, today):
            raise RepresentationRefusee(
                "a minor's Mon espace santé is managed by the legal representatives",
                rule="minor-managed-by-representatives",
            )
        return PatientContext(profile, False, Acteur("patient", patient_ins, name))
    if patient_ins not in profile_rows.representants(conn, target):
        raise RepresentationRefusee(
            "the caller is not a legal representative of this person", rule="not-representative"
        )
    if not is_minor(profile.date_naissance, today):
        raise RepresentationRefusee(
            "this person is an adult and manages the profile", rule="representative-of-adult"
        )
    representative = require_profile(conn, patient_ins)
    nom = f"{representative.prenoms[0]} {representative.nom_naissance}"
    return PatientContext(profile, True, Acteur("representant", patient_ins, nom))


def require_activated(statut: Statut) -> None:
    """The patient uses Mon espace santé once it is activated."""
    if statut is Statut.ACTIVATED:
        return
    if statut is Statut.OPEN:
        raise AccesRefuse(
            "activate Mon espace santé first (the code of the invitation)", rule="not-activated"
        )
    access.require_existing(statut)


def activate(conn: Connection, ctx: PatientContext, code: str, now: int) -> None:
    """Activation with the code of the invitation; creates the profile when the six weeks are not over,
    even after an opposition (the person changed their mind)."""
    statut = lifecycle.statut(ctx.profile.dates, now)
    if statut is Statut.ACTIVATED:
        raise CycleDeVieRefuse("Mon espace santé is already activated", rule="already-activated")
    if statut is Statut.CLOSED:
        raise DmpFerme("the profile is closed: reopen it", rule="status-closed")
    if statut is Statut.DELETED:
        raise DmpInexistant("the profile was closed and its data deleted: reopen it", rule="status-deleted")
    given = code.replace("-", "").replace(" ", "").upper()
    if given != ctx.profile.activation_code:
        raise ActivationRefusee("the code is not the one of the invitation", rule="activation-code")
    values: dict[str, object] = {"activated_at": now}
    if statut in (Statut.INVITED, Statut.OPPOSED):
        values.update(created_at=now, opposed_at=None)
    profile_rows.update_profile(conn, ctx.profile.ins, **values)
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "activation", ctx.acteur))


def oppose(conn: Connection, ctx: PatientContext, now: int) -> None:
    """Opposition to the creation, within the six weeks of the invitation."""
    statut = lifecycle.statut(ctx.profile.dates, now)
    if statut is Statut.OPPOSED:
        return
    if statut is not Statut.INVITED:
        raise CycleDeVieRefuse(
            f"the profile exists (status {statut.value}): close it instead", rule="opposition-after-creation"
        )
    profile_rows.update_profile(conn, ctx.profile.ins, opposed_at=now)
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "opposition", ctx.acteur))


def close(conn: Connection, ctx: PatientContext, motif: str | None, now: int) -> None:
    """Closure at any time: the data are archived ten years (CSP R1111-36)."""
    statut = lifecycle.statut(ctx.profile.dates, now)
    if statut not in lifecycle.EXISTS:
        raise CycleDeVieRefuse(
            f"there is no open profile to close (status {statut.value})", rule="close-not-open"
        )
    profile_rows.update_profile(
        conn, ctx.profile.ins, closed_at=now, closure_motif=(motif or "")[:200] or None
    )
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "cloture", ctx.acteur, detail=motif))


def reopen(conn: Connection, ctx: PatientContext, now: int) -> None:
    """Reopening: within ten years the archive comes back; after them, a new empty profile."""
    dates = ctx.profile.dates
    statut = lifecycle.statut(dates, now)
    if statut is Statut.CLOSED:
        profile_rows.update_profile(conn, ctx.profile.ins, closed_at=None, closure_motif=None)
    elif statut is Statut.DELETED:
        document_rows.purge_before(conn, ctx.profile.ins, now)
        profile_rows.update_profile(
            conn,
            ctx.profile.ins,
            closed_at=None,
            closure_motif=None,
            created_at=now,
            activated_at=now,
            opposed_at=None,
            data_since=now,
        )
    else:
        raise CycleDeVieRefuse(f"the profile is not closed (status {statut.value})", rule="reopen-not-closed")
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "reouverture", ctx.acteur))


def patient_documents(conn: Connection, ctx: PatientContext, filtre: Filtre, now: int) -> list[Document]:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    return [
        doc
        for doc in document_rows.list_documents(conn, ctx.profile.ins, ctx.profile.data_since)
        if filtre.match(doc) and access.refus_patient(doc.visibilite, representant=ctx.representant) is None
    ]


def patient_document(conn: Connection, ctx: PatientContext, document_id: str, now: int) -> Document:
    """A document of the profile the patient may see (404 otherwise: its existence is not disclosed)."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    doc = document_of(conn, document_id)
    if (
        doc.ins != ctx.profile.ins
        or doc.deposited_at < (ctx.profile.data_since or 0)
        or access.refus_patient(doc.visibilite, representant=ctx.representant) is not None
    ):
        raise DocumentInconnu(f"no document {document_id!r} in this profile", rule="document-unknown")
    return doc


def patient_deposit(conn: Connection, ctx: PatientContext, new: NewDocument, now: int) -> Document:
    """The patient (or a representative) adds a document of a patient type."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    if new.type_code not in TYPES:
        raise TypeRefuse(f"typeCode {new.type_code[:30]!r} is not accepted by the DMP", rule="type-code")
    if new.type_code not in DEPOSANT_PATIENT:
        raise TypeRefuse(
            f"{new.type_code} is deposited by professionals; a patient uses DOCPAT01-09 or EXPPAT_1-3",
            rule="type-professional-only",
        )
    if new.type_code == DIRECTIVES_ANTICIPEES and ctx.representant:
        raise TypeRefuse(
            "directives anticipées are written by an adult for themself", rule="directives-anticipees-majeur"
        )
    doc_id = new_id()
    doc = new_record(
        replace(new, invisible_patient=False),
        ctx.profile.ins,
        ctx.acteur,
        None,
        now,
        doc_id=doc_id,
        set_id=doc_id,
        version=1,
        replaces=None,
    )
    document_rows.insert_document(conn, doc, new.contenu.data)
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "depot", ctx.acteur, document_id=doc.id))
    return doc


def patient_change(
    conn: Connection, ctx: PatientContext, document_id: str, change: Changement, now: int
) -> Document:
    """The patient hides a document from professionals or shows it again (and may archive it)."""
    doc = patient_document(conn, ctx, document_id, now)
    values = change.values()
    if values:
        document_rows.update_document(conn, doc.id, **values)
        detail = ",".join(f"{k}={'oui' if v else 'non'}" for k, v in sorted(values.items()))
        trace_rows.insert_trace(
            conn,
            ctx.profile.ins,
            Trace(now, action_of(change), ctx.acteur, document_id=doc.id, detail=detail),
        )
    return applied(doc, values)


def patient_delete(conn: Connection, ctx: PatientContext, document_id: str, now: int) -> None:
    doc = patient_document(conn, ctx, document_id, now)
    document_rows.delete_document(conn, doc.id)
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "suppression", ctx.acteur, document_id=doc.id))


def set_professional(conn: Connection, ctx: PatientContext, idnat: str, statut: str, now: int) -> None:
    """Authorise or block a professional (a block refuses every mode)."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    profile_rows.set_lien(conn, ctx.profile.ins, check_idnat(idnat), statut, "", None, now)
    action = "blocage" if statut == "bloque" else "autorisation"
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, action, ctx.acteur, detail=idnat))


def forget_professional(conn: Connection, ctx: PatientContext, idnat: str, now: int) -> None:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    if not profile_rows.delete_lien(conn, ctx.profile.ins, idnat):
        raise ProfessionnelInconnu(f"no decision recorded about {idnat[:40]!r}", rule="idnat-unknown")
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "retrait-decision", ctx.acteur, detail=idnat))


def set_reglages(conn: Connection, ctx: PatientContext, reglages: Reglages, now: int) -> None:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    profile_rows.update_profile(
        conn,
        ctx.profile.ins,
        centre_15=reglages.centre_15,
        bris_de_glace=reglages.bris_de_glace,
        masques_en_urgence=reglages.masques_en_urgence,
    )
    detail = (
        f"centre_15={reglages.centre_15},bris_de_glace={reglages.bris_de_glace},"
        f"masques_en_urgence={reglages.masques_en_urgence}"
    )
    trace_rows.insert_trace(
        conn, ctx.profile.ins, Trace(now, "parametres-urgence", ctx.acteur, detail=detail)
    )


def set_medecin_traitant(conn: Connection, ctx: PatientContext, idnat: str | None, now: int) -> None:
    """The patient declares (or clears) the médecin traitant DMP, who sees masked documents."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    profile_rows.update_profile(
        conn, ctx.profile.ins, medecin_traitant=None if idnat is None else check_idnat(idnat)
    )
    trace_rows.insert_trace(conn, ctx.profile.ins, Trace(now, "medecin-traitant", ctx.acteur, detail=idnat))


# --- services: what MSSanté reads and claims (service_router.py) ----------


def service_profile(conn: Connection, ins: str, now: int, today: date) -> dict[str, object]:
    """A profile's status and personal address, as MSSanté needs them at delivery time."""
    profile = require_profile(conn, check_ins(ins))
    return {
        "ins": profile.ins,
        "statut": lifecycle.statut(profile.dates, now).value,
        "email": profile.email,
        "nom_naissance": profile.nom_naissance,
        "prenoms": list(profile.prenoms),
        "mineur": is_minor(profile.date_naissance, today),
        "representants": list(profile_rows.representants(conn, profile.ins)),
    }
