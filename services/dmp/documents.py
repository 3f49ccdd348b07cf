"""A professional's documents (TD2, TD2.1, TD3.3): the content checks, the deposit, the replacement,
the deletion and the flags, and the notification of a new document. The patient's own deposits are in
``patient_space``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection

from services.dmp import access, lifecycle, metadata
from services.dmp.errors import (
    AuteurNonAutorise,
    DocumentEnDouble,
    DocumentInconnu,
    DocumentTropGros,
    FormatRefuse,
    TypeRefuse,
    VersionPerimee,
)
from services.dmp.identities import acteur_of, no_profile, require_profile
from services.dmp.records import Acteur, Document, Profile, Trace
from services.dmp.repository import documents as document_rows
from services.dmp.repository import profiles as profile_rows
from services.dmp.repository import traces as trace_rows
from services.dmp.typecodes import (
    DEPOSANT_PATIENT,
    DIRECTIVES_ANTICIPEES,
    PRESCRIPTIONS,
    RESERVE_ASSURANCE_MALADIE,
    TYPES,
    VSM,
)
from shared.auth import ProfessionalActor
from shared.identifiers import is_minor

MEDECIN: Final = "10"

FORMATS: Final[dict[str, str]] = {
    "application/pdf": "application/pdf",
    "text/xml": "text/xml",
    "application/xml": "text/xml",
    "application/hl7-cda+xml": "text/xml",
    "text/plain": "text/plain",
}
"""Accepted formats (PDF, CDA R2 XML, plain text) -> the format stored."""
CONFIDENTIALITE: Final = ("MASQUE_PS", "INVISIBLE_PATIENT", "INVISIBLE_REPRESENTANTS_LEGAUX")


# --- documents: content checks ----------


@dataclass(frozen=True, slots=True)
class Contenu:
    format: str
    data: bytes
    hash: str
    """SHA-256 (hex): the DMP's own digest, which finds a document deposited twice"""
    sha1: str
    """SHA-1 (hex): the ``hash`` XDS and FHIR carry"""


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
    return Contenu(
        stored, data, hashlib.sha256(data).hexdigest(), hashlib.sha1(data, usedforsecurity=False).hexdigest()
    )


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
    given: metadata.Given = metadata.NOTHING_GIVEN


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


def document_of_any(conn: Connection, document_id: str) -> Document:
    """A document, deleted ones included (tombstones)."""
    doc = document_rows.get_document(conn, document_id) if len(document_id) <= 32 else None
    if doc is None:
        raise DocumentInconnu(f"no document {document_id[:40]!r}", rule="document-unknown")
    return doc


def document_of(conn: Connection, document_id: str) -> Document:
    doc = document_rows.get_document(conn, document_id) if len(document_id) <= 32 else None
    if doc is None or doc.status == "deleted":
        raise DocumentInconnu(f"no document {document_id[:40]!r}", rule="document-unknown")
    return doc


# --- professionals: deposit, replace, delete, flags ----------


def check_type_professional(type_code: str, actor: ProfessionalActor, profile: Profile, now: int) -> None:
    """The types a professional deposits: not the patient's own documents (DOCPAT01-09, EXPPAT_1-2), not
    the Assurance Maladie's; the VSM by a médecin. The VSM is a duty of the médecin traitant (CSP
    L.1111-15: « le volet de synthèse médicale réalisé par le médecin traitant »), but no DMP rule found
    reserves its deposit to them, and others write one (ARS Île-de-France: the médecin coordonnateur of an
    EHPAD), so the sandbox accepts it from every médecin (profession 10). The directives anticipées
    (EXPPAT_3) may be deposited for the patient (seed 001, the web DMP offers a professional « Déposer
    les directives anticipées »), for an adult only (CSP L.1111-11: « toute personne majeure »)."""
    if type_code not in TYPES:
        raise TypeRefuse(f"typeCode {type_code[:30]!r} is not accepted by the DMP", rule="type-code")
    if type_code == DIRECTIVES_ANTICIPEES:
        if is_minor(profile.date_naissance, lifecycle.instant(now).date()):
            raise TypeRefuse(
                "directives anticipées are written by an adult (CSP L.1111-11)",
                rule="directives-anticipees-majeur",
            )
        return
    if type_code in DEPOSANT_PATIENT:
        raise TypeRefuse(
            f"{type_code} is a type the patient adds from Mon espace santé", rule="type-patient-only"
        )
    if type_code in RESERVE_ASSURANCE_MALADIE:
        raise TypeRefuse(f"{type_code} is fed by the Assurance Maladie only", rule="type-reserved")
    if type_code == VSM and actor.profession != MEDECIN:
        raise TypeRefuse("the volet de synthèse médicale is written by a médecin", rule="vsm-medecin")


