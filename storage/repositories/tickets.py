"""Tickets: reference counters, the audit head, requests, breaches, pauses, notes and events, the
lists and counts the views and the summary read, and what retention erases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, inspect, literal_column, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from storage.enums import BreachState, OutboxState, RequestState
from storage.models import (
    AuditHead,
    Breach,
    Event,
    Note,
    Pause,
    Request,
)
from storage.repositories.rows import table_of

REFERENCE_COUNTERS = ("DSAR", "BREACH")
# The state the partial indexes are built on, as a literal in the SQL: a bound parameter would
# let PostgreSQL's generic plan for a prepared statement ignore those indexes and scan.
# (OutboxState.PENDING and ReminderState.PENDING are the same word, as in the index predicates.)
PENDING: ColumnElement[str] = literal_column(f"'{OutboxState.PENDING.value}'")


@dataclass(frozen=True, slots=True)
class Head:
    """The chain head as read under its lock: the last event's number and hash."""

    seq: int
    hash: str


async def lock_audit_head(*, session: AsyncSession) -> Head:
    """The chain head, locked until the transaction ends (a no-op lock on SQLite's IMMEDIATE).

    Read as columns, not as an ORM object: several commands of one group commit append in one
    session, and an identity-mapped head would hand the second the first one's stale copy."""
    table = table_of(AuditHead)
    result = await session.execute(
        select(table.c.seq, table.c.hash).where(table.c.id == 1).with_for_update()
    )
    row = result.one_or_none()
    if row is None:
        raise LookupError("the audit chain head is missing: run `privacy-desk migrate`")
    return Head(seq=int(row[0]), hash=str(row[1]))


async def advance_audit_head(*, session: AsyncSession, seq: int, hash: str) -> None:
    """Move the head to the event just appended (under the lock ``lock_audit_head`` took)."""
    table = table_of(AuditHead)
    await session.execute(update(table).where(table.c.id == 1).values(seq=seq, hash=hash))


async def audit_head(*, session: AsyncSession) -> AuditHead | None:
    return await session.get(AuditHead, 1)


async def add(*, session: AsyncSession, row: SQLModel, flush: bool = True) -> None:
    """Add ``row``; flushed at once when the caller needs its id or a constraint checked now,
    otherwise with everything else at commit (fewer round trips)."""
    session.add(row)
    if flush:
        await session.flush()


async def request_by_ref(
    *, session: AsyncSession, ref: str, for_update: bool = False
) -> Request | None:
    query = select(Request).where(col(Request.ref) == ref)
    if for_update:
        query = query.with_for_update()
    return _held(session, (await session.execute(query)).scalar_one_or_none(), for_update)


async def breach_by_ref(
    *, session: AsyncSession, ref: str, for_update: bool = False
) -> Breach | None:
    query = select(Breach).where(col(Breach.ref) == ref)
    if for_update:
        query = query.with_for_update()
    return _held(session, (await session.execute(query)).scalar_one_or_none(), for_update)


_HELD = "privacy_desk_held_tickets"
Ticket = TypeVar("Ticket", Request, Breach)


def _held(session: AsyncSession, ticket: Ticket | None, locked: bool) -> Ticket | None:
    """Remember a ticket this transaction locked (``held_ticket``)."""
    if ticket is not None and locked:
        session.info.setdefault(_HELD, {})[ticket.ref] = ticket
    return ticket


def held_ticket(*, session: AsyncSession, ref: str) -> Request | Breach | None:
    """The ticket ``ref`` as this transaction has it, if the transaction locked it (what a
    command changed is seen, flushed or not), else None. A ticket whose attributes were
    expired (its savepoint rolled back) is not offered: reading it would need the database."""
    ticket: Request | Breach | None = session.info.get(_HELD, {}).get(ref)
    if ticket is None or inspect(ticket).unloaded & {"created_by", "assignee"}:
        return None
    return ticket


async def pauses_for(*, session: AsyncSession, request_id: int) -> list[Pause]:
    query = (
        select(Pause)
        .where(col(Pause.request_id) == request_id)
        .order_by(col(Pause.asked_on), col(Pause.id))
    )
    return list((await session.execute(query)).scalars())


async def notes_for(*, session: AsyncSession, ref: str) -> list[Note]:
    query = select(Note).where(col(Note.ticket_ref) == ref).order_by(col(Note.event_seq))
    return list((await session.execute(query)).scalars())


async def events_for(*, session: AsyncSession, ref: str) -> list[Event]:
    query = select(Event).where(col(Event.ticket_ref) == ref).order_by(col(Event.seq))
    return list((await session.execute(query)).scalars())


async def iter_events(*, session: AsyncSession, batch: int = 1000) -> AsyncIterator[Event]:
    """Every event in chain order, fetched in batches so a long history fits in memory."""
    after = 0
    while True:
        query = select(Event).where(col(Event.seq) > after).order_by(col(Event.seq)).limit(batch)
        rows = list((await session.execute(query)).scalars())
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].seq


async def list_requests(
    *,
    session: AsyncSession,
    open_only: bool,
    involving: str | None = None,
    due_from: date | None = None,
    due_by: date | None = None,
    where: ColumnElement[bool] | None = None,
    limit: int | None = None,
) -> list[Request]:
    """Requests by deadline (stopped clocks last). ``involving`` keeps a person's own tickets;
    ``where`` is a rule from ``handlers.rules`` (such as overdue) as SQL."""
    query = select(Request)
    if open_only:
        query = query.where(col(Request.state) != RequestState.CLOSED.value)
    if involving is not None:
        query = query.where(
            or_(col(Request.created_by) == involving, col(Request.assignee) == involving)
        )
    if due_from is not None:
        query = query.where(col(Request.due) >= due_from)
    if due_by is not None:
        query = query.where(col(Request.due) <= due_by)
    if where is not None:
        query = query.where(where)
    query = query.order_by(col(Request.due).is_(None), col(Request.due), col(Request.id))
    if limit is not None:
        query = query.limit(limit)
    return list((await session.execute(query)).scalars())


