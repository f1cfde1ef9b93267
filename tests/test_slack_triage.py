"""Triage from Slack: the message shortcut opens the form the text suggests, filled in, with
the proposal shown; the global shortcut opens the blank form. Signed HTTP into the served app,
the fake Slack API records what was opened; the person submits, nothing is logged before."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.slack import NEW_REQUEST_SHORTCUT
from storage import repositories as repo
from tests.conftest import FakeClock, database_state
from tests.slack_harness import CHANNEL, slack_server

LETTER = (
    "Date: 14 November 2025\n\nDear Sir or Madam,\n\nI am writing to make a subject access "
    "request. Please send me a copy of all the personal data you hold about me.\n\n"
    "Yours faithfully,\nMargaret Ellison\nmargaret.ellison@example.org"
)
BREACH = "Urgent: my work laptop was stolen from my car last night, it had client case files on it."
NONE = "Feature request: would be great if the dashboard had dark mode. Love the privacy page!"


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    [only] = found
    return only


def note(view: dict[str, Any]) -> str:
    text: str = block(view, "triage")["elements"][0]["text"]
    return text


async def test_a_request_letter_opens_the_request_form_filled_in(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        before = await database_state(slack.core.sessions)
        assert await slack.shortcut(LETTER) == (200, "")
        assert await database_state(slack.core.sessions) == before  # proposed, not logged
        form = slack.opened()
        assert form["callback_id"] == "dsar_new"
        assert note(form).startswith("Looks like a request: access")
        assert "subject access request" in note(form)
        assert block(form, "type")["element"]["initial_option"]["value"] == "access"
        assert block(form, "name")["element"]["initial_value"] == "Margaret Ellison"
        assert block(form, "email")["element"]["initial_value"] == "margaret.ellison@example.org"
        assert block(form, "received")["element"]["initial_date"] == "2025-11-14"

        assert await slack.submit(form, {}) == (200, "")  # the person confirms as proposed
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert (req.type, req.requester_name, req.requester_email) == (
            "access",
            "Margaret Ellison",
            "margaret.ellison@example.org",
        )
        assert req.received.isoformat() == "2025-11-14"
        await slack.deliver()
        posted = json.dumps(slack.posts_to(CHANNEL))
        assert "Margaret" not in posted and "subject access" not in posted


async def test_a_breach_report_opens_the_breach_form(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        assert await slack.shortcut(BREACH) == (200, "")
        form = slack.opened()
        assert form["callback_id"] == "breach_new"
        assert note(form).startswith("Looks like a personal-data breach")
        assert block(form, "summary")["element"]["initial_value"].startswith(BREACH)
        aware = int(clock.now().timestamp())
        assert await slack.submit(form, {"aware": aware}) == (200, "")
        async with slack.core.sessions() as session:
            breach = await repo.breach_by_ref(session=session, ref="BREACH-0001", for_update=False)
        assert breach is not None


async def test_a_text_that_requests_nothing_says_why_and_can_still_be_logged(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        assert await slack.shortcut(NONE) == (200, "")
        form = slack.opened()
        assert form["callback_id"] == "dsar_new"
        assert note(form).startswith("Doesn't look like a request or a breach: ")
        values = {"type": "complaint", "name": "Bo Brown", "email": "bo@example.org"}
        assert await slack.submit(form, values) == (200, "")
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None and req.type == "complaint"


async def test_the_global_shortcut_opens_the_blank_request_form(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        assert await slack.global_shortcut(NEW_REQUEST_SHORTCUT) == (200, "")
        form = slack.opened()
        assert form["callback_id"] == "dsar_new"
        assert all(b["type"] == "input" for b in form["blocks"])
        assert "initial_value" not in block(form, "name")["element"]
