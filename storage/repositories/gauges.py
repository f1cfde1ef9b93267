"""What ``/metrics`` reads from the database at each scrape: cheap aggregates, no personal data.

Every figure is database-wide, so each replica reports the same value and a dashboard may take
any one of them (``max by ()``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import OutboxState, ReminderState
from storage.models import Breach, OutboxMessage, Reminder, Request


@dataclass(frozen=True, slots=True)
class OutboxPending:
    """The pending outbox: the oldest message's creation time, and the attempts made so far."""

    oldest_created_at: datetime | None
    max_attempts: int
    total_attempts: int


async def outbox_pending(*, session: AsyncSession) -> OutboxPending:
    query = select(
        func.min(col(OutboxMessage.created_at)),
        func.coalesce(func.max(col(OutboxMessage.attempts)), 0),
        func.coalesce(func.sum(col(OutboxMessage.attempts)), 0),
    ).where(col(OutboxMessage.state) == OutboxState.PENDING)
    oldest, most, total = (await session.execute(query)).one()
    return OutboxPending(
        oldest_created_at=oldest, max_attempts=int(most), total_attempts=int(total)
    )


async def oldest_due_reminder(*, session: AsyncSession, now: datetime) -> datetime | None:
    """When the longest-waiting nudge that is due and not yet sent fell due (None: none waits)."""
    query = select(func.min(col(Reminder.fire_at))).where(
        col(Reminder.state) == ReminderState.PENDING, col(Reminder.fire_at) <= now
    )
    found: datetime | None = (await session.execute(query)).scalar_one()
    return found


async def ticket_counts(*, session: AsyncSession) -> dict[tuple[str, str], int]:
    """Tickets by (kind, state): ``("request", "in_progress")``, ``("breach", "open")``."""
    counts: dict[tuple[str, str], int] = {}
    for kind, table in (("request", Request), ("breach", Breach)):
        state = col(table.state)
        rows = await session.execute(select(state, func.count()).group_by(state))
        for value, count in rows:
            counts[(kind, str(value))] = int(count)
    return counts
