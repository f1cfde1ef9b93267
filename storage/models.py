"""SQLModel tables. Datetimes are timezone-aware UTC in Python on every database.

Personal data (requester name, email, every free-text field, notes, breach narrative) lives
only in the columns ``storage.personal`` lists, so that retention can erase it and the audit
chain, which stores only digests of it, stays verifiable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Dialect, Index, String, Text, UniqueConstraint, text
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

from storage import personal
from storage.crypto import Encrypted
from storage.enums import OutboxState, ReminderState


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as UTC; SQLite keeps no offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Counter(SQLModel, table=True):
    """Reference number sequences (``DSAR``, ``BREACH``); one row each, bumped under a lock."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class AuditHead(SQLModel, table=True):
    """The last link of the event chain; its row is the lock that serialises appends."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class RequestBase(SQLModel):
    """A rights request, without its personal data."""

    ref: str = Field(max_length=16, unique=True)
    type: str = Field(max_length=16)
    state: str = Field(max_length=32, index=True)
    via: str = Field(max_length=16)
    received: date
    calendar: str = Field(max_length=16)
    created_by: str = Field(max_length=200, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Issue 15: the workspace it was logged from (Slack team id) and its Enterprise Grid org
    # (enterprise id), when the platform says; a Grid user id alone does not tell.
    origin_enterprise: str | None = Field(default=None, max_length=32)
    origin_team: str | None = Field(default=None, max_length=32)
    assignee: str | None = Field(default=None, max_length=200)
    identity_asked_on: date | None = None
    identity_received_on: date | None = None
    identity_method: str | None = Field(default=None, max_length=16)
    identity_checked_by: str | None = Field(default=None, max_length=200)
    fee_pence: int | None = None
    fee_asked_on: date | None = None
    fee_paid_on: date | None = None
    clarification_asked_on: date | None = None
    clock_start: date | None = None
    base_due: date | None = None
    extension_notice_by: date | None = None
    extended_due: date | None = None
    internal_target: date | None = None
    # The operative legal deadline: extended_due once extended, else base_due; None while the
    # clock is stopped (awaiting identity or fee) or paused (awaiting clarification).
    due: date | None = Field(default=None, index=True)
    extended: bool = False
    extension_reason: str | None = Field(default=None, sa_type=Encrypted)
    extension_told_on: date | None = None
    outcome: str | None = Field(default=None, max_length=32)
    outcome_reason: str | None = Field(default=None, sa_type=Encrypted)
    complaint_right_told_on: date | None = None
    closed_on: date | None = None
    # Issue 9: an ask-id / clarify / fee taken late needs a reason; one taken after the deadline
    # had passed keeps that deadline (``missed_due``), so the request stays overdue.
    late_reason: str | None = Field(default=None, sa_type=Encrypted)
    missed_due: date | None = None
    fee_basis: str | None = Field(default=None, max_length=16)  # unfounded|excessive|copies
    fee_reason: str | None = Field(default=None, sa_type=Encrypted)
    refusal_basis: str | None = Field(default=None, max_length=16)  # unfounded|excessive|exemption
    refusal_exemption: str | None = Field(default=None, sa_type=Encrypted)
    processing_stopped_on: date | None = None  # consent withdrawn / marketing objection
    duplicate_of: str | None = Field(default=None, max_length=16)  # withdrawn as a duplicate
    recipients_told: str | None = Field(default=None, max_length=16)  # Art 19
    # Issue 12: the day a complaint's acknowledgement went (DPA 2018 s.164A(3)).
    acknowledged_on: date | None = None
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Request(RequestBase, table=True):
    __tablename__ = "requests"
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = personal.columns("requests")

    id: int | None = Field(default=None, primary_key=True)
    requester_name: str | None = Field(default=None, sa_type=Encrypted)
    requester_email: str | None = Field(default=None, sa_type=Encrypted)
    details: str | None = Field(default=None, sa_type=Encrypted)
    pii_salt: str | None = Field(default=None, sa_type=Encrypted)


class SearchTerm(SQLModel, table=True):
    """A keyed digest a request can be found by (``storage.blind_index``); never text."""

    __tablename__ = "search_terms"
    term: str = Field(primary_key=True, max_length=40)
    ticket_ref: str = Field(primary_key=True, max_length=16, index=True)


class TicketLink(SQLModel, table=True):
    """Two tickets recorded as the same person asking twice (``duplicate``) or related."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_ref", "other_ref", name="uq_ticket_links_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_ref: str = Field(max_length=16, index=True)
    other_ref: str = Field(max_length=16, index=True)
    kind: str = Field(max_length=16)
    linked_by: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)


class Pause(SQLModel, table=True):
    """A finished clarification pause; the open one is ``Request.clarification_asked_on``."""

    __tablename__ = "pauses"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id", index=True)
    asked_on: date
    answered_on: date


