"""The ``dsar_new`` and ``breach_new`` modals: submissions as Slack sends them (§5, §7)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import repositories as repo
from tests.conftest import FakeClock, database_state
from tests.slack_harness import CHANNEL, DPO_ID, STAFF_ID, SlackServer, slack_server

NAME, EMAIL, DETAILS = "Ada Lovelace", "ada@example.org", "every CCTV clip of me from the car park"
SUMMARY = "Payroll spreadsheet naming Ada Lovelace emailed to the wrong school"
REQUEST = {"type": "erasure", "name": NAME, "email": EMAIL, "received": "2025-11-20"}


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


async def open_form(slack: SlackServer, command: str = "/dsar") -> dict[str, Any]:
    status, _ = await slack.command("new", command=command, trigger=f"trig-open-{command}")
    assert status == 200
    return slack.opened()


def errors(body: str) -> dict[str, str]:
    answer = json.loads(body)
    assert answer["response_action"] == "errors", answer
    found: dict[str, str] = answer["errors"]
    return found


async def test_request_form_logs_the_request_and_sends_a_receipt(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        form = await open_form(slack)
        status, body = await slack.submit(form, {**REQUEST, "details": DETAILS}, user=STAFF_ID)
        assert status == 200
        assert body == ""  # an empty ack closes the modal

        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert (req.type, req.via, req.received) == ("erasure", "email", date(2025, 11, 20))
        assert (req.requester_name, req.requester_email, req.details) == (NAME, EMAIL, DETAILS)
        assert req.created_by == f"slack:{STAFF_ID}"
        assert req.due == date(2025, 12, 22)

        assert slack.fake.calls_to("chat.postMessage") == []  # both wait in the outbox
        assert await slack.deliver() == 2
        [receipt] = slack.posts_to(STAFF_ID)
        assert receipt["text"].startswith("DSAR-0001 logged: erasure request")
        [post] = slack.posts_to(CHANNEL)
        assert post["text"] == "DSAR-0001 opened: erasure, received, due Mon 22 Dec 2025"
        for value in (NAME, EMAIL, DETAILS):
            assert value not in json.dumps(post)


@pytest.mark.parametrize(
    ("change", "block", "reason"),
    [
        # the error names the field, not the value typed (issue 8)
        ({"email": "ada-at-example.org"}, "email", "email= is not an email address"),
        ({"received": "2025-11-25"}, "received", "received= 2025-11-25 is in the future"),
        ({"name": "  "}, "name", "name= is empty"),
    ],
)
async def test_invalid_request_form_shows_the_error_on_its_input_and_changes_nothing(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    change: dict[str, str],
    block: str,
    reason: str,
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        form = await open_form(slack)
        before = await database_state(slack.core.sessions)
        status, body = await slack.submit(form, {**REQUEST, **change}, view_id="VFIX1")
        assert status == 200
        found = errors(body)
        assert list(found) == [block]
        assert found[block].startswith(reason)
        assert len(found[block]) <= 150
        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0
        assert slack.fake.calls_to("chat.postMessage") == []

        # Slack keeps the view id when the person corrects the form and submits again.
        status, body = await slack.submit(form, REQUEST, view_id="VFIX1")
        assert (status, body) == (200, "")
        async with slack.core.sessions() as session:
            assert [r.ref for r in await repo.all_requests(session=session)] == ["DSAR-0001"]


async def test_retried_request_submission_logs_one_ticket(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        form = await open_form(slack)
        first = await slack.submit(form, REQUEST, view_id="VRETRY1")
        again = await slack.submit(form, REQUEST, view_id="VRETRY1")
        assert first == again == (200, "")
        async with slack.core.sessions() as session:
            assert [r.ref for r in await repo.all_requests(session=session)] == ["DSAR-0001"]
        assert await slack.deliver() == 2
        assert len(slack.posts_to(STAFF_ID)) == 1
        assert len(slack.posts_to(CHANNEL)) == 1

        # A new form (a new view id) is a new request.
        assert await slack.submit(form, REQUEST, view_id="VRETRY2") == (200, "")
        async with slack.core.sessions() as session:
            assert len(await repo.all_requests(session=session)) == 2


async def test_breach_form_logs_the_breach_from_the_pickers(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        form = await open_form(slack, "/breach")
        values: dict[str, str | int] = {
            "aware": epoch(datetime(2025, 11, 24, 8, 0, tzinfo=UTC)),
            "occurred": epoch(datetime(2025, 11, 21, 16, 45, tzinfo=UTC)),
            "summary": SUMMARY,
            "subjects": "40",
        }
        status, body = await slack.submit(form, values, user=STAFF_ID)
        assert (status, body) == (200, "")
        async with slack.core.sessions() as session:
            breach = await repo.breach_by_ref(session=session, ref="BREACH-0001", for_update=False)
        assert breach is not None
        assert breach.aware_at == datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
        assert breach.occurred_at == datetime(2025, 11, 21, 16, 45, tzinfo=UTC)
        assert breach.ico_due == datetime(2025, 11, 27, 8, 0, tzinfo=UTC)
        assert (breach.summary, breach.subjects_count, breach.records_count) == (SUMMARY, 40, None)

        assert await slack.deliver() == 3
        [receipt] = slack.posts_to(STAFF_ID)
        assert receipt["text"].startswith("BREACH-0001 logged: tell the ICO by Thu 27 Nov 2025")
        assert len(slack.posts_to(DPO_ID)) == 1
        [post] = slack.posts_to(CHANNEL)
        assert SUMMARY not in json.dumps(post)


@pytest.mark.parametrize(
    ("change", "block", "reason"),
    [
        (
            {"aware": epoch(datetime(2025, 11, 24, 12, 0, tzinfo=UTC))},
            "aware",
            "aware= is in the future",
        ),
        ({"subjects": "about forty"}, "subjects", "subjects= must be a whole number"),
    ],
)
async def test_invalid_breach_form_shows_the_error_and_changes_nothing(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    change: dict[str, str | int],
    block: str,
    reason: str,
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        form = await open_form(slack, "/breach")
        before = await database_state(slack.core.sessions)
        values: dict[str, str | int] = {
            "aware": epoch(datetime(2025, 11, 24, 8, 0, tzinfo=UTC)),
            "summary": SUMMARY,
            **change,
        }
        status, body = await slack.submit(form, values)
        assert status == 200
        found = errors(body)
        assert list(found) == [block]
        assert found[block].startswith(reason)
        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0
        assert slack.fake.calls_to("chat.postMessage") == []
