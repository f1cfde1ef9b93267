"""The aiohttp application: health, readiness and metrics, plus the platform endpoints
(``/slack/events``; ``/api/messages`` when Teams lands) mounted by ``bot.app``."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.outbox import FAILING_AFTER
from storage import repositories as repo
from storage.db import describe_error, transaction

log = logging.getLogger(__name__)

SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])


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


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format: outbox depth and failures."""
    async with transaction(request.app[SESSIONS]) as session:
        counts = await repo.outbox_counts(session=session, failing_after=FAILING_AFTER)
    lines = [
        "# HELP privacy_desk_outbox_messages Outgoing messages by state.",
        "# TYPE privacy_desk_outbox_messages gauge",
        *(f'privacy_desk_outbox_messages{{state="{k}"}} {v}' for k, v in sorted(counts.items())),
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def base_app(sessions: async_sessionmaker[AsyncSession]) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SESSIONS] = sessions
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
