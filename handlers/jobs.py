"""The periodic work, platform-neutral: the sweep, the weekly summary and retention.

APScheduler (``bot/scheduler.py``) only calls these; all their state is in the database, so
any number of replicas may run them and a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import reminder_sweep, retention, summary
from handlers.deadlines import local_day
from handlers.outbox import Sender, enqueue_summary
from handlers.policy import Policy
from handlers.ports import Clock
from storage import housekeeping
from storage.db import transaction

log = logging.getLogger(__name__)


async def sweep(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: Policy,
    sender: Sender | None,
    observe_lag: Callable[[float], None] | None = None,
) -> tuple[int, int]:
    """Queue the nudges that are due, then deliver what the outbox holds. (queued, sent)
    ``observe_lag`` is told each queued nudge's lag in seconds, after the commit."""
    lags: list[float] = []
    async with transaction(sessions) as session:
        queued = await reminder_sweep.sweep(
            session=session, policy=policy, now=clock.now(), lags=lags
        )
    if observe_lag is not None:
        for lag in lags:
            observe_lag(lag)
    sent = await sender.run_once() if sender is not None else 0
    if queued or sent:
        log.info("sweep: %s nudge(s) queued, %s message(s) sent", queued, sent)
    return queued, sent


async def weekly_summary(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: Policy,
    sender: Sender | None,
) -> int:
    """Queue this week's summary for every compliance channel (once per week, at most)."""
    now = clock.now()
    async with transaction(sessions) as session:
        built = await summary.build(
            session=session, today=local_day(now, policy.timezone), now=now, policy=policy
        )
        created = await enqueue_summary(session=session, policy=policy, summary=built, now=now)
    if sender is not None:
        await sender.run_once()
    log.info("weekly summary for %s: %s new post(s)", built.week_of, created)
    return created


async def retention_job(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: Policy,
    years: int,
    outbox_keep_days: int = 7,
) -> int:
    now = clock.now()
    async with transaction(sessions) as session:
        erased = await retention.erase_expired(session=session, policy=policy, years=years, now=now)
        scrubbed = await retention.scrub_messages(
            session=session, keep_days=outbox_keep_days, now=now
        )
    if erased or scrubbed:
        await housekeeping.checkpoint(sessions)  # the erased values go from the WAL too
    if erased:
        log.info("retention: erased personal data of %s closed ticket(s)", len(erased))
    if scrubbed:
        log.info("retention: erased the content of %s delivered message(s)", scrubbed)
    return len(erased)
