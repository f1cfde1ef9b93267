"""Opening tickets (``/dsar new``, ``/breach new``): all those waiting for the writer in one go.

A new ticket's checks and deadlines need no database, so each command is prepared alone and
refused alone, before anything is written (``tickets.prepare_request``,
``breaches.prepare_breach``). The group commit (``storage.group_commit``) then hands every
prepared command of a transaction to ``Opener.apply``, which writes them all on the driver's own
connection (``storage.direct``, the SQL in ``storage.repositories.openings``): no ORM unit of
work, one statement per table, in this order:

1. in one query, the delivery keys already seen (a platform's retry is answered "Already done
   as …"), the search digests of earlier requests that may be the same person (references
   only) and who of those who may see the new tickets has a home page; then which of the
   earlier requests are open or recent;
2. the reference counters, each bumped once by the number of tickets, then the audit chain's
   head (the rows stay locked to the COMMIT: taken after the reads, held only through the
   inserts; on PostgreSQL one statement for one counter);
3. the tickets, their search digests, their reminders, their outbox messages, their "opened"
   events (the chain worked out in memory after the head), the head moved, their delivery keys:
   one hand-off on SQLite, one statement on PostgreSQL;
4. the home pages that now list them (``handlers.home``), if anyone who may see them has one.
   The head is locked before the home pages, as a ticket action locks them: the other order
   deadlocks two replicas.

A lone ``/dsar new`` is 5 trips to the database, BEGIN and COMMIT included (15 on SQLite and 16
on PostgreSQL through the ORM: ``tests/test_opening_trips.py``).

A ticket in the same batch counts as an earlier request for the duplicate check of the ones
after it, exactly as if they had been written one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, breaches, home, reminders, tickets
from handlers import command_types as c
from handlers.context import Context, Refusal
from handlers.finding import RECENT_DAYS
from handlers.outbox import home_row, outcome_rows
from handlers.ports import ChatUser, DirectMessage, Outcome
from storage import blind_index
from storage import repositories as repo
from storage.direct import Direct
from storage.models import Breach, Event, OutboxMessage, Reminder, Request, SearchTerm
from storage.refs import TicketKind, TicketRef
from storage.repositories.rows import values_of
from storage.repositories.search import identity_of, session_keys


class Duplicate(Exception):
    """A platform delivered the same request twice; ``ref`` is what the first one produced."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


class ConcurrentDelivery(Exception):
    """A delivery key was stored by another transaction while this one ran: the batch is
    rolled back and each command retried alone (where the key is then found)."""


@dataclass(slots=True)
class Opening:
    """One ``/dsar new`` or ``/breach new`` waiting to be written."""

    ctx: Context
    command: c.NewRequest | c.NewBreach
    key: str | None = None  # the platform's delivery key
    receipt_to: ChatUser | None = None  # also send the reply to this person (forms)


@dataclass(slots=True)
class _Ticket:
    at: int  # the command's place in the batch
    opening: Opening
    row: Request | Breach
    terms: set[str] = field(default_factory=set)  # a request's stored search digests
    ways: list[list[list[str]]] = field(default_factory=list)  # how it may match earlier ones
    earlier: list[str] = field(default_factory=list)  # stored requests it may duplicate
    alike: list[int] = field(default_factory=list)  # earlier tickets of this batch it may


class Opener:
    """The ``Batch`` kind of ``storage.group_commit`` for new tickets."""

    async def apply(self, session: AsyncSession, items: Sequence[Opening]) -> list[object]:
        results: list[object] = [None] * len(items)
        prepared: list[_Ticket] = []
        for at, opening in enumerate(items):
            try:
                prepared.append(_Ticket(at=at, opening=opening, row=_prepare(opening)))
            except Refusal as exc:
                results[at] = exc
        direct = await Direct.of(session)
        keys = session_keys(session)
        requests = [t for t in prepared if isinstance(t.row, Request)]
        for ticket in requests:
            assert isinstance(ticket.row, Request)
            who = identity_of(ticket.row)
            ticket.terms = blind_index.terms_for(keys, who)
            ticket.ways = blind_index.duplicate_groups(keys, who)
        found = await repo.openings.earlier(
            direct=direct,
            keys=[t.opening.key for t in prepared if t.opening.key is not None],
            digests={d for t in requests for way in t.ways for group in way for d in group},
            viewers={(u.platform, u.external_id) for u in _viewers(prepared)},
        )
        live = _first_deliveries(prepared, found.seen, results)
        if not live:  # every one a repeat or refused: nothing to number, no lock to take
            return _answered(results)
        await _find_alike(direct, [t for t in live if isinstance(t.row, Request)], found.stored)
        head = await _number(direct, live)
        refs = {ticket.at: ticket.row.ref for ticket in live}
        outcomes = [_outcome(ticket, refs) for ticket in live]
        pages = found.pages & {(u.platform, u.external_id) for u in _viewers(live)}
        await _store(direct, head, live, outcomes, pages=pages)
        for ticket, outcome in zip(live, outcomes, strict=True):
            results[ticket.at] = outcome
        return _answered(results)


