"""Prometheus metrics for ``/metrics`` (``prometheus_client``), one registry per application.

A registry of its own, not the library's global one, so several applications in one process
(the tests, the benchmarks) never share or collide on a series. In-process figures (request
and command latency, reminder lag) are observed as they happen; the database figures (outbox,
due nudges, tickets by state) are read at each scrape.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.outbox import FAILING_AFTER
from storage import repositories as repo
from storage.enums import BreachState, RequestState
from storage.group_commit import GroupCommit

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A nudge is swept every SWEEP_SECONDS (30): lag beyond a few minutes means no replica ran.
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 86400.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Every state is exported, 0 included, so a series never vanishes when its last ticket moves.
TICKET_STATES = tuple(("request", s.value) for s in RequestState) + tuple(
    ("breach", s.value) for s in BreachState
)


class Metrics:
    """Every series privacy-desk exports, on ``self.registry``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.http = Histogram(
            "privacy_desk_http_request_duration_seconds",
            "HTTP requests served, by route, method and status.",
            ["endpoint", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.commands = Histogram(
            "privacy_desk_command_duration_seconds",
            "Commands run by the desk (one transaction each), by command and result.",
            ["command", "result"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reminder_lag = Histogram(
            "privacy_desk_reminder_lag_seconds",
            "From a nudge falling due to its being queued for delivery.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.reminder_waiting = Gauge(
            "privacy_desk_reminder_oldest_due_seconds",
            "How long the longest-waiting due nudge has waited (0: none waits).",
            registry=self.registry,
        )
        self.outbox = Gauge(
            "privacy_desk_outbox_messages",
            "Outgoing messages by state.",
            ["state"],
            registry=self.registry,
        )
        self.outbox_age = Gauge(
            "privacy_desk_outbox_oldest_pending_age_seconds",
            "Age of the oldest message not yet delivered (0: none pending).",
            registry=self.registry,
        )
        self.outbox_attempts = Gauge(
            "privacy_desk_outbox_pending_attempts",
            "Delivery attempts made on pending messages: the most on one, and in all.",
            ["aggregate"],
            registry=self.registry,
        )
        self.tickets = Gauge(
            "privacy_desk_tickets",
            "Tickets by kind and state.",
            ["kind", "state"],
            registry=self.registry,
        )
        for kind, state in TICKET_STATES:
            self.tickets.labels(kind, state)

    def watch_writer(self, writer: GroupCommit) -> None:
        """Export the group commit's figures (read from it at each scrape)."""
        self.registry.register(_WriterCollector(writer))

    def observe_command(self, command: str, result: str, seconds: float) -> None:
        self.commands.labels(command, result).observe(seconds)

    def observe_lag(self, seconds: float) -> None:
        self.reminder_lag.observe(seconds)

    async def refresh(self, *, session: AsyncSession, now: datetime) -> None:
        """Read the database figures (one transaction, aggregates only)."""
        counts = await repo.outbox_counts(session=session, failing_after=FAILING_AFTER)
        for state, count in counts.items():
            self.outbox.labels(state).set(count)
        pending = await repo.outbox_pending(session=session)
        oldest = pending.oldest_created_at
        self.outbox_age.set(0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
        self.outbox_attempts.labels("max").set(pending.max_attempts)
        self.outbox_attempts.labels("sum").set(pending.total_attempts)
        due = await repo.oldest_due_reminder(session=session, now=now)
        self.reminder_waiting.set(0 if due is None else max(0.0, (now - due).total_seconds()))
        found = await repo.ticket_counts(session=session)
        for kind, state in TICKET_STATES:
            self.tickets.labels(kind, state).set(found.get((kind, state), 0))

    def exposition(self) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    def middleware(self) -> Middleware:
        """Times every request; the route's pattern is the label, never the raw path (an
        unknown path would otherwise create a series per probe)."""

        @web.middleware
        async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                resource = request.match_info.route.resource
                endpoint = resource.canonical if resource is not None else "unmatched"
                self.http.labels(endpoint, request.method, str(status)).observe(
                    time.perf_counter() - started
                )

        return timed


class _WriterCollector:
    """The group commit's counters: commands written alone or in batches, refused, retried."""

    def __init__(self, writer: GroupCommit) -> None:
        self.writer = writer

    def collect(self) -> Iterator[Metric]:
        stats = self.writer.stats
        writes = CounterMetricFamily(
            "privacy_desk_writes",
            "Commands given to the writer: written alone or in a batch, refused because the "
            "queue was full or they waited too long, retried on a dropped connection.",
            labels=["how"],
        )
        for how, value in (
            ("alone", stats.alone),
            ("batched", stats.batched),
            ("refused_full", stats.refused_full),
            ("refused_waited", stats.expired),
            ("retried", stats.retried),
        ):
            writes.add_metric([how], value)
        yield writes
        yield CounterMetricFamily(
            "privacy_desk_write_batches", "Transactions that wrote several commands.", stats.batches
        )
        yield GaugeMetricFamily(
            "privacy_desk_write_batch_largest", "The most commands one COMMIT wrote.", stats.largest
        )
        yield GaugeMetricFamily(
            "privacy_desk_write_queue", "Commands waiting for the writer now.", self.writer.waiting
        )