async def list_breaches(
    *, session: AsyncSession, open_only: bool, involving: str | None = None
) -> list[Breach]:
    query = select(Breach)
    if open_only:
        query = query.where(col(Breach.state) != BreachState.CLOSED.value)
    if involving is not None:
        query = query.where(
            or_(col(Breach.created_by) == involving, col(Breach.assignee) == involving)
        )
    query = query.order_by(col(Breach.ico_due), col(Breach.id))
    return list((await session.execute(query)).scalars())


async def all_requests(*, session: AsyncSession) -> Sequence[Request]:
    return list((await session.execute(select(Request).order_by(col(Request.id)))).scalars())


async def all_breaches(*, session: AsyncSession) -> Sequence[Breach]:
    return list((await session.execute(select(Breach).order_by(col(Breach.id)))).scalars())


async def pauses_by_request(*, session: AsyncSession) -> dict[int, list[Pause]]:
    found: dict[int, list[Pause]] = {}
    for pause in (
        await session.execute(select(Pause).order_by(col(Pause.asked_on), col(Pause.id)))
    ).scalars():
        found.setdefault(pause.request_id, []).append(pause)
    return found


async def ticket_refs(*, session: AsyncSession) -> list[str]:
    requests = (await session.execute(select(col(Request.ref)))).scalars()
    breaches = (await session.execute(select(col(Breach.ref)))).scalars()
    return [*requests, *breaches]


async def all_notes(*, session: AsyncSession) -> list[Note]:
    query = select(Note).order_by(col(Note.event_seq))
    return list((await session.execute(query)).scalars())


async def open_requests_by_type_state(*, session: AsyncSession) -> list[tuple[str, str, int]]:
    query = (
        select(col(Request.type), col(Request.state), func.count())
        .where(col(Request.state) != RequestState.CLOSED.value)
        .group_by(col(Request.type), col(Request.state))
        .order_by(col(Request.type), col(Request.state))
    )
    return [(t, s, int(n)) for t, s, n in (await session.execute(query)).all()]


async def count_requests(
    *,
    session: AsyncSession,
    open_only: bool = False,
    due_from: date | None = None,
    due_to: date | None = None,
    extended: bool | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
    late_flagged: bool | None = None,
    where: ColumnElement[bool] | None = None,
) -> int:
    """How many requests match every given bound (bounds are inclusive) and ``where``."""
    query = select(func.count()).select_from(Request)
    conditions = [] if where is None else [where]
    if open_only:
        conditions.append(col(Request.state) != RequestState.CLOSED.value)
    if due_from is not None:
        conditions.append(col(Request.due) >= due_from)
    if due_to is not None:
        conditions.append(col(Request.due) <= due_to)
    if extended is not None:
        conditions.append(col(Request.extended) == extended)
    if late_flagged is not None:
        flagged = col(Request.late_reason).is_not(None)
        conditions.append(flagged if late_flagged else ~flagged)
    if received_from is not None:
        conditions.append(col(Request.received) >= received_from)
    if received_to is not None:
        conditions.append(col(Request.received) <= received_to)
    if closed_from is not None:
        conditions.append(col(Request.closed_on) >= closed_from)
    if closed_to is not None:
        conditions.append(col(Request.closed_on) <= closed_to)
    query = query.where(*conditions)
    return int((await session.execute(query)).scalar_one())


async def closing_stats(
    *, session: AsyncSession, since: date, on_time: ColumnElement[bool]
) -> tuple[int, int, float | None]:
    """For requests closed on or after ``since``: (closed, closed ``on_time``, median days to
    close); ``on_time`` is ``handlers.rules.on_time_sql()``.

    All in SQL: PostgreSQL's ``percentile_cont``; on SQLite the middle row(s) by OFFSET.
    """
    closed_recently = col(Request.closed_on) >= since
    counts = select(func.count(), func.count().filter(on_time)).where(closed_recently)
    total, timely = (await session.execute(counts)).one()
    if not total:
        return 0, 0, None
    if session.get_bind().dialect.name == "postgresql":
        days: Any = col(Request.closed_on) - col(Request.received)
        median = select(func.percentile_cont(0.5).within_group(days)).where(closed_recently)
        value = (await session.execute(median)).scalar_one()
        return int(total), int(timely), float(value)
    days = func.julianday(col(Request.closed_on)) - func.julianday(col(Request.received))
    middle = (
        select(days)
        .where(closed_recently)
        .order_by(days)
        .offset((total - 1) // 2)
        .limit(2 - total % 2)
    )
    values = [float(v) for v in (await session.execute(middle)).scalars()]
    return int(total), int(timely), sum(values) / len(values)


async def requests_to_erase(*, session: AsyncSession, closed_before: date) -> list[Request]:
    query = (
        select(Request)
        .where(
            col(Request.state) == RequestState.CLOSED.value,
            col(Request.closed_on) < closed_before,
            col(Request.erased_at).is_(None),
        )
        .order_by(col(Request.id))
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def breaches_to_erase(*, session: AsyncSession, closed_before: datetime) -> list[Breach]:
    query = (
        select(Breach)
        .where(
            col(Breach.state) == BreachState.CLOSED.value,
            col(Breach.closed_at) < closed_before,
            col(Breach.pii_salt).is_not(None),
        )
        .order_by(col(Breach.id))
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())
