"""The e-prescription's tables. Instants are Unix milliseconds of the tenant clock; dates of the
prescription's content (start of soins, « à exécuter avant le ») are ISO strings."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class EprescriptionPrescription(Base):
    """An ordonnance numérique: prescriber, patient, consent, status and the DMP deposit."""

    __tablename__ = "eprescription_prescription"
    __table_args__ = (
        Index("ix_eprescription_prescription_ins", "ins"),
        Index("ix_eprescription_prescription_prescripteur", "prescripteur_idnat"),
    )

    numero: Mapped[str] = mapped_column(String(18), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, doc="Bumped by every change (optimistic concurrency)")
    statut: Mapped[str] = mapped_column(String(12), doc="active, executee or annulee")
    famille: Mapped[str] = mapped_column(String(20), doc="produits-de-sante or soins")
    prescrite_at: Mapped[int] = mapped_column(BigInteger)
    prescrite_le: Mapped[str] = mapped_column(String(10), doc="The date on the ordonnance (tenant clock)")
    executer_avant: Mapped[str | None] = mapped_column(String(10))
    consentement: Mapped[bool] = mapped_column(Boolean, doc="The patient lets the prescriber see executions")
    ins: Mapped[str] = mapped_column(String(15))
    patient: Mapped[str] = mapped_column(Text, doc="The patient block as given (JSON)")
    prescripteur_idnat: Mapped[str] = mapped_column(String(40))
    prescripteur: Mapped[str] = mapped_column(Text, doc="The prescriber block (JSON)")
    delivrances: Mapped[int] = mapped_column(Integer, doc="How many dispensations were recorded")
    first_delivery_at: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[int | None] = mapped_column(BigInteger)
    depot_dmp: Mapped[str] = mapped_column(String(16), doc="pending, deposited, not-deposited")
    depot_dmp_motif: Mapped[str | None] = mapped_column(String(400))
    depot_dmp_document: Mapped[str | None] = mapped_column(String(32))


class EprescriptionLine(Base):
    """One line: a médicament, an LPPR device or soins infirmiers, with what remains to deliver."""

    __tablename__ = "eprescription_line"

    numero: Mapped[str] = mapped_column(ForeignKey("eprescription_prescription.numero"), primary_key=True)
    rang: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text, doc="The line as prescribed (JSON)")
    liste: Mapped[str] = mapped_column(String(12))
    conditionnement: Mapped[str] = mapped_column(String(24))
    duree_jours: Mapped[int] = mapped_column(Integer)
    quantite_periode: Mapped[int] = mapped_column(Integer)
    conditionnement_superieur: Mapped[bool] = mapped_column(Boolean)
    date_debut: Mapped[str | None] = mapped_column(String(10))
    total: Mapped[int] = mapped_column(Integer, doc="Days (médicament), units (LPPR) or passages (soins)")
    restant: Mapped[int] = mapped_column(Integer)


class EprescriptionDispensation(Base):
    """One delivery (exécution) of one line by one executant."""

    __tablename__ = "eprescription_dispensation"
    __table_args__ = (Index("ix_eprescription_dispensation_numero", "numero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    numero: Mapped[str] = mapped_column(ForeignKey("eprescription_prescription.numero"))
    rang: Mapped[int] = mapped_column(Integer)
    at: Mapped[int] = mapped_column(BigInteger)
    executant_idnat: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, doc="Quantity, product, substitution, interventions (JSON)")
