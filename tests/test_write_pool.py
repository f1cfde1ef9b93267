"""The writer's own pool (``storage.db.writer_engine``): on PostgreSQL the group commit writes
through connections nothing else takes, so a command is logged inside Slack's window even while
reads, the sweep and the outbox sender hold every connection of the main pool. On SQLite there
is one connection for everything (a second writer would bring back busy-handler sleeps)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import crypto
from storage import repositories as repo
from storage.db import WRITE_POOL_SIZE, session_factory, writer_engine
from tests.fakes.keys import TEST_KEYS
from tests.slack_harness import slack_server, unique


async def test_on_sqlite_the_writer_shares_the_one_connection(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL is below")
    assert writer_engine(engine) is engine


async def test_a_command_is_logged_while_the_main_pool_is_exhausted(
    engine: AsyncEngine, db_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one connection for everything")
    # The main pool: one connection, and a checkout that waits at most half a second for it.
    main = crypto.attach(
        create_async_engine(db_url, pool_size=1, max_overflow=0, pool_timeout=0.5), TEST_KEYS
    )
    writer = writer_engine(main)
    try:
        assert writer is not main and writer.pool.size() == WRITE_POOL_SIZE  # type: ignore[attr-defined]
        assert crypto.keys_of(writer) is TEST_KEYS
        async with slack_server(main, db_url, write_engine=writer) as slack:
            held = await main.connect()  # a long read (a summary, a sweep) holds the pool
            try:
                await held.execute(text("SELECT 1"))
                status, body = await slack.command(
                    'new access name="Pat Pool" email=pat@example.com', trigger=unique("trig")
                )
            finally:
                await held.close()
        assert status == 200, (status, body)
        assert str(body.get("text", "")).startswith("DSAR-0001 logged"), body
    finally:
        await writer.dispose()
        await main.dispose()
    async with session_factory(engine)() as session:
        assert await repo.ticket_refs(session=session) == ["DSAR-0001"]
