"""security: in-doubt deliveries, scrubbed outbox payloads, expiring inbound keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``outbox.sending_since`` marks a message whose send began and whose outcome is not known yet
(the process may have died after the platform accepted it); ``outbox.scrubbed_at`` records
when a settled message's content was erased. ``inbound.at`` is indexed so expired delivery
keys can be deleted without a scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("sending_since", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("scrubbed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_inbound_at", "inbound", ["at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_at", table_name="inbound")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("scrubbed_at")
        batch.drop_column("sending_since")
