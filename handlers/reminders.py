"""Nudges nobody misses (SPEC §6): the schedule, kept as rows.

``reschedule`` rewrites a ticket's pending reminders whenever its deadlines move (only those
that changed); ``handlers.reminder_sweep`` sends what has fallen due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import rules
from handlers.offsets import ReminderOffsets
from handlers.policy import Policy
from storage import repositories as repo
from storage.enums import ReminderKind as K
from storage.enums import ReminderSlot, ReminderState, RequestState, RequestType
from storage.models import Breach, Reminder, Request

OVERDUE, BREACH_REPEAT, ID_CHASE, EXTENSION = K.OVERDUE, K.BREACH_REPEAT, K.ID_CHASE, K.EXTENSION
BREACH_72H = str(ReminderSlot(K.BREACH, 72))
REPEATING = (OVERDUE, BREACH_REPEAT)
ALARMS = {OVERDUE: "overdue", BREACH_72H: "72 hours passed without an ICO decision"}


# --- the schedule (pure) -------------------------------------------------------------------------


def _at(day: date, offsets: ReminderOffsets, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, offsets.at, tzinfo=tz)


def request_schedule(
    req: Request, offsets: ReminderOffsets, tz: ZoneInfo
) -> list[tuple[str, datetime]]:
    """(kind, when) of every nudge this request should get from now on, given its state."""
    if req.state == RequestState.CLOSED:
        return []
    if req.state == RequestState.AWAITING_ID:
        assert req.identity_asked_on is not None
        chase = req.identity_asked_on + timedelta(days=offsets.id_chase_days)
        return [(ID_CHASE, _at(chase, offsets, tz))]
    if req.due is None:  # clock stopped or paused: no deadline is running
        return []
    target = min(req.due, req.internal_target) if req.internal_target else req.due
    plan = [
        (str(ReminderSlot(K.DUE, n)), _at(target - timedelta(days=n), offsets, tz))
        for n in offsets.request_days
    ]
    if not req.extended and req.type != RequestType.COMPLAINT and req.extension_notice_by:
        notice = req.extension_notice_by - timedelta(days=offsets.extension_days_before)
        plan.append((EXTENSION, _at(notice, offsets, tz)))
    overdue = req.due + timedelta(days=offsets.overdue_every_days)
    plan.append((OVERDUE, _at(overdue, offsets, tz)))
    return plan


def breach_schedule(breach: Breach, offsets: ReminderOffsets) -> list[tuple[str, datetime]]:
    if not rules.breach_undecided(breach):
        return []  # the ICO decision is recorded: the 72-hour clock no longer matters
    plan = [
        (str(ReminderSlot(K.BREACH, h)), breach.aware_at + timedelta(hours=h))
        for h in offsets.breach_hours
    ]
    plan.append((BREACH_REPEAT, breach.ico_due + timedelta(hours=offsets.breach_repeat_hours)))
    return plan


def urgency(kind: str) -> int:
    """Higher is more urgent; a burst for one ticket sends only its most urgent nudge."""
    slot = ReminderSlot.parse(kind)
    if slot.kind in REPEATING:
        return 10_000
    if slot.kind == K.DUE:
        return 1_000 - (slot.offset or 0)
    if slot.kind == K.BREACH:
        return slot.offset or 0
    return {EXTENSION: 500, ID_CHASE: 400}.get(slot.kind, 0)


async def reschedule(
    *,
    session: AsyncSession,
    ticket: Request | Breach,
    policy: Policy,
    now: datetime,
    new: bool = False,
) -> None:
    """Replace the ticket's pending reminders with its current schedule (``policy.reminders``).

    A nudge already sent is not booked again; a past-due one of a kind not yet sent is booked
    (it fires at the next sweep, where a burst collapses to the most urgent). Only what
    changed is written: a pending reminder the schedule still has stays, so an action that
    leaves the deadlines alone (a note, an assignment) reads the reminders and writes none.
    The search reminder follows the search tasks, not the deadlines (issue 17): it stays.
    """
    if new:  # a ticket being opened has no reminders yet
        rows = planned(ticket, policy, now)
        await repo.insert_values(session=session, model=Reminder, rows=rows)
        return
    had = await repo.reminders_for(session=session, ref=ticket.ref)
    replaceable = [r for r in had if _replaceable(r)]
    rows = planned(ticket, policy, now, done=[r for r in had if not _replaceable(r)])
    wanted = {(row["kind"], row["fire_at"]) for row in rows}
    kept: set[tuple[object, object]] = set()
    stale: list[int] = []
    for reminder in replaceable:
        key = (reminder.kind, reminder.fire_at)
        if key in wanted and key not in kept:
            kept.add(key)
        elif reminder.id is not None:
            stale.append(reminder.id)
    await repo.drop_reminders(session=session, ids=stale)
    fresh = [row for row in rows if (row["kind"], row["fire_at"]) not in kept]
    await repo.insert_values(session=session, model=Reminder, rows=fresh)


def _replaceable(reminder: Reminder) -> bool:
    """A pending reminder that follows the deadlines (not the search tasks)."""
    return reminder.state == ReminderState.PENDING and reminder.kind != K.SEARCH


def planned(
    ticket: Request | Breach, policy: Policy, now: datetime, *, done: Sequence[Reminder] = ()
) -> list[dict[str, object]]:
    """The reminders to book for ``ticket`` now, given those it already had (``done``), as
    rows of ``Reminder``."""
    offsets = policy.reminders
    plan = (
        request_schedule(ticket, offsets, policy.timezone)
        if isinstance(ticket, Request)
        else breach_schedule(ticket, offsets)
    )
    done_keys = {(r.kind, r.fire_at) for r in done}
    done_kinds = {r.kind for r in done if r.state == ReminderState.SENT}
    rows: list[dict[str, object]] = []
    for kind, when in plan:
        when = when.astimezone(now.tzinfo)
        if when <= now and kind in done_kinds:
            if kind not in REPEATING:
                continue
            # keep repeating
            when = next_occurrence(kind, when=when, now=now, offsets=offsets, tz=policy.timezone)
        if (kind, when) not in done_keys:
            rows.append(repo.row_values(Reminder, ticket_ref=ticket.ref, kind=kind, fire_at=when))
    return rows


def period(kind: str, offsets: ReminderOffsets) -> timedelta:
    if kind == OVERDUE:
        return timedelta(days=offsets.overdue_every_days)
    return timedelta(hours=offsets.breach_repeat_hours)


def next_occurrence(
    kind: str, *, when: datetime, now: datetime, offsets: ReminderOffsets, tz: ZoneInfo
) -> datetime:
    """The next repeat of ``kind`` after ``now``: overdue nudges at the same local time of day
    (09:00 stays 09:00 across clock changes); breach repeats every N elapsed hours."""
    if kind != OVERDUE:
        return _next_after(when, period(kind, offsets), now)
    step = offsets.overdue_every_days
    day = when.astimezone(tz).date()
    skip = max((now.astimezone(tz).date() - day).days // step - 1, 0)
    day += timedelta(days=skip * step)
    while (moment := _at(day, offsets, tz)) <= now:
        day += timedelta(days=step)
    return moment.astimezone(now.tzinfo)


def _next_after(when: datetime, step: timedelta, now: datetime) -> datetime:
    """The first of ``when``, ``when + step``, … that is after ``now``."""
    if when > now:
        return when
    return when + step * ((now - when) // step + 1)
