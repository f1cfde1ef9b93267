"""``/metrics`` through its real interface: scraped over HTTP from the running server and read
with ``prometheus_client``'s own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import Metrics
from bot.web import base_app
from storage.db import session_factory
from tests.conftest import FakeClock
from tests.slack_harness import SlackServer, slack_server

NEW = 'new access name="Jane Doe" email=jane@example.com via=letter'


async def scrape(slack: SlackServer) -> dict[str, list[Sample]]:
    async with slack.http.get(f"{slack.url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, [s for s in samples if s.name == name])
    return found[0]


async def test_metrics_report_latency_outbox_reminders_tickets_and_the_process(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await slack.slash("nonsense")
        async with slack.http.get(f"{slack.url}/wp-admin/probe-1") as response:
            assert response.status == 404
        clock.advance(seconds=90)
        found = await scrape(slack)

        http = found["privacy_desk_http_request_duration_seconds"]
        slack_ok = {"endpoint": "/slack/events", "method": "POST", "status": "200"}
        assert value(http, "privacy_desk_http_request_duration_seconds_count", **slack_ok) == 2
        probe = {"endpoint": "unmatched", "method": "GET", "status": "404"}  # not the raw path
        assert value(http, "privacy_desk_http_request_duration_seconds_count", **probe) == 1
        commands = found["privacy_desk_command_duration_seconds"]
        ok = {"command": "NewRequest", "result": "ok"}
        assert value(commands, "privacy_desk_command_duration_seconds_count", **ok) == 1
        assert value(commands, "privacy_desk_command_duration_seconds_sum", **ok) > 0

        tickets = found["privacy_desk_tickets"]
        assert value(tickets, "privacy_desk_tickets", kind="request", state="received") == 1
        assert value(tickets, "privacy_desk_tickets", kind="breach", state="open") == 0
        outbox = found["privacy_desk_outbox_messages"]
        assert value(outbox, "privacy_desk_outbox_messages", state="pending") >= 1
        age = found["privacy_desk_outbox_oldest_pending_age_seconds"]
        assert value(age, "privacy_desk_outbox_oldest_pending_age_seconds") == 90
        attempts = found["privacy_desk_outbox_pending_attempts"]
        assert value(attempts, "privacy_desk_outbox_pending_attempts", aggregate="max") == 0
        assert found["process_cpu_seconds"] and found["python_info"]

        await slack.deliver()  # the posts go; the nudges are weeks away
        clock.advance(days=30)  # past the 7-day, 2-day and on-the-day nudges
        waiting = await scrape(slack)
        due = waiting["privacy_desk_reminder_oldest_due_seconds"]
        assert value(due, "privacy_desk_reminder_oldest_due_seconds") > 86400
        assert (
            value(
                waiting["privacy_desk_outbox_oldest_pending_age_seconds"],
                "privacy_desk_outbox_oldest_pending_age_seconds",
            )
            == 0
        )

        queued, _sent = await slack.core.sweep()
        assert queued >= 1
        after = await scrape(slack)
        lag = after["privacy_desk_reminder_lag_seconds"]
        assert value(lag, "privacy_desk_reminder_lag_seconds_count") == 1
        assert value(lag, "privacy_desk_reminder_lag_seconds_sum") > 0
        assert value(lag, "privacy_desk_reminder_lag_seconds_bucket", le="1.0") == 0
        due = after["privacy_desk_reminder_oldest_due_seconds"]
        assert value(due, "privacy_desk_reminder_oldest_due_seconds") == 0


async def test_each_application_has_its_own_registry(engine: AsyncEngine) -> None:
    first, second = Metrics(), Metrics()  # the global registry would refuse the second
    first.observe_command("ShowTicket", "ok", 0.01)
    assert (
        second.registry.get_sample_value(
            "privacy_desk_command_duration_seconds_count", {"command": "ShowTicket", "result": "ok"}
        )
        is None
    )
    base_app(session_factory(engine))
    base_app(session_factory(engine))
