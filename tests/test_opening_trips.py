"""How many times a new ticket goes to the database (issue 16), through the Slack server.

Opening runs on the driver's own connection (``storage.direct``): on SQLite the statements of
each step go to aiosqlite's thread in one hand-off (counted at ``Connection._execute`` by the
``hand_offs`` fixture: BEGIN and COMMIT included); on PostgreSQL the writes of a ticket are
one statement (counted as sent: SQLAlchemy's cursor executes and the driver's own queries).
Through the ORM a lone ``/dsar new`` took 15 hand-offs on SQLite and sent 16 statements on
PostgreSQL (BEGIN and COMMIT included); now 5 each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import direct as direct_module
from storage.db import session_factory, transaction
from storage.direct import Direct, Query
from storage.models import Event, InboundDelivery, OutboxMessage, Reminder, Request, SearchTerm
from storage.repositories import openings
from storage.repositories.rows import table_of
from tests.conftest import FakeClock
from tests.slack_harness import STAFF_ID, slack_server, unique
from tests.test_group_commit import terminate_other_connections


@contextmanager
def sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to PostgreSQL inside the block, through SQLAlchemy or not."""
    seen: list[str] = []

    def through_sqlalchemy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    def by_driver(record: Any) -> None:
        seen.append(" ".join(record.query.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
    loggers: list[Any] = []

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, *_args: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in loggers:
            driver.add_query_logger(by_driver)
            loggers.append(driver)

    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
        event.remove(engine.sync_engine, "checkout", _checkout)
        for driver in loggers:
            driver.remove_query_logger(by_driver)


LINE = 'new access name="Ada Lovelace" email=ada@example.org'


async def test_a_new_request_on_sqlite_goes_to_the_database_thread_five_times(
    engine: AsyncEngine, db_url: str, clock: FakeClock, hand_offs: list[str]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL is below")
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Bo" email=bo@example.org', user=STAFF_ID)  # warm
        hand_offs.clear()
        status, body = await slack.command(LINE, user=STAFF_ID, trigger=unique("trig"))
        seen = list(hand_offs)
        assert status == 200 and body["text"].startswith("DSAR-0002 logged"), body
    # BEGIN IMMEDIATE; the earlier deliveries, digests and home pages (none here); the numbers
    # and the chain's head; every row; COMMIT.
    assert len(seen) <= 5, "\n".join(seen)
    await assert_stored(engine, "DSAR-0002")


async def test_a_new_request_on_postgresql_sends_its_rows_in_one_statement(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite is above")
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Bo" email=bo@example.org', user=STAFF_ID)  # warm
        with sent(engine) as seen:
            status, body = await slack.command(LINE, user=STAFF_ID, trigger=unique("trig"))
        assert status == 200 and body["text"].startswith("DSAR-0002 logged"), body
    # BEGIN; the earlier deliveries, digests and home pages (none here); the counter with the
    # chain's head (locked in that order); one statement for the request, its digests,
    # reminders, outbox messages, "opened" event, the head moved and the delivery key; COMMIT.
    assert len(seen) <= 5, "\n".join(seen)
    writes = [s for s in seen if s.startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == 2, "\n".join(writes)
    await assert_stored(engine, "DSAR-0002")


async def assert_stored(engine: AsyncEngine, ref: str) -> None:
    """The ticket's rows are there, as the ORM path wrote them."""
    async with session_factory(engine)() as session:
        for model in (Request, SearchTerm, Reminder, Event):
            table = table_of(model)
            column = table.c.ref if model is Request else table.c.ticket_ref
            count = await session.scalar(select(func.count()).where(column == ref))
            assert count, f"no {table.name} row for {ref}"
        request = (
            await session.execute(select(Request).where(table_of(Request).c.ref == ref))
        ).scalar_one()
        assert request.requester_name == "Ada Lovelace"  # decrypted: stored as the ORM stores it
        assert request.created_at.tzinfo is not None  # UTC, restored on load
        keys = await session.scalar(
            select(func.count()).where(table_of(InboundDelivery).c.ref == ref)
        )
        assert keys == 1
        messages = await session.scalar(select(func.count()).select_from(table_of(OutboxMessage)))
        assert messages, "the opening queued its messages"


async def test_a_connection_dropped_in_the_middle_of_an_opening_is_retried_once(
    engine: AsyncEngine, db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's own statements see a dropped connection too: it is thrown away and the
    opening tried again on a new one, which writes the ticket once."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop the connection")
    numbers = openings.numbers_and_head
    dropped: list[bool] = []

    async def dropping(**kwargs: Any) -> Any:
        if not dropped:
            dropped.append(True)
            await terminate_other_connections(engine)  # after this transaction's first read
        return await numbers(**kwargs)

    monkeypatch.setattr(openings, "numbers_and_head", dropping)
    async with slack_server(engine, db_url, clock=clock) as slack:
        status, body = await slack.command(LINE, user=STAFF_ID, trigger=unique("trig"))
        assert status == 200 and body["text"].startswith("DSAR-0001 logged"), body
        writer = slack.core.desk.writer
        assert writer is not None and writer.stats.retried == 1
    assert dropped == [True]
    await assert_stored(engine, "DSAR-0001")
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(table_of(Request))) == 1


async def test_a_constraint_the_driver_refuses_is_sqlalchemys_integrity_error(
    engine: AsyncEngine,
) -> None:
    """An error from a statement run on the driver is raised as SQLAlchemy raises it, its
    values left out, whichever the database."""
    table = table_of(InboundDelivery)
    row = {"key": "k-1", "ref": "DSAR-0009", "at": datetime(2026, 12, 2, 9, tzinfo=UTC)}
    with pytest.raises(IntegrityError) as raised:
        async with transaction(session_factory(engine)) as session:
            direct = await Direct.of(session)
            direct.insert(table, [row, row])
            await direct.fetch()
    assert "DSAR-0009" not in str(raised.value)


@pytest.mark.parametrize("begin", ["adapter", "first statement"])
async def test_what_the_driver_wrote_is_rolled_back_with_the_transaction(
    engine: AsyncEngine, begin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's statements are inside the session's transaction (begun as SQLAlchemy
    begins it, or by a first statement through SQLAlchemy where its adapter cannot), so a
    rollback takes them away and a commit keeps them."""
    if begin == "first statement":
        monkeypatch.setattr(direct_module, "ADAPTER_BEGIN", "_no_such_method")
    table = table_of(InboundDelivery)
    at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        async with transaction(session_factory(engine)) as session:
            direct = await Direct.of(session)
            direct.insert(table, [{"key": "gone", "ref": None, "at": at}])
            await direct.fetch(Query("SELECT count(*) FROM inbound"))
            raise RuntimeError("the command failed after writing")
    async with transaction(session_factory(engine)) as session:
        direct = await Direct.of(session)
        (before,) = await direct.fetch(Query("SELECT count(*) FROM inbound"))
        direct.insert(table, [{"key": "kept", "ref": None, "at": at}])
        await direct.fetch()
    async with session_factory(engine)() as session:
        keys = set((await session.execute(select(table.c.key))).scalars())
    assert before == [(0,)] and keys == {"kept"}


async def test_an_opening_on_a_pooled_connection_the_server_closed_is_retried_once(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """After a PostgreSQL restart the pool hands out a dead connection (no pre-ping): the
    opening's BEGIN fails, the connection is thrown away and the opening tried once more."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop the connection")
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Bo" email=bo@example.org', user=STAFF_ID)
        await terminate_other_connections(engine)
        for n in (2, 3, 4):
            status, body = await slack.command(
                f'new access name="Cy {n}" email=cy{n}@example.org',
                user=STAFF_ID,
                trigger=unique("trig"),
            )
            assert status == 200 and body["text"].startswith(f"DSAR-000{n} logged"), body
        writer = slack.core.desk.writer
        assert writer is not None and writer.stats.retried == 1


async def test_a_value_too_long_for_its_column_is_refused_not_cut(engine: AsyncEngine) -> None:
    """Rows sent as arrays (PostgreSQL's one statement) are refused as an INSERT refuses them:
    a value cut short silently (an event's actor) would break the audit chain."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps text of any length, as through the ORM")
    table = table_of(InboundDelivery)
    row = {"key": "k" * 201, "ref": None, "at": datetime(2026, 12, 2, 9, tzinfo=UTC)}
    with pytest.raises(DBAPIError):
        async with transaction(session_factory(engine)) as session:
            direct = await Direct.of(session)
            direct.insert(table, [row])
            direct.insert(table, [{**row, "key": "short"}])
            await direct.fetch(Query("SELECT count(*) FROM inbound"))
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(table)) == 0
