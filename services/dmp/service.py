"""The DMP's rules: lifecycle steps, consultations in each access mode, deposits, replacements,
the patient's controls, traces and notifications.

Never knows about HTTP, and never commits but in ``search_documents`` and ``deposit_alone``: the router
hands a connection of the request's unit of work, the caller, and the tenant clock's instant (Unix
ms). Refusals are ``SandboxError``s naming their rule.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Final

from sqlalchemy import Connection

from services.dmp import access, lifecycle, repository
from services.dmp.access import EMERGENCY, Acces, Lien, Mode, Professionnel, Reglages
from services.dmp.config import get_dmp_settings
from services.dmp.document_lists import DocumentLists, Kept
from services.dmp.errors import (
    AccesRefuse,
    ActivationRefusee,
    AuteurNonAutorise,
    CycleDeVieRefuse,
    DmpFerme,
    DmpInexistant,
    DocumentInconnu,
    DocumentTropGros,
    FormatRefuse,
    InsIncoherent,
    InsIncomplet,
    InsMalforme,
    InsManquant,
    PatientInconnu,
    ProfessionnelInconnu,
    RepresentationRefusee,
    TypeRefuse,
    VersionPerimee,
)
from services.dmp.lifecycle import Statut
from services.dmp.matrice import Matrice
from services.dmp.records import Acteur, Document, Profile, Trace
from services.dmp.typecodes import (
    DEPOSANT_PATIENT,
    DIRECTIVES_ANTICIPEES,
    RESERVE_ASSURANCE_MALADIE,
    TYPES,
    VSM,
)
from shared.auth import ProfessionalActor
from shared.identifiers import IdNatError, NirError, parse_idnat, parse_nir
from shared.tenants import Tenant

FORMATS: Final[dict[str, str]] = {
    "application/pdf": "application/pdf",
    "text/xml": "text/xml",
    "application/xml": "text/xml",
    "application/hl7-cda+xml": "text/xml",
    "text/plain": "text/plain",
}
"""Accepted formats (PDF, CDA R2 XML, plain text) -> the format stored."""
CONFIDENTIALITE: Final = ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX")
MAJORITE: Final = 18


# --- identities ----------


@lru_cache(maxsize=65_536)
def check_ins(value: str) -> str:
    """A matricule INS in a path: 15 characters of the décret 82-103 shape (the key is INSi's concern).
    Answers are kept (a refusal raises, so is not)."""
    matricule = value.strip().upper()
    try:
        parse_nir(matricule)
    except NirError as exc:
        if exc.reason != "key" or len(matricule) != 15:
            raise InsMalforme(f"{value[:20]!r} is not a matricule INS: {exc}", rule="ins-format") from None
    return matricule


def professionnel_of(actor: ProfessionalActor) -> Professionnel:
    return Professionnel(
        idnat=actor.idnat,
        profession=actor.profession,
        savoir_faire=actor.savoir_faire,
        in_person=actor.acts_in_person,
        regulation=actor.regulation,
    )


def acteur_of(actor: ProfessionalActor) -> Acteur:
    return Acteur(
        kind="professional" if actor.acts_in_person else "structure",
        id=actor.idnat,
        nom=f"{actor.prenom} {actor.nom}".strip(),
        profession=actor.profession,
    )


def is_minor(date_naissance: str, today: date) -> bool:
    """Under 18 at ``today``; an unknown day or month (``00``) counts as the 1st / January."""
    year, month, day = (int(part) for part in date_naissance.split("-"))
    born = (year, month or 1, day or 1)
    return (today.year - born[0]) - ((today.month, today.day) < born[1:]) < MAJORITE


@dataclass(frozen=True, slots=True)
class Identite:
    """The patient identity a deposit carries (the CDA header's, or the FHIR contained Patient's)."""

    matricule: str | None
    oid: str | None
    nom_naissance: str | None
    prenoms: tuple[str, ...]
    sexe: str | None
    date_naissance: str | None
    lieu_naissance: str | None


def check_identite(path_ins: str, identite: Identite | None) -> Identite:
    """The INS checks the DMP makes before asking INSi (feed codes 903, 905, 904)."""
    if identite is None or not (identite.matricule or "").strip():
        raise InsManquant("the document carries no matricule INS of the patient", rule="ins-missing")
    missing = [
        name
        for name, value in (
            ("oid", identite.oid),
            ("nom_naissance", identite.nom_naissance),
            ("prenoms", " ".join(identite.prenoms)),
            ("sexe", identite.sexe),
            ("date_naissance", identite.date_naissance),
        )
        if not (value or "").strip()
    ]
    if missing:
        raise InsIncomplet(f"the INS comes without {', '.join(missing)}", rule="ins-incomplete")
    matricule = (identite.matricule or "").strip().upper()
    if matricule != path_ins:
        raise InsIncoherent(
            f"the document's matricule {matricule[:20]} is not the DMP's {path_ins}", rule="ins-mismatch"
        )
    return identite if identite.matricule == matricule else replace(identite, matricule=matricule)


@dataclass(frozen=True, slots=True)
class Verdict:
    """INSi's answer to the verification of an INS (see ``clients.py``)."""

    known: bool
    conforme: bool = False
    ins_actif: bool = True
    ecarts: tuple[str, ...] = ()


def check_verdict(verdict: Verdict, matricule: str) -> None:
    """902 when INSi does not know the matricule; 904 when a trait or the OID differs or the INS was
    replaced by another."""
    if not verdict.known:
        raise PatientInconnu(f"INSi knows no identity with the matricule {matricule}", rule="ins-unknown")
    if not verdict.ins_actif:
        raise InsIncoherent(
            f"the matricule {matricule} was replaced: qualify the INS again", rule="ins-mismatch"
        )
    if not verdict.conforme:
        differs = ", ".join(verdict.ecarts) or "the identity"
        raise InsIncoherent(f"the INS does not match INSi: {differs} differs", rule="ins-mismatch")


# --- documents: content checks ----------


@dataclass(frozen=True, slots=True)
class Contenu:
    format: str
    data: bytes
    hash: str


def check_contenu(format_: str, contenu_b64: str, max_bytes: int) -> Contenu:
    """Format (PDF, CDA XML, text), base64 content, size limit."""
    stored = FORMATS.get(format_.split(";")[0].strip().lower())
    if stored is None:
        raise FormatRefuse(
            f"format {format_[:40]!r} is not accepted: application/pdf, text/xml (CDA R2), text/plain",
            rule="format",
        )
    if len(contenu_b64) > (max_bytes * 4) // 3 + 8:
        raise DocumentTropGros(f"the document is larger than {max_bytes} bytes", rule="size-limit")
    try:
        data = base64.b64decode(contenu_b64, validate=True)
    except (binascii.Error, ValueError):
        raise FormatRefuse("contenu is not base64", rule="content-encoding") from None
    if len(data) > max_bytes:
        raise DocumentTropGros(f"the document has {len(data)} bytes, at most {max_bytes}", rule="size-limit")
    if not data:
        raise FormatRefuse("the document is empty", rule="format-content")
    if stored == "application/pdf" and not data.startswith(b"%PDF-"):
        raise FormatRefuse("a PDF starts with %PDF-", rule="format-content")
    if stored == "text/xml" and (
        not data.lstrip().startswith(b"<") or b"ClinicalDocument" not in data[:4096]
    ):
        raise FormatRefuse("a CDA R2 document is XML with a ClinicalDocument root", rule="format-content")
    if stored == "text/plain":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatRefuse("a text document is UTF-8", rule="format-content") from None
    return Contenu(stored, data, hashlib.sha256(data).hexdigest())


def flags(confidentialite: Iterable[str]) -> tuple[bool, bool, bool]:
    given = set(confidentialite)
    return "MASQUE_PS" in given, "INVISIBLE_PATIENT" in given, "INVISIBLE_REPRESENTANTS_LEGAUX" in given


def confidentialite_of(doc: Document) -> list[str]:
    return [
        code
        for code, on in zip(
            CONFIDENTIALITE, (doc.masque_ps, doc.invisible_patient, doc.invisible_representants), strict=True
        )
        if on
    ]


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What a deposit (or a replacement) asks to store."""

    type_code: str
    titre: str
    date_acte: int
    contenu: Contenu
    masque_ps: bool
    invisible_patient: bool
    invisible_representants: bool


@dataclass(frozen=True, slots=True)
class Filtre:
    """Search criteria; ``statut`` is current, archived, superseded or all."""

    type_codes: frozenset[str] | None = None
    date_from: int | None = None
    date_to: int | None = None
    auteur: str | None = None
    statut: str = "current"

    def match(self, doc: Document) -> bool:
        if self.statut == "current" and (doc.status != "current" or doc.archived):
            return False
        if self.statut == "archived" and (doc.status != "current" or not doc.archived):
            return False
        if self.statut == "superseded" and doc.status != "superseded":
            return False
        if self.type_codes is not None and doc.type_code not in self.type_codes:
            return False
        if self.date_from is not None and doc.date_acte < self.date_from:
            return False
        if self.date_to is not None and doc.date_acte > self.date_to:
            return False
        return self.auteur is None or doc.auteur_id == self.auteur


# --- professionals: status, consultation ----------


def _no_profile(ins: str) -> DmpInexistant:
    return DmpInexistant(f"no Mon espace santé profile for the INS {ins}", rule="profile-unknown")


def _profile(conn: Connection, ins: str) -> Profile:
    profile = repository.get_profile(conn, ins)
    if profile is None:
        raise _no_profile(ins)
    return profile


def status(conn: Connection, ins: str, actor: ProfessionalActor, now: int) -> dict[str, object]:
    """TD0.2: existence and status of the DMP, the professional's authorisation, médecin traitant DMP."""
    found = repository.get_profile_and_lien(conn, ins, actor.idnat)
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
        raise _no_profile(ins)
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
    found = repository.get_profile_and_lien(conn, ins, actor.idnat)
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

    def trace(self) -> Trace:
        return Trace(
            self.now,
            "consultation",
            acteur_of(self.actor),
            self.mode.value,
            _kept_justification(self.mode, self.justification),
        )


Found = tuple[Session, tuple[Document, ...], int]
"""A search's answer: the session, the documents shown (newest act first), how many the patient cannot
see. The same criteria for the same access to unchanged documents give the very same tuple
(``rendering.search_json`` renders it once)."""


@dataclass(frozen=True, slots=True)
class Searching:
    """A search between its read and its answer: ``kept`` is the profile's document list known before
    the read, ``None`` when the read must bring the documents."""

    search: Search
    key: tuple[str, str]
    kept: Kept | None

    def known_rev(self) -> int | None:
        return None if self.kept is None else self.kept.rev

    def consultation(self) -> repository.Consultation:
        return repository.Consultation(self.search.ins, self.search.actor.idnat, self.known_rev(), True)


def start_search(tenant: Tenant, search: Search) -> Searching:
    """Check the access mode (before anything is read) and take the kept copy of the documents."""
    access.check_mode(professionnel_of(search.actor), search.mode, search.justification)
    key = (tenant.name, search.ins)
    return Searching(search, key, document_lists().known(key))


@dataclass(frozen=True, slots=True)
class Granted:
    """A granted search: its session and the profile's current documents; ``only_traced`` when the
    access needs nothing written but its trace (a normal access by a professional who accessed the DMP
    before): then one statement, else ``record_consultation`` in a unit of work."""

    session: Session
    kept: Kept
    only_traced: bool


def grant_search(searching: Searching, found: repository.Consulted | None) -> Granted:
    """The rules' verdict on what the read found (a refusal raises, nothing written yet); the documents
    read are kept for the next searches."""
    search = searching.search
    session = _grant(
        None if found is None else found[:3],
        search.ins,
        search.actor,
        search.mode,
        search.justification,
        search.matrice,
        search.now,
    )
    assert found is not None
    kept = searching.kept
    if found[3] is not None:
        kept = document_lists().keep(searching.key, session.profile.documents_rev, tuple(found[3]))
    assert kept is not None
    return Granted(session, kept, session.accessed_before and search.mode is Mode.NORMAL)


def shown(search: Search, granted: Granted) -> Found:
    """The documents of ``granted`` the access shows that match the criteria."""
    session, kept, filtre = granted.session, granted.kept, search.filtre
    acces, since = session.acces, session.profile.data_since or 0

    def visible() -> tuple[tuple[Document, ...], int]:
        docs = tuple(
            doc
            for doc in kept.documents
            if doc.deposited_at >= since
            and filtre.match(doc)
            and access.refus_professionnel(acces, doc.visibilite) is None
        )
        return docs, sum(1 for doc in docs if doc.invisible_patient)

    docs, invisibles = kept.view((acces, filtre, since), visible)
    return session, docs, invisibles


def search_documents(tenant: Tenant, search: Search) -> Found:
    """TD3.1: the documents the professional may see that match the criteria, newest act first, and how
    many of them the patient cannot see (a search alone; ``batching`` runs several together).

    The one operation that chooses its transactions, to spend as few round trips as the case allows:
    the profile, the professional's record and (unless kept in memory and still current, see
    ``document_lists``) the documents are read by one statement; a refusal raises before anything is
    written. When the access only needs its trace the trace is one statement committed by itself; a
    first access or an emergency access writes the trace, the first access and the notification in one
    unit of work."""
    searching = start_search(tenant, search)
    with tenant.autocommit() as conn:
        found = repository.consult_documents(conn, search.ins, search.actor.idnat, searching.known_rev())
        granted = grant_search(searching, found)
        if granted.only_traced:
            repository.insert_trace(conn, search.ins, search.trace())
    if not granted.only_traced:
        record_search(tenant, search, granted)
    return shown(search, granted)


def record_search(tenant: Tenant, search: Search, granted: Granted) -> None:
    """Trace a search that is a first access or an emergency access, in a unit of work of its own."""
    with tenant.unit_of_work() as conn:
        record_consultation(conn, granted.session, search.now, "consultation", None)


@lru_cache(maxsize=1)
def document_lists() -> DocumentLists:
    """The process's profiles' documents kept between searches (``ESANTE_DMP_DOCUMENTS_KEPT``)."""
    return DocumentLists(get_dmp_settings().documents_kept)


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
    repository.insert_trace(
        conn, profile.ins, Trace(now, action, acteur, acces.mode.value, session.justification, document_id)
    )
    first = False
    if not session.accessed_before:
        first = repository.record_first_access(
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
    repository.insert_notification(
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


def profile_oid(conn: Connection, ins: str) -> str:
    """The OID the patient's INS is published with."""
    return _profile(conn, ins).oid


def document_of_any(conn: Connection, document_id: str) -> Document:
    """A document, deleted ones included (tombstones)."""
    doc = repository.get_document(conn, document_id) if len(document_id) <= 32 else None
    if doc is None:
        raise DocumentInconnu(f"no document {document_id[:40]!r}", rule="document-unknown")
    return doc


def document_of(conn: Connection, document_id: str) -> Document:
    doc = repository.get_document(conn, document_id) if len(document_id) <= 32 else None
    if doc is None or doc.status == "deleted":
        raise DocumentInconnu(f"no document {document_id[:40]!r}", rule="document-unknown")
    return doc


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
    contenu = repository.get_contenu(conn, doc.id) or b""
    record_consultation(conn, session, now, "lecture", doc.id)
    return doc, contenu, session


# --- professionals: deposit, replace, delete, flags ----------


def _check_type_professional(type_code: str, actor: ProfessionalActor, profile: Profile) -> None:
    if type_code not in TYPES:
        raise TypeRefuse(f"typeCode {type_code[:30]!r} is not accepted by the DMP", rule="type-code")
    if type_code in DEPOSANT_PATIENT:
        raise TypeRefuse(
            f"{type_code} is a type the patient adds from Mon espace santé", rule="type-patient-only"
        )
    if type_code in RESERVE_ASSURANCE_MALADIE:
        raise TypeRefuse(f"{type_code} is fed by the Assurance Maladie only", rule="type-reserved")
    if type_code == VSM and profile.medecin_traitant != actor.idnat:
        raise TypeRefuse(
            "the volet de synthèse médicale is deposited by the patient's médecin traitant",
            rule="vsm-medecin-traitant",
        )


def _new_id() -> str:
    """A UUIDv7 (RFC 9562) as 32 hex digits: led by the current time in ms, a new document lands at the
    end of the indexes keyed by its id rather than on a random page of a large table (on the bench's
    1,000,000 documents a random uuid4 cost about 20 us more a deposit, in the commit's page writes)."""
    rand = secrets.randbits(74)
    value = (time.time_ns() // 1_000_000) % (1 << 48) << 80 | 0x7 << 76 | (rand >> 62) << 64
    return f"{value | 0b10 << 62 | rand % (1 << 62):032x}"


def _document(
    new: NewDocument,
    ins: str,
    acteur: Acteur,
    actor: ProfessionalActor | None,
    now: int,
    *,
    doc_id: str,
    set_id: str,
    version: int,
    replaces: str | None,
) -> Document:
    structure = actor.structure if actor is not None else None
    return Document(
        id=doc_id,
        ins=ins,
        set_id=set_id,
        version=version,
        replaces=replaces,
        status="current",
        archived=False,
        type_code=new.type_code,
        titre=new.titre,
        date_acte=new.date_acte,
        deposited_at=now,
        auteur_kind=acteur.kind,
        auteur_id=acteur.id,
        auteur_nom=acteur.nom,
        auteur_profession=acteur.profession,
        structure_id=structure.id if structure is not None else None,
        structure_nom=structure.raison_sociale if structure is not None else None,
        depose_par=acteur.id,
        format=new.contenu.format,
        taille=len(new.contenu.data),
        hash=new.contenu.hash,
        masque_ps=new.masque_ps,
        invisible_patient=new.invisible_patient,
        invisible_representants=new.invisible_representants,
    )


def _notice_to(profile: Profile, doc: Document) -> str | None:
    """Where the patient is told of a new document: nowhere when the document is invisible to them (it
    must not reach them by a notice either: HL7v2 volet rules)."""
    return None if doc.invisible_patient else profile.email


def _notify_document(conn: Connection, profile: Profile, doc: Document, acteur: Acteur, now: int) -> None:
    email = _notice_to(profile, doc)
    if email is None:
        return
    repository.insert_notification(
        conn,
        profile.ins,
        at=now,
        kind="nouveau-document",
        acteur_id=acteur.id,
        acteur_nom=acteur.nom,
        email=email,
        document_id=doc.id,
    )


@dataclass(frozen=True, slots=True)
class Deposit:
    """A professional's deposit (TD2) as asked; the INS was checked with INSi before."""

    ins: str
    actor: ProfessionalActor
    new: NewDocument
    now: int

    def consultation(self) -> repository.Consultation:
        return repository.Consultation(self.ins, self.actor.idnat, None, False)


def check_deposit(deposit: Deposit, profile: Profile | None) -> repository.Fed:
    """What the deposit writes, once the DMP ``profile`` (as read) accepts it; a refusal raises."""
    ins, actor, new, now = deposit.ins, deposit.actor, deposit.new, deposit.now
    if profile is None:
        raise _no_profile(ins)
    access.require_existing(lifecycle.statut(profile.dates, now))
    _check_type_professional(new.type_code, actor, profile)
    acteur = acteur_of(actor)
    doc_id = _new_id()
    doc = _document(new, ins, acteur, actor, now, doc_id=doc_id, set_id=doc_id, version=1, replaces=None)
    trace = Trace(now, "depot", acteur, "normal", document_id=doc.id)
    return repository.Fed(doc, new.contenu.data, trace, _notice_to(profile, doc))


def deposit(conn: Connection, asked: Deposit) -> Document:
    """Feed the DMP with a document (TD2) in the caller's transaction."""
    fed = check_deposit(asked, repository.get_profile(conn, asked.ins))
    repository.feed(conn, fed)
    return fed.document


def deposit_alone(tenant: Tenant, asked: Deposit) -> Document:
    """A deposit in transactions of its own, as few round trips as the database allows: where the
    writes are one statement (PostgreSQL) the profile is read and the document written by one
    statement each, committed by themselves (no BEGIN, no COMMIT); elsewhere in a unit of work."""
    one_statement = repository.feeds_in_one_statement(tenant.engine.dialect.name)
    with tenant.autocommit() if one_statement else tenant.unit_of_work() as conn:
        return deposit(conn, asked)


def _check_author(doc: Document, actor: ProfessionalActor) -> None:
    if doc.auteur_id == actor.idnat:
        return
    same_structure = actor.structure is not None and doc.structure_id == actor.structure.id
    if doc.auteur_kind == "structure" and same_structure:
        return
    raise AuteurNonAutorise("only the document's author may replace, delete or change it", rule="author-only")


def _modifiable(
    conn: Connection, document_id: str, actor: ProfessionalActor, now: int
) -> tuple[Document, Profile]:
    doc = document_of(conn, document_id)
    profile = _profile(conn, doc.ins)
    access.require_existing(lifecycle.statut(profile.dates, now))
    if doc.deposited_at < (profile.data_since or 0):
        raise DocumentInconnu(f"no document {document_id!r}", rule="document-unknown")
    _check_author(doc, actor)
    return doc, profile


def replace_document(
    conn: Connection,
    document_id: str,
    actor: ProfessionalActor,
    new: NewDocument,
    version_attendue: int | None,
    now: int,
) -> Document:
    """A new version of a document (TD2.1): only its author (901), only the current version (900)."""
    old, profile = _modifiable(conn, document_id, actor, now)
    if old.status != "current" or (version_attendue is not None and version_attendue != old.version):
        raise VersionPerimee(
            f"document {old.id} is version {old.version} ({old.status}): "
            "only the current version is replaced",
            rule="document-version",
        )
    _check_type_professional(new.type_code, actor, profile)
    if not repository.supersede(conn, old.id):
        raise VersionPerimee(f"document {old.id} was replaced meanwhile", rule="document-version")
    acteur = acteur_of(actor)
    doc = _document(
        new,
        old.ins,
        acteur,
        actor,
        now,
        doc_id=_new_id(),
        set_id=old.set_id,
        version=old.version + 1,
        replaces=old.id,
    )
    repository.insert_document(conn, doc, new.contenu.data)
    repository.insert_trace(
        conn, old.ins, Trace(now, "remplacement", acteur, "normal", document_id=doc.id, detail=old.id)
    )
    _notify_document(conn, profile, doc, acteur, now)
    return doc


def delete_by_professional(conn: Connection, document_id: str, actor: ProfessionalActor, now: int) -> None:
    """TD3.3c: the author deletes a document (901 for anyone else)."""
    doc, _ = _modifiable(conn, document_id, actor, now)
    repository.delete_document(conn, doc.id)
    repository.insert_trace(
        conn, doc.ins, Trace(now, "suppression", acteur_of(actor), "normal", document_id=doc.id)
    )


@dataclass(frozen=True, slots=True)
class Changement:
    """A change of a document's flags; None leaves a flag as it is."""

    archived: bool | None = None
    masque_ps: bool | None = None
    invisible_patient: bool | None = None
    invisible_representants: bool | None = None

    def values(self) -> dict[str, bool]:
        return {
            name: value
            for name in ("archived", "masque_ps", "invisible_patient", "invisible_representants")
            if (value := getattr(self, name)) is not None
        }


def _applied(doc: Document, values: dict[str, bool]) -> Document:
    return doc._replace(
        archived=values.get("archived", doc.archived),
        masque_ps=values.get("masque_ps", doc.masque_ps),
        invisible_patient=values.get("invisible_patient", doc.invisible_patient),
        invisible_representants=values.get("invisible_representants", doc.invisible_representants),
    )


def _action(change: Changement) -> str:
    if change.archived is not None and len(change.values()) == 1:
        return "archivage" if change.archived else "desarchivage"
    return "masquage"


def change_by_professional(
    conn: Connection, document_id: str, actor: ProfessionalActor, change: Changement, now: int
) -> Document:
    """TD3.3a/b/d: the author masks or unmasks, shows or hides from the patient, archives a document."""
    doc, _ = _modifiable(conn, document_id, actor, now)
    values = change.values()
    if values:
        repository.update_document(conn, doc.id, **values)
        detail = ",".join(f"{k}={'oui' if v else 'non'}" for k, v in sorted(values.items()))
        repository.insert_trace(
            conn,
            doc.ins,
            Trace(now, _action(change), acteur_of(actor), "normal", document_id=doc.id, detail=detail),
        )
    return _applied(doc, values)


# --- the patient side ----------


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
    profile = _profile(conn, target)
    name = f"{profile.prenoms[0]} {profile.nom_naissance}" if target == patient_ins else ""
    if target == patient_ins:
        if is_minor(profile.date_naissance, today):
            raise RepresentationRefusee(
                "a minor's Mon espace santé is managed by the legal representatives",
                rule="minor-managed-by-representatives",
            )
        return PatientContext(profile, False, Acteur("patient", patient_ins, name))
    if patient_ins not in repository.representants(conn, target):
        raise RepresentationRefusee(
            "the caller is not a legal representative of this person", rule="not-representative"
        )
    if not is_minor(profile.date_naissance, today):
        raise RepresentationRefusee(
            "this person is an adult and manages the profile", rule="representative-of-adult"
        )
    representative = _profile(conn, patient_ins)
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
    repository.update_profile(conn, ctx.profile.ins, **values)
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "activation", ctx.acteur))


def oppose(conn: Connection, ctx: PatientContext, now: int) -> None:
    """Opposition to the creation, within the six weeks of the invitation."""
    statut = lifecycle.statut(ctx.profile.dates, now)
    if statut is Statut.OPPOSED:
        return
    if statut is not Statut.INVITED:
        raise CycleDeVieRefuse(
            f"the profile exists (status {statut.value}): close it instead", rule="opposition-after-creation"
        )
    repository.update_profile(conn, ctx.profile.ins, opposed_at=now)
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "opposition", ctx.acteur))


