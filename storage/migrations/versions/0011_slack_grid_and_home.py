"""Enterprise Grid origins and App Home refreshes (issue 15 items 2 and 4)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Each ticket records the workspace it was logged from (``origin_team``, a Slack team id) and
that workspace's Enterprise Grid org (``origin_enterprise``): ids, empty on tickets logged
before, so every recorded audit digest stays valid (``handlers.audit.ADDED_SINCE_V1``).
``home_tabs`` remembers who has opened the App Home and which tickets it listed, so that a
change to a ticket publishes the page again for the people who can see it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TICKETS = ("requests", "breaches")


def upgrade() -> None:
    for table in TICKETS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin_enterprise", sa.String(length=32), nullable=True))
            batch.add_column(sa.Column("origin_team", sa.String(length=32), nullable=True))
    op.create_table(
        "home_tabs",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("opened_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shown", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("platform", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("home_tabs")
    for table in TICKETS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin_team")
            batch.drop_column("origin_enterprise")
