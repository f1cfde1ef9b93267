"""Teams through real HTTP: activities into /api/messages, a fake Bot Connector on loopback."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.teams_harness import CHANNEL, DPO_AAD, PRIVACY_AAD, STAFF_AAD, teams_server

NEW = 'dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'


async def test_personal_chat_command_logs_a_request(engine: AsyncEngine, db_url: str) -> None:
    async with teams_server(engine, db_url) as teams:
        assert await teams.say(NEW) == 202
        texts = teams.texts()
        assert any("DSAR-0001 logged" in t for t in texts), texts
        assert not any("Jane" in t for t in texts)
        assert teams.fake.sent[0].conversation == f"a:personal-{STAFF_AAD}"
        assert await teams.say("/dsar list") == 202
        assert any("DSAR-0001" in t for t in teams.texts()[len(texts) :])


async def test_compliance_post_goes_to_the_channel_proactively(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(engine, db_url) as teams:
        # The bot learns the channel when it is @mentioned there (or installed in the team).
        assert await teams.say("dsar help", channel=CHANNEL, mention=True) == 202
        assert await teams.say(NEW) == 202
        await teams.deliver()
        channel_posts = [s for s in teams.fake.sent if s.conversation == CHANNEL]
        assert len(channel_posts) == 1
        card = channel_posts[0].activity["attachments"][0]["content"]
        assert "DSAR-0001 opened" in card["body"][0]["text"]
        assert "Jane" not in str(channel_posts[0].activity)
        await teams.say("dsar verify DSAR-0001 method=email_match", user=PRIVACY_AAD)
        await teams.deliver()
        opening_id = f"msg-{teams.fake.sent.index(channel_posts[0]) + 1}"
        thread = f"{CHANNEL};messageid={opening_id}"
        [reply, rewrite] = [s for s in teams.fake.sent if s.conversation == thread]
        assert "identity verified" in str(reply.activity)
        assert (reply.method, rewrite.method, rewrite.reply_to) == ("POST", "PUT", opening_id)
        _ = DPO_AAD


async def test_unauthenticated_and_bad_tokens_are_401(engine: AsyncEngine, db_url: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    async with teams_server(engine, db_url) as teams:
        activity = teams.activity(text=NEW)
        assert await teams.post(activity, token=None) == 401
        assert await teams.post(activity, token="Bearer not-a-jwt") == 401
        assert await teams.post(activity, token="Basic abc") == 401
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = teams.fake.token(
            audience="00000000-0000-0000-0000-0000000000aa", key=stranger, kid="unknown-key"
        )
        assert await teams.post(activity, token=f"Bearer {forged}") == 401
        wrong_audience = teams.fake.token(audience="someone-else")
        assert await teams.post(activity, token=f"Bearer {wrong_audience}") == 401
        assert teams.fake.sent == []


async def test_tenant_not_allowed_is_403(engine: AsyncEngine, db_url: str) -> None:
    async with teams_server(engine, db_url) as teams:
        assert await teams.post(teams.activity(text=NEW, tenant="22222222-0000")) == 403
        assert teams.fake.sent == []
