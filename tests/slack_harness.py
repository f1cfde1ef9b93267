"""Drive the real aiohttp server the way Slack does: signed requests on a loopback port."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Core, build_core, build_web, notifiers_for
from bot.config import Settings
from tests.fakes.slack_api import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
STAFF_ID, PRIVACY_ID, DPO_ID, CHANNEL = "USTAFF1", "UPRIV1", "UDPO1", "CCOMPLIANCE"


def sign(body: str, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackServer:
    url: str
    fake: FakeSlack
    core: Core
    http: aiohttp.ClientSession

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        all_headers = {
            "Content-Type": content_type,
            **(headers if headers is not None else sign(body)),
        }
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=all_headers) as r:
            return r.status, await r.text()

    async def command(
        self,
        text: str,
        *,
        user: str = STAFF_ID,
        command: str = "/dsar",
        team: str = TEAM,
        trigger: str = "13345224609.738474920.8088930838d88f008e0",
        **extra: str,
    ) -> tuple[int, dict[str, Any]]:
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "example",
            "channel_id": "C2147483705",
            "channel_name": "helpdesk",
            "user_id": user,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": "A123456",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url("cmd"),
            "trigger_id": trigger,
            **extra,
        }
        status, raw = await self.post(urlencode(form), "application/x-www-form-urlencoded")
        return status, (json.loads(raw) if raw.startswith("{") else {"raw": raw})

    async def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], *, event_id: str = "Ev0001") -> tuple[int, str]:
        envelope = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A123456",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        return await self.post(json.dumps(envelope), "application/json")

    async def deliver(self) -> int:
        """Let the outbox send what the last requests queued (the server does this itself)."""
        return await self.core.sender.run_once()


def settings_for(db_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        "slack_team_ids": [TEAM],
        "privacy_team": [f"slack:{PRIVACY_ID}"],
        "dpo_users": [f"slack:{DPO_ID}"],
        "compliance_channel": [f"slack:{CHANNEL}"],
    }
    return Settings(_env_file=None, **(values | overrides))


@asynccontextmanager
async def slack_server(
    engine: AsyncEngine, db_url: str, **overrides: Any
) -> AsyncIterator[SlackServer]:
    fake = FakeSlack()
    await fake.start()
    settings = settings_for(db_url, fake.base_url, **overrides)
    policy = settings.policy()
    core = build_core(
        settings,
        engine,
        notifiers=notifiers_for(settings, policy),
        policy=policy,
        deliver_now=False,
    )
    runner = web.AppRunner(build_web(settings, core), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            yield SlackServer(url=f"http://127.0.0.1:{port}", fake=fake, core=core, http=http)
    finally:
        await runner.cleanup()
        await fake.stop()
