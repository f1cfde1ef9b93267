"""Slash commands through the signed endpoint: forms, receipts, help, list and show (§5, §7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import FakeClock, database_state
from tests.fakes.slack_api import Failure
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, slack_server

NAME, EMAIL, DETAILS = "Ada Lovelace", "ada@example.org", "every CCTV clip of me from the car park"
NEW = f'access name="{NAME}" email={EMAIL} received=2025-11-20 via=letter details="{DETAILS}"'
SUMMARY = "Payroll spreadsheet naming Ada Lovelace emailed to the wrong school"
PERSONAL = (NAME, EMAIL, DETAILS, SUMMARY)


def input_blocks(view: dict[str, Any]) -> list[str]:
    return [block["block_id"] for block in view["blocks"] if block["type"] == "input"]


def assert_no_personal_data(*where: object) -> None:
    text = json.dumps(where, default=str)
    for value in PERSONAL:
        assert value not in text, f"{value!r} leaked"


@pytest.mark.parametrize(
    ("command", "callback_id", "blocks"),
    [
        ("/dsar", "dsar_new", ["type", "name", "email", "received", "via", "details"]),
        (
            "/breach",
            "breach_new",
            ["aware", "summary", "occurred", "data", "people", "subjects", "records", "pecr"],
        ),
    ],
)
async def test_new_without_arguments_opens_the_form(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    command: str,
    callback_id: str,
    blocks: list[str],
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        before = await database_state(slack.core.sessions)
        status, body = await slack.command("new", command=command, trigger="trig-form-1")
        assert status == 200
        assert body == {"raw": ""}  # an empty ack: the modal is the answer
        [opened] = slack.fake.calls_to("views.open")
        assert opened.params["trigger_id"] == "trig-form-1"
        view = opened.params["view"]
        assert view["type"] == "modal"
        assert view["callback_id"] == callback_id
        assert input_blocks(view) == blocks
        assert all(block["element"]["action_id"] == "value" for block in view["blocks"])
        assert await database_state(slack.core.sessions) == before
        assert slack.fake.calls_to("chat.postMessage") == []


async def test_new_request_with_arguments_logs_it_and_posts_without_personal_data(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        status, body = await slack.command(f"new {NEW}", trigger="trig-new-1")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert body["text"].startswith("DSAR-0001 logged: access request")
        # received Thu 20 Nov 2025: one month is Sat 20 Dec, rolled to the next working day
        assert "Mon 22 Dec 2025" in body["text"]
        assert_no_personal_data(body)
        assert slack.fake.calls == []  # the compliance post waits in the outbox
        assert slack.fake.calls_to("views.open") == []

        assert await slack.deliver() == 1
        [post] = slack.fake.calls_to("chat.postMessage")
        assert post.params["channel"] == CHANNEL
        assert post.params["text"] == "DSAR-0001 opened: access, received, due Mon 22 Dec 2025"
        assert "thread_ts" not in post.params or post.params["thread_ts"] is None
        assert_no_personal_data([call.params for call in slack.fake.calls], slack.fake.responses)


async def test_new_breach_with_arguments_logs_it_and_alerts_the_dpo(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        status, body = await slack.command(
            f'new aware="2025-11-24T08:00+00:00" summary="{SUMMARY}" subjects=40',
            command="/breach",
            trigger="trig-breach-1",
        )
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert body["text"].startswith(
            "BREACH-0001 logged: tell the ICO by Thu 27 Nov 2025 08:00 GMT"
        )
        assert_no_personal_data(body)

        assert await slack.deliver() == 2
        [post] = slack.posts_to(CHANNEL)
        assert post["text"].startswith("BREACH-0001 opened: breach, open, ICO due Thu 27 Nov")
        [alert] = slack.posts_to(DPO_ID)
        assert alert["text"].startswith("New breach BREACH-0001: ICO decision due")
        assert_no_personal_data([call.params for call in slack.fake.calls], slack.fake.responses)


@pytest.mark.parametrize(
    ("command", "intro"),
    [("/dsar", "Rights requests: commands"), ("/breach", "Personal-data breaches: commands")],
)
async def test_help_lists_the_commands(
    engine: AsyncEngine, db_url: str, clock: FakeClock, command: str, intro: str
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        before = await database_state(slack.core.sessions)
        status, body = await slack.command("help", command=command, trigger="trig-help")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        text = body["text"]
        assert text.startswith(intro)
        assert f"{command} new" in text and f"{command} show REF" in text
        assert await database_state(slack.core.sessions) == before
        assert slack.fake.calls == []


async def test_list_shows_staff_their_own_and_the_privacy_team_everything(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)
        await slack.slash('new erasure name="Bo Brown" email=bo@example.org', user="USTAFF2")

        mine = await slack.slash("list", user=STAFF_ID)
        assert mine.startswith("1 open request of yours")
        assert "DSAR-0001" in mine and "DSAR-0002" not in mine

        everything = await slack.slash("list", user=PRIVACY_ID)
        assert everything.startswith("2 open requests")
        assert "DSAR-0001" in everything and "DSAR-0002" in everything
        assert_no_personal_data(mine)
        # Issue 11 item 7: the privacy team's own (ephemeral) list names each requester, so a
        # phone call can be matched to a row; never their email, never to staff.
        assert "Bo Brown" in everything and "bo@example.org" not in everything


async def test_show_as_staff_is_their_own_ticket_without_personal_data(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)
        await slack.slash('new erasure name="Bo Brown" email=bo@example.org', user="USTAFF2")

        status, own = await slack.command("show DSAR-0001", user=STAFF_ID, trigger="trig-s1")
        assert status == 200 and own["response_type"] == "ephemeral"
        assert own["text"].startswith("DSAR-0001 — access request")
        assert "Deadline" in own["text"] and "Requester" not in own["text"]
        assert_no_personal_data(own)
        assert not [b for b in own["blocks"] if b["type"] == "actions"]  # no buttons for staff

        _, other = await slack.command("show DSAR-0002", user=STAFF_ID, trigger="trig-s2")
        assert other["text"].startswith("there is no request DSAR-0002 that you can see")
        assert "Usage: /dsar show REF" in other["text"]
        assert "Bo Brown" not in json.dumps(other)


async def test_show_as_privacy_team_gives_personal_data_only_in_the_ephemeral_ack(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)
        await slack.deliver()
        calls_before = len(slack.fake.calls)

        status, shown = await slack.command("show DSAR-0001", user=DPO_ID, trigger="trig-s3")
        assert status == 200
        assert shown["response_type"] == "ephemeral"
        # the fallback text is Slack markup, escaped like the blocks (issue 8)
        assert f"{NAME} &lt;{EMAIL}&gt;" in shown["text"] and DETAILS in shown["text"]
        assert "*Next step:* send the reply by " in json.dumps(shown["blocks"], ensure_ascii=False)
        [buttons] = [b for b in shown["blocks"] if b["type"] == "actions"]
        assert [e["action_id"] for e in buttons["elements"]] == [
            "ticket_verify",
            "ticket_ask_id",
            "ticket_clarify",
            "ticket_extend",
            "ticket_assign",
            "ticket_close",
        ]
        assert {e["value"] for e in buttons["elements"]} == {"DSAR-0001"}

        await slack.deliver()
        assert len(slack.fake.calls) == calls_before  # nothing else was sent anywhere
        assert_no_personal_data([call.params for call in slack.fake.calls], slack.fake.responses)


async def test_form_that_slack_cannot_open_gets_an_ephemeral_explanation(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        before = await database_state(slack.core.sessions)
        slack.fake.fail_next("views.open", Failure(500))
        status, body = await slack.command("new", trigger="trig-fail")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert body["text"].startswith("Could not open the form")
        assert "/dsar new" in body["text"]
        assert slack.fake.calls_to("views.open") == []
        assert await database_state(slack.core.sessions) == before