def check_not_a_copy(conn: Connection, ins: str, new: NewDocument) -> None:
    """A prescription is in the DMP once: the base e-prescription deposits its PDF (seed 001 says the
    prescriber's software feeds the DMP; the sandbox's base does it unless told ``depot_dmp: false``), so a
    software that deposits the same PDF as well is refused rather than making a second copy. Other types
    may be deposited twice with the same content (the sandbox's choice: a new act may repeat a text)."""
    if new.type_code not in PRESCRIPTIONS:
        return
    existing = document_rows.current_copy(conn, ins, new.type_code, new.contenu.hash)
    if existing is not None:
        raise DocumentEnDouble(
            f"this prescription is already in the DMP as document {existing}", rule="prescription-duplicate"
        )


def check_unique_id(conn: Connection, doc: Document) -> None:
    """A uniqueId names one document in the DMP (XDS: the registry refuses a second one)."""
    if doc.unique_id is not None and document_rows.with_unique_id(conn, doc.unique_id) is not None:
        raise DocumentEnDouble(
            f"a document with uniqueId {doc.unique_id[:80]!r} is already in the DMP",
            rule="unique-id-duplicate",
        )


def new_id() -> str:
    """A UUIDv7 (RFC 9562) as 32 hex digits: led by the current time in ms, a new document lands at the
    end of the indexes keyed by its id rather than on a random page of a large table (on the bench's
    1,000,000 documents a random uuid4 cost about 20 us more a deposit, in the commit's page writes)."""
    rand = secrets.randbits(74)
    value = (time.time_ns() // 1_000_000) % (1 << 48) << 80 | 0x7 << 76 | (rand >> 62) << 64
    return f"{value | 0b10 << 62 | rand % (1 << 62):032x}"


def new_record(
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
    meta = metadata.resolved(new.given, new.contenu.format, structure, by_patient=actor is None)
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
        structure_idnat=(structure.idnat or None) if structure is not None else None,
        sha1=new.contenu.sha1,
        depose_par=acteur.id,
        format=new.contenu.format,
        taille=len(new.contenu.data),
        hash=new.contenu.hash,
        masque_ps=new.masque_ps,
        invisible_patient=new.invisible_patient,
        invisible_representants=new.invisible_representants,
        unique_id=meta.unique_id,
        facility_type=meta.facility_type,
        practice_setting=meta.practice_setting,
        format_code=meta.format_code,
        event_codes=meta.event_codes,
        reference_ids=meta.reference_ids,
    )


def notice_to(profile: Profile, doc: Document, now: int) -> str | None:
    """Where the patient is told of a new document: nowhere when the document is invisible to them (it
    must not reach them by a notice either: HL7v2 volet rules), nor when the patient is a minor, whose
    notices the legal representatives read, and the document is invisible to the representatives
    (``INVISIBLE_REPRESENTANTS_LEGAUX``, TRE_A07: « non visible par les représentants légaux »)."""
    if doc.invisible_patient:
        return None
    if doc.invisible_representants and is_minor(profile.date_naissance, lifecycle.instant(now).date()):
        return None
    return profile.email


def notify_document(conn: Connection, profile: Profile, doc: Document, acteur: Acteur, now: int) -> None:
    email = notice_to(profile, doc, now)
    if email is None:
        return
    trace_rows.insert_notification(
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


def deposit(conn: Connection, asked: Deposit) -> Document:
    """Feed the DMP with a document (TD2) in the caller's unit of work: the document, its content, its
    trace, and the patient's ``nouveau-document`` notification. A refusal raises before anything is
    written."""
    ins, actor, new, now = asked.ins, asked.actor, asked.new, asked.now
    profile = profile_rows.get_profile(conn, ins)
    if profile is None:
        raise no_profile(ins)
    access.require_existing(lifecycle.statut(profile.dates, now))
    check_type_professional(new.type_code, actor, profile, now)
    check_not_a_copy(conn, ins, new)
    acteur = acteur_of(actor)
    doc_id = new_id()
    doc = new_record(new, ins, acteur, actor, now, doc_id=doc_id, set_id=doc_id, version=1, replaces=None)
    check_unique_id(conn, doc)
    document_rows.insert_document(conn, doc, new.contenu.data)
    trace_rows.insert_trace(conn, ins, Trace(now, "depot", acteur, "normal", document_id=doc.id))
    notify_document(conn, profile, doc, acteur, now)
    return doc


def check_author(doc: Document, actor: ProfessionalActor) -> None:
    if doc.auteur_id == actor.idnat:
        return
    same_structure = actor.structure is not None and doc.structure_id == actor.structure.id
    if doc.auteur_kind == "structure" and same_structure:
        return
    raise AuteurNonAutorise("only the document's author may replace, delete or change it", rule="author-only")


def modifiable(
    conn: Connection, document_id: str, actor: ProfessionalActor, now: int
) -> tuple[Document, Profile]:
    doc = document_of(conn, document_id)
    profile = require_profile(conn, doc.ins)
    access.require_existing(lifecycle.statut(profile.dates, now))
    if doc.deposited_at < (profile.data_since or 0):
        raise DocumentInconnu(f"no document {document_id!r}", rule="document-unknown")
    check_author(doc, actor)
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
    old, profile = modifiable(conn, document_id, actor, now)
    if old.status != "current" or (version_attendue is not None and version_attendue != old.version):
        raise VersionPerimee(
            f"document {old.id} is version {old.version} ({old.status}): "
            "only the current version is replaced",
            rule="document-version",
        )
    check_type_professional(new.type_code, actor, profile, now)
    acteur = acteur_of(actor)
    doc = new_record(
        new,
        old.ins,
        acteur,
        actor,
        now,
        doc_id=new_id(),
        set_id=old.set_id,
        version=old.version + 1,
        replaces=old.id,
    )
    check_unique_id(conn, doc)
    if not document_rows.supersede(conn, old.id):
        raise VersionPerimee(f"document {old.id} was replaced meanwhile", rule="document-version")
    document_rows.insert_document(conn, doc, new.contenu.data)
    trace_rows.insert_trace(
        conn, old.ins, Trace(now, "remplacement", acteur, "normal", document_id=doc.id, detail=old.id)
    )
    notify_document(conn, profile, doc, acteur, now)
    return doc


def delete_by_professional(conn: Connection, document_id: str, actor: ProfessionalActor, now: int) -> None:
    """TD3.3c: the author deletes a document (901 for anyone else)."""
    doc, _ = modifiable(conn, document_id, actor, now)
    document_rows.delete_document(conn, doc.id)
    trace_rows.insert_trace(
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


def applied(doc: Document, values: dict[str, bool]) -> Document:
    return doc._replace(
        archived=values.get("archived", doc.archived),
        masque_ps=values.get("masque_ps", doc.masque_ps),
        invisible_patient=values.get("invisible_patient", doc.invisible_patient),
        invisible_representants=values.get("invisible_representants", doc.invisible_representants),
    )


def action_of(change: Changement) -> str:
    if change.archived is not None and len(change.values()) == 1:
        return "archivage" if change.archived else "desarchivage"
    return "masquage"


def change_by_professional(
    conn: Connection, document_id: str, actor: ProfessionalActor, change: Changement, now: int
) -> Document:
    """TD3.3a/b/d: the author masks or unmasks, shows or hides from the patient, archives a document."""
    doc, _ = modifiable(conn, document_id, actor, now)
    values = change.values()
    if values:
        document_rows.update_document(conn, doc.id, **values)
        detail = ",".join(f"{k}={'oui' if v else 'non'}" for k, v in sorted(values.items()))
        trace_rows.insert_trace(
            conn,
            doc.ins,
            Trace(now, action_of(change), acteur_of(actor), "normal", document_id=doc.id, detail=detail),
        )
    return applied(doc, values)
