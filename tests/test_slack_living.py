"""Living messages (issue 15 item 4): the compliance post of a ticket is rewritten in place
(``chat.update``) with its current state and deadline after each change; email and number
inputs use Slack's own elements; posts to one channel are spaced to Slack's per-channel rate."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.slack_notifier import SlackNotifier, web_client
from bot.slack_pace import ChannelPace
from handlers.ports import ChannelPost, Delivery, DeliveryKind
from tests.conftest import FakeClock
from tests.fakes.slack_api import Failure, FakeSlack
from tests.slack_harness import CHANNEL, PRIVACY_ID, STAFF_ID, slack_server

NEW = 'access name="Jane Doe" email=jane@example.com received=2025-11-20 via=letter'


async def test_each_change_rewrites_the_opening_post_with_state_and_deadline(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}")
        assert await slack.deliver() == 1
        [opening] = slack.fake.calls_to("chat.postMessage")
        [stored] = slack.fake.messages[CHANNEL]
        assert slack.fake.calls_to("chat.update") == []  # an opening post has nothing to redo

        assert await slack.press("clarify", "DSAR-0001") == (200, "")
        assert await slack.deliver() >= 1
        replies = [p for p in slack.posts_to(CHANNEL) if p.get("thread_ts")]
        assert [r["thread_ts"] for r in replies] == [stored["ts"]]
        [update] = slack.fake.calls_to("chat.update")
        assert (update.params["channel"], update.params["ts"]) == (CHANNEL, stored["ts"])
        assert update.authorization == "Bearer xoxb-test"
        text = update.params["text"]
        assert text.startswith("DSAR-0001: access, ")
        assert text == "DSAR-0001: access, waiting for clarification, clock stopped"
        assert opening.params["text"].startswith("DSAR-0001 opened: access, received, due ")

        await slack.slash("resume DSAR-0001", user=PRIVACY_ID)
        await slack.deliver()
        latest = slack.fake.calls_to("chat.update")[-1].params
        assert latest["ts"] == stored["ts"]
        assert latest["text"].startswith("DSAR-0001: access, in progress, due ")
        # Refs, types, states and dates only: never the requester.
        everything = json.dumps([c.params for c in slack.fake.calls if c.method != "views.open"])
        assert "Jane" not in everything and "jane@" not in everything
        blocks = json.dumps(update.params["blocks"])
        assert "ticket_show" in blocks  # the same buttons as the opening post


async def test_a_failed_update_never_posts_the_reply_twice(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}")
        await slack.deliver()
        slack.fake.fail_next("chat.update", Failure(500))
        await slack.press("clarify", "DSAR-0001")
        await slack.deliver()
        await slack.deliver()
        replies = [p for p in slack.posts_to(CHANNEL) if p.get("thread_ts")]
        assert len(replies) == 1
        assert slack.fake.calls_to("chat.update") == []  # failed once, not retried


async def test_email_and_number_fields_use_slacks_own_inputs(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url) as slack:
        await slack.command("new", trigger="trig-email")
        request = slack.opened()
        email = next(b for b in request["blocks"] if b.get("block_id") == "email")
        assert email["element"]["type"] == "email_text_input"
        await slack.command("new", command="/breach", trigger="trig-number")
        breach = slack.opened()
        for key in ("subjects", "records"):
            block = next(b for b in breach["blocks"] if b.get("block_id") == key)
            assert block["element"]["type"] == "number_input"
            assert block["element"]["is_decimal_allowed"] is False
        aware = int(datetime(2025, 11, 24, 8, 0, tzinfo=UTC).timestamp())
        status, body = await slack.submit(
            breach,
            {"aware": aware, "summary": "laptop lost", "subjects": 12, "records": 40},
            user=STAFF_ID,
        )
        assert (status, body) == (200, "")
        await slack.deliver()
        assert any("BREACH-0001" in p["text"] for p in slack.posts_to(CHANNEL))


class FakeTime:
    """``now`` and ``sleep`` for ChannelPace: sleeping moves the fake time, no waiting."""

    def __init__(self) -> None:
        self.current = 100.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_posts_to_one_channel_are_spaced_a_second_apart() -> None:
    fake = FakeSlack()
    await fake.start()
    clock = FakeTime()
    pace = ChannelPace(interval=1.0, now=clock.now, sleep=clock.sleep)
    notifier = SlackNotifier(
        web_client(token="xoxb-test", base_url=fake.base_url), ZoneInfo("Europe/London"), pace=pace
    )
    post = ChannelPost("DSAR-0001", "request", "access", "received", date(2025, 12, 24))
    try:
        for target in (CHANNEL, CHANNEL, "COTHER", CHANNEL):
            await notifier.send(Delivery(DeliveryKind.POST, target, post))
        # Three posts to one channel in the same instant: the 2nd waits 1 s, the 3rd 2 s; the
        # other channel does not wait.
        assert clock.slept == [1.0, 2.0]
        clock.current += 10  # long after: free again
        await notifier.send(Delivery(DeliveryKind.POST, CHANNEL, post))
        assert clock.slept == [1.0, 2.0]
        assert len(fake.calls_to("chat.postMessage")) == 5
    finally:
        await fake.stop()
