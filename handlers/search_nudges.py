"""Reminders for unanswered search tasks (issue 17), through the same rows and outbox as the
DPO's nudges.

Each request with open tasks has one pending ``search`` reminder, at the earliest moment one of
its owners is next due a nudge (``search_record.next_nudge``). When it fires, every owner whose
moment has come gets their task's message again, and the next reminder is booked; an answer
rebooks it, and the last answer leaves none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import search_record
from handlers.deadlines import local_day
from handlers.outbox import enqueue_direct
from handlers.policy import Policy
from handlers.ports import ChatUser
from storage import repositories as repo
from storage.enums import ReminderKind, ReminderState, RequestState
from storage.models import Reminder, Request
from storage.repositories import search_tasks as tasks_repo

SEARCH = ReminderKind.SEARCH.value


async def book(*, session: AsyncSession, ref: str, policy: Policy) -> None:
    """Replace ``ref``'s pending search reminder with the next one its open tasks need."""
    await repo.drop_pending_reminders(session=session, ref=ref, kind=SEARCH)
    tasks = [t for t in await tasks_repo.tasks_for(session=session, ref=ref) if t.answer is None]
    if not tasks:
        return
    fire = min(search_record.next_nudge(t, policy.reminders, policy.timezone) for t in tasks)
    await repo.add(session=session, row=Reminder(ticket_ref=ref, kind=SEARCH, fire_at=fire))


async def sweep(
    session: AsyncSession,
    req: Request,
    due: Sequence[repo.DueReminder],
    policy: Policy,
    now: datetime,
) -> int:
    """Send the search nudges now due for ``req`` (locked by the caller); returns how many."""
    running = req.state != RequestState.CLOSED
    state = ReminderState.SENT if running else ReminderState.CANCELLED
    await repo.settle_reminders(session=session, ids=[r.id for r in due], state=state, at=now)
    if not running:
        return 0
    today = local_day(now, policy.timezone)
    nudged: list[int] = []
    for task in await tasks_repo.tasks_for(session=session, ref=req.ref):
        if task.answer is not None or task.id is None:
            continue
        if search_record.next_nudge(task, policy.reminders, policy.timezone) > now:
            continue
        owner = ChatUser.parse(task.owner)
        reply = search_record.task_message(req, task, today=today, reminder=True)
        await enqueue_direct(
            session=session, platform=owner.platform, user=owner.external_id, reply=reply, now=now
        )
        task.last_nudged_at = now
        session.add(task)
        nudged.append(task.id)
    await session.flush()
    await book(session=session, ref=req.ref, policy=policy)
    return len(nudged)
