"""Nudges nobody misses (SPEC §6): the schedule as rows, and the sweep that sends what is due.

``reschedule`` rewrites a ticket's pending reminders whenever its deadlines move; the sweep
claims the tickets with due reminders (all at once, skip-locked, so replicas share the work),
collapses a burst for one ticket to its most urgent nudge, queues the direct messages in the
outbox in the same transaction, and books the next occurrence of the repeating ones (overdue;
breach past 72 h), with a handful of statements however many are due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies, rules, search_nudges
from handlers.offsets import ReminderOffsets
from handlers.outbox import direct_row, post_rows
from handlers.policy import Policy
from handlers.ports import ChatUser, Reply
from storage import repositories as repo
from storage.enums import ReminderKind as K
from storage.enums import ReminderSlot, ReminderState, RequestState, RequestType
from storage.models import Breach, OutboxMessage, Reminder, Request

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


# --- the sweep -----------------------------------------------------------------------------------


def _recipients(ticket: Request | Breach, policy: Policy) -> list[ChatUser]:
    people = set(policy.dpo)
    if ticket.assignee:
        people.add(ChatUser.parse(ticket.assignee))
    return sorted(people)


def _message(ticket: Request | Breach, kind: str, now: datetime, tz: ZoneInfo) -> Reply:
    today = now.astimezone(tz).date()
    if isinstance(ticket, Breach):
        left = replies.breach_status(ticket, now)
        text = f"{ticket.ref}: tell the ICO by {replies.fmt_moment(ticket.ico_due, tz)} ({left})"
        return Reply(text=text, ref=ticket.ref, actions=replies.BREACH_ACTIONS)
    what = f"{ticket.ref} ({ticket.type})"
    if kind == ID_CHASE:
        asked = replies.fmt_day(ticket.identity_asked_on)
        text = f"{what}: identity asked {asked} and not yet received — chase the requester"
    elif kind == EXTENSION:
        notice = replies.fmt_day(ticket.extension_notice_by)
        text = f"{what}: if it needs the two-month extension, tell the requester by {notice}"
    elif ticket.due is None:
        text = f"{what}: {replies.request_deadline_text(ticket, today)}"
    elif kind == OVERDUE:
        ago = replies.relative(ticket.due, today=today)
        text = f"{what} is OVERDUE: it was due {replies.fmt_day(ticket.due)} ({ago})"
    else:
        text = (
            f"{what} is due {replies.fmt_day(ticket.due)} "
            f"({replies.relative(ticket.due, today=today)})"
        )
        if ticket.internal_target and ticket.internal_target < ticket.due:
            text += f"; internal target {replies.fmt_day(ticket.internal_target)}"
    return Reply(text=text, ref=ticket.ref, actions=replies.REQUEST_ACTIONS)


async def sweep(
    *,
    session: AsyncSession,
    policy: Policy,
    now: datetime,
    limit: int = 500,
    lags: list[float] | None = None,
) -> int:
    """Send what is due (into the outbox); returns how many nudges were queued. ``limit`` caps
    the tickets taken in one sweep; ``lags``, if given, receives each sent nudge's lag in
    seconds (from falling due to being queued).

    The ticket row is the unit of work: a replica claims the due tickets together (one locking
    statement per table, skipping those another replica holds), then handles all of each
    ticket's due reminders together, so two replicas never nudge about one ticket at once and a
    burst collapses to one nudge. The statements do not grow with the tickets due: the claim,
    their due reminders, their earlier alarms, then the writes (``_Writes``).
    """
    with session.no_autoflush:  # write everything once at the end, not before every query
        refs = await repo.due_reminder_refs(session=session, now=now, limit=limit)
        queued = await _sweep_tickets(session, refs, policy, now, lags) if refs else 0
    await session.flush()
    return queued


@dataclass(frozen=True, slots=True)
class _Decision:
    """One ticket's deadline nudges: the most urgent is sent (or cancelled, if the ticket no
    longer runs), the rest superseded."""

    ticket: Request | Breach
    chosen: repo.DueReminder
    superseded: tuple[repo.DueReminder, ...]
    running: bool

    @property
    def alarms(self) -> tuple[str, ...]:
        """The kinds that raise the ticket's alarm on the channel (overdue; 72 h passed)."""
        return (OVERDUE,) if isinstance(self.ticket, Request) else (BREACH_72H, BREACH_REPEAT)

    @property
    def alarm(self) -> bool:
        return self.running and self.chosen.kind in self.alarms


def _decide(ticket: Request | Breach, due: Sequence[repo.DueReminder]) -> _Decision:
    ranked = sorted(due, key=lambda r: (urgency(r.kind), r.fire_at, r.id))
    return _Decision(ticket, ranked[-1], tuple(ranked[:-1]), _still_running(ticket))


