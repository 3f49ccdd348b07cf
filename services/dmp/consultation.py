"""A professional's consultation of a DMP (TD0.2 status, TD3.1 search, TD3.2 read) in each access
mode, and what it records: the trace, the first access (with the presumed consent) and the patient's
notifications of a first or an emergency access."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from services.dmp import access, lifecycle
from services.dmp.access import EMERGENCY, Acces, Lien, Mode
from services.dmp.documents import Filtre, document_of
from services.dmp.errors import AccesRefuse, DocumentInconnu
from services.dmp.identities import acteur_of, no_profile, professionnel_of
from services.dmp.lifecycle import Statut
from services.dmp.matrice import Matrice
from services.dmp.records import Acteur, Document, Profile, Trace
from services.dmp.repository import documents as document_rows
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import traces as trace_rows
from shared.auth import ProfessionalActor


def status(conn: Connection, ins: str, actor: ProfessionalActor, now: int) -> dict[str, object]:
    """TD0.2: existence and status of the DMP, the professional's authorisation, médecin traitant DMP."""
    found = profile_rows.get_profile_and_lien(conn, ins, actor.idnat)
    if found is None:
        return {"ins": ins, "dmp": "inconnu", "statut": None, "autorisation": "non-autorise"}
    profile, lien, _ = found
    statut = lifecycle.statut(profile.dates, now)
    closed = statut in (Statut.CLOSED, Statut.DELETED)
    return {
        "ins": ins,
        "nom_naissance": profile.nom_naissance,
        "prenoms": list(profile.prenoms),
        "dmp": lifecycle.TD02[statut],
        "statut": statut.value,
        "mon_espace_sante": statut is Statut.ACTIVATED,
        "date_fermeture": profile.dates.closed_at if closed else None,
        "motif_fermeture": profile.closure_motif if closed else None,
        "autorisation": "bloque"
        if lien == "bloque"
        else "autorise"
        if lien == "autorise"
        else "non-autorise",
        "medecin_traitant_dmp": profile.medecin_traitant == actor.idnat,
        "centre_15_autorise": profile.reglages.centre_15,
        "bris_de_glace_autorise": profile.reglages.bris_de_glace,
    }


@dataclass(frozen=True, slots=True)
class Session:
    """A granted consultation: the profile and what the access lets the professional see."""

    profile: Profile
    acces: Acces
    acteur: Acteur
    justification: str | None
    accessed_before: bool


def _kept_justification(mode: Mode, justification: str | None) -> str | None:
    """The justification recorded with an emergency access (none for a normal one)."""
    if mode is Mode.NORMAL:
        return None
    return (justification or "").strip()[: access.JUSTIFICATION_MAX] or None


def _grant(
    found: tuple[Profile, str | None, bool] | None,
    ins: str,
    actor: ProfessionalActor,
    mode: Mode,
    justification: str | None,
    matrice: Matrice,
    now: int,
) -> Session:
    if found is None:
        raise no_profile(ins)
    profile, lien, accessed_before = found
    granted = access.consultation(
        lifecycle.statut(profile.dates, now),
        professionnel_of(actor),
        Lien(
            bloque=lien == "bloque",
            autorise=lien == "autorise",
            medecin_traitant=profile.medecin_traitant == actor.idnat,
        ),
        profile.reglages,
        mode,
        justification,
        matrice,
    )
    return Session(
        profile, granted, acteur_of(actor), _kept_justification(mode, justification), accessed_before
    )


def consult(
    conn: Connection,
    ins: str,
    actor: ProfessionalActor,
    mode: Mode,
    justification: str | None,
    matrice: Matrice,
    now: int,
) -> Session:
    """Grant (or refuse, naming the rule) a professional's consultation of the DMP ``ins``."""
    access.check_mode(professionnel_of(actor), mode, justification)
    found = profile_rows.get_profile_and_lien(conn, ins, actor.idnat)
    return _grant(found, ins, actor, mode, justification, matrice, now)


@dataclass(frozen=True, slots=True)
class Search:
    """A professional's search (TD3.1) as asked: the DMP, the caller, the access and the criteria."""

    ins: str
    actor: ProfessionalActor
    mode: Mode
    justification: str | None
    filtre: Filtre
    matrice: Matrice
    now: int


Found = tuple[Session, tuple[Document, ...], int]
"""A search's answer: the session, the documents shown (newest act first), how many of them the patient
cannot see."""


def search_documents(conn: Connection, asked: Search) -> Found:
    """TD3.1: the documents the professional may see that match the criteria, newest act first, and how
    many of them the patient cannot see; the search is traced (with the first access, the emergency
    access and their notifications) in the caller's unit of work. A refusal raises before anything is
    written."""
    access.check_mode(professionnel_of(asked.actor), asked.mode, asked.justification)
    found = document_rows.consult_documents(conn, asked.ins, asked.actor.idnat)
    read = None if found is None else found[:3]
    session = _grant(read, asked.ins, asked.actor, asked.mode, asked.justification, asked.matrice, asked.now)
    assert found is not None
    record_consultation(conn, session, asked.now, "consultation", None)
    acces, filtre, since = session.acces, asked.filtre, session.profile.data_since or 0
    docs = tuple(
        doc
        for doc in found[3]
        if doc.deposited_at >= since
        and filtre.match(doc)
        and access.refus_professionnel(acces, doc.visibilite) is None
    )
    return session, docs, sum(1 for doc in docs if doc.invisible_patient)


def record_consultation(
    conn: Connection,
    session: Session,
    now: int,
    action: str,
    document_id: str | None,
) -> None:
    """Trace the consultation; record the first access (with the presumed consent in normal mode) and
    notify the patient of a first access and of every emergency access."""
    profile, acces, acteur = session.profile, session.acces, session.acteur
    trace_rows.insert_trace(
        conn, profile.ins, Trace(now, action, acteur, acces.mode.value, session.justification, document_id)
    )
    first = False
    if not session.accessed_before:
        first = profile_rows.record_first_access(
            conn,
            profile.ins,
            acteur.id,
            acteur.nom,
            acteur.profession,
            now,
            presume=acces.mode is Mode.NORMAL,
        )
    if acces.mode in EMERGENCY:
        kind = "acces-centre-15" if acces.mode is Mode.CENTRE_15 else "acces-bris-de-glace"
    elif first:
        kind = "premier-acces"
    else:
        return
    trace_rows.insert_notification(
        conn,
        profile.ins,
        at=now,
        kind=kind,
        acteur_id=acteur.id,
        acteur_nom=acteur.nom,
        email=profile.email,
        mode=acces.mode.value,
        justification=session.justification,
        document_id=document_id,
    )


def read(
    conn: Connection,
    document_id: str,
    actor: ProfessionalActor,
    mode: Mode,
    justification: str | None,
    matrice: Matrice,
    now: int,
) -> tuple[Document, bytes, Session]:
    """A document and its content, when the rules let the professional see it."""
    doc = document_of(conn, document_id)
    session = consult(conn, doc.ins, actor, mode, justification, matrice, now)
    if doc.deposited_at < (session.profile.data_since or 0):
        raise DocumentInconnu(f"no document {document_id!r}", rule="document-unknown")
    rule = access.refus_professionnel(session.acces, doc.visibilite)
    if rule is not None:
        why = "the matrix does not give this type to the profession" if rule == "matrix" else "it is masked"
        raise AccesRefuse(f"the document is not visible to this professional: {why}", rule=rule)
    contenu = document_rows.get_contenu(conn, doc.id) or b""
    record_consultation(conn, session, now, "lecture", doc.id)
    return doc, contenu, session
