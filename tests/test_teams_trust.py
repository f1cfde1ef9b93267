"""Teams activities that do not match their token are refused before the agent sees them.

An attacker holding any valid Bot Framework token (or replaying one) must not be able to aim
the bot's replies — and its bearer token — at a server of their choosing, nor overwrite the
stored conversation reference that later DMs follow.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes.teams_connector import FakeConnector
from tests.teams_harness import APP_ID, STAFF_AAD, TENANT, TeamsServer, teams_server


async def stored_references(teams: TeamsServer) -> list[str]:
    async with teams.core.sessions() as session:
        rows = await session.execute(text("SELECT reference FROM conversation_refs"))
        return [str(r[0]) for r in rows]


async def post_with(teams: TeamsServer, activity: dict[str, object], token: str) -> int:
    return await teams.post(activity, token=f"Bearer {token}")


async def test_a_service_url_other_than_the_tokens_is_refused_and_changes_nothing(
    engine: AsyncEngine, db_url: str
) -> None:
    attacker = FakeConnector()
    await attacker.start()
    try:
        async with teams_server(engine, db_url) as teams:
            assert await teams.say("dsar help") == 202  # the real personal chat is remembered
            before, sent = await stored_references(teams), len(teams.fake.sent)
            activity = teams.activity(text="dsar list")
            activity["serviceUrl"] = attacker.service_url  # same host, another port
            token = teams.fake.token(audience=APP_ID)  # valid, for the real service URL
            assert await post_with(teams, activity, token) == 401
            assert attacker.sent == [] and len(teams.fake.sent) == sent
            assert await stored_references(teams) == before
            assert attacker.service_url not in str(before)
            # the attacker's own token for their URL is not signed by the Bot Framework's key
            forged = attacker.token(audience=APP_ID)
            assert await post_with(teams, activity, forged) == 401
            assert attacker.sent == []
    finally:
        await attacker.stop()


async def test_a_token_without_a_serviceurl_claim_is_refused(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(engine, db_url) as teams:
        token = teams.fake.token(audience=APP_ID, extra={"serviceurl": None})
        assert await post_with(teams, teams.activity(text="dsar help"), token) == 401
        assert teams.fake.sent == [] and await stored_references(teams) == []


async def test_the_tokens_tenant_must_be_the_activitys(engine: AsyncEngine, db_url: str) -> None:
    async with teams_server(engine, db_url) as teams:
        other = teams.fake.token(audience=APP_ID, extra={"tid": "22222222-2222-2222-2222-2222"})
        assert await post_with(teams, teams.activity(text="dsar help"), other) == 403
        assert teams.fake.sent == [] and await stored_references(teams) == []
        same = teams.fake.token(audience=APP_ID, extra={"tid": TENANT})
        assert await post_with(teams, teams.activity(text="dsar help"), same) == 202
        assert len(teams.fake.sent) == 1


async def test_production_accepts_only_allow_listed_service_urls(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(
        engine, db_url, production=True, teams_service_urls=["https://smba.trafficmanager.net/"]
    ) as teams:
        # token and activity agree, but the URL is not a Bot Framework service host
        assert await teams.say("dsar help") == 403
        assert teams.fake.sent == [] and await stored_references(teams) == []
    async with teams_server(
        engine, db_url, production=True, teams_service_urls=["http://127.0.0.1:1/"]
    ) as teams:
        assert await teams.say("dsar help") == 403  # a prefix must match up to a path segment


async def test_an_activity_without_a_service_url_is_refused(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(engine, db_url) as teams:
        activity = teams.activity(text="dsar help", user=STAFF_AAD)
        del activity["serviceUrl"]
        assert await teams.post(activity) == 400
        assert await stored_references(teams) == []
