"""Reminder rows: a ticket's schedule, and what the sweep finds due, claims and settles."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import ReminderState
from storage.models import (
    Breach,
    Reminder,
    Request,
)
from storage.refs import TicketKind, kind_of
from storage.repositories.rows import table_of
from storage.repositories.tickets import PENDING, Ticket

# --- reminders -----------------------------------------------------------------------------------


async def reminders_for(*, session: AsyncSession, ref: str) -> list[Reminder]:
    query = select(Reminder).where(col(Reminder.ticket_ref) == ref).order_by(col(Reminder.fire_at))
    return list((await session.execute(query)).scalars())


async def drop_pending_reminders(*, session: AsyncSession, ref: str, kind: str) -> None:
    """The ticket's pending reminders of ``kind`` go (the deadline ones are replaced by
    ``handlers.reminders.reschedule``, only where they changed)."""
    await session.execute(
        delete(Reminder).where(
            col(Reminder.ticket_ref) == ref,
            col(Reminder.state) == ReminderState.PENDING,
            col(Reminder.kind) == kind,
        )
    )


async def drop_reminders(*, session: AsyncSession, ids: Sequence[int]) -> None:
    """The reminders with these ids go (one statement; nothing to do for none)."""
    if ids:
        await session.execute(delete(Reminder).where(col(Reminder.id).in_(ids)))


async def due_reminder_refs(*, session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Tickets with a pending reminder whose time has come, most overdue first."""
    # A range scan of the partial index on fire_at (no GROUP BY: SQLite would then walk the
    # ticket_ref index instead); a ticket with several due reminders appears more than once.
    query = (
        select(col(Reminder.ticket_ref))
        .where(col(Reminder.state) == PENDING, col(Reminder.fire_at) <= now)
        .order_by(col(Reminder.fire_at))
        .limit(limit * 8)
    )
    refs = list(dict.fromkeys((await session.execute(query)).scalars()))
    return refs[:limit]


async def claim_tickets(*, session: AsyncSession, refs: Sequence[str]) -> list[Request | Breach]:
    """The tickets of ``refs``, in that order, locked for this transaction: one statement per
    table. A ticket another transaction holds is left out (``FOR UPDATE SKIP LOCKED``), so two
    replicas sweeping at once share the tickets and never nudge about one twice. SQLite emits
    no ``FOR UPDATE``: its transactions begin IMMEDIATE, holding the whole database."""
    breach = {ref: kind_of(ref) is TicketKind.BREACH for ref in refs}
    requests = [ref for ref in refs if not breach[ref]]
    breaches = [ref for ref in refs if breach[ref]]
    found: dict[str, Request | Breach] = {}
    found.update((row.ref, row) for row in await _locked(session, Request, requests))
    found.update((row.ref, row) for row in await _locked(session, Breach, breaches))
    return [found[ref] for ref in refs if ref in found]


async def _locked(session: AsyncSession, model: type[Ticket], refs: list[str]) -> list[Ticket]:
    """The rows of ``model`` among ``refs`` that no other transaction holds, now locked."""
    if not refs:
        return []
    query = select(model).where(col(model.ref).in_(refs)).with_for_update(skip_locked=True)
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A pending reminder whose time has come, as the sweep reads it (a row, not an ORM
    object: the sweep settles it with one UPDATE for many, never through the unit of work)."""

    id: int
    ticket_ref: str
    kind: str
    fire_at: datetime


async def due_reminders_of(
    *, session: AsyncSession, refs: Sequence[str], now: datetime
) -> list[DueReminder]:
    """Every pending reminder of the tickets ``refs`` due by ``now``, in one query (read after
    the tickets' locks, so one another replica settled meanwhile is no longer pending)."""
    if not refs:
        return []
    table = table_of(Reminder)
    # The state as a literal, as in due_reminder_refs: the partial index on fire_at stays
    # usable to a generic plan (PostgreSQL picks it, or the ticket_ref index, either way a
    # range scan rather than a pass over the table).
    query = select(table.c.id, table.c.ticket_ref, table.c.kind, table.c.fire_at).where(
        table.c.ticket_ref.in_(refs), table.c.state == PENDING, table.c.fire_at <= now
    )
    return [DueReminder(*row) for row in await session.execute(query)]


async def sent_kinds(
    *, session: AsyncSession, refs: Collection[str], kinds: Collection[str]
) -> dict[str, set[str]]:
    """Which of ``kinds`` each ticket of ``refs`` has already been sent, in one query."""
    if not refs or not kinds:
        return {}
    table = table_of(Reminder)
    query = (
        select(table.c.ticket_ref, table.c.kind)
        .where(
            table.c.ticket_ref.in_(sorted(refs)),
            table.c.kind.in_(sorted(kinds)),
            table.c.state == ReminderState.SENT.value,
        )
        .distinct()
    )
    sent: dict[str, set[str]] = {}
    for ref, kind in await session.execute(query):
        sent.setdefault(ref, set()).add(kind)
    return sent


async def settle_reminders(
    *, session: AsyncSession, ids: Collection[int], state: str, at: datetime
) -> None:
    """Reminders ``ids`` are done at ``at``, in ``state`` (sent, superseded, cancelled): one
    UPDATE however many."""
    if ids:
        table = table_of(Reminder)
        await session.execute(
            update(table).where(table.c.id.in_(sorted(ids))).values(state=state, done_at=at)
        )
