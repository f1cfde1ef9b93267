"""Statements on the driver's own connection, for the hottest write: opening tickets (issue 16).

A statement through an ``AsyncSession`` costs 0.3–0.5 ms of CPU before the database sees it
(the ORM's execute, the cache key, the execution context, a greenlet, the adapter's cursor);
opening one ticket takes a dozen. ``Direct`` runs hand-written SQL on the connection the
session's transaction already holds (``AsyncConnection.get_raw_connection``), so it is inside
that transaction and its savepoint, and converts values with the columns' own bind processors
(the ``Encrypted`` columns are encrypted, datetimes stored in UTC, exactly as through the ORM).

- On SQLite the statements queued since the last call are run, with the queries, in one
  function on aiosqlite's thread: one hand-off for many statements.
- On PostgreSQL the writes queued and the query after them are one statement (a
  data-modifying ``WITH``); other queries are a call each on the asyncpg connection. The first
  of a transaction begins it as SQLAlchemy's adapter would (its ``_start_transaction``, the
  one name relied on; without it, that statement goes through SQLAlchemy), so that the COMMIT
  is SQLAlchemy's.

A driver error is raised as SQLAlchemy's (``DBAPIError.instance``), so callers see one kind of
failure whichever way a statement went; a dropped PostgreSQL connection is invalidated and
marked so (``connection_invalidated``), which the group commit retries. The SQL and bound
values are left out of the error (``hide_parameters``); PostgreSQL's own DETAIL line may still
name a key's value, as it did through the ORM.

The SQL itself lives with the queries (``storage.repositories.openings``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Column, Dialect, Table
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Row = tuple[Any, ...]
# How SQLAlchemy's asyncpg adapter begins the transaction before its first statement.
ADAPTER_BEGIN = "_start_transaction"


@dataclass(frozen=True, slots=True)
class Query:
    """One statement whose rows are wanted (``RETURNING`` included)."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class _Many:
    """A statement run once for each of ``rows``; ``insert``: the INSERT it is, if one."""

    sql: str
    rows: list[Row]
    insert: _Inserter | None = None


class Direct(ABC):
    """The driver connection of one transaction, and its dialect's way of writing SQL."""

    def __init__(self, conn: AsyncConnection, driver: Any, adapter: Any) -> None:
        self.conn = conn
        self.driver = driver  # aiosqlite's or asyncpg's connection
        self.adapter = adapter  # SQLAlchemy's DBAPI adapter around it
        self.dialect: Dialect = conn.dialect
        self._queued: list[_Many] = []

    @staticmethod
    async def of(session: AsyncSession) -> Direct:
        """``session``'s connection (its transaction begun, or begun by the first statement)."""
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        if conn.dialect.name == "sqlite":
            return _SQLite(conn, raw.driver_connection, raw.dbapi_connection)
        return _Postgres(conn, raw.driver_connection, raw.dbapi_connection)

    @abstractmethod
    def mark(self, n: int) -> str:
        """The placeholder of the ``n``-th parameter (from 1)."""
        raise NotImplementedError

    @abstractmethod
    def rows_where(self, n: int, table: str, column: str, columns: str) -> str:
        """A subquery of ``columns`` of the rows of ``table`` whose ``column`` is one of the
        text values in the ``n``-th parameter (its value from ``listed``): one statement text
        whatever the list's length, each value found through ``column``'s index."""
        raise NotImplementedError

    @abstractmethod
    def listed(self, values: Sequence[Any]) -> Any:
        """``values`` as the one parameter ``rows_where`` takes them in."""

    def typed(self, mark: str, column: Column[Any]) -> str:
        """``mark`` cast to ``column``'s type where the dialect needs it said (a parameter in
        an ``INSERT … SELECT`` list is otherwise text on PostgreSQL); no length, as in
        ``_inserter``."""
        if self.dialect.name == "sqlite":
            return mark
        return f"{mark}::{_kind(self.dialect, column)}"

    def bound(self, column: Column[Any], value: Any) -> Any:
        """``value`` as ``column``'s type hands it to the driver."""
        process = _processor(self.dialect, column)
        return value if process is None else process(value)

    def execute(self, sql: str, params: Row) -> None:
        """Queue one statement whose rows are not wanted: run before the next ``fetch``'s."""
        self._queued.append(_Many(sql, [params]))

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Queue ``rows`` of ``table`` (column values): written before the next ``fetch``'s
        queries, one ``executemany`` for the rows with the same keys."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(row), []).append(row)
        for keys, alike in shapes.items():
            writer = _inserter(self.dialect, table, keys)
            self._queued.append(_Many(writer.sql, [writer.convert(row) for row in alike], writer))

    @abstractmethod
    async def fetch(self, *queries: Query) -> list[list[Row]]:
        """Write what is queued, then run ``queries``; the rows of each."""
        raise NotImplementedError

    def _steps(self, queries: Sequence[Query]) -> list[_Many | Query]:
        steps: list[_Many | Query] = [*self._queued, *queries]
        self._queued = []
        return steps


