"""Home pages (issue 15): who has opened one, and the queued refresh of each person's page."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import DeliveryKind, OutboxState
from storage.models import OutboxMessage
from storage.models_home import HomeTab

HOME_THREAD = "home"  # the thread key of home refreshes: one person's go out in order


async def save_home_tab(
    *,
    session: AsyncSession,
    platform: str,
    user_id: str,
    opened_at: datetime,
    shown: str,
    digest: str,
) -> None:
    """Remember that ``user_id`` opened their home page and what it listed (one row each,
    whichever replica records it first)."""
    table = HomeTab.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {"opened_at": opened_at, "shown": shown, "digest": digest}
    statement: Any = insert(table).values(platform=platform, user_id=user_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["platform", "user_id"], set_=values)
    await session.execute(statement)


async def home_tabs_for(
    *, session: AsyncSession, users: Collection[tuple[str, str]], refs: Collection[str]
) -> list[HomeTab]:
    """The home pages of ``users`` (``(platform, user id)``) and of anyone whose page lists one
    of ``refs`` (read only: what a page shows is recorded by the sender that publishes it)."""
    if not users and not refs:
        return []
    wanted = [
        and_(col(HomeTab.platform) == platform, col(HomeTab.user_id) == user)
        for platform, user in sorted(users)
    ]
    listing = [col(HomeTab.shown).contains(f" {ref} ", autoescape=True) for ref in sorted(refs)]
    query = (
        select(HomeTab)
        .where(or_(*wanted, *listing))
        .order_by(col(HomeTab.platform), col(HomeTab.user_id))
    )
    return list((await session.execute(query)).scalars())


async def home_tab(*, session: AsyncSession, platform: str, user_id: str) -> HomeTab | None:
    return await session.get(HomeTab, (platform, user_id))


async def claim_home_refreshes(
    *,
    session: AsyncSession,
    platform: str,
    user_id: str,
    now: datetime,
    worker: str,
    lease_until: datetime,
) -> list[tuple[int, str]]:
    """Claim for ``worker`` every refresh of this person's page still waiting (pending,
    unclaimed, not locked by a change writing it): one page read now answers them all. A
    change that commits later finds none of them waiting and queues a refresh of its own.
    Each claimed row's id and payload."""
    query = (
        select(OutboxMessage)
        .where(*_waiting(platform, user_id))
        .order_by(col(OutboxMessage.id))
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for row in (await session.execute(query)).scalars():
        row.sending_since, row.leased_by, row.lease_until = now, worker, lease_until
        session.add(row)
        assert row.id is not None
        claimed.append((row.id, row.payload))
    return claimed


async def queued_home(
    *, session: AsyncSession, platform: str, user_id: str, now: datetime
) -> OutboxMessage | None:
    """A refresh of this person's page still waiting in the outbox, not claimed by any sender
    (so it can be brought up to date instead of queueing another)."""
    query = (
        select(OutboxMessage)
        .where(
            *_waiting(platform, user_id),
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


def _waiting(platform: str, user_id: str) -> list[ColumnElement[bool]]:
    """A refresh of this person's page that no sender has claimed."""
    return [
        col(OutboxMessage.platform) == platform,
        col(OutboxMessage.target) == user_id,
        col(OutboxMessage.thread_key) == HOME_THREAD,
        col(OutboxMessage.kind) == DeliveryKind.HOME,
        col(OutboxMessage.state) == OutboxState.PENDING,
        col(OutboxMessage.sending_since).is_(None),
    ]
