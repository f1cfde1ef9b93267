"""The aiohttp application: health, readiness and metrics, plus the platform endpoints
(``/slack/events``; ``/api/messages`` when Teams lands) mounted by ``bot.app``."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from handlers.outbox import FAILING_AFTER
from handlers.ports import Clock, SystemClock
from storage import repositories as repo
from storage.db import describe_error, transaction

log = logging.getLogger(__name__)

SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
METRICS = web.AppKey("metrics", Metrics)
CLOCK = web.AppKey("clock", Clock)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# A write that changes nothing, failing exactly where a command that opens a ticket would.
# PostgreSQL refuses any UPDATE in a read-only transaction (a standby, a read-only role) even
# if it matches no row, so that costs no row lock. SQLite only notices a read-only file when a
# page is really written, so there the counters row is rewritten with its own value (the
# transaction already holds SQLite's one write lock: this adds no contention).
WRITE_PROBE = {
    "postgresql": text("UPDATE audit_head SET seq = seq WHERE id = -1"),
    "sqlite": text("UPDATE counters SET value = value WHERE name = 'DSAR'"),
}


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers *and accepts writes*; reports the outbox so stuck
    messages are visible."""
    try:
        async with transaction(request.app[SESSIONS]) as session:
            await session.execute(WRITE_PROBE[session.get_bind().dialect.name])
            counts = await repo.outbox_counts(session=session, failing_after=FAILING_AFTER)
    except Exception as exc:
        cause = describe_error(exc) or "unreachable"
        log.warning("readiness check failed: %s (%s)", type(exc).__name__, cause)
        return web.json_response({"status": "unavailable", "database": cause}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "outbox": counts})


async def scrape(request: web.Request) -> web.Response:
    """Prometheus exposition (``bot.metrics``): latency, outbox, nudges, tickets, process."""
    found = request.app[METRICS]
    async with transaction(request.app[SESSIONS]) as session:
        await found.refresh(session=session, now=request.app[CLOCK].now())
    return found.exposition()


def base_app(
    sessions: async_sessionmaker[AsyncSession],
    *,
    metrics: Metrics | None = None,
    clock: Clock | None = None,
) -> web.Application:
    """Health, readiness and metrics. ``metrics`` (default a new ``Metrics``) also times
    every request the application serves."""
    found = metrics or Metrics()
    app = web.Application(client_max_size=1024 * 1024, middlewares=[found.middleware()])
    app[SESSIONS] = sessions
    app[METRICS] = found
    app[CLOCK] = clock or SystemClock()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", scrape)
    return app