def close(conn: Connection, ctx: PatientContext, motif: str | None, now: int) -> None:
    """Closure at any time: the data are archived ten years (CSP R1111-36)."""
    statut = lifecycle.statut(ctx.profile.dates, now)
    if statut not in lifecycle.EXISTS:
        raise CycleDeVieRefuse(
            f"there is no open profile to close (status {statut.value})", rule="close-not-open"
        )
    repository.update_profile(conn, ctx.profile.ins, closed_at=now, closure_motif=(motif or "")[:200] or None)
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "cloture", ctx.acteur, detail=motif))


def reopen(conn: Connection, ctx: PatientContext, now: int) -> None:
    """Reopening: within ten years the archive comes back; after them, a new empty profile."""
    dates = ctx.profile.dates
    statut = lifecycle.statut(dates, now)
    if statut is Statut.CLOSED:
        repository.update_profile(conn, ctx.profile.ins, closed_at=None, closure_motif=None)
    elif statut is Statut.DELETED:
        repository.purge_before(conn, ctx.profile.ins, now)
        repository.update_profile(
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
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "reouverture", ctx.acteur))


def patient_documents(conn: Connection, ctx: PatientContext, filtre: Filtre, now: int) -> list[Document]:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    return [
        doc
        for doc in repository.list_documents(conn, ctx.profile.ins, ctx.profile.data_since)
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
    doc_id = _new_id()
    doc = _document(
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
    repository.insert_document(conn, doc, new.contenu.data)
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "depot", ctx.acteur, document_id=doc.id))
    return doc


