"""The sweep at scale (issue 16, item 5): it claims the due tickets as a set, so the statements it
sends do not grow with the tickets due; replicas sweeping at once share the tickets and queue
each nudge once; and a burst for one ticket still collapses to its most urgent nudge. On SQLite
and PostgreSQL (two replicas holding their claims at once: PostgreSQL only, as SQLite's
``BEGIN IMMEDIATE`` lets one transaction in at a time).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers import jobs, reminder_sweep
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import DeliveryKind, Reply
from storage import repositories as repo
from storage.db import create_engine, session_factory, transaction
from tests.conftest import DPO, STAFF, Driver, FakeClock
from tests.fakes.keys import TEST_KEYS
from tests.fakes.notifier import RecordingNotifier

# Received 24 Sep, due Fri 24 Oct: at the clock's Mon 24 Nov every countdown nudge and the first
# overdue one are past, a burst of five that collapses to "overdue" (the channel's alarm too).
OVERDUE = '/dsar new access name="P{n}" email=p{n}@example.com received=2025-09-24'
# Received 27 Oct, due Thu 27 Nov: only the seven-day nudge is past (no alarm, no repeat).
DUE_SOON = '/dsar new erasure name="S{n}" email=s{n}@example.com received=2025-10-27'
# Aware 80 hours before: the 24/48/72-hour alarms and the first repeat are past.
BREACH = '/breach new aware="2025-11-21T01:30" summary="b{n}"'


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends to the database while the block runs."""
    sent: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def open_due(driver: Driver, n: int, *, first: int = 0) -> list[str]:
    """``n`` tickets with nudges due now, a tenth of them breaches and a tenth due soon (the
    rest overdue); their references."""
    lines = [
        (BREACH if i % 10 == 0 else DUE_SOON if i % 10 == 1 else OVERDUE).format(n=i)
        for i in range(first, first + n)
    ]
    outcomes = await asyncio.gather(*(driver.ok(STAFF, line) for line in lines))
    return [outcome.reply.ref or "" for outcome in outcomes]


def nudged(deliveries: list[Any]) -> Counter[str]:
    """The tickets that direct messages were about, with how many each."""
    return Counter(
        d.content.ref or ""
        for d in deliveries
        if d.kind == DeliveryKind.DIRECT and isinstance(d.content, Reply)
    )


async def test_the_statements_of_a_sweep_do_not_grow_with_the_tickets_due(
    engine: AsyncEngine,
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    counts: dict[int, int] = {}
    opened = 0
    for n in (10, 200):
        refs = await open_due(driver, n, first=opened)
        opened += n
        await sender.run_once()  # the openings' own messages
        before = len(notifier.deliveries)
        with statements(engine) as sent:
            queued, _ = await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None)
        counts[n] = len(sent)
        assert queued == n  # one recipient (the DPO) per ticket
        await sender.run_once()
        new = notifier.deliveries[before:]
        assert nudged(new) == Counter(dict.fromkeys(refs, 1))  # every burst collapsed to one
        assert {d.target for d in new if d.kind == DeliveryKind.DIRECT} == {DPO.external_id}
        alarms = [d for d in new if d.kind != DeliveryKind.DIRECT]
        assert len(alarms) == n - n // 10  # overdue and 72 hours: first alarms, once each
        # Nothing is left due: a second sweep at once finds nothing.
        assert await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None) == (
            0, 0,
        )  # fmt: skip
    assert counts[10] == counts[200], counts


async def test_a_burst_collapses_to_its_most_urgent_nudge_and_books_the_repeat(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
) -> None:
    [ref, breach] = [
        (await driver.ok(STAFF, line.format(n=0))).reply.ref or "" for line in (OVERDUE, BREACH)
    ]
    assert await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None) == (2, 0)
    async with sessions() as session:
        request_rows = await repo.reminders_for(session=session, ref=ref)
        breach_rows = await repo.reminders_for(session=session, ref=breach)
    assert Counter((r.kind, r.state) for r in request_rows) == Counter({
        ("due-7d", "superseded"): 1, ("extension", "superseded"): 1,
        ("due-2d", "superseded"): 1, ("due-0d", "superseded"): 1,
        ("overdue", "sent"): 1, ("overdue", "pending"): 1,
    })  # fmt: skip
    assert all(r.done_at == clock.now() for r in request_rows if r.state != "pending")
    [booked] = [r for r in request_rows if r.state == "pending"]
    assert booked.fire_at > clock.now()  # the next morning's overdue nudge
    # The breach's five hourly alarms and its first 4-hourly repeat (76 h) are all past: the
    # repeat is the most urgent (it still raises the 72-hour alarm on the channel, once).
    assert Counter((r.kind, r.state) for r in breach_rows) == Counter({
        ("breach-24h", "superseded"): 1, ("breach-48h", "superseded"): 1,
        ("breach-60h", "superseded"): 1, ("breach-68h", "superseded"): 1,
        ("breach-72h", "superseded"): 1,
        ("breach-repeat", "sent"): 1, ("breach-repeat", "pending"): 1,
    })  # fmt: skip


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_replica_skips_the_tickets_another_replica_is_sweeping(
    db_url: str,
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    refs = await open_due(driver, 30)
    await sender.run_once()
    before = len(notifier.deliveries)
    replica = create_engine(db_url, keys=TEST_KEYS)  # a second process: its own pool
    try:
        async with sessions() as first, session_factory(replica)() as second:
            await first.begin()
            await second.begin()
            now = clock.now()
            # The first holds its claim on 12 tickets while the second sweeps everything due.
            took = await reminder_sweep.sweep(session=first, policy=policy, now=now, limit=12)
            rest = await reminder_sweep.sweep(session=second, policy=policy, now=now)
            await second.commit()
            await first.commit()
    finally:
        await replica.dispose()
    assert (took, rest) == (12, 18)
    assert await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None) == (0, 0)
    await sender.run_once()
    assert nudged(notifier.deliveries[before:]) == Counter(dict.fromkeys(refs, 1))


async def test_replicas_sweeping_in_small_batches_at_once_queue_each_nudge_once(
    db_url: str,
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    refs = await open_due(driver, 60)
    await sender.run_once()
    before = len(notifier.deliveries)

    async def replica(of: async_sessionmaker[AsyncSession]) -> int:
        """Sweep 7 tickets at a time until a sweep finds nothing it can take."""
        total = 0
        while True:
            async with transaction(of) as session:
                queued = await reminder_sweep.sweep(
                    session=session, policy=policy, now=clock.now(), limit=7
                )
            if not queued:
                return total
            total += queued

    other = create_engine(db_url, keys=TEST_KEYS)
    try:
        done = await asyncio.gather(replica(sessions), replica(session_factory(other)))
    finally:
        await other.dispose()
    assert sum(done) == 60
    assert await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None) == (0, 0)
    await sender.run_once()
    assert nudged(notifier.deliveries[before:]) == Counter(dict.fromkeys(refs, 1))
