"""Proactive Teams messages from stored conversation references: the compliance channel, DPO
nudges, undeliverable direct messages, throttling and retries, what the channel may never see,
and anonymous development mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.teams import PRIVATE_NOTE
from handlers import jobs
from storage import repositories as repo
from tests.conftest import FakeClock
from tests.teams_harness import (
    APP_ID,
    CHANNEL,
    DPO_AAD,
    PRIVACY_AAD,
    STAFF_AAD,
    TENANT,
    TeamsServer,
    card_of,
    card_text,
    lifecycle_activity,
    personal_chat,
    sent_to,
    submit_actions,
    teams_server,
)

# Received 2025-10-20: due Thu 2025-11-20, four days overdue on the fake clock's Mon 24 Nov.
BACKDATED = (
    'dsar new access name="Jane Doe" email=jane@example.com received=2025-10-20 '
    'details="CCTV footage of 3 Oct"'
)
NEW = 'dsar new erasure name="Jane Doe" email=jane@example.com details="CCTV footage of 3 Oct"'
PERSONAL = ("Jane", "Doe", "jane@example.com", "CCTV", "3 Oct")


async def outbox_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await repo.outbox_counts(session=session, failing_after=3)


async def sweep(teams: TeamsServer, sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    return await jobs.sweep(
        sessions=sessions,
        clock=teams.core.clock,
        policy=teams.core.desk.policy,
        sender=teams.core.sender,
    )


async def install_in_channel(teams: TeamsServer, kind: str = "installationUpdate") -> None:
    before = len(teams.fake.sent)
    status = await teams.post(lifecycle_activity(teams, kind, channel=CHANNEL))
    assert status in (200, 202)
    assert teams.fake.sent[before:] == []  # the bot says nothing in the channel when added


@pytest.mark.parametrize("kind", ["installationUpdate", "conversationUpdate"])
async def test_being_added_to_the_compliance_channel_stores_where_to_post(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    kind: str,
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        # Before the bot is in the channel, a compliance post has nowhere to go: failed for good.
        assert await teams.say(NEW) == 202
        assert await teams.deliver() == 0
        assert (await outbox_counts(sessions))["failed"] == 1
        assert sent_to(teams.fake, CHANNEL) == []

        await install_in_channel(teams, kind)
        async with sessions() as session:
            rows = (
                await session.execute(
                    text("SELECT key FROM conversation_refs WHERE platform = 'teams'")
                )
            ).all()
        assert CHANNEL in {row[0] for row in rows}

        assert await teams.say(NEW) == 202
        assert await teams.deliver() == 1
        [post] = sent_to(teams.fake, CHANNEL)
        assert post.conversation == CHANNEL  # a new top-level post, not in someone's thread
        card = card_of(post)
        assert card is not None
        assert card["body"][0]["text"] == "DSAR-0002 opened · erasure"
        # Everyone sees the state only; the privacy team's buttons come with a refresh
        # (tests/test_teams_universal.py). No one on it has met the bot here: no userIds.
        assert submit_actions(card) == []
        assert card["refresh"]["action"]["data"] == {"privacy_desk": "refresh", "ref": "DSAR-0002"}
        assert card["refresh"]["userIds"] == []
        assert not any(word in str(post.activity) for word in PERSONAL)


@pytest.mark.parametrize("met_by", ["message", "installationUpdate"])
async def test_dpo_nudges_reach_the_dpo_personal_chat(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    met_by: str,
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        if met_by == "message":
            assert await teams.say("dsar help", user=DPO_AAD) == 202
        else:  # the DPO installed the app in personal scope
            personal = lifecycle_activity(teams, "installationUpdate", user=DPO_AAD)
            assert await teams.post(personal) in (200, 202)
        await install_in_channel(teams)
        assert await teams.say(BACKDATED) == 202
        before = len(teams.fake.sent)

        queued, sent = await sweep(teams, sessions)
        assert queued == 1  # due-7d, due-2d, due-0d and overdue together: only the most urgent
        [nudge] = sent_to(teams.fake, personal_chat(DPO_AAD))[-1:]
        assert teams.fake.sent.index(nudge) >= before
        card = card_of(nudge)
        assert card is not None
        assert card["body"][0]["text"] == (
            "DSAR-0001 (access) is OVERDUE: it was due Thu 20 Nov 2025 (4 days overdue)"
        )
        assert [a["action"] for a in submit_actions(card)][:2] == ["verify", "ask-id"]
        # The first overdue alarm also goes to the ticket's thread in the compliance channel.
        in_thread = [s for s in sent_to(teams.fake, CHANNEL) if s.conversation != CHANNEL]
        replies = [s for s in in_thread if s.method == "POST"]
        assert len(replies) == 1
        assert "DSAR-0001: overdue" in str(replies[0].activity)
        # ...and the opening post is rewritten in place with the state as it is now.
        assert [s.method for s in in_thread] == ["POST", "PUT"]
        assert sent == 3  # the opening post, the nudge, the alarm
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}

        # Swept again at the same moment: nothing is sent twice.
        assert await sweep(teams, sessions) == (0, 0)
        assert len(sent_to(teams.fake, personal_chat(DPO_AAD))) == (2 if met_by == "message" else 1)


async def test_a_direct_message_to_someone_never_met_fails_in_the_outbox_not_with_an_exception(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        # Staff write in the channel only: their private receipt has no personal chat to go to.
        assert await teams.say(BACKDATED, channel=CHANNEL, mention=True) == 202
        assert [s.activity.get("text") for s in teams.fake.sent] == [PRIVATE_NOTE]
        assert await teams.deliver() == 1  # the opening post; the receipt fails for good
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 1}

        # The DPO never spoke to the bot: the nudge fails the same way, the sweep carries on.
        queued, sent = await sweep(teams, sessions)
        assert queued == 1
        assert sent == 1  # the overdue alarm in the channel thread still goes out
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 2}
        assert sent_to(teams.fake, personal_chat(DPO_AAD)) == []
        assert sent_to(teams.fake, personal_chat(STAFF_AAD)) == []
        async with sessions() as session:
            errors = (
                await session.execute(
                    text("SELECT target, last_error FROM outbox WHERE state = 'failed'")
                )
            ).all()
        assert sorted(target for target, _ in errors) == sorted([STAFF_AAD, DPO_AAD])
        assert all("no Teams conversation with this person" in str(e) for _, e in errors)

        # Failed for good: later passes do not retry them.
        clock.advance(hours=1)
        assert await teams.deliver() == 0
        assert (await outbox_counts(sessions))["failed"] == 2


SWALLOWED = (
    "BUG: TeamsNotifier sends through adapter.continue_conversation, and the Agents SDK's default "
    "on_turn_error catches the connector's error, posts 'Exception caught : <status>, message=…, "
    "url=…' into the same conversation instead, and swallows the error when that post succeeds"
)


async def test_throttled_then_failing_connector_delivers_once_after_the_backoff(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await install_in_channel(teams)
        assert await teams.say(NEW) == 202
        teams.fake.failures = [(429, 7), (500, None)]

        assert await teams.deliver() == 0  # 429, Retry-After: 7
        assert teams.fake.failures == [(500, None)]
        clock.advance(seconds=6)
        assert await teams.deliver() == 0  # Retry-After is respected: not tried yet
        assert teams.fake.failures == [(500, None)]
        clock.advance(seconds=1)
        assert await teams.deliver() == 0  # 500: a transient failure, backed off again
        assert teams.fake.failures == []
        assert await teams.deliver() == 0  # still backing off: no immediate retry
        assert sent_to(teams.fake, CHANNEL) == []
        assert await outbox_counts(sessions) == {"pending": 1, "failing": 0, "failed": 0}

        clock.advance(minutes=1)
        assert await teams.deliver() == 1
        assert await teams.deliver() == 0
        [post] = sent_to(teams.fake, CHANNEL)
        assert "DSAR-0001 opened" in str(post.activity)
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}
        async with sessions() as session:
            [(attempts, last_error)] = (
                await session.execute(text("SELECT attempts, last_error FROM outbox"))
            ).all()
        assert attempts == 3
        assert last_error == "http_500"


@pytest.mark.parametrize("failure", [(429, 7), (500, None)], ids=["429", "500"])
async def test_one_failed_proactive_post_is_retried_not_lost(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    failure: tuple[int, int | None],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await install_in_channel(teams)
        assert await teams.say(NEW) == 202
        teams.fake.failures = [failure]
        await teams.deliver()
        assert not any("Exception" in str(s.activity) for s in sent_to(teams.fake, CHANNEL))
        assert await outbox_counts(sessions) == {"pending": 1, "failing": 0, "failed": 0}
        clock.advance(seconds=30)
        assert await teams.deliver() == 1
        [post] = sent_to(teams.fake, CHANNEL)
        assert "DSAR-0001 opened" in str(post.activity)


async def test_a_failing_connector_delivers_once_after_the_backoff(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await install_in_channel(teams)
        assert await teams.say(NEW) == 202
        teams.fake.failures = [(500, None), (500, None)]
        assert await teams.deliver() == 0
        assert await teams.deliver() == 0  # backing off: no immediate retry
        assert await outbox_counts(sessions) == {"pending": 1, "failing": 0, "failed": 0}
        delivered = 0
        for _ in range(5):
            clock.advance(minutes=1)
            delivered += await teams.deliver()
        assert delivered == 1
        assert teams.fake.failures == []
        [post] = sent_to(teams.fake, CHANNEL)
        assert "DSAR-0001 opened" in str(post.activity)
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}


async def test_nothing_personal_reaches_the_compliance_channel_after_a_full_flow(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        for user in (STAFF_AAD, PRIVACY_AAD, DPO_AAD):
            assert await teams.say("dsar help", user=user) == 202
        await install_in_channel(teams)

        in_channel = {"channel": CHANNEL, "mention": True}
        assert await teams.say(BACKDATED, **in_channel) == 202
        form = {
            "privacy_desk": "form",
            "form": "dsar_new",
            "type": "erasure",
            "name": "Jane Doe",
            "email": "jane@example.com",
            "details": "CCTV footage of 3 Oct",
        }
        assert await teams.post(teams.activity(value=form)) == 202
        breach = 'breach new aware="2025-11-20T10:00" summary="Jane Doe CCTV emailed to 3 Oct list"'
        assert await teams.say(breach, **in_channel) == 202
        await teams.deliver()

        privacy = {"user": PRIVACY_AAD, **in_channel}
        show = {"privacy_desk": "action", "action": "show", "ref": "DSAR-0001"}
        assert (
            await teams.post(teams.activity(value=show, user=PRIVACY_AAD, channel=CHANNEL)) == 202
        )
        for command in (
            'dsar note DSAR-0001 "Jane Doe phoned about the CCTV again"',
            "dsar show DSAR-0001",
            "dsar verify DSAR-0001 method=document_seen",
            'dsar extend DSAR-0002 reason="Jane Doe has 3 Oct CCTV in four systems"',
            f"dsar assign DSAR-0002 @{DPO_AAD}",
            "breach assess BREACH-0001 risk=high subjects=40",
            'breach ico BREACH-0001 case="ICO-42"',
            "breach show BREACH-0001",
            'dsar close DSAR-0001 outcome=refused reason="Jane Doe is not the data subject" '
            "basis=unfounded",
            "dsar list all",
        ):
            assert await teams.say(command, **privacy) == 202
        await teams.deliver()
        clock.advance(days=2)
        await sweep(teams, sessions)

        channel = sent_to(teams.fake, CHANNEL)
        in_place = [s for s in channel if s.activity.get("text")]
        assert {s.activity["text"] for s in in_place} == {PRIVATE_NOTE}
        posts = [card_text(c) for c in (card_of(s) for s in channel) if c is not None]
        assert any("DSAR-0001 opened" in p for p in posts)
        assert any("DSAR-0002 opened" in p for p in posts)
        assert any("BREACH-0001 opened" in p for p in posts)
        assert len(posts) >= 8, posts  # openings and their thread replies
        leaked = [s.activity for s in channel if any(w in str(s.activity) for w in PERSONAL)]
        assert leaked == []

        # The privacy team did get the details, privately.
        private = str([s.activity for s in sent_to(teams.fake, personal_chat(PRIVACY_AAD))])
        assert "Jane Doe <jane@example.com>" in private
        assert "Jane Doe phoned about the CCTV again" in private
        assert await outbox_counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}


async def test_anonymous_mode_accepts_requests_without_a_token_in_development(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock, teams_allow_anonymous=True) as teams:
        assert await teams.post(teams.activity(text="dsar help"), token=None) == 202
        [reply] = teams.fake.sent
        assert reply.conversation == personal_chat(STAFF_AAD)
        card = card_of(reply)
        assert card is not None
        assert "Rights requests: commands" in card_text(card)
        # A token that is present is still checked.
        assert await teams.post(teams.activity(text="dsar help"), token="Bearer forged") == 401
        assert len(teams.fake.sent) == 1


def test_production_refuses_anonymous_teams_access() -> None:
    with pytest.raises(ValidationError, match="TEAMS_ALLOW_ANONYMOUS"):
        Settings(
            _env_file=None,
            env="production",
            teams_allow_anonymous=True,
            teams_app_id=APP_ID,
            dpo_users=[f"teams:{DPO_AAD}"],
        )
    safe = Settings(
        _env_file=None,
        env="production",
        teams_app_id=APP_ID,
        teams_app_password="Qz8~aB3cD4eF5gH6iJ7kL8mN9oP0qR1s",  # production needs a real secret
        teams_tenant_ids=[TENANT],  # and a tenant allow-list (issue 8)
        dpo_users=[f"teams:{DPO_AAD}"],
    )
    assert safe.teams_enabled and not safe.teams_allow_anonymous
