"""``storage.sqlite_cursor``: on SQLite a statement is one hand-off to aiosqlite's thread (not
four: make a cursor, execute, fetch, close), with the same results and errors as before."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, describe_error, session_factory, transaction


async def test_a_statement_is_one_hand_off_with_its_rows(
    engine: AsyncEngine, hand_offs: list[str]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with transaction(session_factory(engine)) as session:
        await session.execute(text("SELECT 1"))  # the transaction's BEGIN, then this
        hand_offs.clear()
        rows = (await session.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
        assert [tuple(r) for r in rows] == [(1,), (2,)]
        assert hand_offs == ["on_thread"]
        hand_offs.clear()
        await session.execute(text("CREATE TEMP TABLE t (k TEXT PRIMARY KEY)"))
        await session.execute(text("INSERT INTO t VALUES (:k)"), [{"k": "a"}, {"k": "b"}])
        count = await session.scalar(text("SELECT count(*) FROM t"))
        assert count == 2 and hand_offs == ["on_thread"] * 3


async def test_a_refused_statement_raises_as_sqlalchemy_would(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(IntegrityError):
        async with transaction(session_factory(engine)) as session:
            await session.execute(text("CREATE TEMP TABLE u (k TEXT PRIMARY KEY)"))
            await session.execute(text("INSERT INTO u VALUES ('a')"))
            await session.execute(text("INSERT INTO u VALUES ('a')"))


async def test_a_connection_back_in_the_pool_costs_no_hand_off_after_a_commit(
    engine: AsyncEngine, hand_offs: list[str]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with transaction(session_factory(engine)) as session:
        await session.execute(text("SELECT 1"))  # the pool's connection opened
    hand_offs.clear()
    async with transaction(session_factory(engine)) as session:
        await session.execute(text("SELECT 1"))
    assert hand_offs == ["on_thread", "on_thread", "commit"]  # BEGIN, the SELECT, COMMIT


async def test_a_connection_back_in_the_pool_with_a_transaction_open_is_rolled_back(
    engine: AsyncEngine, db_url: str, hand_offs: list[str]
) -> None:
    """The write lock of a transaction SQLAlchemy did not know of is let go, not kept."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the pool's connection opened
    hand_offs.clear()
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("BEGIN IMMEDIATE")
    assert hand_offs[-1] == "rollback"
    other = sqlite3.connect(make_url(db_url).database or "", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the lock were kept
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_write_lock_held_elsewhere_is_sqlalchemys_operational_error(
    engine: AsyncEngine, db_url: str
) -> None:
    """BEGIN IMMEDIATE goes to the DBAPI cursor; when another process holds the write lock past
    the busy timeout it fails as a statement would: SQLAlchemy's OperationalError, which
    ``describe_error`` names."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    path = make_url(db_url).database or ""
    impatient = create_engine(db_url, keys=None)

    @event.listens_for(impatient.sync_engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=50")
        cursor.close()

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as raised:
            async with transaction(session_factory(impatient)) as session:
                await session.execute(text("SELECT 1"))
        assert describe_error(raised.value) == "database is locked by another writer"
    finally:
        other.execute("ROLLBACK")
        other.close()
        await impatient.dispose()
