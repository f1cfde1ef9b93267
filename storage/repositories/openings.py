"""The statements that open tickets (``handlers.opening``), run on the transaction's driver
connection (``storage.direct``): hand-written SQL, one text whatever a batch's size (so each
is prepared once), lists passed as one parameter.

In the order an opening runs them: ``earlier`` (delivery keys seen, requests stored under the
new ones' search digests, the home pages that may list them), ``recent`` (which of those
count as possible duplicates), ``numbers_and_head`` (the counters bumped and the audit
chain's head, both locked to COMMIT), then ``add`` for every row and ``finish`` (the head
moved, the delivery keys stored).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import SQLModel

from storage.direct import Direct, Query, Row
from storage.enums import OutboxState, RequestState
from storage.models import InboundDelivery, OutboxMessage, Request
from storage.repositories.rows import table_of
from storage.repositories.tickets import Head


@dataclass(frozen=True, slots=True)
class Earlier:
    """What an opening reads first."""

    seen: dict[str, str]  # delivery keys already stored, with what each produced ("": nothing)
    stored: dict[str, set[str]]  # for each search digest requests are stored under, their refs
    pages: set[tuple[str, str]]  # the viewers who have a home page, as (platform, user id)


async def earlier(
    *,
    direct: Direct,
    keys: Sequence[str],
    digests: Collection[str],
    viewers: Collection[tuple[str, str]],
) -> Earlier:
    """Of ``keys``, those already delivered; the requests stored under ``digests``; which of
    ``viewers`` have a home page (only theirs can list a new ticket: a new reference is on no
    page yet). One statement."""
    keyed = direct.rows_where(1, "inbound", "key", "key, ref")
    terms = direct.rows_where(2, "search_terms", "term", "term, ticket_ref")
    pages = direct.rows_where(3, "home_tabs", "user_id", "platform, user_id")
    sql = (
        f"SELECT 'key', key, ref FROM {keyed} AS k UNION ALL "
        f"SELECT 'term', term, ticket_ref FROM {terms} AS t UNION ALL "
        f"SELECT 'page', platform, user_id FROM {pages} AS p"
    )
    params = (
        direct.listed(keys),
        direct.listed(sorted(digests)),
        direct.listed(sorted({user for _, user in viewers})),
    )
    (rows,) = await direct.fetch(Query(sql, params))
    found = Earlier(seen={}, stored={}, pages=set())
    for what, value, other in rows:
        if what == "key":
            found.seen[value] = other or ""
        elif what == "term":
            found.stored.setdefault(value, set()).add(other)
        elif (value, other) in viewers:
            found.pages.add((value, other))
    return found


async def recent(*, direct: Direct, refs: Collection[str], since: date) -> list[str]:
    """Of ``refs``, the requests open now or received or closed on or after ``since``, in the
    order they were logged: who counts as a possible duplicate (``handlers.opening``)."""
    if not refs:
        return []
    table = table_of(Request)
    m = direct.mark
    found = direct.rows_where(1, "requests", "ref", "id, ref, state, received, closed_on")
    sql = (
        f"SELECT ref FROM {found} AS r "
        f"WHERE state != {m(2)} OR received >= {m(3)} OR closed_on >= {m(4)} ORDER BY id"
    )
    day = direct.bound(table.c.received, since)
    params = (direct.listed(sorted(refs)), RequestState.CLOSED.value, day, day)
    (rows,) = await direct.fetch(Query(sql, params))
    return [ref for (ref,) in rows]


async def numbers_and_head(
    *, direct: Direct, counts: Sequence[tuple[str, int]]
) -> tuple[list[int], Head]:
    """For each ``(counter, count)``, the first of ``count`` consecutive numbers taken (the
    counters in the order given: keep it fixed, so replicas never wait on each other
    crosswise), then the audit chain's head. The UPDATE locks the counter's row, so concurrent
    openers queue on it until COMMIT: the opener takes it after its reads, right before its
    inserts. A rolled-back opener gives its numbers back, so references neither repeat nor
    skip (no sequences). One hand-off on SQLite, where ``BEGIN IMMEDIATE`` already holds the
    write lock."""
    m = direct.mark
    bump = f"UPDATE counters SET value = value + {m(1)} WHERE name = {m(2)} RETURNING value"
    head = "SELECT seq, hash FROM audit_head WHERE id = 1"
    if direct.dialect.name != "sqlite" and len(counts) == 1:
        # One statement: the counter's UPDATE runs (and locks its row) as the join reads it,
        # before the head's row is locked on top of the join: the order every opening keeps.
        ((name, count),) = counts
        sql = (
            f"WITH bumped AS ({bump}) SELECT h.seq, h.hash, b.value "
            "FROM audit_head h, bumped b WHERE h.id = 1 FOR UPDATE OF h"
        )
        (rows,) = await direct.fetch(Query(sql, (count, name)))
        if not rows:
            raise LookupError(
                f"counter {name!r} or the audit chain head is missing: run `privacy-desk migrate`"
            )
        return _firsts(counts, [rows[0][2]]), _head(rows)
    lock = "" if direct.dialect.name == "sqlite" else " FOR UPDATE"
    queries = [*(Query(bump, (count, name)) for name, count in counts), Query(head + lock)]
    *bumped, heads = await direct.fetch(*queries)
    return _firsts(counts, [rows[0][0] if rows else None for rows in bumped]), _head(heads)


def _firsts(counts: Sequence[tuple[str, int]], lasts: Sequence[Any]) -> list[int]:
    """The first number taken of each counter, from the value it was bumped to."""
    firsts = []
    for (name, count), last in zip(counts, lasts, strict=True):
        if last is None:
            raise LookupError(f"counter {name!r} is missing: run `privacy-desk migrate`")
        firsts.append(int(last) - count + 1)
    return firsts


def _head(rows: list[Row]) -> Head:
    if not rows:
        raise LookupError("the audit chain head is missing: run `privacy-desk migrate`")
    return Head(seq=int(rows[0][0]), hash=str(rows[0][1]))


def add(*, direct: Direct, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Queue ``rows`` of ``model`` (column values, all with the same keys), written by
    ``finish``."""
    direct.insert(table_of(model), rows)