def patient_change(
    conn: Connection, ctx: PatientContext, document_id: str, change: Changement, now: int
) -> Document:
    """The patient hides a document from professionals or shows it again (and may archive it)."""
    doc = patient_document(conn, ctx, document_id, now)
    values = change.values()
    if values:
        repository.update_document(conn, doc.id, **values)
        detail = ",".join(f"{k}={'oui' if v else 'non'}" for k, v in sorted(values.items()))
        repository.insert_trace(
            conn, ctx.profile.ins, Trace(now, _action(change), ctx.acteur, document_id=doc.id, detail=detail)
        )
    return _applied(doc, values)


def patient_delete(conn: Connection, ctx: PatientContext, document_id: str, now: int) -> None:
    doc = patient_document(conn, ctx, document_id, now)
    repository.delete_document(conn, doc.id)
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "suppression", ctx.acteur, document_id=doc.id))


def check_idnat(idnat: str) -> str:
    try:
        parse_idnat(idnat)
    except IdNatError as exc:
        raise ProfessionnelInconnu(
            f"{idnat[:40]!r} is not a professional's IdNat: {exc}", rule="idnat-format"
        ) from None
    return idnat


def set_professional(conn: Connection, ctx: PatientContext, idnat: str, statut: str, now: int) -> None:
    """Authorise or block a professional (a block refuses every mode)."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    repository.set_lien(conn, ctx.profile.ins, check_idnat(idnat), statut, "", None, now)
    action = "blocage" if statut == "bloque" else "autorisation"
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, action, ctx.acteur, detail=idnat))


def forget_professional(conn: Connection, ctx: PatientContext, idnat: str, now: int) -> None:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    if not repository.delete_lien(conn, ctx.profile.ins, idnat):
        raise ProfessionnelInconnu(f"no decision recorded about {idnat[:40]!r}", rule="idnat-unknown")
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "retrait-decision", ctx.acteur, detail=idnat))


def set_reglages(conn: Connection, ctx: PatientContext, reglages: Reglages, now: int) -> None:
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    repository.update_profile(
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
    repository.insert_trace(
        conn, ctx.profile.ins, Trace(now, "parametres-urgence", ctx.acteur, detail=detail)
    )


def set_medecin_traitant(conn: Connection, ctx: PatientContext, idnat: str | None, now: int) -> None:
    """The patient declares (or clears) the médecin traitant DMP, who sees masked documents."""
    require_activated(lifecycle.statut(ctx.profile.dates, now))
    repository.update_profile(
        conn, ctx.profile.ins, medecin_traitant=None if idnat is None else check_idnat(idnat)
    )
    repository.insert_trace(conn, ctx.profile.ins, Trace(now, "medecin-traitant", ctx.acteur, detail=idnat))


# --- services: what MSSanté reads and claims (service_router.py) ----------


def service_profile(conn: Connection, ins: str, now: int, today: date) -> dict[str, object]:
    """A profile's status and personal address, as MSSanté needs them at delivery time."""
    profile = _profile(conn, check_ins(ins))
    return {
        "ins": profile.ins,
        "statut": lifecycle.statut(profile.dates, now).value,
        "email": profile.email,
        "nom_naissance": profile.nom_naissance,
        "prenoms": list(profile.prenoms),
        "mineur": is_minor(profile.date_naissance, today),
        "representants": list(repository.representants(conn, profile.ins)),
    }