class _SQLite(Direct):
    def mark(self, n: int) -> str:
        return f"?{n}"  # numbered, so a statement may use its parameters in any order

    def rows_where(self, n: int, table: str, column: str, columns: str) -> str:
        return (
            f"(SELECT {columns} FROM {table} WHERE {column} IN (SELECT value FROM json_each(?{n})))"
        )

    def listed(self, values: Sequence[Any]) -> Any:
        return json.dumps(list(values))

    async def fetch(self, *queries: Query) -> list[list[Row]]:
        steps = self._steps(queries)
        connection = self.driver._conn  # aiosqlite's sqlite3 connection, used on its thread

        def on_thread() -> list[list[Row]]:
            found: list[list[Row]] = []
            cursor = connection.cursor()
            try:
                for step in steps:
                    if isinstance(step, _Many):
                        cursor.executemany(step.sql, step.rows)
                    else:
                        found.append(cursor.execute(step.sql, step.params).fetchall())
            finally:
                cursor.close()
            return found

        try:
            rows: list[list[Row]] = await self.driver._execute(on_thread)
        except sqlite3.Error as exc:
            raise _raised(exc, self.dialect, invalidated=False) from exc
        return rows


class _Postgres(Direct):
    def mark(self, n: int) -> str:
        return f"${n}"

    def rows_where(self, n: int, table: str, column: str, columns: str) -> str:
        # One index probe a value (the LATERAL subquery, kept apart by OFFSET 0, cannot be
        # turned into a join). "column = ANY($n)" leaves the plan to the statistics: with a
        # long list, or a table autovacuum has not analysed yet, PostgreSQL scans the whole
        # table (14 ms for 1,000 digests against 192,000 rows, 2 ms probing the index).
        return (
            f"(SELECT found.* FROM unnest(${n}::text[]) AS wanted(value), LATERAL "
            f"(SELECT {columns} FROM {table} WHERE {column} = wanted.value OFFSET 0) AS found)"
        )

    def listed(self, values: Sequence[Any]) -> Any:
        return list(values)

    async def fetch(self, *queries: Query) -> list[list[Row]]:
        steps = self._steps(queries)
        found: list[list[Row]] = []
        try:
            if steps and not self.driver.is_in_transaction():
                begin = getattr(self.adapter, ADAPTER_BEGIN, None)
                if begin is not None:
                    await begin()  # the BEGIN SQLAlchemy's adapter sends before a statement
                else:  # an adapter without it: the first statement through SQLAlchemy begins
                    found += await self._through_sqlalchemy(steps.pop(0))
            if len(queries) <= 1 and len(steps) > 1:
                steps = [_folded(steps)]  # the writes and the query: one statement, one trip
            for step in steps:
                if isinstance(step, _Many):
                    await self.driver.executemany(step.sql, step.rows)
                else:
                    rows = await self.driver.fetch(step.sql, *step.params)
                    found.append([tuple(r) for r in rows])
        except DBAPIError:
            raise  # through SQLAlchemy: already translated (and invalidated if dropped)
        except Exception as exc:
            # A pooled connection the server closed (a restart) fails at the BEGIN already, as
            # the adapter's InterfaceError: it is thrown away and the write tried again.
            dropped = self.driver.is_closed() or _dropped(exc) or _dropped(exc.__cause__)
            if dropped:
                await self.conn.invalidate(exc)
            raise _raised(exc, self.dialect, invalidated=dropped) from exc
        if not queries:
            return []
        return found

    async def _through_sqlalchemy(self, step: _Many | Query) -> list[list[Row]]:
        if isinstance(step, _Many):
            await self.conn.exec_driver_sql(step.sql, step.rows)
            return []
        result = await self.conn.exec_driver_sql(step.sql, step.params)
        return [[tuple(row) for row in result.all()]]


