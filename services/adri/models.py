"""ADRi's tables: the beneficiaries and their rights (read-only once seeded), and the appli carte
Vitale sessions and invoices (written by requests).

A beneficiary is keyed by its matricule: the 15-character NIR, or the NIA for a person still
waiting for a NIR. Times of the sessions are Unix seconds of the tenant clock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class AdriBeneficiary(Base):
    """A person ADRi knows, with the link to the ouvrant droit whose rights cover them."""

    __tablename__ = "adri_beneficiary"

    matricule: Mapped[str] = mapped_column(String(15), primary_key=True)
    nom_naissance: Mapped[str] = mapped_column(String(100))
    nom_usage: Mapped[str] = mapped_column(String(100))
    prenoms: Mapped[str] = mapped_column(String(200), doc="Given names, comma-separated, in civil order")
    sexe: Mapped[str] = mapped_column(String(1))
    date_naissance: Mapped[str] = mapped_column(String(10), doc="YYYY-MM-DD, 00 for an unknown day or month")
    rang_naissance: Mapped[int] = mapped_column(Integer, doc="Rang de naissance (gémellaire): 1, 2...")
    ouvrant_droit: Mapped[str] = mapped_column(
        String(15), index=True, doc="Matricule of the ouvrant droit; the beneficiary's own for an assuré"
    )
    medecin_traitant_rpps: Mapped[str | None] = mapped_column(String(11))


class AdriRightsPeriod(Base):
    """A period of AMO rights with one régime, caisse and centre; ``end`` inclusive, None if open."""

    __tablename__ = "adri_rights_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matricule: Mapped[str] = mapped_column(ForeignKey("adri_beneficiary.matricule"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    regime: Mapped[str] = mapped_column(String(2))
    caisse: Mapped[str] = mapped_column(String(3))
    centre: Mapped[str] = mapped_column(String(4))


class AdriExoneration(Base):
    """An exonération du ticket modérateur: ALD, maternité or invalidité."""

    __tablename__ = "adri_exoneration"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matricule: Mapped[str] = mapped_column(ForeignKey("adri_beneficiary.matricule"), index=True)
    kind: Mapped[str] = mapped_column(String(12), doc="ald, maternite or invalidite")
    code: Mapped[str] = mapped_column(String(8), doc="Sandbox-defined: ALDnn, MAT, INV")
    label: Mapped[str] = mapped_column(String(200))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)


class AdriCss(Base):
    """A period of complémentaire santé solidaire."""

    __tablename__ = "adri_css"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    matricule: Mapped[str] = mapped_column(ForeignKey("adri_beneficiary.matricule"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)


class AdriApcvSession(Base):
    """A session opened by reading a patient's appli carte Vitale."""

    __tablename__ = "adri_apcv_session"
    __table_args__ = (Index("ix_adri_apcv_session_professional", "professional_idnat", "opened_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    matricule: Mapped[str] = mapped_column(ForeignKey("adri_beneficiary.matricule"))
    professional_idnat: Mapped[str] = mapped_column(String(40))
    card: Mapped[str] = mapped_column(String(8), doc="Card mode of the professional's token")
    opened_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    invoiced_at: Mapped[int | None] = mapped_column(
        BigInteger, doc="Set when the session's invoice is recorded"
    )


class AdriApcvInvoice(Base):
    """The one invoice (facture) a session allowed."""

    __tablename__ = "adri_apcv_invoice"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("adri_apcv_session.id"), unique=True)
    matricule: Mapped[str] = mapped_column(String(15))
    professional_idnat: Mapped[str] = mapped_column(String(40))
    numero_facture: Mapped[str] = mapped_column(String(40))
    montant: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    date_soins: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[int] = mapped_column(BigInteger)
