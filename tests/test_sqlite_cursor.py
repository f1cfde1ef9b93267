"""``storage.sqlite_cursor``: on SQLite a statement is one hand-off to aiosqlite's thread (not
four: make a cursor, execute, fetch, close), with the same results and errors as before."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory, transaction


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to aiosqlite's thread."""
    sent: list[str] = []
    original = cast(Callable[..., Awaitable[Any]], aiosqlite.Connection._execute)

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


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
