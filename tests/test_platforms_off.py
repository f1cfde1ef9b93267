"""``serve`` with a platform not configured: its endpoint says so (503 and the setting to set),
instead of a bare 404 that leaves whoever set up Slack or Teams guessing (issue 14, item 8)."""

from __future__ import annotations

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_server, platforms_off
from bot.config import Settings
from tests.fakes.loopback import serve


async def test_endpoints_of_platforms_that_are_off_answer_503_with_the_reason(
    engine: AsyncEngine, db_url: str
) -> None:
    settings = Settings(_env_file=None, database_url=db_url)
    server = build_server(settings, engine=engine)
    runner, port = await serve(server.web)
    try:
        async with aiohttp.ClientSession() as http:
            for path, says in (
                ("/slack/events", "Slack: off — PRIVACY_DESK_SLACK_BOT_TOKEN not set"),
                ("/api/messages", "Teams: off — PRIVACY_DESK_TEAMS_APP_ID not set"),
            ):
                async with http.post(f"http://127.0.0.1:{port}{path}", data=b"{}") as response:
                    assert response.status == 503
                    assert (await response.text()).strip() == says
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
    finally:
        await runner.cleanup()


def test_a_configured_platform_is_not_reported_off() -> None:
    on = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret="s" * 32,
        teams_allow_anonymous=True,
    )
    assert platforms_off(on) == {}
    socket = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_app_token="xapp-1")
    assert "Socket Mode" in platforms_off(socket)["/slack/events"]
