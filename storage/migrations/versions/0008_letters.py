"""letters to the requester (issue 12)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Sent letters are audit events; the one new fact is the day a complaint was acknowledged
(DPA 2018 s.164A(3)), which the lateness rule for complaints reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("acknowledged_on")
