"""searches: the systems register, search tasks and the disclosure log (issue 17)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

New tables only; their personal columns (``search_tasks.note``, ``disclosures.redactions``)
are encrypted from the first row, so nothing here needs the data keys.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = storage.models.UTCDateTime(timezone=True)
    op.create_table(
        "systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", moment, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "search_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.Column("system", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("shared", sa.String(length=80), nullable=False),
        sa.Column("sent_by", sa.String(length=200), nullable=False),
        sa.Column("sent_at", moment, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", moment, nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("items", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("last_nudged_at", moment, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_ref", "system", name="uq_search_tasks_system"),
    )
    op.create_index("ix_search_tasks_ticket_ref", "search_tasks", ["ticket_ref"])
    op.create_index("ix_search_tasks_owner", "search_tasks", ["owner"])
    op.create_index("ix_search_tasks_due_on", "search_tasks", ["due_on"])
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.Column("exemption", sa.Text(), nullable=True),
        sa.Column("redactions", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("at", moment, nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disclosures_ticket_ref", "disclosures", ["ticket_ref"])


def downgrade() -> None:
    op.drop_table("disclosures")
    op.drop_table("search_tasks")
    op.drop_table("systems")
