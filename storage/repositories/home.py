"""Home pages (issue 15): who has opened one, and the queued refresh of each person's page."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import DeliveryKind, OutboxState
from storage.models import OutboxMessage
from storage.models_home import HomeTab


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
    of ``refs``, locked for the caller to record what they will show next."""
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
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def queued_home(
    *, session: AsyncSession, platform: str, user_id: str, now: datetime
) -> OutboxMessage | None:
    """A refresh of this person's page still waiting in the outbox, not claimed by any sender
    (so it can be brought up to date instead of queueing another)."""
    query = (
        select(OutboxMessage)
        .where(
            col(OutboxMessage.platform) == platform,
            col(OutboxMessage.target) == user_id,
            col(OutboxMessage.kind) == DeliveryKind.HOME,
            col(OutboxMessage.state) == OutboxState.PENDING,
            col(OutboxMessage.sending_since).is_(None),
            or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalar_one_or_none()