def _answered(results: list[object]) -> list[object]:
    """``results`` with a repeat of a delivery in the same batch answered as its first was."""
    for at, result in enumerate(results):
        if isinstance(result, _Repeat):  # the same delivery twice in one batch
            first = results[result.first]
            ref = first.reply.ref if isinstance(first, Outcome) else None
            results[at] = Duplicate(ref or "")
    return results


@dataclass(frozen=True, slots=True)
class _Repeat:
    first: int


def _prepare(opening: Opening) -> Request | Breach:
    if isinstance(opening.command, c.NewRequest):
        return tickets.prepare_request(opening.ctx, opening.command)
    return breaches.prepare_breach(opening.ctx, opening.command)


def _first_deliveries(
    prepared: list[_Ticket], seen: dict[str, str], results: list[object]
) -> list[_Ticket]:
    """The tickets to open: those whose delivery key is new (``seen``: the keys stored, with
    what each produced; a repeat is answered with what the first delivery produced)."""
    first_at: dict[str, int] = {}
    live: list[_Ticket] = []
    for ticket in prepared:
        key = ticket.opening.key
        if key is not None and key in seen:
            results[ticket.at] = Duplicate(seen[key])
        elif key is not None and key in first_at:
            results[ticket.at] = _Repeat(first_at[key])
        else:
            if key is not None:
                first_at[key] = ticket.at
            live.append(ticket)
    return live


async def _find_alike(direct: Direct, requests: list[_Ticket], stored: dict[str, set[str]]) -> None:
    """For each request, the open or recent requests that may be the same person: stored ones
    (``stored``: the references under each digest of the batch; one query for the candidates'
    state), and earlier ones of this batch."""
    if not requests:
        return
    candidates = {t.at: _matching(t.ways, stored.get) for t in requests}
    today = min(t.opening.ctx.today for t in requests)
    recent = await repo.openings.recent(
        direct=direct,
        refs=set().union(*candidates.values()),
        since=today - timedelta(days=RECENT_DAYS),
    )
    for i, ticket in enumerate(requests):
        since = ticket.opening.ctx.today - timedelta(days=RECENT_DAYS)
        found = candidates[ticket.at]
        if found and since > today:  # a later day than the query's: check it again
            found = set(await repo.openings.recent(direct=direct, refs=found, since=since))
        ticket.earlier = [ref for ref in recent if ref in found]
        ticket.alike = [
            earlier.at for earlier in requests[:i] if _matching(ticket.ways, _stored_in(earlier))
        ]


def _stored_in(earlier: _Ticket) -> Callable[[str], set[str] | None]:
    """A digest lookup that finds only ``earlier`` (a ticket of this batch)."""
    mark = {str(earlier.at)}
    return lambda digest: mark if digest in earlier.terms else None


def _matching(ways: list[list[list[str]]], refs_of: Callable[[str], set[str] | None]) -> set[str]:
    """References having, for some way, at least one digest of every group of it
    (``refs_of``: the references stored under a digest)."""
    found: set[str] = set()
    for way in ways:
        hit: set[str] | None = None
        for group in way:
            refs: set[str] = set()
            for digest in group:
                refs |= refs_of(digest) or set()
            hit = refs if hit is None else hit & refs
            if not hit:
                break
        if hit:
            found |= hit
    return found


