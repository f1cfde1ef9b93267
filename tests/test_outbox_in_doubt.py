"""A sender killed mid-send: the message is looked for on Slack before it is sent again.

The "crash" is the sending task cancelled while the fake Slack holds the call — after storing
the message (Slack accepted it, the sender never heard) or before (it never arrived). A second
sender, another replica after the lease ran out, must then deliver it exactly once.
"""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import select

from bot.slack_notifier import SlackNotifier, web_client
from handlers.outbox import RetryPolicy, Sender, enqueue_direct, enqueue_post
from handlers.policy import Policy
from handlers.ports import ChannelPost, Reply
from storage.db import transaction
from storage.models import OutboxMessage
from tests.conftest import COMPLIANCE, DPO, FakeClock
from tests.fakes.slack_api import FakeSlack

LONDON = ZoneInfo("Europe/London")
LEASE = 60


def post(change: str | None = None) -> ChannelPost:
    return ChannelPost("DSAR-0001", "request", "access", "received", date(2025, 12, 24), change)


def sender(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, fake: FakeSlack) -> Sender:
    notifier = SlackNotifier(web_client(token="xoxb-test", base_url=fake.base_url), LONDON)
    return Sender(
        sessions=sessions,
        clock=clock,
        notifiers={"slack": notifier},
        retry=RetryPolicy(lease_seconds=LEASE),
    )


async def crash_mid_send(first: Sender, fake: FakeSlack) -> None:
    task = asyncio.create_task(first.run_once())
    for _ in range(200):
        if fake.inflight:
            break
        await asyncio.sleep(0.01)
    assert fake.inflight, "the sender never called Slack"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


@pytest.mark.parametrize("accepted", [True, False], ids=["accepted", "never-arrived"])
@pytest.mark.parametrize("kind", ["post", "reply", "direct"])
async def test_a_message_in_doubt_is_delivered_exactly_once(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    kind: str,
    accepted: bool,
) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        async with transaction(sessions) as session:
            if kind == "direct":
                reply = Reply(text="DSAR-0001 is due in 2 days")
                await enqueue_direct(
                    session=session, platform="slack", user=DPO.external_id, reply=reply,
                    now=clock.now(),
                )  # fmt: skip
            else:
                await enqueue_post(session=session, policy=policy, post=post(), now=clock.now())
        if kind == "reply":  # the opening post goes out first; the reply is the one in doubt
            assert await sender(sessions, clock, fake).run_once() == 1
            async with transaction(sessions) as session:
                await enqueue_post(
                    session=session, policy=policy, post=post("verified"), now=clock.now()
                )
        before = len(fake.calls_to("chat.postMessage"))
        (fake.hold_after_accept if accepted else fake.delay)["chat.postMessage"] = 30
        await crash_mid_send(sender(sessions, clock, fake), fake)
        fake.hold_after_accept.clear()
        fake.delay.clear()
        stored = [m for ms in fake.messages.values() for m in ms]
        assert len(stored) == before + accepted

        clock.advance(seconds=LEASE + 1)  # another replica, once the lease has run out
        assert await sender(sessions, clock, fake).run_once() == 1
        posts = fake.calls_to("chat.postMessage")
        assert len(posts) - before == 1  # one call reached Slack either way, never two
        assert len([m for ms in fake.messages.values() for m in ms]) == before + 1
        settled = await rows(sessions)
        assert {r.state for r in settled} == {"sent"}
        assert all(r.sending_since is None and r.platform_message_id for r in settled)
        last = max(settled, key=lambda r: r.id or 0)
        channel = "D" + DPO.external_id[1:] if kind == "direct" else COMPLIANCE.external_id
        [found] = [m for m in fake.messages[channel] if m["ts"] == last.platform_message_id]
        assert found["metadata"]["event_payload"]["outbox_id"] == f"outbox-{last.id}"
    finally:
        await fake.stop()


async def test_without_history_access_an_in_doubt_message_is_sent_again(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    """Slack refuses the look-up (no history scope): at least once beats never."""
    from tests.fakes.slack_api import Failure

    fake = FakeSlack()
    await fake.start()
    try:
        async with transaction(sessions) as session:
            await enqueue_post(session=session, policy=policy, post=post(), now=clock.now())
        fake.hold_after_accept["chat.postMessage"] = 30
        await crash_mid_send(sender(sessions, clock, fake), fake)
        fake.hold_after_accept.clear()
        fake.fail_next("conversations.history", Failure(200, "missing_scope"))
        clock.advance(seconds=LEASE + 1)
        assert await sender(sessions, clock, fake).run_once() == 1
        assert len(fake.calls_to("chat.postMessage")) == 2  # the documented duplicate
    finally:
        await fake.stop()
