"""The tamper-evident history: every change appends one hash-chained event.

Each event hashes its own content together with the previous event's hash, so editing,
deleting or reordering any event breaks the chain from that point on. Events carry no personal
data: they carry a salted digest of the whole ticket as it stood after the change
(``state_digest``), so ``verify`` also notices a ticket row edited behind the history's back,
and retention can erase personal data by appending an event rather than rewriting old ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy.ext.asyncio import AsyncSession

from storage import repositories as repo
from storage.models import Breach, Event, Note, Pause, Request

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def event_hash(
    *, seq: int, ref: str, at: datetime, actor: str, action: str, data: str, prev: str
) -> str:
    body = canonical(
        {
            "seq": seq,
            "ref": ref,
            "at": at,
            "actor": actor,
            "action": action,
            "data": data,
            "prev": prev,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


# Version 2 of the ticket digest leaves out empty (None) columns, so a migration that adds a
# nullable column leaves every recorded digest valid. Version 1 events (no ``dv`` in their data)
# covered every column; a column added since is left out of their check while it is empty.
DIGEST_VERSION = 2
ADDED_SINCE_V1: tuple[frozenset[str], ...] = (
    frozenset(  # migration 0006 (the law)
        {"late_reason", "missed_due", "fee_basis", "fee_reason", "refusal_basis"}
        | {"refusal_exemption", "processing_stopped_on", "recipients_told", "pecr"}
    ),
    frozenset({"duplicate_of"}),  # migration 0007 (records)
    frozenset({"acknowledged_on"}),  # migration 0008 (letters)
    frozenset({"origin_enterprise", "origin_team"}),  # migration 0011 (Enterprise Grid)
)


def state_digest(
    ticket: Request | Breach,
    *,
    pauses: Sequence[Pause] = (),
    notes: Sequence[Note] = (),
    version: int = DIGEST_VERSION,
    leave_out: frozenset[str] = frozenset(),
) -> str:
    """A digest of everything stored about a ticket; salted, as the row holds a random salt.

    It is computed over the values in the clear (the columns decrypt on load), so rotating the
    data keys, which changes every stored token, changes no digest."""
    row = ticket.model_dump(exclude={"id"} | leave_out)
    if version >= 2:
        row = {key: value for key, value in row.items() if value is not None}
    content = {
        "row": row,
        "pauses": [p.model_dump(exclude={"id", "request_id"}) for p in pauses],
        "notes": [n.model_dump(exclude={"id"}) for n in notes],
    }
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def _digest_matches(
    event: Event, ticket: Request | Breach, pauses: Sequence[Pause], notes: Sequence[Note]
) -> bool:
    data = json.loads(event.data)
    recorded: str | None = data.get("state_digest")
    version: int = data.get("dv", 1)
    if version >= 2:
        return recorded == state_digest(ticket, pauses=pauses, notes=notes, version=version)
    dump = ticket.model_dump()
    leave_out: frozenset[str] = frozenset()
    for added in (frozenset(), *reversed(ADDED_SINCE_V1)):  # newest additions first
        leave_out |= {name for name in added if dump.get(name) in (None, False)}
        if recorded == state_digest(
            ticket, pauses=pauses, notes=notes, version=1, leave_out=leave_out
        ):
            return True
    return False


def field_digest(ticket: Request | Breach, field: str, value: object) -> str:
    """A digest of one value of one field, salted with the ticket's own salt: an event can say
    that a name changed, and prove later which value was meant, without holding either."""
    content = {"salt": ticket.pii_salt, "field": field, "value": value}
    return hashlib.sha256(canonical(content).encode()).hexdigest()


async def current_digest(
    *,
    session: AsyncSession,
    ticket: Request | Breach,
    new: bool = False,
    pauses: Sequence[Pause] | None = None,
) -> str:
    """The ticket's state digest now; ``pauses``: the request's pauses, when the caller has
    just read them (not read again)."""
    if new:  # a ticket being opened has no pauses or notes yet: no need to ask
        return state_digest(ticket)
    if pauses is None:
        pauses = (
            await repo.pauses_for(session=session, request_id=ticket.id)
            if isinstance(ticket, Request) and ticket.id is not None
            else []
        )
    notes = await repo.notes_for(session=session, ref=ticket.ref)
    return state_digest(ticket, pauses=pauses, notes=notes)


def chained(
    head: repo.Head, *, ref: str, actor: str, action: str, at: datetime, facts: dict[str, Any]
) -> Event:
    """The event after ``head`` (not yet stored): its data is ``facts``, canonical."""
    seq = head.seq + 1
    data = canonical(facts)
    digest = event_hash(
        seq=seq, ref=ref, at=at, actor=actor, action=action, data=data, prev=head.hash
    )
    return repo.new_row(
        Event,
        seq=seq,
        ticket_ref=ref,
        at=at,
        actor=actor,
        action=action,
        data=data,
        prev_hash=head.hash,
        hash=digest,
    )


def covered(facts: dict[str, Any] | None, digest: str) -> dict[str, Any]:
    """An event's facts with the ticket's state digest and the digest's version."""
    return {**(facts or {}), "state_digest": digest, "dv": DIGEST_VERSION}