def refresh_homes(*, direct: Direct, rows: Sequence[dict[str, Any]]) -> None:
    """Queue, written by ``finish``, the outbox rows ``rows`` (home refreshes, one a person:
    the same values but for ``platform`` and ``target``), leaving out each person who has one
    still waiting unclaimed: that one answers for these tickets too. On PostgreSQL the waiting
    one is locked until COMMIT (``SKIP LOCKED``: one a sender is claiming gets a new row
    instead), so no sender reads the page before the new tickets are committed; on SQLite the
    one writer does the same."""
    if not rows:
        return
    table = table_of(OutboxMessage)
    columns = [key for key in rows[0] if key not in ("platform", "target")]
    shared = [direct.bound(table.c[key], rows[0][key]) for key in columns]
    platforms = [row["platform"] for row in rows]
    targets = [row["target"] for row in rows]
    m = direct.mark
    names = ", ".join(["platform", "target", *columns])
    values = ", ".join(direct.typed(m(at), table.c[key]) for at, key in enumerate(columns, start=5))
    if direct.dialect.name == "sqlite":
        source = (
            f"(SELECT json_extract(value, '$[0]') AS platform, json_extract(value, '$[1]') "
            f"AS target FROM json_each({m(1)})) AS v"
        )
        params: list[Any] = [direct.listed([[row["platform"], row["target"]] for row in rows])]
        params += [None]  # ?2 unused: the pairs come as one list on SQLite
        lock = ""
    else:
        source = f"unnest({m(1)}::text[], {m(2)}::text[]) AS v(platform, target)"
        params = [platforms, targets]
        lock = " FOR UPDATE SKIP LOCKED"
    sql = (
        f"INSERT INTO outbox ({names}) SELECT v.platform, v.target, {values} FROM {source} "
        "WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.platform = v.platform "
        f"AND o.target = v.target AND o.thread_key = {m(3)} AND o.state = {m(4)} "
        f"AND o.sending_since IS NULL{lock})"
    )
    params += [rows[0]["thread_key"], OutboxState.PENDING.value, *shared]
    direct.execute(sql, tuple(params))


async def finish(
    *, direct: Direct, head: Head, keyed: Sequence[tuple[str, str]], at: datetime
) -> set[str]:
    """Write the queued rows, move the chain's head to ``head`` and store the delivery keys
    with the references they produced; returns the keys stored (one missing was stored by
    another transaction meanwhile). One hand-off on SQLite."""
    m = direct.mark
    direct.execute(
        f"UPDATE audit_head SET seq = {m(1)}, hash = {m(2)} WHERE id = 1", (head.seq, head.hash)
    )
    if not keyed:
        await direct.fetch()
        return set()
    moment = direct.bound(table_of(InboundDelivery).c.at, at)
    pairs = [[key, ref] for key, ref in keyed]
    if direct.dialect.name == "sqlite":
        sql = (
            "INSERT INTO inbound (key, ref, at) SELECT json_extract(value, '$[0]'), "
            "json_extract(value, '$[1]'), ? FROM json_each(?) WHERE true "
            "ON CONFLICT (key) DO NOTHING RETURNING key"
        )
        params: tuple[Any, ...] = (moment, direct.listed(pairs))
    else:
        sql = (
            "INSERT INTO inbound (key, ref, at) SELECT k, r, $3::timestamptz "
            "FROM unnest($1::text[], $2::text[]) AS u(k, r) "
            "ON CONFLICT (key) DO NOTHING RETURNING key"
        )
        params = ([key for key, _ in keyed], [ref for _, ref in keyed], moment)
    (stored,) = await direct.fetch(Query(sql, params))
    return {key for (key,) in stored}
