"""The sandbox's own tables: an index of the seeded population, to find test cases by tag."""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base


class PopulationPerson(Base):
    __tablename__ = "sandbox_person"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    ins: Mapped[str] = mapped_column(String(15), unique=True)
    record: Mapped[str] = mapped_column(Text, doc="The person's JSON record as the API shows it")


class PopulationProfessional(Base):
    __tablename__ = "sandbox_professional"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    idnat: Mapped[str] = mapped_column(String(40), unique=True)
    profession: Mapped[str | None] = mapped_column(String(4))
    record: Mapped[str] = mapped_column(Text)


class PopulationTag(Base):
    """One row per (record, tag): finding the persons with a tag is an index range scan."""

    __tablename__ = "sandbox_tag"
    __table_args__ = (Index("ix_sandbox_tag_kind_tag", "kind", "tag", "record_id"),)

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
