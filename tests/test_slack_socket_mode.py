"""Socket Mode through a real websocket: ``apps.connections.open`` on the fake Web API names a
``ws://127.0.0.1`` socket, the fake pushes envelopes as Slack does and reads the acks (§7)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_server, start_socket_mode
from bot.wiring import Application
from storage import repositories as repo
from tests.fakes.loopback import serve
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import CHANNEL, PRIVACY_ID, STAFF_ID, TEAM, settings_for, view_state

NEW = 'access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'


@dataclass
class Socket:
    fake: FakeSlack
    core: Application
    url: str

    async def command(self, text: str, *, trigger: str, team: str = TEAM) -> dict[str, Any]:
        payload = {
            "token": "legacy", "team_id": team, "team_domain": "example",
            "channel_id": "C2147483705", "channel_name": "helpdesk", "user_id": STAFF_ID,
            "user_name": "someone", "command": "/dsar", "text": text, "api_app_id": "A123456",
            "is_enterprise_install": "false", "response_url": self.fake.response_url("cmd"),
            "trigger_id": trigger,
        }  # fmt: skip
        return await self.fake.socket.send("slash_commands", payload)

    async def interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.fake.socket.send("interactive", payload)


@asynccontextmanager
async def socket_server(engine: AsyncEngine, db_url: str) -> AsyncIterator[Socket]:
    fake = FakeSlack()
    await fake.start()
    settings = settings_for(db_url, fake.base_url, slack_app_token="xapp-test")
    server = build_server(settings, engine=engine)
    runner, port = await serve(server.web)
    handler = await start_socket_mode(settings, server.application)
    assert handler is not None
    try:
        yield Socket(fake=fake, core=server.application, url=f"http://127.0.0.1:{port}")
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runner.cleanup()
        await fake.stop()


def button(action: str, ref: str, *, user: str, trigger: str, action_ts: str) -> dict[str, Any]:
    return {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user},
        "api_app_id": "A123456", "trigger_id": trigger, "response_url": "",
        "actions": [{"action_id": f"ticket_{action}", "value": ref, "type": "button",
                     "block_id": f"ticket:{ref}", "action_ts": action_ts}],
    }  # fmt: skip


async def test_slash_command_over_the_socket_logs_once_and_acks_the_receipt(
    engine: AsyncEngine, db_url: str
) -> None:
    async with socket_server(engine, db_url) as slack:
        [opened] = slack.fake.calls_to("apps.connections.open")
        assert opened.authorization == "Bearer xapp-test"  # the app-level token, not the bot's
        assert slack.fake.socket.connections == 1

        ack = await slack.command(f"new {NEW}", trigger="trig-sock-1")
        assert ack["envelope_id"].startswith("env-")
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "DSAR-0001 logged" in ack["payload"]["text"]

        # Slack redelivers an envelope it did not see acked in time: same trigger, no new ticket.
        again = await slack.command(f"new {NEW}", trigger="trig-sock-1")
        assert "Already done as DSAR-0001" in again["payload"]["text"]

        assert await slack.core.sender.run_once() == 1
        [post] = slack.fake.calls_to("chat.postMessage")
        assert post.params["channel"] == CHANNEL
        assert post.authorization == "Bearer xoxb-test"
        assert "Jane" not in json.dumps(post.params)

        # The HTTP endpoint says where Slack's deliveries go instead.
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{slack.url}/slack/events", data=b"{}") as response,
        ):
            assert response.status == 503
            assert "Socket Mode" in await response.text()


async def test_buttons_and_modals_over_the_socket(engine: AsyncEngine, db_url: str) -> None:
    async with socket_server(engine, db_url) as slack:
        await slack.command(f"new {NEW}", trigger="trig-sock-2")
        ack = await slack.interactive(
            button("extend", "DSAR-0001", user=PRIVACY_ID, trigger="trig-b", action_ts="1.1")
        )
        assert "payload" not in ack  # an empty ack: the modal is opened with views.open
        [opened] = slack.fake.calls_to("views.open")
        form = opened.params["view"]
        assert form["callback_id"] == "ticket_form"

        # A submission missing its reason: the errors go back in the ack, onto the input.
        submitted = {**form, "id": "VSOCK1", "state": view_state(form, {})}
        payload = {
            "type": "view_submission", "team": {"id": TEAM}, "user": {"id": PRIVACY_ID},
            "api_app_id": "A123456", "trigger_id": "trig-v", "view": submitted,
        }  # fmt: skip
        ack = await slack.interactive(payload)
        assert ack["payload"]["response_action"] == "errors"
        assert list(ack["payload"]["errors"]) == ["reason"]
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None and req.extended is False


async def test_events_over_the_socket_publish_the_home_tab(
    engine: AsyncEngine, db_url: str
) -> None:
    async with socket_server(engine, db_url) as slack:
        await slack.command(f"new {NEW}", trigger="trig-sock-3")
        envelope = {
            "token": "legacy", "team_id": TEAM, "api_app_id": "A123456", "type": "event_callback",
            "event_id": "EvSock1", "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": STAFF_ID, "tab": "home",
                      "channel": "D1", "event_ts": "1700000000.1"},
        }  # fmt: skip
        ack = await slack.fake.socket.send("events_api", envelope)
        assert "payload" not in ack
        [published] = slack.fake.calls_to("views.publish")
        assert published.params["user_id"] == STAFF_ID
        assert "DSAR-0001" in json.dumps(published.params["view"])


async def test_refused_and_malformed_envelopes_are_acked_and_change_nothing(
    engine: AsyncEngine, db_url: str
) -> None:
    async with socket_server(engine, db_url) as slack:
        # Another workspace: acked (so Slack does not redeliver it) with nothing in it.
        ack = await slack.command(f"new {NEW}", trigger="trig-other", team="TOTHER")
        assert "payload" not in ack
        # A payload our listeners cannot read: acked and dropped, not a crash in a listener.
        ack = await slack.interactive({"type": "block_actions", "user": {"id": 7}})
        assert "payload" not in ack
        async with slack.core.sessions() as session:
            assert await repo.all_requests(session=session) == []
        assert await slack.core.sender.run_once() == 0
        assert slack.fake.calls_to("chat.postMessage") == []
        # The socket is still up and serving.
        ack = await slack.command(f"new {NEW}", trigger="trig-after")
        assert "DSAR-0001 logged" in ack["payload"]["text"]
