"""Inbound delivery keys (a platform's retry changes nothing) and stored conversation references
(where the bot may write later)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ConversationRef,
    InboundDelivery,
)

# --- inbound deliveries ------------------------------------------------------------------------


async def record_inbound(
    *, session: AsyncSession, key: str, ref: str | None, at: datetime
) -> str | None:
    """Record a delivery key, and the reference it produced, at the end of the caller's
    transaction (one statement).

    Returns None when this is the first delivery; otherwise what the first one produced (its
    reference, or ``""``), and the caller rolls back. On PostgreSQL a concurrent duplicate waits
    here for the first to commit.
    """
    if key in await record_inbound_many(session=session, rows=[(key, ref)], at=at):
        return None
    return await delivered(session=session, key=key) or ""


async def delivered_many(*, session: AsyncSession, keys: Sequence[str]) -> dict[str, str]:
    """Of ``keys``, those already delivered, with what each produced (``""``: no reference)."""
    if not keys:
        return {}
    table = InboundDelivery.__table__  # type: ignore[attr-defined]
    query = select(table.c.key, table.c.ref).where(table.c.key.in_(list(keys)))
    return {key: ref or "" for key, ref in (await session.execute(query)).all()}


async def record_inbound_many(
    *, session: AsyncSession, rows: Sequence[tuple[str, str | None]], at: datetime
) -> set[str]:
    """Delivery keys with the references they produced, in one statement; returns the keys
    stored (one missing was delivered concurrently: on PostgreSQL its first delivery committed
    while this one waited)."""
    if not rows:
        return set()
    table = InboundDelivery.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values([{"key": key, "ref": ref, "at": at} for key, ref in rows])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    )
    return set((await session.execute(statement)).scalars())


async def delivered(*, session: AsyncSession, key: str) -> str | None:
    """What the delivery ``key`` produced (``""``: no reference), or None if it is new."""
    return (await delivered_many(session=session, keys=[key])).get(key)


# --- conversation references (proactive messaging) -----------------------------------------------


async def save_conversation_ref(
    *,
    session: AsyncSession,
    platform: str,
    key: str,
    tenant: str | None,
    reference: str,
    at: datetime,
) -> None:
    row = await session.get(ConversationRef, (platform, key))
    if row is None:
        row = ConversationRef(
            platform=platform, key=key, tenant=tenant, reference=reference, updated_at=at
        )
    else:
        row.tenant, row.reference, row.updated_at = tenant, reference, at
    session.add(row)
    await session.flush()


async def conversation_ref(
    *, session: AsyncSession, platform: str, key: str
) -> ConversationRef | None:
    return await session.get(ConversationRef, (platform, key))
