"""Inbound delivery keys (a platform's retry changes nothing) and stored conversation references
(where the bot may write later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    ConversationRef,
    InboundDelivery,
)

# --- inbound deliveries ------------------------------------------------------------------------


async def claim_inbound(*, session: AsyncSession, key: str, at: datetime) -> str | None:
    """Record a delivery key in the caller's transaction.

    Returns None when this is the first delivery; otherwise the reference the first delivery
    produced (or ``""``). On PostgreSQL a concurrent duplicate waits for the first to commit.
    """
    table = InboundDelivery.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(key=key, ref=None, at=at)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    )
    if (await session.execute(statement)).scalar_one_or_none() is not None:
        return None
    existing = await session.get(InboundDelivery, key)
    return (existing.ref or "") if existing is not None else ""


async def settle_inbound(*, session: AsyncSession, key: str, ref: str | None) -> None:
    await session.execute(
        update(InboundDelivery).where(col(InboundDelivery.key) == key).values(ref=ref)
    )


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
