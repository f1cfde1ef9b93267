"""The outbox: messages written with the ticket change, claimed by one replica, delivered once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from storage.enums import DeliveryKind, OutboxState
from storage.models import (
    OutboxMessage,
)
from storage.repositories.tickets import PENDING

# --- outbox --------------------------------------------------------------------------------------


async def add_outbox_once(*, session: AsyncSession, row: dict[str, object]) -> bool:
    """Insert ``row`` (column values) unless its ``dedupe_key`` exists already; True if this
    call inserted it."""
    values = row
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement: Any = insert(table).values(**values)
    statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
        table.c.id
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none() is not None


async def claim_outbox(
    *,
    session: AsyncSession,
    now: datetime,
    platforms: Sequence[str],
    worker: str,
    lease_until: datetime,
    limit: int,
) -> list[OutboxMessage]:
    """Lease up to ``limit`` deliverable messages for ``worker``.

    Deliverable: pending, due, not leased by anyone else, and the oldest unsent message of its
    thread (so replies go out in order, after their opening post). PostgreSQL skips rows another
    replica has locked; SQLite's ``BEGIN IMMEDIATE`` already makes claimers take turns.
    """
    earlier = aliased(OutboxMessage)
    blocked = (
        select(earlier.id)
        .where(
            col(earlier.platform) == col(OutboxMessage.platform),
            col(earlier.target) == col(OutboxMessage.target),
            col(earlier.thread_key) == col(OutboxMessage.thread_key),
            col(earlier.state) == PENDING,
            col(earlier.id) < col(OutboxMessage.id),
        )
        .exists()
    )
    query = (
        select(OutboxMessage)
        .where(
            col(OutboxMessage.state) == PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
            col(OutboxMessage.platform).in_(platforms),
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
            ~blocked,
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    try:
        rows = list((await session.execute(query)).scalars())
    except InvalidToken:  # one message no key opens must not hold up all the others
        rows = await _readable(session, query)
    for row in rows:
        row.lease_until, row.leased_by = lease_until, worker
        session.add(row)
    await session.flush()
    return rows


UNREADABLE = "unreadable: no data key opens this message"


async def _readable(session: AsyncSession, query: Any) -> list[OutboxMessage]:
    """The claimable messages one by one; each that cannot be decrypted is failed for good
    (it could never be sent: written behind the desk's back, or with a key since dropped)."""
    ids = [row_id for (row_id,) in await session.execute(query.with_only_columns(OutboxMessage.id))]
    rows: list[OutboxMessage] = []
    for row_id in ids:
        try:
            found = await session.get(OutboxMessage, row_id)
        except InvalidToken:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row_id)
                .values(state=OutboxState.FAILED, last_error=UNREADABLE, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            continue
        if found is not None:
            rows.append(found)
    return rows


async def thread_parent_id(
    *, session: AsyncSession, platform: str, target: str, thread_key: str
) -> str | None:
    """The platform id of the first message sent in a ticket's thread on one channel."""
    query = (
        select(col(OutboxMessage.platform_message_id))
        .where(
            col(OutboxMessage.platform) == platform,
            col(OutboxMessage.target) == target,
            col(OutboxMessage.thread_key) == thread_key,
            col(OutboxMessage.kind) == DeliveryKind.POST,
            col(OutboxMessage.state) == OutboxState.SENT,
        )
        .order_by(col(OutboxMessage.id))
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def outbox_by_id(
    *, session: AsyncSession, message_id: int, for_update: bool = True
) -> OutboxMessage | None:
    query = select(OutboxMessage).where(col(OutboxMessage.id) == message_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def outbox_counts(*, session: AsyncSession, failing_after: int) -> dict[str, int]:
    """Pending, failing (pending after ``failing_after`` attempts) and failed messages."""
    query = select(
        func.count().filter(col(OutboxMessage.state) == OutboxState.PENDING),
        func.count().filter(
            col(OutboxMessage.state) == OutboxState.PENDING,
            col(OutboxMessage.attempts) >= failing_after,
        ),
        func.count().filter(col(OutboxMessage.state) == OutboxState.FAILED),
    ).select_from(OutboxMessage)
    pending, failing, failed = (await session.execute(query)).one()
    return {"pending": int(pending), "failing": int(failing), "failed": int(failed)}
