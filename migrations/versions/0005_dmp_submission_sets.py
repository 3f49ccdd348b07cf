"""The DMP keeps the submission sets of ITI-65 bundles (the FHIR SubmissionSet List, ITI-66)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 16:40:00

Issue 22: a Provide Document Bundle carries a SubmissionSet List with its documents; the set is kept
with the order of its entries, so that ITI-66 finds it and ``List/<id>`` answers it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dmp_submission_set",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ins", sa.String(length=15), nullable=False),
        sa.Column("unique_id", sa.String(length=128), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("designation_system", sa.String(length=128), nullable=False),
        sa.Column("designation_code", sa.String(length=64), nullable=False),
        sa.Column("designation_display", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("author_id", sa.String(length=40), nullable=False),
        sa.Column("author_nom", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_submission_set")),
    )
    op.create_index("ix_dmp_submission_set_ins", "dmp_submission_set", ["ins", "submitted_at"])
    op.create_table(
        "dmp_submission_entry",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["dmp_submission_set.id"],
            name=op.f("fk_dmp_submission_entry_submission_id_dmp_submission_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", "position", name=op.f("pk_dmp_submission_entry")),
    )


def downgrade() -> None:
    op.drop_table("dmp_submission_entry")
    op.drop_index("ix_dmp_submission_set_ins", table_name="dmp_submission_set")
    op.drop_table("dmp_submission_set")
