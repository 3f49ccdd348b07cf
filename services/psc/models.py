"""psc's tables: the directory (structures, professionals, patients), OIDC clients, codes, refresh tokens.

Codes and refresh tokens are stored as SHA-256 hashes, never in clear; times are Unix seconds of the
tenant clock.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class PscStructure(Base):
    __tablename__ = "psc_structure"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    raison_sociale: Mapped[str] = mapped_column(String(200))
    finess: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    idnat: Mapped[str] = mapped_column(String(40))
    adresse: Mapped[str] = mapped_column(String(200))
    code_postal: Mapped[str] = mapped_column(String(5))
    ville: Mapped[str] = mapped_column(String(100))
    secteur_activite: Mapped[str] = mapped_column(String(8))


class PscProfessional(Base):
    __tablename__ = "psc_professional"
    __table_args__ = (Index("ix_psc_professional_profession_nom", "profession", "nom", "prenom"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    idnat: Mapped[str] = mapped_column(String(40), unique=True)
    rpps: Mapped[str | None] = mapped_column(String(11), unique=True)
    civilite: Mapped[str] = mapped_column(String(8))
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    profession: Mapped[str | None] = mapped_column(String(4))
    profession_label: Mapped[str] = mapped_column(String(100))
    categorie: Mapped[str] = mapped_column(String(2), doc="Catégorie professionnelle: C civil")
    savoir_faire: Mapped[str | None] = mapped_column(String(8))
    type_savoir_faire: Mapped[str | None] = mapped_column(String(4))
    structure_id: Mapped[str] = mapped_column(ForeignKey("psc_structure.id"))
    cards: Mapped[str] = mapped_column(String(40), doc="Cards held, space-separated: cps e-cps cpe")
    regulation: Mapped[bool] = mapped_column(Boolean, default=False, doc="Centre-15 regulator")
    search: Mapped[str] = mapped_column(Text, doc="Lower-case, accent-free names and ids for the login page")


class PscPatient(Base):
    """A person as the Mon espace santé login knows them (subject = INS)."""

    __tablename__ = "psc_patient"
    __table_args__ = (Index("ix_psc_patient_nom_naissance", "nom_naissance", "prenoms", "id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    ins: Mapped[str] = mapped_column(String(15), unique=True)
    nom_naissance: Mapped[str] = mapped_column(String(100))
    nom_usage: Mapped[str | None] = mapped_column(String(100))
    prenoms: Mapped[str] = mapped_column(String(200), doc="Given names, comma-separated, in civil order")
    sexe: Mapped[str] = mapped_column(String(1))
    date_naissance: Mapped[str] = mapped_column(String(10), doc="ISO date")
    email: Mapped[str | None] = mapped_column(String(200))
    mes_status: Mapped[str] = mapped_column(String(12), doc="Mon espace santé account: activated, open...")
    representants: Mapped[str] = mapped_column(
        String(64), server_default="", doc="INS of the legal representatives (the parents), space-separated"
    )
    search: Mapped[str] = mapped_column(Text)


class PscClient(Base):
    __tablename__ = "psc_client"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[str] = mapped_column(
        Text, doc="Space-separated; 'http://localhost:*' allows any port and path on that host"
    )
    grant_types: Mapped[str] = mapped_column(String(200), doc="Space-separated grant types")


class PscAuthorizationCode(Base):
    __tablename__ = "psc_authorization_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(12), doc="professional or patient")
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(40), doc="IdNat of the professional or INS of the patient")
    card_mode: Mapped[str | None] = mapped_column(String(8))
    represented_ins: Mapped[str | None] = mapped_column(
        String(15), doc="Patient issuer: the minor the legal representative acts for"
    )
    scope: Mapped[str] = mapped_column(String(400))
    nonce: Mapped[str | None] = mapped_column(String(400))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    session_id: Mapped[str] = mapped_column(String(100))
    auth_time: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger)


class PscRefreshToken(Base):
    __tablename__ = "psc_refresh_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(12))
    client_id: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(40))
    card_mode: Mapped[str | None] = mapped_column(String(8))
    represented_ins: Mapped[str | None] = mapped_column(
        String(15), doc="Patient issuer: the minor the legal representative acts for"
    )
    scope: Mapped[str] = mapped_column(String(400))
    session_id: Mapped[str] = mapped_column(String(100), index=True)
    auth_time: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)
    rotated: Mapped[bool] = mapped_column(Boolean, default=False, doc="Revoked because it was exchanged")
