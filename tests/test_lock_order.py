"""Two replicas on PostgreSQL take the locks every write shares in one order, so an opening and
a ticket action at the same moment never deadlock (PostgreSQL would abort one after a second,
and the person would get an error instead of a receipt). The order: the reference counter,
the audit chain's head, the home pages of those who opened Slack's App Home."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import home, opening
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from storage.db import create_engine, session_factory
from storage.direct import Direct
from tests.conftest import DPO, PRIVACY, STAFF, FakeClock
from tests.fakes.keys import TEST_KEYS
from tests.fakes.notifier import RecordingNotifier


def replica(engine: AsyncEngine, clock: FakeClock, policy: Policy) -> Desk:
    sessions = session_factory(engine)
    sender = Sender(sessions=sessions, clock=clock, notifiers={"slack": RecordingNotifier()})
    return Desk(sessions=sessions, clock=clock, policy=policy, sender=sender)


async def deadlocks(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
    return int(found or 0)


async def test_an_opening_and_a_note_on_two_replicas_do_not_deadlock(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    policy: Policy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    second = create_engine(db_url, keys=TEST_KEYS)
    one, two = replica(engine, clock, policy), replica(second, clock, policy)
    try:
        first = await one.run_text(
            actor=one.actor(STAFF), text='/dsar new access name="Ada" email=ada@example.org'
        )
        assert first.reply.ref == "DSAR-0001"
        await one.open_home(actor=one.actor(DPO))  # every write now refreshes the DPO's page
        before = await deadlocks(engine)

        # Replica one's opening stops just before it takes its numbers and the chain's head;
        # replica two's note then takes the head and, a moment later, the DPO's home page.
        at_chain, go_on = asyncio.Event(), asyncio.Event()
        number = opening._number

        async def paused_chain(direct: Direct, live: Any) -> Any:
            at_chain.set()
            await go_on.wait()
            return await number(direct, live)

        refresh = home.refresh

        async def late_refresh(**kwargs: Any) -> int:
            go_on.set()
            await asyncio.sleep(0.2)
            return await refresh(**kwargs)

        monkeypatch.setattr(opening, "_number", paused_chain)
        opened = asyncio.create_task(
            one.run_text(
                actor=one.actor(STAFF), text='/dsar new access name="Bo" email=bo@example.org'
            )
        )
        await at_chain.wait()
        monkeypatch.setattr(home, "refresh", late_refresh)
        noted = await two.run_text(actor=two.actor(PRIVACY), text='/dsar note DSAR-0001 "rang"')
        logged = await opened
    finally:
        await second.dispose()
    assert logged.reply.text.startswith("DSAR-0002 logged"), logged.reply.text
    assert noted.reply.text.startswith("DSAR-0001: note added"), noted.reply.text
    assert await deadlocks(engine) == before
