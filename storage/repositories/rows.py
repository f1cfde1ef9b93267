"""Rows written with Core statements: the hot write path (a new ticket, an action on one) builds
its model instances in memory and inserts them here, so no ORM unit of work (identity map, flush
plan, attribute history) runs for rows that are only ever inserted.

Core statements do not flush the session: a row inserted here must not depend on an ORM object
still pending in it (a ticket is inserted here before its terms, reminders and events).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def values_of(row: SQLModel) -> dict[str, Any]:
    """A model instance's column values for an INSERT; an unset primary key is left to the
    database."""
    values: dict[str, Any] = {}
    for column in table_of(type(row)).columns:
        value = getattr(row, column.key)
        if value is None and column.primary_key:
            continue
        values[column.key] = value
    return values


async def insert_rows(*, session: AsyncSession, rows: Sequence[SQLModel]) -> None:
    """Rows of one model in one statement (executemany: one call for the driver)."""
    if not rows:
        return
    table = table_of(type(rows[0]))
    await session.execute(insert(table), [values_of(row) for row in rows])


async def insert_row(*, session: AsyncSession, row: SQLModel) -> None:
    """One row; its generated ``id`` (if it has one) is set on ``row``."""
    table = table_of(type(row))
    statement = insert(table).values(values_of(row))
    if "id" in table.c and getattr(row, "id", None) is None:
        result = await session.execute(statement.returning(table.c.id))
        row.id = int(result.scalar_one())
        return
    await session.execute(statement)
