"""The sweep (SPEC §6): what has fallen due is sent, with a handful of statements however many.

It claims the tickets with due reminders (all at once, skip-locked, so replicas share the
work), collapses a burst for one ticket to its most urgent nudge, queues the direct messages
in the outbox in the same transaction, and books the next occurrence of the repeating ones
(overdue; breach past 72 h). The schedule it works from is ``handlers.reminders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies, rules, search_nudges
from handlers.outbox import direct_row, post_rows
from handlers.policy import Policy
from handlers.ports import ChatUser, Reply
from handlers.reminders import (
    ALARMS,
    BREACH_72H,
    BREACH_REPEAT,
    EXTENSION,
    ID_CHASE,
    OVERDUE,
    REPEATING,
    next_occurrence,
    urgency,
)
from storage import repositories as repo
from storage.enums import ReminderState, RequestState
from storage.models import Breach, OutboxMessage, Reminder, Request


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
