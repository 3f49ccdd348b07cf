"""dmp_profile.documents_rev: a random value every write to a profile's documents replaces

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:05:00

A profile's ``documents_rev`` changes, in the same transaction, whenever one of its rows of
``dmp_document`` is inserted, updated or deleted, whoever writes it (the service, a bulk load, another
process): a process may keep a profile's documents in memory and trust them while the value it read
them with is still the profile's. Random values rather than a counter: a tenant reset copies the
template back, and a counter would start again from values an earlier copy already used.

On PostgreSQL the triggers are statement-level: a statement changing many documents (a purge, a bulk
COPY) updates each profile once, after it has locked its documents, so a document writer and a profile
writer never wait for each other in opposite orders; a TRUNCATE replaces every profile's value.

SQLite keeps these triggers only while both tables stand: a later migration that rebuilds
``dmp_profile`` or ``dmp_document`` there (a batch operation copies the table and renames the copy)
must drop the triggers first and create them again after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_RANDOM = "random()"
_PG_RANDOM = "(random() * 9.2e18)::bigint"
_EVENTS = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}


def upgrade() -> None:
    with op.batch_alter_table("dmp_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("documents_rev", sa.BigInteger(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE dmp_profile SET documents_rev = {_PG_RANDOM};\n"
            "CREATE FUNCTION dmp_documents_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  IF TG_OP = 'TRUNCATE' THEN\n"
            f"    UPDATE dmp_profile SET documents_rev = {_PG_RANDOM};\n"
            "  ELSIF TG_OP = 'UPDATE' THEN\n"
            f"    UPDATE dmp_profile SET documents_rev = {_PG_RANDOM}\n"
            "    WHERE ins IN (SELECT ins FROM changed UNION SELECT ins FROM former);\n"
            "  ELSE\n"
            f"    UPDATE dmp_profile SET documents_rev = {_PG_RANDOM} WHERE ins IN (SELECT ins FROM changed);\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$"
        )
        for event, tables in _EVENTS.items():
            names = zip(tables, ("changed", "former"), strict=False)
            referencing = " ".join(f"{table} TABLE AS {name}" for table, name in names)
            op.execute(
                f"CREATE TRIGGER dmp_document_{event.lower()}_rev AFTER {event} ON dmp_document "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION dmp_documents_changed()"
            )
        op.execute(
            "CREATE TRIGGER dmp_document_truncate_rev AFTER TRUNCATE ON dmp_document "
            "FOR EACH STATEMENT EXECUTE FUNCTION dmp_documents_changed()"
        )
        return
    op.execute("UPDATE dmp_profile SET documents_rev = " + _SQLITE_RANDOM)
    for event, rows in _EVENTS.items():
        which = ", ".join(f"{row}.ins" for row in rows)
        op.execute(
            f"CREATE TRIGGER dmp_document_{event.lower()}_rev AFTER {event} ON dmp_document FOR EACH ROW "
            f"BEGIN UPDATE dmp_profile SET documents_rev = {_SQLITE_RANDOM} WHERE ins IN ({which}); END"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    events = [*_EVENTS, "TRUNCATE"] if postgresql else list(_EVENTS)
    for event in events:
        op.execute(f"DROP TRIGGER dmp_document_{event.lower()}_rev" + (" ON dmp_document" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION dmp_documents_changed()")
    with op.batch_alter_table("dmp_profile", schema=None) as batch_op:
        batch_op.drop_column("documents_rev")
