"""Alembic, driven from code: upgrade a database, find the head, compare models with migrations."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, create_engine
from sqlalchemy.pool import NullPool

import migrations
from shared.db import Base

MIGRATIONS_DIR = Path(migrations.__file__).parent


def target_metadata() -> MetaData:
    """Every table of every service (importing the services registers their models)."""
    from services.sandbox.registry import all_services

    for spec in all_services():
        __import__(f"services.{spec.name}.models")
    return Base.metadata


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or "base"


@lru_cache
def schema_digest() -> str:
    """A digest of every migration file (names and contents): a new or changed migration, and so a new
    head, rebuilds templates. Alembic is not imported for it: a start on a seeded folder needs none
    (about 150 ms)."""
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the head unless told)."""
    from alembic import command

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), revision)
    engine.dispose()


def pending_model_changes(url: str) -> list[Any]:
    """Differences between the models and a database migrated to head (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, target_metadata())
    engine.dispose()
    return list(diff)
