"""The DMP keeps a document's CI-SIS metadata: uniqueId, facility, practice setting, format, events and
references

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 19:00:00

Issue 22: an MHD DocumentReference (and an XDS document entry) carries the CI-SIS codes the DMP keeps:
``masterIdentifier`` (the uniqueId the source gave),
``context.facilityType`` (healthcareFacilityTypeCode, JDV_J02), ``context.practiceSetting``
(practiceSettingCode, JDV_J04), ``content.format`` (formatCode, JDV_J10), ``context.event``
(eventCodeList) and ``context.related`` (referenceIdList). The documents already stored get the values
a deposit without them gets: no uniqueId (their entryUUID stands for it), no events, no references, the
format code of their content type, and the codes of a cabinet individuel (SA07, AMBULATOIRE): their
author's sector is not in the database. The values are written here as they were when this revision was
made, not read from the service's code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODED = ("facility_type", "practice_setting", "format_code")
_FORMAT_CODES = {
    "application/pdf": "urn:ihe:iti:xds-sd:pdf:2008",
    "text/plain": "urn:ihe:iti:xds-sd:text:2008",
    "text/xml": "urn:asipSante:modelesHorsProfils:2011",
}


def upgrade() -> None:
    with op.batch_alter_table("dmp_document") as batch:
        batch.add_column(sa.Column("unique_id", sa.String(length=128), nullable=True))
        for name in _CODED:
            batch.add_column(sa.Column(name, sa.String(length=80), nullable=False, server_default=""))
        batch.add_column(sa.Column("event_codes", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reference_ids", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_dmp_document_unique_id", "dmp_document", ["unique_id"])
    document = sa.table(
        "dmp_document",
        sa.column("format", sa.String),
        sa.column("format_code", sa.String),
        sa.column("facility_type", sa.String),
        sa.column("practice_setting", sa.String),
    )
    op.execute(document.update().values(facility_type="SA07", practice_setting="AMBULATOIRE"))
    for content_type, code in _FORMAT_CODES.items():
        op.execute(document.update().where(document.c.format == content_type).values(format_code=code))


def downgrade() -> None:
    op.drop_index("ix_dmp_document_unique_id", table_name="dmp_document")
    with op.batch_alter_table("dmp_document") as batch:
        for name in ("reference_ids", "event_codes", *reversed(_CODED), "unique_id"):
            batch.drop_column(name)