def _folded(steps: Sequence[_Many | Query]) -> _Many | Query:
    """PostgreSQL: ``steps`` (writes, then at most one query, which must come last) as one
    statement, each write a data-modifying ``WITH`` of it. An INSERT of many rows becomes
    ``INSERT … SELECT * FROM unnest(…)`` with one array a column; every parameter is
    renumbered after the ones before it. All run to completion, in one snapshot (none sees
    another's rows: none needs to)."""
    parts: list[str] = []
    params: list[Any] = []
    for step in steps[:-1]:
        assert isinstance(step, _Many), "a query is folded only as the last step"
        sql, values = _one_statement(step)
        parts.append(f"w{len(parts)} AS ({_renumbered(sql, len(params))})")
        params += values
    last = steps[-1]
    if isinstance(last, _Many):
        sql, values = _one_statement(last)
    else:
        sql, values = last.sql, list(last.params)
    folded = f"WITH {', '.join(parts)} {_renumbered(sql, len(params))}"
    return Query(folded, (*params, *values))


def _one_statement(step: _Many) -> tuple[str, list[Any]]:
    """A write as one statement and its parameters (PostgreSQL)."""
    if step.insert is None:
        assert len(step.rows) == 1, "only an INSERT is folded for many rows"
        return step.sql, list(step.rows[0])
    insert = step.insert
    arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(insert.kinds, 1))
    sql = f"{insert.sql.split(' VALUES ')[0]} SELECT * FROM unnest({arrays})"
    return sql, [list(column) for column in zip(*step.rows, strict=True)]


def _renumbered(sql: str, offset: int) -> str:
    """``sql`` with ``$n`` as ``$(n + offset)`` (hand-written SQL: no ``$`` in literals)."""
    if not offset:
        return sql
    return re.sub(r"\$(\d+)", lambda m: f"${int(m[1]) + offset}", sql)


def _dropped(exc: BaseException | None) -> bool:
    """Whether asyncpg lost the connection (the server restarted or closed it)."""
    import asyncpg

    return isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError | OSError)


def _raised(exc: Exception, dialect: Dialect, *, invalidated: bool) -> DBAPIError:
    """The driver's ``exc`` as SQLAlchemy raises it (its SQL and values left out): sqlite3's
    by its class, asyncpg's by its SQLSTATE (class 23, a constraint: ``IntegrityError``)."""
    if str(getattr(exc, "sqlstate", "")).startswith("23"):
        return IntegrityError(None, None, exc, hide_parameters=True)
    error = DBAPIError.instance(
        None,
        None,
        exc,
        Exception,
        hide_parameters=True,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
    assert isinstance(error, DBAPIError)
    return error


@dataclass(frozen=True, slots=True)
class _Inserter:
    sql: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    kinds: tuple[str, ...]  # each column's SQL type, as the dialect writes it

    def convert(self, row: dict[str, Any]) -> Row:
        values = [row[key] for key in self.keys]
        for at, process in enumerate(self.processors):
            if process is not None:
                values[at] = process(values[at])
        return tuple(values)


@cache
def _inserter(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Inserter:
    """``INSERT INTO table (keys…) VALUES (…)`` for ``dialect``, and each column's bind
    processor (made once: a dialect, a table and its keys are few)."""
    quote = dialect.identifier_preparer.quote
    marks = ", ".join("?" if dialect.name == "sqlite" else f"${i}" for i in range(1, len(keys) + 1))
    columns = ", ".join(quote(key) for key in keys)
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"
    processors = tuple(_processor(dialect, table.c[key]) for key in keys)
    # Without a length: a cast to VARCHAR(200)[] would cut a longer value silently where an
    # INSERT refuses it ("value too long"), and an event's actor cut short breaks the chain.
    kinds = tuple(_kind(dialect, table.c[key]) for key in keys)
    return _Inserter(sql, keys, processors, kinds)


def _kind(dialect: Dialect, column: Column[Any]) -> str:
    """``column``'s SQL type as ``dialect`` writes it, without a length: a cast to
    VARCHAR(200) would cut a longer value silently where an INSERT refuses it."""
    return re.sub(r"\(.*?\)", "", column.type.compile(dialect=dialect))


@cache
def _processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any] | None:
    """``column``'s bind processor on ``dialect`` (as SQLAlchemy applies it to a parameter)."""
    process: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process
