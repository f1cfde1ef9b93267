"""Reminder rows: a ticket's schedule, and what the sweep finds due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import ReminderKind, ReminderState
from storage.models import (
    Breach,
    Reminder,
    Request,
)
from storage.refs import TicketKind, kind_of
from storage.repositories.tickets import PENDING

# --- reminders -----------------------------------------------------------------------------------


async def reminders_for(*, session: AsyncSession, ref: str) -> list[Reminder]:
    query = select(Reminder).where(col(Reminder.ticket_ref) == ref).order_by(col(Reminder.fire_at))
    return list((await session.execute(query)).scalars())


async def drop_pending_reminders(
    *, session: AsyncSession, ref: str, kind: str | None = None
) -> None:
    """The ticket's pending reminders go: those of ``kind``, or else all but the search
    reminder, which follows the search tasks rather than the deadlines (issue 17)."""
    same = (
        col(Reminder.kind) == kind
        if kind is not None
        else col(Reminder.kind) != ReminderKind.SEARCH.value
    )
    await session.execute(
        delete(Reminder).where(
            col(Reminder.ticket_ref) == ref, col(Reminder.state) == ReminderState.PENDING, same
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


async def lock_ticket(*, session: AsyncSession, ref: str) -> Request | Breach | None:
    """The ticket, locked for this transaction; None if another transaction holds it."""
    if kind_of(ref) is TicketKind.BREACH:
        breach = select(Breach).where(col(Breach.ref) == ref).with_for_update(skip_locked=True)
        return (await session.execute(breach)).scalar_one_or_none()
    request = select(Request).where(col(Request.ref) == ref).with_for_update(skip_locked=True)
    return (await session.execute(request)).scalar_one_or_none()


async def due_reminders_for(*, session: AsyncSession, ref: str, now: datetime) -> list[Reminder]:
    query = select(Reminder).where(
        col(Reminder.ticket_ref) == ref,
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.fire_at) <= now,
    )
    return list((await session.execute(query)).scalars())
