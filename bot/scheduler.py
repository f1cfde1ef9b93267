"""APScheduler 3.x wiring: it only *drives* the jobs in ``handlers.jobs``; it holds no state.

Every job is idempotent across replicas (rows are claimed, the summary has a dedupe key), so
each replica may run the same schedule.
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from handlers import jobs
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import Clock


def build_scheduler(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    policy: Policy,
    sender: Sender | None,
    observe_lag: Callable[[float], None] | None = None,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=policy.timezone)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    scheduler.add_job(
        jobs.sweep,
        IntervalTrigger(seconds=settings.sweep_seconds),
        id="sweep",
        kwargs={
            "sessions": sessions,
            "clock": clock,
            "policy": policy,
            "sender": sender,
            "observe_lag": observe_lag,
        },
        **common,
    )
    scheduler.add_job(
        jobs.weekly_summary,
        CronTrigger.from_crontab(settings.summary_cron, timezone=policy.timezone),
        id="weekly-summary",
        kwargs={"sessions": sessions, "clock": clock, "policy": policy, "sender": sender},
        **common,
    )
    scheduler.add_job(
        jobs.retention_job,
        CronTrigger(hour=3, minute=17, timezone=policy.timezone),
        id="retention",
        kwargs={
            "sessions": sessions,
            "clock": clock,
            "policy": policy,
            "years": settings.retention_years,
            "outbox_keep_days": settings.outbox_keep_days,
        },
        **common,
    )
    return scheduler