@dataclass(slots=True)
class _Writes:
    """What the sweep writes, gathered in memory: each reminder state in one UPDATE, the
    next occurrences in one INSERT, the outbox messages in one INSERT (in ticket order)."""

    settled: dict[str, list[int]] = field(default_factory=dict)  # state -> reminder ids
    booked: list[dict[str, object]] = field(default_factory=list)
    messages: list[dict[str, object]] = field(default_factory=list)

    def settle(self, reminder: repo.DueReminder, state: ReminderState) -> None:
        self.settled.setdefault(state.value, []).append(reminder.id)

    async def send(self, session: AsyncSession) -> None:
        await repo.insert_values(session=session, model=OutboxMessage, rows=self.messages)
        self.messages = []

    async def write(self, session: AsyncSession, now: datetime) -> None:
        for state, ids in sorted(self.settled.items()):
            await repo.settle_reminders(session=session, ids=ids, state=state, at=now)
        await repo.insert_values(session=session, model=Reminder, rows=self.booked)
        await self.send(session)


async def _sweep_tickets(
    session: AsyncSession,
    refs: Sequence[str],
    policy: Policy,
    now: datetime,
    lags: list[float] | None,
) -> int:
    """The due tickets ``refs``, most overdue first: those this replica could claim."""
    tickets = await repo.claim_tickets(session=session, refs=refs)
    due: dict[str, list[repo.DueReminder]] = {}
    claimed = [ticket.ref for ticket in tickets]
    for reminder in await repo.due_reminders_of(session=session, refs=claimed, now=now):
        due.setdefault(reminder.ticket_ref, []).append(reminder)
    decisions = {
        ticket.ref: _decide(ticket, deadlines)
        for ticket in tickets
        if (deadlines := [r for r in due.get(ticket.ref, []) if r.kind != search_nudges.SEARCH])
    }
    first = await _first_alarms(session, [d for d in decisions.values() if d.alarm])
    writes = _Writes()
    queued = 0
    for ticket in tickets:
        searching = [r for r in due.get(ticket.ref, []) if r.kind == search_nudges.SEARCH]
        if searching and isinstance(ticket, Request):  # owners' nudges: not a deadline's burst
            await writes.send(session)  # the outbox keeps the order of the tickets
            queued += await search_nudges.sweep(session, ticket, searching, policy, now)
        decision = decisions.get(ticket.ref)
        if decision is not None:  # none if handled while we waited, or only search nudges
            queued += _settle(decision, policy, now, ticket.ref in first, writes, lags)
    await writes.write(session, now)
    return queued


async def _first_alarms(session: AsyncSession, alarms: Sequence[_Decision]) -> set[str]:
    """The tickets whose alarm is raised for the first time now (posted once), among those
    sending one: none of the ticket's alarms was sent before (one query for all of them)."""
    kinds = {kind for decision in alarms for kind in decision.alarms}
    refs = {decision.ticket.ref for decision in alarms}
    sent = await repo.sent_kinds(session=session, refs=refs, kinds=kinds)
    return {d.ticket.ref for d in alarms if not sent.get(d.ticket.ref, set()) & set(d.alarms)}


def _settle(
    decision: _Decision,
    policy: Policy,
    now: datetime,
    first_alarm: bool,
    writes: _Writes,
    lags: list[float] | None,
) -> int:
    """Record one ticket's decision in ``writes``; returns how many nudges it queues."""
    ticket, chosen = decision.ticket, decision.chosen
    for reminder in decision.superseded:
        writes.settle(reminder, ReminderState.SUPERSEDED)
    if not decision.running:
        writes.settle(chosen, ReminderState.CANCELLED)
        return 0
    writes.settle(chosen, ReminderState.SENT)
    if lags is not None:
        lags.append(max(0.0, (now - chosen.fire_at).total_seconds()))
    reply = _message(ticket, chosen.kind, now, policy.timezone)
    people = _recipients(ticket, policy)
    writes.messages += [
        direct_row(platform=person.platform, user=person.external_id, reply=reply, now=now)
        for person in people
    ]
    if first_alarm:
        alarm = ALARMS[OVERDUE if isinstance(ticket, Request) else BREACH_72H]
        post = (
            replies.request_post(ticket, alarm)
            if isinstance(ticket, Request)
            else replies.breach_post(ticket, alarm)
        )
        writes.messages += post_rows(policy, post, now)
    if chosen.kind in REPEATING:
        following = next_occurrence(
            chosen.kind,
            when=chosen.fire_at,
            now=now,
            offsets=policy.reminders,
            tz=policy.timezone,
        )
        writes.booked.append(
            repo.row_values(Reminder, ticket_ref=ticket.ref, kind=chosen.kind, fire_at=following)
        )
    return len(people)


def _still_running(ticket: Request | Breach) -> bool:
    if isinstance(ticket, Request):
        return ticket.state != RequestState.CLOSED
    return rules.breach_undecided(ticket)
