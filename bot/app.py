"""Composition root: Settings -> engine -> Desk (-> adapters, as they land)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from handlers import jobs
from handlers.context import Policy
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.ports import Clock, Notifier, SystemClock
from storage.db import create_engine, is_sqlite, session_factory
from storage.migrate import upgrade_async

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings, *, migrate: bool | None = None) -> AsyncEngine:
    """An engine for the configured database; the embedded SQLite default migrates itself.

    PostgreSQL is migrated deliberately (``privacy-desk migrate``) so that several replicas
    starting together do not race to alter the schema.
    """
    if migrate if migrate is not None else is_sqlite(settings.database_url):
        await upgrade_async(settings.database_url)
    return create_engine(settings.database_url)


@dataclass
class Core:
    """What every front end shares: the desk and the outbox sender, on one engine."""

    desk: Desk
    sender: Sender
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def sweep(self) -> tuple[int, int]:
        return await jobs.sweep(
            sessions=self.sessions, clock=self.clock, policy=self.desk.policy, sender=self.sender
        )


def build_core(
    settings: Settings,
    engine: AsyncEngine,
    *,
    notifiers: dict[str, Notifier],
    clock: Clock | None = None,
    policy: Policy | None = None,
    deliver_now: bool = True,
) -> Core:
    clock = clock or SystemClock()
    sessions = session_factory(engine)
    sender = Sender(sessions=sessions, clock=clock, notifiers=notifiers)
    desk = Desk(
        sessions=sessions,
        clock=clock,
        policy=policy or settings.policy(),
        sender=sender,
        deliver_now=deliver_now,
    )
    return Core(desk=desk, sender=sender, sessions=sessions, clock=clock)
