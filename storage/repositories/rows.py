"""Rows written with Core statements: the hot write path (a new ticket, an action on one) builds
its model instances in memory and inserts them here, so no ORM unit of work (identity map, flush
plan, attribute history) runs for rows that are only ever inserted.

Core statements do not flush the session: a row inserted here must not depend on an ORM object
still pending in it (a ticket is inserted here before its terms, reminders and events).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Insert, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.base import manager_of_class
from sqlalchemy.orm.instrumentation import ClassManager
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def values_of(row: SQLModel) -> dict[str, Any]:
    """A model instance's column values for an INSERT; an unset primary key is left to the
    database."""
    values: dict[str, Any] = {}
    loaded = row.__dict__  # read directly: the instrumented attribute costs ~1 µs a column
    for column in table_of(type(row)).columns:
        key = column.key
        value = loaded[key] if key in loaded else getattr(row, key)
        if value is None and column.primary_key:
            continue
        values[key] = value
    return values


def row_values(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """A row of ``model`` as column values: ``values`` over the model's defaults. Cheaper by
    far than a model instance (no validation, no instrumentation) for rows that are only
    inserted: a request's 32 search digests, its reminders, its outbox messages."""
    return {**_defaults(model), **values}


M = TypeVar("M", bound=SQLModel)


def new_row(model: type[M], **values: Any) -> M:
    """An instance of ``model``: ``values`` over its defaults, made the way SQLAlchemy makes a
    row it loads (``ClassManager.new_instance``: SQLModel's ``__new__``, then the instance
    state) rather than by ``__init__``, whose instrumented set of every field costs ~114 µs
    for a request (~4 µs here). Table models are not validated by ``__init__`` either. For
    rows built on the hot path; changes made to it afterwards are tracked as usual."""
    row: M = _manager(model).new_instance()
    row.__dict__.update(_unset_keys(model))
    row.__dict__.update(_defaults(model))
    row.__dict__.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row


@cache
def _manager(model: type[SQLModel]) -> ClassManager[Any]:
    """``model``'s class manager, its mappers configured first (as a query or ``__init__``
    would): until then its attributes cannot be read or set."""
    configure_mappers()
    return manager_of_class(model)


@cache
def _unset_keys(model: type[SQLModel]) -> dict[str, None]:
    """The primary key columns, None until the database gives them (as ``__init__`` sets)."""
    return {column.key: None for column in table_of(model).primary_key.columns}


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        column = table_of(model).c.get(name)
        if column is None or (column.primary_key and info.default is None):
            continue
        if info.default_factory is not None:
            raise TypeError(f"{model.__name__}.{name} has a default factory: give its value")
        if not info.is_required():
            found[name] = info.default
    return found


async def insert_rows(*, session: AsyncSession, rows: Sequence[SQLModel]) -> None:
    """Rows of one model in one statement (executemany: one call for the driver)."""
    if not rows:
        return
    await session.execute(_insert(table_of(type(rows[0]))), [values_of(row) for row in rows])


async def insert_values(
    *, session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    """Rows given as ``row_values`` of ``model``, in one statement."""
    if rows:
        await session.execute(_insert(table_of(model)), list(rows))


@cache
def _insert(table: Table) -> Insert:
    """One statement object per table, its values bound at execution (built and compiled once)."""
    return insert(table)