async def record(
    *,
    session: AsyncSession,
    ticket: Request | Breach,
    actor: str,
    action: str,
    at: datetime,
    facts: dict[str, Any] | None = None,
    new: bool = False,
    pauses: Sequence[Pause] | None = None,
) -> Event:
    """Append one event for ``ticket`` to the chain, under the head's lock. ``new``: the
    ticket is being opened, so it has no pauses or notes to read for its digest; ``pauses``:
    the request's pauses, already read by the caller."""
    digest = await current_digest(session=session, ticket=ticket, new=new, pauses=pauses)
    entry = Entry(ref=ticket.ref, actor=actor, action=action, at=at, facts=covered(facts, digest))
    (event,) = await append(session=session, entries=[entry])
    return event


@dataclass(frozen=True, slots=True)
class Entry:
    """What one event will say: ``chained`` gives it its place and hash."""

    ref: str
    actor: str
    action: str
    at: datetime
    facts: dict[str, Any]


async def append(*, session: AsyncSession, entries: Sequence[Entry]) -> list[Event]:
    """Append ``entries`` to the chain in order: the head locked here (held to the COMMIT),
    the links worked out in memory, one INSERT, the head moved once."""
    head = await repo.lock_audit_head(session=session)
    events = linked(head, entries)
    await repo.insert_rows(session=session, rows=events)
    await repo.advance_audit_head(session=session, seq=events[-1].seq, hash=events[-1].hash)
    return events


def linked(head: repo.Head, entries: Sequence[Entry]) -> list[Event]:
    """The events of ``entries`` (at least one), chained in order after ``head``."""
    events: list[Event] = []
    for entry in entries:
        event = chained(
            head,
            ref=entry.ref,
            actor=entry.actor,
            action=entry.action,
            at=entry.at,
            facts=entry.facts,
        )
        events.append(event)
        head = repo.Head(seq=event.seq, hash=event.hash)
    return events


# Changes to the systems register (issue 17) are events too, under this reference: there is
# no ticket row to check them against, so ``verify`` proves them by the chain alone.
REGISTER = "SYSTEMS"


async def record_register(
    *, session: AsyncSession, actor: str, action: str, at: datetime, facts: dict[str, Any]
) -> Event:
    """Append one event about the systems register (names and platform ids, nothing else)."""
    entry = Entry(
        ref=REGISTER, actor=actor, action=action, at=at, facts={**facts, "dv": DIGEST_VERSION}
    )
    (event,) = await append(session=session, entries=[entry])
    return event


async def add_note(
    *, session: AsyncSession, ticket: Request | Breach, actor: str, at: datetime, text: str
) -> Note:
    """Store free text for the event about to be recorded (the next ``record`` call, in the
    same transaction): the text is personal data, so it lives in ``notes``, covered by the
    event's digest and linked to it by ``event_seq``."""
    head = await repo.lock_audit_head(session=session)
    note = Note(ticket_ref=ticket.ref, event_seq=head.seq + 1, author=actor, at=at, text=text)
    await repo.add(session=session, row=note)
    return note