async def _number(direct: Direct, live: list[_Ticket]) -> repo.Head:
    """References for the tickets, in batch order: each counter bumped once (the counters in
    a fixed order, so two replicas never wait on each other crosswise); then the chain's head,
    locked after them as every write takes it."""
    of_kind: dict[TicketKind, list[_Ticket]] = {}
    for ticket in live:
        of_kind.setdefault(_kind(ticket.row), []).append(ticket)
    kinds = sorted(of_kind, key=lambda k: k.value)
    firsts, head = await repo.openings.numbers_and_head(
        direct=direct, counts=[(kind.value, len(of_kind[kind])) for kind in kinds]
    )
    for kind, first in zip(kinds, firsts, strict=True):
        for offset, numbered in enumerate(of_kind[kind]):
            numbered.row.ref = str(TicketRef(kind, first + offset))
    return head


def _kind(row: Request | Breach) -> TicketKind:
    return TicketKind.REQUEST if isinstance(row, Request) else TicketKind.BREACH


def _outcome(ticket: _Ticket, refs: dict[int, str]) -> Outcome:
    """``refs``: the batch's references by place in the batch."""
    opening, row = ticket.opening, ticket.row
    if isinstance(row, Request):
        others = ticket.earlier + [refs[at] for at in ticket.alike]
        outcome = tickets.opened_request(opening.ctx, row, others)
    else:
        outcome = breaches.opened_breach(opening.ctx, row)
    if opening.receipt_to is not None and outcome.reply.personal:
        receipt = DirectMessage(to=opening.receipt_to, reply=outcome.reply)
        outcome = replace(outcome, direct=(*outcome.direct, receipt))
    return outcome


async def _store(
    direct: Direct,
    head: repo.Head,
    live: list[_Ticket],
    outcomes: list[Outcome],
    *,
    pages: set[tuple[str, str]],
) -> None:
    """Every row of the batch (``live``: at least one), one statement per table (one hand-off
    on SQLite), with a refresh of the home page of each of ``pages`` (those who may see the
    tickets and have one: read when sent, ``handlers.home``). Locks in the order every write
    takes them: the reference counter and the chain head (before this), a refresh waiting."""
    add = repo.openings.add
    add(
        direct=direct,
        model=Request,
        rows=[values_of(t.row) for t in live if isinstance(t.row, Request)],
    )
    add(
        direct=direct,
        model=Breach,
        rows=[values_of(t.row) for t in live if isinstance(t.row, Breach)],
    )
    terms = [
        {"term": term, "ticket_ref": ref}
        for ref, digests in ((t.row.ref, t.terms) for t in live if t.terms)
        for term in sorted(digests)
    ]
    add(direct=direct, model=SearchTerm, rows=terms)
    booked = [
        row
        for t in live
        for row in reminders.planned(t.row, t.opening.ctx.policy, t.opening.ctx.now)
    ]
    add(direct=direct, model=Reminder, rows=booked)
    messages = [
        row
        for t, outcome in zip(live, outcomes, strict=True)
        for row in outcome_rows(t.opening.ctx.policy, outcome, t.opening.ctx.now)
    ]
    add(direct=direct, model=OutboxMessage, rows=messages)
    events = audit.linked(head, [_opened(ticket) for ticket in live])
    add(direct=direct, model=Event, rows=[values_of(event) for event in events])
    now = max(t.opening.ctx.now for t in live)
    repo.openings.refresh_homes(
        direct=direct,
        rows=[home_row(platform=platform, user=user, now=now) for platform, user in sorted(pages)],
    )
    keyed = [(t.opening.key, t.row.ref) for t in live if t.opening.key is not None]
    stored = await repo.openings.finish(
        direct=direct,
        head=repo.Head(seq=events[-1].seq, hash=events[-1].hash),
        keyed=keyed,
        at=now,
    )
    if len(stored) != len(keyed):
        raise ConcurrentDelivery(f"{len(keyed) - len(stored)} delivery keys already stored")


def _viewers(prepared: list[_Ticket]) -> set[ChatUser]:
    """Whose home page may list the new tickets (``home.seen_by`` their loggers)."""
    if not prepared:
        return set()
    return home.seen_by(
        prepared[0].opening.ctx.policy, {t.opening.ctx.actor.user for t in prepared}
    )


def _opened(ticket: _Ticket) -> audit.Entry:
    """The "opened" event of ``ticket``."""
    row, ctx = ticket.row, ticket.opening.ctx
    facts = tickets.opening_facts(row) if isinstance(row, Request) else breaches.opening_facts(row)
    return audit.Entry(
        ref=row.ref,
        actor=ctx.who,
        action="opened",
        at=ctx.now,
        facts=audit.covered(facts, audit.state_digest(row)),
    )


OPENER = Opener()
