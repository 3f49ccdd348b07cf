"""psc knows each person's legal representatives; its codes and refresh tokens carry the minor one acts for

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:00:00

Issue 18: a legal representative logs in at the patient issuer with their own identity and chooses the
child (``represented_ins``); the choice is kept with the code and with each refresh token of the session,
so that every token of that login acts for the same child. ``psc_patient.representants`` lists the INS of
each person's legal representatives (the parents of the population), which psc checks at login.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("psc_authorization_code", "psc_refresh_token")


def upgrade() -> None:
    with op.batch_alter_table("psc_patient") as batch:
        batch.add_column(sa.Column("representants", sa.String(length=64), nullable=False, server_default=""))
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("represented_ins", sa.String(length=15), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("represented_ins")
    with op.batch_alter_table("psc_patient") as batch:
        batch.drop_column("representants")