async def record_with_note(
    *, session: AsyncSession, ticket: Request | Breach, actor: str, at: datetime, text: str
) -> Event:
    """A note is personal data: it goes in ``notes``, and the event covers it by digest."""
    await add_note(session=session, ticket=ticket, actor=actor, at=at, text=text)
    return await record(session=session, ticket=ticket, actor=actor, action="note", at=at)


@dataclass
class AuditReport:
    events: int = 0
    tickets: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(*, session: AsyncSession, max_problems: int = 20) -> AuditReport:
    """Walk the whole chain, then check each ticket against its latest event."""
    report = AuditReport()
    prev, expected_seq = GENESIS, 1
    latest: dict[str, Event] = {}
    async for event in repo.iter_events(session=session):
        report.events += 1
        if event.seq != expected_seq:
            report.problems.append(
                f"event {expected_seq} is missing (next is {event.seq}): deleted or reordered"
            )
        if event.prev_hash != prev:
            report.problems.append(f"event {event.seq} does not follow event {event.seq - 1}")
        recomputed = event_hash(
            seq=event.seq,
            ref=event.ticket_ref,
            at=event.at,
            actor=event.actor,
            action=event.action,
            data=event.data,
            prev=event.prev_hash,
        )
        if recomputed != event.hash:
            report.problems.append(f"event {event.seq} ({event.ticket_ref}) has been altered")
        prev, expected_seq = event.hash, event.seq + 1
        latest[event.ticket_ref] = event
        if len(report.problems) >= max_problems:
            return report
    head = await repo.audit_head(session=session)
    if head is None or head.seq != report.events or head.hash != prev:
        report.problems.append(
            "the chain ends early: events after the last one found have been deleted"
        )
    await _check_tickets(session=session, latest=latest, report=report)
    return report


async def _check_tickets(
    *, session: AsyncSession, latest: dict[str, Event], report: AuditReport
) -> None:
    pauses = await repo.pauses_by_request(session=session)
    unreadable: list[str] = []
    try:
        all_notes = await repo.all_notes(session=session)
        tickets: list[Request | Breach] = [
            *await repo.all_requests(session=session),
            *await repo.all_breaches(session=session),
        ]
    except InvalidToken:  # a value written behind the desk's back: find which, one by one
        tickets, all_notes, unreadable = await _one_by_one(session)
    notes: dict[str, list[Note]] = {}
    for note in all_notes:
        notes.setdefault(note.ticket_ref, []).append(note)
    for ref in unreadable:
        report.tickets += 1
        report.problems.append(
            f"{ref} has been changed outside the history (a stored value no data key can read)"
        )
    for ticket in tickets:
        report.tickets += 1
        event = latest.get(ticket.ref)
        if event is None:
            report.problems.append(f"{ticket.ref} has no history")
            continue
        own_pauses = pauses.get(ticket.id or 0, []) if isinstance(ticket, Request) else []
        if not _digest_matches(event, ticket, own_pauses, notes.get(ticket.ref, [])):
            report.problems.append(f"{ticket.ref} has been changed outside the history")
    missing = set(latest) - {t.ref for t in tickets} - set(unreadable) - {REGISTER}
    report.problems += [f"{ref} has a history but no ticket: deleted" for ref in sorted(missing)]


async def _one_by_one(
    session: AsyncSession,
) -> tuple[list[Request | Breach], list[Note], list[str]]:
    """Every ticket and note that can be read, and the references of those that cannot."""
    tickets: list[Request | Breach] = []
    notes: list[Note] = []
    unreadable: list[str] = []
    for ref in await repo.ticket_refs(session=session):
        try:
            ticket: Request | Breach | None = await repo.request_by_ref(
                session=session, ref=ref
            ) or await repo.breach_by_ref(session=session, ref=ref)
            own_notes = await repo.notes_for(session=session, ref=ref)
        except InvalidToken:
            unreadable.append(ref)
            continue
        if ticket is not None:
            tickets.append(ticket)
            notes += own_notes
    return tickets, notes, unreadable
