"""Composition root: Settings -> engine -> Desk (-> adapters, as they land)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from handlers.desk import Desk
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


def build_desk(
    settings: Settings, engine: AsyncEngine, *, notifier: Notifier, clock: Clock | None = None
) -> Desk:
    return Desk(
        sessions=session_factory(engine),
        clock=clock or SystemClock(),
        policy=settings.policy(),
        notifier=notifier,
    )
