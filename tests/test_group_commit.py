"""Group commit (``storage.group_commit``): the commands that wait while one is being written
share the next transaction, each in a savepoint; a failing one is refused alone; a command that
waits past its limit is refused as not logged and changes nothing; a dropped connection is
retried once. First through its own interface, then through the Slack server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers import audit
from handlers.context import Refusal
from storage import repositories as repo
from storage.db import create_engine, session_factory
from storage.group_commit import GroupCommit, WriterBusy
from tests.slack_harness import PRIVACY_ID, SlackServer, slack_server, unique
from tests.test_action_statements import statements
from tests.test_metrics import scrape, value


async def until(condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
    """Poll ``condition`` on the loop (bounded): the writer's state changes between awaits."""
    for _ in range(int(seconds / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


def fact(key: str, *, fail: bool = False) -> Callable[[AsyncSession], Awaitable[str]]:
    """A write of one desk fact; ``fail`` writes it and then refuses."""

    async def work(session: AsyncSession) -> str:
        await repo.set_desk_fact(session=session, key=key, value="written")
        if fail:
            raise Refusal(f"{key} refused after writing")
        return key

    return work


async def facts(sessions: async_sessionmaker[AsyncSession], *keys: str) -> set[str]:
    async with sessions() as session:
        return {k for k in keys if await repo.desk_fact(session=session, key=k) is not None}


class Gate:
    """A first write that holds the writer's transaction open until ``release``."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.entered = asyncio.Event()

    async def work(self, session: AsyncSession) -> str:
        await repo.set_desk_fact(session=session, key="gate", value="written")
        self.entered.set()
        await self.opened.wait()
        return "gate"

    def release(self) -> None:
        self.opened.set()


async def test_waiting_commands_share_one_commit_and_a_failing_one_is_refused_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = GroupCommit(sessions)
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    keys = [f"k{i}" for i in range(12)]
    failing = {"k3", "k7"}
    waiting = [asyncio.create_task(writer.run(fact(k, fail=k in failing))) for k in keys]
    await until(lambda: writer.waiting == len(keys))
    gate.release()
    assert await first == "gate"
    results = await asyncio.gather(*waiting, return_exceptions=True)
    for key, result in zip(keys, results, strict=True):
        if key in failing:
            assert isinstance(result, Refusal) and str(result) == f"{key} refused after writing"
        else:
            assert result == key
    # Written: the gate and the ten that did not fail; the two refusals wrote nothing.
    assert await facts(sessions, "gate", *keys) == {"gate", *(set(keys) - failing)}
    assert writer.stats.alone == 1
    assert (writer.stats.batches, writer.stats.batched, writer.stats.largest) == (1, 12, 12)


async def test_after_a_shared_commit_the_writer_waits_for_the_next_ones_instead_of_one_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The senders answered by one commit send again together: those that arrive within the
    linger share the next transaction, rather than the first being written alone while the
    others queue behind it. A command to an idle writer is never held back."""
    writer = GroupCommit(sessions, linger=30.0)  # ended by arrivals here, never by the time
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    keys = [f"a{i}" for i in range(4)]
    waiting = [asyncio.create_task(writer.run(fact(k))) for k in keys]
    await until(lambda: writer.waiting == len(keys))
    gate.release()
    assert await asyncio.gather(first, *waiting) == ["gate", *keys]
    # The batch of four is written; the writer waits for four more before writing again.
    again = [f"b{i}" for i in range(4)]
    later = []
    for key in again:
        assert writer.busy and writer.stats.batches == 1
        later.append(asyncio.create_task(writer.run(fact(key))))
        await asyncio.sleep(0.01)
    assert await asyncio.gather(*later) == again
    assert writer.stats.alone == 1  # only the gate, which found the writer idle
    assert (writer.stats.batches, writer.stats.batched) == (2, 8)
    assert await facts(sessions, *keys, *again) == {*keys, *again}


async def test_the_writer_stops_waiting_after_its_linger(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = GroupCommit(sessions, linger=0.05)
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    waiting = [asyncio.create_task(writer.run(fact(f"c{i}"))) for i in range(3)]
    await until(lambda: writer.waiting == 3)
    gate.release()
    await asyncio.gather(first, *waiting)
    # Fewer arrive than were answered: the one that did is written when the linger ends.
    assert await writer.run(fact("lone")) == "lone"
    await until(lambda: not writer.busy)
    assert await facts(sessions, "lone") == {"lone"}


class DeadlockLoser(Exception):
    """What asyncpg raises for the transaction PostgreSQL aborts to break a deadlock."""

    sqlstate = "40P01"


def loses_a_deadlock_once(key: str) -> tuple[Callable[[AsyncSession], Awaitable[str]], list[int]]:
    """A write of ``key`` whose first attempt writes and is then given up by the database."""
    tries: list[int] = []

    async def work(session: AsyncSession) -> str:
        tries.append(1)
        await repo.set_desk_fact(session=session, key=key, value="written")
        if len(tries) == 1:
            raise DBAPIError("UPDATE audit_head …", None, DeadlockLoser("deadlock detected"))
        return key

    return work, tries


async def test_a_write_given_up_to_break_a_deadlock_is_tried_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = GroupCommit(sessions)
    work, tries = loses_a_deadlock_once("alone")
    assert await writer.run(work) == "alone"
    assert len(tries) == 2 and writer.stats.retried == 1
    # In a batch: the others commit together; the loser is tried alone afterwards.
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    loser, loser_tries = loses_a_deadlock_once("loser")
    queued = [
        asyncio.create_task(writer.run(fact("b1"))),
        asyncio.create_task(writer.run(loser)),
        asyncio.create_task(writer.run(fact("b2"))),
    ]
    await until(lambda: writer.waiting == 3)
    gate.release()
    assert await asyncio.gather(first, *queued) == ["gate", "b1", "loser", "b2"]
    assert len(loser_tries) == 2
    assert await facts(sessions, "alone", "loser", "b1", "b2") == {"alone", "loser", "b1", "b2"}


async def test_a_command_that_waits_too_long_is_refused_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = GroupCommit(sessions, max_wait=0.05)
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    late = asyncio.create_task(writer.run(fact("late")))
    await until(lambda: writer.waiting == 1)
    await asyncio.sleep(0.2)
    gate.release()
    assert await first == "gate"
    with pytest.raises(WriterBusy, match="waited"):
        await late
    assert await facts(sessions, "gate", "late") == {"gate"}
    assert writer.stats.expired == 1
    # The writer goes on: the next command is written.
    assert await writer.run(fact("after")) == "after"


async def test_a_full_queue_refuses_at_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    writer = GroupCommit(sessions, max_queue=2)
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    queued = [asyncio.create_task(writer.run(fact(f"q{i}"))) for i in range(2)]
    await until(lambda: writer.waiting == 2)
    with pytest.raises(WriterBusy, match="already waiting"):
        await writer.run(fact("third"))
    gate.release()
    assert await first == "gate"
    assert await asyncio.gather(*queued) == ["q0", "q1"]
    assert await facts(sessions, "q0", "q1", "third") == {"q0", "q1"}
    assert writer.stats.refused_full == 1


@pytest.mark.postgres
async def test_a_dropped_connection_is_retried_once(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop the connection")
    writer = GroupCommit(sessions)
    assert await writer.run(fact("before")) == "before"  # a pooled connection now exists
    await terminate_other_connections(engine)
    assert await writer.run(fact("after")) == "after"
    assert writer.stats.retried == 1
    assert await facts(sessions, "before", "after") == {"before", "after"}


async def terminate_other_connections(engine: AsyncEngine) -> None:
    """What a PostgreSQL restart or an idle timeout does to the pool's connections."""
    killer = create_engine(engine.url.render_as_string(hide_password=False), keys=None)
    try:
        async with killer.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await killer.dispose()


# --- through the Slack server -------------------------------------------------------------------


@asynccontextmanager
async def writes_blocked(engine: AsyncEngine, db_url: str) -> AsyncIterator[Callable[[], None]]:
    """Another process's transaction holds what a new ticket needs (SQLite: the write lock;
    PostgreSQL: the DSAR counter's row); calling the yielded function lets go of it."""
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                other.execute("ROLLBACK")
                released = True

        try:
            yield release
        finally:
            release()
            other.close()
        return
    holder = create_engine(db_url, keys=None)
    conn = await holder.connect()
    transaction = await conn.begin()
    await conn.execute(text("SELECT value FROM counters WHERE name = 'DSAR' FOR UPDATE"))
    pending: list[Any] = []

    def release_pg() -> None:
        if not pending:
            pending.append(asyncio.ensure_future(transaction.rollback()))

    try:
        yield release_pg
        if pending:
            await pending[0]
    finally:
        if not pending:
            await transaction.rollback()
        await conn.close()
        await holder.dispose()


def new(i: int) -> str:
    return f'new access name="Person {i}" email=p{i}@example.com'


async def slash(slack: SlackServer, line: str, *, trigger: str | None = None) -> str:
    status, body = await slack.command(line, trigger=trigger or unique("trig"))
    assert status == 200, (status, body)
    return str(body.get("text", ""))


async def test_slack_commands_that_queue_share_commits_and_get_their_own_answers(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url) as slack:
        writer = slack.core.desk.writer
        async with writes_blocked(engine, db_url) as release:
            first = asyncio.create_task(slash(slack, new(0)))
            await until(lambda: writer.busy)
            lines = [new(i) for i in range(1, 11)]
            lines[4] = 'new access name="Too Early" email=e@example.com received=2030-01-01'
            triggers = [unique("trig") for _ in lines]
            triggers[7] = triggers[6]  # Slack retried one delivery while it waited
            queued = [
                asyncio.create_task(slash(slack, line, trigger=trigger))
                for line, trigger in zip(lines, triggers, strict=True)
            ]
            await until(lambda: writer.waiting == len(lines))
            release()
            answers = await asyncio.gather(first, *queued)
        assert answers[0].startswith("DSAR-0001 logged")
        refused = answers[5]
        assert "received=" in refused and "DSAR" not in refused, refused
        logged = [a for i, a in enumerate(answers) if i not in (5, 8)]
        assert [a.split(" ", 1)[0] for a in logged] == [f"DSAR-{n:04d}" for n in range(1, 10)]
        assert answers[8].startswith("Already done as DSAR-0007"), answers[8]
        samples = await scrape(slack)
        writes = samples["privacy_desk_writes"]
        assert value(writes, "privacy_desk_writes_total", how="batched") == 10
        assert value(samples["privacy_desk_write_batches"], "privacy_desk_write_batches_total") == 1
    async with session_factory(engine)() as session:
        refs = await repo.ticket_refs(session=session)
        report = await audit.verify(session=session)
    assert sorted(refs) == [f"DSAR-{n:04d}" for n in range(1, 10)]
    assert report.ok and report.events == 9, report.problems


async def test_a_slack_command_that_cannot_be_written_in_time_is_told_it_was_not_logged(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url, write_wait_seconds=0.2) as slack:
        writer = slack.core.desk.writer
        async with writes_blocked(engine, db_url) as release:
            first = asyncio.create_task(slash(slack, new(0)))
            await until(lambda: writer.busy)
            late = [asyncio.create_task(slash(slack, new(i))) for i in (1, 2, 3)]
            await until(lambda: writer.waiting == 3)
            await asyncio.sleep(0.4)
            release()
            answers = await asyncio.gather(first, *late)
        assert answers[0].startswith("DSAR-0001 logged"), answers[0]
        for answer in answers[1:]:
            assert answer.startswith("Not logged: the desk is too busy"), answer
            assert "Usage: /dsar new" in answer
        samples = await scrape(slack)
        writes = samples["privacy_desk_writes"]
        assert value(writes, "privacy_desk_writes_total", how="refused_waited") == 3
        # Nothing was lost: the next command is written, and numbering has no gap.
        assert (await slash(slack, new(9))).startswith("DSAR-0002 logged")
    async with session_factory(engine)() as session:
        assert sorted(await repo.ticket_refs(session=session)) == ["DSAR-0001", "DSAR-0002"]


async def test_a_batch_finds_possible_duplicates_among_its_own_tickets_too(
    engine: AsyncEngine, db_url: str
) -> None:
    """The same person twice in one batch is noticed as if the two were logged one by one:
    the later one names the stored request and the earlier one of the batch, in that order."""
    async with slack_server(engine, db_url) as slack:
        writer = slack.core.desk.writer

        async def as_privacy(line: str) -> str:
            status, body = await slack.command(line, user=PRIVACY_ID, trigger=unique("trig"))
            assert status == 200, (status, body)
            return json.dumps(body)

        stored = await as_privacy('new access name="Sam Stored" email=same@example.com')
        assert "DSAR-0001 logged" in stored
        async with writes_blocked(engine, db_url) as release:
            first = asyncio.create_task(as_privacy(new(0)))
            await until(lambda: writer.busy)
            lines = [
                'new erasure name="Sam Again" email=same@example.com',
                'new access name="Someone Else" email=else@example.com',
                'new access name="Sam Third" email=SAME@Example.com',
            ]
            queued = [asyncio.create_task(as_privacy(line)) for line in lines]
            await until(lambda: writer.waiting == 3)
            release()
            answers = await asyncio.gather(first, *queued)
        assert "DSAR-0002 logged" in answers[0]
        assert "DSAR-0003 logged" in answers[1]
        assert "possibly the same person as DSAR-0001:" in answers[1], answers[1]
        assert "DSAR-0004 logged" in answers[2] and "possibly" not in answers[2]
        assert "DSAR-0005 logged" in answers[3]
        assert "possibly the same person as DSAR-0001, DSAR-0003:" in answers[3], answers[3]
        samples = await scrape(slack)
        assert (
            value(samples["privacy_desk_writes"], "privacy_desk_writes_total", how="batched") == 3
        )
    async with session_factory(engine)() as session:
        assert await repo.find_requests(session=session, text="same@example.com", limit=9)
        found = await repo.find_requests(session=session, text="sam", limit=9)
        assert sorted(r.ref for r in found) == ["DSAR-0001", "DSAR-0003", "DSAR-0005"]
        reminders = [await repo.reminders_for(session=session, ref=f"DSAR-{n:04d}") for n in (3, 5)]
        assert all(len(booked) >= 3 for booked in reminders), reminders
        report = await audit.verify(session=session)
    assert report.ok and report.events == 5, report.problems


class Facts:
    """A ``Batch`` kind that writes one desk fact an item; with ``fail_once`` its first
    ``apply`` writes one more fact and then raises."""

    def __init__(self, *, fail_once: bool = False) -> None:
        self.fail_once = fail_once
        self.applies: list[list[str]] = []

    async def apply(self, session: AsyncSession, items: Sequence[Any]) -> list[Any]:
        self.applies.append(list(items))
        for key in items:
            await repo.set_desk_fact(session=session, key=key, value="written")
        if self.fail_once and len(self.applies) == 1:
            await repo.set_desk_fact(session=session, key="partial", value="written")
            raise RuntimeError("broken after writing")
        return list(items)


@pytest.mark.parametrize("fails", [False, True], ids=["commits", "fails"])
async def test_a_batch_of_one_kind_takes_no_savepoint_and_if_it_fails_each_is_tried_alone(
    engine: AsyncEngine, fails: bool
) -> None:
    """Openings under load are batches of one kind: their transaction takes no savepoint (two
    trips fewer). If ``apply`` raises, nothing it wrote stays and each item is tried alone."""
    sessions = session_factory(engine)
    writer = GroupCommit(sessions)
    kind = Facts(fail_once=fails)
    gate = Gate()
    first = asyncio.create_task(writer.run(gate.work))
    await gate.entered.wait()
    keys = ["k1", "k2", "k3"]
    with statements(engine) as seen:
        queued = [asyncio.create_task(writer.run_item(kind, key)) for key in keys]
        await until(lambda: writer.waiting == len(keys))
        gate.release()
        assert await asyncio.gather(first, *queued) == ["gate", *keys]
    assert not [s for s in seen if "SAVEPOINT" in s.upper()], seen
    assert kind.applies == ([keys, ["k1"], ["k2"], ["k3"]] if fails else [keys])
    assert await facts(sessions, "partial", *keys) == set(keys)
