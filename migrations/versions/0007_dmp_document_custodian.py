"""The DMP keeps a document's custodian (its structure's national identifier) and the SHA-1 of its
content

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:00:00

Issue 22: the ANS PDSm profile of an MHD DocumentReference requires a ``custodian``, the organisation
responsible for the document, which the VIHF names in an XDS exchange: the sandbox names the author's
structure by its IdNat_Struct (FINESS- or SIRET-based national identifier). Documents stored before this
revision keep none; their custodian is named by the structure's name alone. PDSm also requires
``attachment.hash`` in every DocumentReference, a SHA-1 (as XDS's ``hash``), while the DMP kept only a
SHA-256: the SHA-1 is stored too, and computed here for the documents already stored.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("dmp_document") as batch:
        batch.add_column(sa.Column("structure_idnat", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("sha1", sa.String(length=40), nullable=True))
    document = sa.table("dmp_document", sa.column("id", sa.String), sa.column("sha1", sa.String))
    contenu = sa.table("dmp_document_contenu", sa.column("document_id", sa.String), sa.column("contenu"))
    conn = op.get_bind()
    rows = conn.execute(sa.select(contenu.c.document_id, contenu.c.contenu)).fetchall()
    update = document.update().where(document.c.id == sa.bindparam("doc_id")).values(sha1=sa.bindparam("digest"))
    for start in range(0, len(rows), _BATCH):
        conn.execute(
            update,
            [
                {"doc_id": doc_id, "digest": hashlib.sha1(bytes(data), usedforsecurity=False).hexdigest()}
                for doc_id, data in rows[start : start + _BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("dmp_document") as batch:
        batch.drop_column("sha1")
        batch.drop_column("structure_idnat")
