"""The composition root's core: Settings -> engine -> policy -> Desk + outbox Sender (+ jobs).

Every front end builds its ``Application`` here: ``privacy-desk serve`` (``bot.app`` adds
Slack, Teams and the aiohttp server on top), the console, the test harnesses and the
benchmarks. This module imports no platform SDK, no web framework and no scheduler, so the
console and the command line load only what they use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.keys import data_keys
from handlers import jobs
from handlers.desk import Desk
from handlers.home import Pages
from handlers.letters.templates import check as check_letter_templates
from handlers.outbox import RetryPolicy, Sender
from handlers.policy import Policy
from handlers.ports import Clock, Notifier, SystemClock
from storage import keycheck
from storage.db import create_engine, is_sqlite, session_factory
from storage.migrate import pending, schema_revisions, upgrade_async

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

Sessions = async_sessionmaker[AsyncSession]
# Builds the platform notifiers once the policy and the session factory exist.
Notifiers = Callable[[Policy, Sessions], Mapping[str, Notifier]]


async def prepare_database(settings: Settings, *, migrate: bool | None = None) -> AsyncEngine:
    """An engine for the configured database; the embedded SQLite default migrates itself when
    it is behind (Alembic is loaded only then).

    PostgreSQL is migrated deliberately (``privacy-desk migrate``) so that several replicas
    starting together do not race to alter the schema.
    """
    keys = data_keys(settings)
    engine = create_engine(settings.database_url, keys=keys)
    behind = await pending(engine)
    if behind and (migrate if migrate is not None else is_sqlite(settings.database_url)):
        await upgrade_async(settings.database_url, keys=keys)
        behind = await pending(engine)
    if not behind:  # a schema behind is refused later, by check_schema
        await keycheck.check(engine)
    return engine


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to serve a database whose schema is behind this code (PostgreSQL is migrated
    deliberately with ``privacy-desk migrate``)."""
    current, head = await schema_revisions(engine)
    if current != head:
        raise RuntimeError(
            f"the database schema is at {current or 'nothing'}, this release needs {head}: "
            "run `privacy-desk migrate`"
        )


@dataclass
class Application:
    """What every front end shares: the desk and the outbox sender on one engine, with the
    policy and the clock they were built with."""

    settings: Settings
    engine: AsyncEngine
    policy: Policy
    clock: Clock
    sessions: Sessions
    sender: Sender
    desk: Desk
    # Told each sent nudge's lag in seconds (the server's metrics); None on the console.
    observe_lag: Callable[[float], None] | None = None

    async def sweep(self) -> tuple[int, int]:
        """Queue the nudges that are due and deliver the outbox: (queued, sent)."""
        return await jobs.sweep(
            sessions=self.sessions,
            clock=self.clock,
            policy=self.policy,
            sender=self.sender,
            observe_lag=self.observe_lag,
        )

    def scheduler(self) -> AsyncIOScheduler:
        """The sweep, weekly summary and retention jobs (APScheduler is imported only here)."""
        from bot.scheduler import build_scheduler

        return build_scheduler(
            settings=self.settings,
            sessions=self.sessions,
            clock=self.clock,
            policy=self.policy,
            sender=self.sender,
            observe_lag=self.observe_lag,
        )

    async def close(self) -> None:
        await self.engine.dispose()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    policy: Policy | None = None,
    notifiers: Notifiers | None = None,
    deliver_now: bool = True,
    max_write_wait: float | None = None,
    write_engine: AsyncEngine | None = None,
) -> Application:
    """The core for ``settings``. ``engine`` defaults to a new one for the configured database
    (not migrated: see ``prepare_database``), ``policy`` to ``settings.policy()``, ``clock`` to
    the system clock. ``deliver_now`` sends a command's messages as it returns; a server sets
    it False and leaves delivery to its sender loop; it also bounds how long a command may wait
    for the writer (``max_write_wait``, seconds) so that a person is told in time that it was
    not logged. ``write_engine`` (``storage.db.writer_engine``) gives the desk's writer a pool
    of its own; the caller disposes of it."""
    clock = clock or SystemClock()
    engine = engine or create_engine(settings.database_url, keys=data_keys(settings))
    policy = policy or settings.policy()
    _check_letter_templates(policy)
    sessions = session_factory(engine)
    sender = Sender(
        sessions=sessions,
        clock=clock,
        notifiers=dict(notifiers(policy, sessions)) if notifiers is not None else {},
        retry=RetryPolicy(lease_seconds=settings.outbox_lease_seconds),
        pages=Pages(policy),
    )
    desk = Desk(
        sessions=sessions,
        clock=clock,
        policy=policy,
        sender=sender,
        deliver_now=deliver_now,
        max_write_wait=max_write_wait,
        write_sessions=session_factory(write_engine) if write_engine is not None else None,
    )
    return Application(
        settings=settings,
        engine=engine,
        policy=policy,
        clock=clock,
        sessions=sessions,
        sender=sender,
        desk=desk,
    )


def _check_letter_templates(policy: Policy) -> None:
    """A broken letter template of the DPO's own is said at start-up (rendered against a sample
    ticket, so the message holds no one's data), not first found when a letter is due. Without
    a templates folder there is nothing to say: the shipped templates are checked by the tests
    (``test_letter_templates``), and rendering them all cost every start ~30 ms."""
    if policy.templates_dir is None:
        return
    for problem in check_letter_templates(policy):
        log.warning("letter template problem (privacy-desk letters check): %s", problem)
