"""The DMP's tables. Instants are Unix milliseconds of the tenant clock (BigInteger): the same on
SQLite and PostgreSQL, and cheap to read on the hot paths."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class DmpProfile(Base):
    """A person's Mon espace santé profile: identity, lifecycle events, settings."""

    __tablename__ = "dmp_profile"

    ins: Mapped[str] = mapped_column(String(15), primary_key=True, doc="Matricule INS (NIR or NIA)")
    oid: Mapped[str] = mapped_column(String(40))
    nom_naissance: Mapped[str] = mapped_column(String(100))
    prenoms: Mapped[str] = mapped_column(String(200), doc="Given names, comma-separated")
    sexe: Mapped[str] = mapped_column(String(1))
    date_naissance: Mapped[str] = mapped_column(String(10))
    lieu_naissance: Mapped[str] = mapped_column(String(5))
    email: Mapped[str] = mapped_column(String(200), doc="Personal address, for notifications")
    activation_code: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[int] = mapped_column(BigInteger)
    opposed_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int | None] = mapped_column(BigInteger)
    activated_at: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[int | None] = mapped_column(BigInteger)
    closure_motif: Mapped[str | None] = mapped_column(String(200))
    data_since: Mapped[int | None] = mapped_column(
        BigInteger, doc="Documents deposited before this instant were deleted with an expired archive"
    )
    medecin_traitant: Mapped[str | None] = mapped_column(String(40), doc="IdNat of the médecin traitant DMP")
    centre_15: Mapped[bool] = mapped_column(Boolean)
    bris_de_glace: Mapped[bool] = mapped_column(Boolean)
    masques_en_urgence: Mapped[bool] = mapped_column(Boolean)


class DmpRepresentant(Base):
    """A legal representative of a minor (the parents the person is attached to)."""

    __tablename__ = "dmp_representant"

    ins: Mapped[str] = mapped_column(ForeignKey("dmp_profile.ins"), primary_key=True)
    representant_ins: Mapped[str] = mapped_column(String(15), primary_key=True, index=True)


class DmpProfessionnel(Base):
    """What a profile records about one professional: authorised or blocked, first access."""

    __tablename__ = "dmp_professionnel"

    ins: Mapped[str] = mapped_column(ForeignKey("dmp_profile.ins"), primary_key=True)
    idnat: Mapped[str] = mapped_column(String(40), primary_key=True)
    statut: Mapped[str] = mapped_column(String(12), doc="autorise or bloque")
    source: Mapped[str] = mapped_column(String(12), doc="presume (first access) or patient")
    nom: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str | None] = mapped_column(String(4))
    first_access_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class DmpDocument(Base):
    """A document's metadata (the XDS document entry); its content is in ``dmp_document_contenu``."""

    __tablename__ = "dmp_document"
    __table_args__ = (Index("ix_dmp_document_ins_date", "ins", "date_acte"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ins: Mapped[str] = mapped_column(String(15))
    set_id: Mapped[str] = mapped_column(String(32), doc="Id of the first version of this document")
    version: Mapped[int] = mapped_column(Integer)
    replaces: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), doc="current, superseded or deleted")
    archived: Mapped[bool] = mapped_column(Boolean)
    type_code: Mapped[str] = mapped_column(String(20))
    titre: Mapped[str] = mapped_column(String(255))
    date_acte: Mapped[int] = mapped_column(BigInteger)
    deposited_at: Mapped[int] = mapped_column(BigInteger)
    auteur_kind: Mapped[str] = mapped_column(String(16), doc="professional, structure, patient, representant")
    auteur_id: Mapped[str] = mapped_column(String(40), doc="IdNat of the author, or INS of a patient author")
    auteur_nom: Mapped[str] = mapped_column(String(200))
    auteur_profession: Mapped[str | None] = mapped_column(String(4))
    structure_id: Mapped[str | None] = mapped_column(String(40))
    structure_nom: Mapped[str | None] = mapped_column(String(200))
    structure_idnat: Mapped[str | None] = mapped_column(String(40), doc="IdNat_Struct of the structure")
    sha1: Mapped[str | None] = mapped_column(String(40), doc="SHA-1 of the content (XDS and FHIR hash)")
    depose_par: Mapped[str] = mapped_column(String(40), doc="IdNat or INS of who deposited it")
    format: Mapped[str] = mapped_column(String(40))
    taille: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the content")
    masque_ps: Mapped[bool] = mapped_column(Boolean)
    invisible_patient: Mapped[bool] = mapped_column(Boolean)
    invisible_representants: Mapped[bool] = mapped_column(Boolean)
    unique_id: Mapped[str | None] = mapped_column(
        String(128), index=True, doc="uniqueId as the source gave it (urn:oid:...); none: the entryUUID"
    )
    facility_type: Mapped[str] = mapped_column(
        String(80), server_default="", doc="healthcareFacilityTypeCode (JDV_J02)"
    )
    practice_setting: Mapped[str] = mapped_column(
        String(80), server_default="", doc="practiceSettingCode (JDV_J04)"
    )
    format_code: Mapped[str] = mapped_column(String(80), server_default="", doc="formatCode (JDV_J10)")
    event_codes: Mapped[str] = mapped_column(
        Text, server_default="", doc="eventCodeList: a line per code, system|code|display"
    )
    reference_ids: Mapped[str] = mapped_column(
        Text, server_default="", doc="referenceIdList: a line per identifier, system|value"
    )


