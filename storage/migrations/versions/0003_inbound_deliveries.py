"""inbound deliveries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Keys of platform deliveries already handled, so a retried delivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("ref", sa.String(length=16), nullable=True),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("inbound")
