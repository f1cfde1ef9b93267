"""Slack through real HTTP: signed requests into the running server, a fake Slack Web API."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes.slack_api import Failure
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, sign, slack_server

NEW = 'access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'


async def test_slash_command_logs_a_request_and_posts_without_personal_data(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url) as slack:
        status, body = await slack.command(f"new {NEW}")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert "DSAR-0001 logged" in body["text"]
        assert "Jane" not in body["text"]
        await slack.deliver()
        [post] = slack.fake.calls_to("chat.postMessage")
        assert post.params["channel"] == CHANNEL
        assert post.authorization == "Bearer xoxb-test"
        assert "DSAR-0001" in post.params["text"]
        assert "Jane" not in str(post.params) and "jane@" not in str(post.params)


async def test_bad_signature_and_stale_timestamp_are_401_and_change_nothing(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url) as slack:
        body = "command=%2Fdsar&text=help&user_id=U1&team_id=T0001&trigger_id=t1"
        status, _ = await slack.post(
            body, "application/x-www-form-urlencoded", headers=sign(body, secret="wrong")
        )
        assert status == 401
        stale = sign(body, timestamp=int(time.time()) - 6 * 60)
        status, _ = await slack.post(body, "application/x-www-form-urlencoded", headers=stale)
        assert status == 401
        status, _ = await slack.command(f"new {NEW}", team="TOTHER")
        assert status == 403
        await slack.deliver()
        assert slack.fake.calls == []


async def test_retried_slash_command_creates_one_ticket(engine: AsyncEngine, db_url: str) -> None:
    async with slack_server(engine, db_url) as slack:
        _, first = await slack.command(f"new {NEW}", trigger="trig-1")
        _, again = await slack.command(f"new {NEW}", trigger="trig-1")
        assert "DSAR-0001 logged" in first["text"]
        assert "Already done as DSAR-0001" in again["text"]
        _, other = await slack.command(f"new {NEW}", trigger="trig-2")
        assert "DSAR-0002 logged" in other["text"]


async def test_staff_pressing_a_privacy_button_is_refused(engine: AsyncEngine, db_url: str) -> None:
    async with slack_server(engine, db_url) as slack:
        await slack.command(f"new {NEW}")
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": "USTAFF1"},
            "trigger_id": "trig-b",
            "response_url": slack.fake.response_url("b"),
            "actions": [
                {
                    "action_id": "ticket_extend",
                    "value": "DSAR-0001",
                    "action_ts": "1700000000.1",
                    "type": "button",
                }
            ],
        }
        status, _ = await slack.interaction(payload)
        assert status == 200
        assert "Only the privacy team" in slack.fake.responses[-1]["text"]
        assert slack.fake.calls_to("views.open") == []
        payload["user"] = {"id": PRIVACY_ID}
        await slack.interaction(payload)
        [opened] = slack.fake.calls_to("views.open")
        assert opened.params["view"]["callback_id"] == "ticket_form"
        assert opened.authorization == "Bearer xoxb-test"  # bolt's client carries the bot token


async def test_compliance_post_survives_429_then_500(engine: AsyncEngine, db_url: str) -> None:

    async with slack_server(engine, db_url) as slack:
        slack.fake.fail_next(
            "chat.postMessage", Failure(429, "ratelimited", retry_after=1), Failure(500)
        )
        await slack.command(f"new {NEW}")
        assert await slack.deliver() == 0  # 429: waits for Retry-After
        assert slack.fake.calls_to("chat.postMessage") == []
        _ = DPO_ID