class BreachBase(SQLModel):
    """A personal-data breach, without its narrative fields."""

    ref: str = Field(max_length=16, unique=True)
    state: str = Field(max_length=32, index=True)
    aware_at: datetime = Field(sa_type=UTCDateTime)
    ico_due: datetime = Field(sa_type=UTCDateTime, index=True)
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Issue 15: the workspace it was logged from (Slack team id) and its Enterprise Grid org
    # (enterprise id), when the platform says; a Grid user id alone does not tell.
    origin_enterprise: str | None = Field(default=None, max_length=32)
    origin_team: str | None = Field(default=None, max_length=32)
    assignee: str | None = Field(default=None, max_length=200)
    subjects_count: int | None = None
    records_count: int | None = None
    risk: str | None = Field(default=None, max_length=8)
    ico_case_ref: str | None = Field(default=None, max_length=64)
    ico_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_reportable_reason: str | None = Field(default=None, sa_type=Encrypted)
    subjects_told_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delay_reason: str | None = Field(default=None, sa_type=Encrypted)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A public electronic communications service breach (PECR reg 5A): always notified.
    pecr: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class Breach(BreachBase, table=True):
    __tablename__ = "breaches"
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = personal.columns("breaches")

    id: int | None = Field(default=None, primary_key=True)
    pii_salt: str | None = Field(default=None, sa_type=Encrypted)
    summary: str | None = Field(default=None, sa_type=Encrypted)
    data_categories: str | None = Field(default=None, sa_type=Encrypted)
    subject_categories: str | None = Field(default=None, sa_type=Encrypted)
    consequences: str | None = Field(default=None, sa_type=Encrypted)
    measures: str | None = Field(default=None, sa_type=Encrypted)


class DeskFact(SQLModel, table=True):
    """A fact about the desk itself, such as the holiday-data release deadlines were built on."""

    __tablename__ = "desk_facts"
    key: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=200)


class Note(SQLModel, table=True):
    """Free-text notes on a ticket: personal data, so outside the hashed event payload."""

    __tablename__ = "notes"
    id: int | None = Field(default=None, primary_key=True)
    ticket_ref: str = Field(max_length=16, index=True)
    event_seq: int
    author: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    text: str | None = Field(default=None, sa_type=Encrypted)


class Event(SQLModel, table=True):
    """One link of the append-only, hash-chained history (``privacy-desk audit verify``)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ticket_ref_seq", "ticket_ref", "seq"),)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    ticket_ref: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    data: str = Field(sa_type=Text)
    prev_hash: str = Field(sa_type=String(64))
    hash: str = Field(sa_type=String(64))


_REMINDER_PENDING = f"state = '{ReminderState.PENDING.value}'"  # the partial indexes' predicates
_OUTBOX_PENDING = f"state = '{OutboxState.PENDING.value}'"


class Reminder(SQLModel, table=True):
    """A nudge due at ``fire_at``; rows are the schedule, so a restart loses none."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("ticket_ref", "kind", "fire_at", name="uq_reminders_ticket_kind_fire"),
        Index("ix_reminders_pending_fire_at", "fire_at", postgresql_where=text(_REMINDER_PENDING),
              sqlite_where=text(_REMINDER_PENDING)),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    ticket_ref: str = Field(max_length=16, index=True)
    kind: str = Field(max_length=32)
    fire_at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(default=ReminderState.PENDING, max_length=16)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """An outgoing post, thread reply or direct message: a row first, then delivered.

    ``thread_key`` orders a ticket's messages on one channel; ``dedupe_key`` makes a message
    (the weekly summary) exist once however many replicas try to create it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "next_attempt_at", postgresql_where=text(_OUTBOX_PENDING),
              sqlite_where=text(_OUTBOX_PENDING)),
        Index("ix_outbox_thread", "platform", "target", "thread_key", "id"),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    target: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    thread_key: str | None = Field(default=None, max_length=64)
    dedupe_key: str | None = Field(default=None, max_length=128, unique=True)
    payload: str = Field(sa_type=Encrypted)
    state: str = Field(default=OutboxState.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leased_by: str | None = Field(default=None, max_length=64)
    platform_message_id: str | None = Field(default=None, max_length=128)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set just before the platform is called, cleared once the outcome is known: a row still
    # carrying it after a crash is in doubt, and is looked for on the platform before resending.
    sending_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the content of this delivered or failed message was erased (OUTBOX_KEEP_DAYS).
    scrubbed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InboundDelivery(SQLModel, table=True):
    """What identifies one delivery from a platform (Slack ``trigger_id``, ``event_id``, Teams
    activity id); a retried delivery finds its key here and changes nothing."""

    __tablename__ = "inbound"
    key: str = Field(primary_key=True, max_length=200)
    ref: str | None = Field(default=None, max_length=16)
    at: datetime = Field(sa_type=UTCDateTime, index=True)  # keys expire (storage.housekeeping)


class ConversationRef(SQLModel, table=True):
    """Where a platform lets the bot write later (Teams proactive messages): a person's personal
    chat (``key`` = their Entra object id) or a channel (``key`` = its conversation id)."""

    __tablename__ = "conversation_refs"
    platform: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=200)
    tenant: str | None = Field(default=None, max_length=64)
    reference: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=UTCDateTime)


# The tables of a reasonable search (issue 17) live in their own module; importing it here
# registers them wherever the models are loaded.
# Who opened the home page, and what it showed them (issue 15: App Home refreshes).
from storage import models_home as models_home  # noqa: E402
from storage import models_searches as models_searches  # noqa: E402

# slack-sdk's installation and OAuth state tables, on this metadata (see storage.slack_installs).
from storage import slack_installs as slack_installs  # noqa: E402