class DmpDocumentContenu(Base):
    __tablename__ = "dmp_document_contenu"

    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contenu: Mapped[bytes] = mapped_column(LargeBinary)


class DmpTrace(Base):
    """The access history: every consultation, deposit, change and emergency access."""

    __tablename__ = "dmp_trace"
    __table_args__ = (Index("ix_dmp_trace_ins_at", "ins", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ins: Mapped[str] = mapped_column(String(15))
    at: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(24))
    acteur_kind: Mapped[str] = mapped_column(String(16))
    acteur_id: Mapped[str] = mapped_column(String(40))
    acteur_nom: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str | None] = mapped_column(String(4))
    mode: Mapped[str | None] = mapped_column(String(16))
    justification: Mapped[str | None] = mapped_column(String(500))
    document_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(300))


class DmpNotification(Base):
    """A notification to the patient, kept for the e-mail a later MSSanté outbox sends."""

    __tablename__ = "dmp_notification"
    __table_args__ = (Index("ix_dmp_notification_ins_at", "ins", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ins: Mapped[str] = mapped_column(String(15))
    at: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    acteur_id: Mapped[str] = mapped_column(String(40))
    acteur_nom: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str | None] = mapped_column(String(16))
    justification: Mapped[str | None] = mapped_column(String(500))
    document_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[int | None] = mapped_column(BigInteger, doc="Set by the outbox that sends it")


class DmpMatrice(Base):
    """A tenant's uploaded habilitation matrix (absent: the default one)."""

    __tablename__ = "dmp_matrice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[int] = mapped_column(BigInteger)


class DmpSubmissionSet(Base):
    """A submission set (XDS, the FHIR SubmissionSet List): the documents one ITI-65 bundle provided."""

    __tablename__ = "dmp_submission_set"
    __table_args__ = (Index("ix_dmp_submission_set_ins", "ins", "submitted_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ins: Mapped[str] = mapped_column(String(15))
    unique_id: Mapped[str] = mapped_column(String(128), doc="uniqueId (urn:oid:...) as the source gave it")
    source_id: Mapped[str] = mapped_column(String(128), doc="sourceId: the OID of the sending system")
    designation_system: Mapped[str] = mapped_column(String(128))
    designation_code: Mapped[str] = mapped_column(String(64), doc="contentTypeCode (designationType)")
    designation_display: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[str] = mapped_column(String(40), doc="IdNat of the professional who submitted it")
    author_nom: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[int] = mapped_column(BigInteger)


class DmpSubmissionEntry(Base):
    """The documents of a submission set, in the bundle's order."""

    __tablename__ = "dmp_submission_entry"

    submission_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dmp_submission_set.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(32))
