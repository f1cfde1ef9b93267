"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Every table of the first release, the reference counters and the empty audit chain head.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    assert head is not None
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.create_table(
        "breaches",
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("aware_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ico_due", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("subjects_count", sa.Integer(), nullable=True),
        sa.Column("records_count", sa.Integer(), nullable=True),
        sa.Column("risk", sa.String(length=8), nullable=True),
        sa.Column("ico_case_ref", sa.String(length=64), nullable=True),
        sa.Column("ico_notified_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("not_reportable_reason", sa.Text(), nullable=True),
        sa.Column("subjects_told_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pii_salt", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("data_categories", sa.Text(), nullable=True),
        sa.Column("subject_categories", sa.Text(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breaches_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_breaches_ico_due"), ["ico_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_breaches_state"), ["state"], unique=False)

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    assert counters is not None
    op.bulk_insert(counters, [{"name": "DSAR", "value": 0}, {"name": "BREACH", "value": 0}])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_ticket_ref_seq", ["ticket_ref", "seq"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_ticket_ref"), ["ticket_ref"], unique=False)

    op.create_table(
        "requests",
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("calendar", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("identity_asked_on", sa.Date(), nullable=True),
        sa.Column("identity_received_on", sa.Date(), nullable=True),
        sa.Column("identity_method", sa.String(length=16), nullable=True),
        sa.Column("identity_checked_by", sa.String(length=200), nullable=True),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("fee_asked_on", sa.Date(), nullable=True),
        sa.Column("fee_paid_on", sa.Date(), nullable=True),
        sa.Column("clarification_asked_on", sa.Date(), nullable=True),
        sa.Column("clock_start", sa.Date(), nullable=True),
        sa.Column("base_due", sa.Date(), nullable=True),
        sa.Column("extension_notice_by", sa.Date(), nullable=True),
        sa.Column("extended_due", sa.Date(), nullable=True),
        sa.Column("internal_target", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extension_told_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("complaint_right_told_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("erased_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_name", sa.Text(), nullable=True),
        sa.Column("requester_email", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("pii_salt", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requests_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_requests_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_requests_state"), ["state"], unique=False)

    op.create_table(
        "pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pauses_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pauses_request_id"))

    op.drop_table("pauses")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_state"))
        batch_op.drop_index(batch_op.f("ix_requests_due"))
        batch_op.drop_index(batch_op.f("ix_requests_created_by"))

    op.drop_table("requests")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_ticket_ref"))

    op.drop_table("notes")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ticket_ref_seq")

    op.drop_table("events")
    op.drop_table("counters")
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breaches_state"))
        batch_op.drop_index(batch_op.f("ix_breaches_ico_due"))
        batch_op.drop_index(batch_op.f("ix_breaches_created_by"))

    op.drop_table("breaches")
    op.drop_table("audit_head")
