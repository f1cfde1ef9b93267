"""References never repeat or skip, and the audit chain never forks, under concurrent opens."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import audit
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import ChatUser
from storage import repositories as repo
from storage.db import create_engine, session_factory
from tests.conftest import FakeClock
from tests.fakes.keys import TEST_KEYS
from tests.fakes.notifier import RecordingNotifier

OPENS = 50


async def test_fifty_concurrent_opens_from_two_replicas(
    engine: AsyncEngine, db_url: str, clock: FakeClock, policy: Policy
) -> None:
    # Two engines stand in for two replicas, each with its own connection pool.
    second = create_engine(db_url, keys=TEST_KEYS)
    notifier = RecordingNotifier()
    desks = [
        Desk(
            sessions=session_factory(e),
            clock=clock,
            policy=policy,
            sender=Sender(sessions=session_factory(e), clock=clock, notifiers={"slack": notifier}),
        )
        for e in (engine, second)
    ]

    async def open_one(i: int) -> str | None:
        desk = desks[i % 2]
        user = ChatUser("slack", f"USTAFF{i}")
        kind = "breach" if i % 5 == 0 else "dsar"
        line = (
            f'/breach new aware="2025-11-24T08:{i:02d}" summary="incident {i}"'
            if kind == "breach"
            else f'/dsar new access name="Person {i}" email=p{i}@example.com'
        )
        outcome = await desk.run_text(actor=desk.actor(user), text=line)
        assert outcome.reply.tone != "error", outcome.reply.render_text()
        return outcome.reply.ref

    try:
        refs = await asyncio.gather(*(open_one(i) for i in range(OPENS)))
    finally:
        await second.dispose()

    breaches = OPENS // 5
    requests = OPENS - breaches
    assert sorted(r for r in refs if r and r.startswith("DSAR")) == [
        f"DSAR-{n:04d}" for n in range(1, requests + 1)
    ]
    assert sorted(r for r in refs if r and r.startswith("BREACH")) == [
        f"BREACH-{n:04d}" for n in range(1, breaches + 1)
    ]
    assert len(notifier.posts) == OPENS
    async with session_factory(engine)() as session:
        assert len(await repo.ticket_refs(session=session)) == OPENS
        report = await audit.verify(session=session)
    assert report.ok, report.problems
    assert report.events == OPENS


async def test_a_failed_open_gives_its_number_back(
    engine: AsyncEngine, clock: FakeClock, policy: Policy
) -> None:
    desk = Desk(sessions=session_factory(engine), clock=clock, policy=policy)
    actor = desk.actor(ChatUser("slack", "USTAFF1"))
    ok = '/dsar new access name="A" email=a@example.com'
    assert (await desk.run_text(actor=actor, text=ok)).reply.ref == "DSAR-0001"
    refused = await desk.run_text(
        actor=actor, text='/dsar new access name="B" email=b@example.com received=2030-01-01'
    )
    assert refused.reply.tone == "error"
    assert (await desk.run_text(actor=actor, text=ok)).reply.ref == "DSAR-0002"
