"""INSi's tables: the identity register (one row per identity, with its search keys), the INS history,
and the software authorisation numbers (IDAM) the service knows.

The register is read-only once seeded: the service serves it from memory (see ``register.py``); the
indexes below serve the loading and whoever queries the tables directly.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class InsiIdentity(Base):
    """An identity as INSi holds it: the active matricule INS, the five traits, the carte Vitale links."""

    __tablename__ = "insi_identity"
    __table_args__ = (
        Index("ix_insi_identity_traits", "nom_cle", "sexe", "date_naissance"),
        Index("ix_insi_identity_matricule_od", "matricule_od"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True, doc="The population's person id")
    matricule: Mapped[str] = mapped_column(String(15), unique=True, doc="13 characters + 2-digit key")
    kind: Mapped[str] = mapped_column(String(3), doc="NIR or NIA")
    oid: Mapped[str] = mapped_column(String(40), doc="Assigning authority as published (.8 / .9 / .10)")
    nom_naissance: Mapped[str] = mapped_column(String(100))
    prenoms: Mapped[str] = mapped_column(String(400), doc="ListePrenom: the prénoms, space-separated")
    premier_prenom: Mapped[str] = mapped_column(String(100))
    sexe: Mapped[str] = mapped_column(String(1))
    date_naissance: Mapped[str] = mapped_column(String(10), doc="YYYY-MM-DD, 00 for an unknown part")
    lieu_naissance: Mapped[str] = mapped_column(String(5), doc="COG of the place of birth (99xxx abroad)")
    nom_cle: Mapped[str] = mapped_column(String(100), doc="Normalised nom de naissance (search key)")
    prenom_cle: Mapped[str] = mapped_column(String(100), doc="Normalised first prénom (search key)")
    prenoms_cle: Mapped[str] = mapped_column(String(400), doc="Normalised ListePrenom (search key)")
    matricule_od: Mapped[str | None] = mapped_column(
        String(15), doc="Matricule of the ouvrant droit on the carte Vitale; None without a carte"
    )
    rang_naissance: Mapped[int] = mapped_column(Integer, doc="Rang de naissance (twins: 1, 2)")
    comportement: Mapped[str | None] = mapped_column(
        String(20), doc="Documented behaviour of a CNAM test identity (always-01, nia-oid...)"
    )


class InsiHistory(Base):
    """A former matricule of an identity (INSHISTO), in the order INSi lists them."""

    __tablename__ = "insi_history"

    identity_id: Mapped[str] = mapped_column(ForeignKey("insi_identity.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    matricule: Mapped[str] = mapped_column(String(15), index=True)
    oid: Mapped[str] = mapped_column(String(40))
    date_deb: Mapped[str | None] = mapped_column(String(10))
    date_fin: Mapped[str | None] = mapped_column(String(10))


class InsiLogiciel(Base):
    """A software authorisation number (IDAM) INSi accepts in ``ContexteLPS`` (or the JSON header)."""

    __tablename__ = "insi_logiciel"

    idam: Mapped[str] = mapped_column(String(64), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    origine: Mapped[str] = mapped_column(String(8), doc="seed (documented) or tenant (registered)")
