"""Queries that keep personal data from outliving its use: the outbox scrubber and the expiry
of inbound delivery keys. (Kept apart from ``repositories``, which is already over size.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from storage import personal
from storage.models import InboundDelivery, OutboxMessage

SCRUBBED = ""  # what a scrubbed payload holds: nothing

assert personal.columns("outbox") == ("payload",), "the scrubber below erases exactly these"


async def scrub_outbox(*, session: AsyncSession, created_before: datetime, now: datetime) -> int:
    """Erase the content of delivered and failed messages created before ``created_before``.

    Pending messages keep theirs: they have not been delivered yet. The row stays (its
    platform message id threads later replies; its state feeds /metrics).
    """
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.state).in_(("sent", "failed")),
            col(OutboxMessage.created_at) < created_before,
            col(OutboxMessage.scrubbed_at).is_(None),
        )
        .values(payload=SCRUBBED, scrubbed_at=now)
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def scrub_ticket_messages(*, session: AsyncSession, ref: str, now: datetime) -> int:
    """Erase the content of every settled message in ``ref``'s threads (retention erased it)."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.thread_key) == ref,
            col(OutboxMessage.state).in_(("sent", "failed")),
            col(OutboxMessage.scrubbed_at).is_(None),
        )
        .values(payload=SCRUBBED, scrubbed_at=now)
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def expire_inbound(*, session: AsyncSession, before: datetime) -> int:
    """Forget delivery keys older than ``before``: platforms retry within minutes, not days."""
    result = await session.execute(delete(InboundDelivery).where(col(InboundDelivery.at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def checkpoint(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """On SQLite, copy the WAL into the database and empty it, so erased values are not left
    in older WAL frames until the next automatic checkpoint. Whether it completed (a reader
    still on an old snapshot blocks it; the next run tries again). Other databases: True."""
    engine: AsyncEngine | None = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:  # outside any transaction: none is begun
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = await cursor.fetchone()
        await cursor.close()
    return busy is None or busy[0] == 0
