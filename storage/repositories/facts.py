"""Facts about the desk itself (the holidays release its deadlines were computed with)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import RequestState
from storage.models import (
    DeskFact,
    Request,
)

# --- facts about the desk ------------------------------------------------------------------------


async def desk_fact(*, session: AsyncSession, key: str) -> str | None:
    row = await session.get(DeskFact, key)
    return None if row is None else row.value


async def set_desk_fact(*, session: AsyncSession, key: str, value: str) -> None:
    row = await session.get(DeskFact, key)
    if row is None:
        session.add(DeskFact(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    await session.flush()


async def open_requests_for_update(*, session: AsyncSession) -> list[Request]:
    """Every request not yet closed, locked, in reference order."""
    query = (
        select(Request)
        .where(col(Request.state) != RequestState.CLOSED.value)
        .order_by(col(Request.id))
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())
