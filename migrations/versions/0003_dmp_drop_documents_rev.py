"""dmp_profile.documents_rev goes, with the triggers that replaced it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:45:00

Migration 0002 let a process keep a profile's documents in memory between searches and trust them while
``documents_rev`` was still the value read with them. That cache did not earn its place (issue 17: it
gained 1.1x on SQLite and 1.25x on PostgreSQL on the DMP search of ``python -m bench dmp``, less than the
1.5x asked of a cache), so a search reads the profile's documents every time and 0002 is undone: the
triggers (and PostgreSQL's trigger function) are dropped first, since SQLite's batch rebuild of
``dmp_profile`` would not carry them, then the column. Both directions are 0002's own steps, run in
reverse: its downgrade is this upgrade, its upgrade this downgrade.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _revision_0002() -> ModuleType:
    """Migration 0002, loaded from its file (Alembic's revisions are files, not an importable package)."""
    spec = importlib.util.spec_from_file_location(
        "_revision_0002", Path(__file__).with_name("0002_dmp_documents_rev.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    _revision_0002().downgrade()


def downgrade() -> None:
    _revision_0002().upgrade()
