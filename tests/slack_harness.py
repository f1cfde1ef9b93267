"""Drive the real aiohttp server the way Slack does: signed requests on a loopback port."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_server
from bot.config import Settings
from bot.wiring import Application
from handlers.ports import Clock
from tests.fakes.loopback import serve
from tests.fakes.slack_api import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_UNIQUE = itertools.count(1)
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
    core: Application
    http: aiohttp.ClientSession
    # Applied to every interactivity payload before it is sent: a test reshapes the harness's
    # payloads as another kind of install sends them (an Enterprise Grid org-wide install).
    reshape: Callable[[dict[str, Any]], dict[str, Any]] | None = None

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
        if self.reshape is not None:
            payload = self.reshape(payload)
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def event(
        self, event: dict[str, Any], *, event_id: str = "Ev0001", team: str = TEAM
    ) -> tuple[int, str]:
        envelope = {
            "token": "legacy",
            "team_id": team,
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

    async def slash(self, text: str, *, user: str = STAFF_ID, command: str = "/dsar") -> str:
        """A slash command with a fresh trigger id (as every real invocation has); its ack text."""
        status, body = await self.command(text, user=user, command=command, trigger=unique("trig"))
        assert status == 200, (status, body)
        return str(body.get("text", ""))

    async def press(
        self,
        action: str,
        ref: str,
        *,
        user: str = PRIVACY_ID,
        action_ts: str | None = None,
        team: str = TEAM,
        action_id: str | None = None,
    ) -> tuple[int, str]:
        """A ``block_actions`` payload for a ticket button (``ticket_<action>``, value ``ref``),
        or for another button (``action_id``, value ``ref``), such as a search answer."""
        action_id = action_id or "ticket_" + action.replace("-", "_")
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": team},
            "api_app_id": "A123456",
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": "C2147483705",
                "is_ephemeral": True,
            },
            "trigger_id": unique("trig"),
            "team": {"id": team, "domain": "example"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": "C2147483705", "name": "helpdesk"},
            "state": {"values": {}},
            "response_url": self.fake.response_url("action"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": f"ticket:{ref}",
                    "text": {"type": "plain_text", "text": action, "emoji": True},
                    "value": ref,
                    "type": "button",
                    "action_ts": action_ts or f"{1700000000 + next(_UNIQUE)}.000100",
                }
            ],
        }
        return await self.interaction(payload)

    async def submit(
        self,
        view: dict[str, Any],
        values: Mapping[str, str | int],
        *,
        user: str = STAFF_ID,
        view_id: str | None = None,
        team: str = TEAM,
    ) -> tuple[int, str]:
        """A ``view_submission`` of ``view`` (as opened) with ``values`` typed into its inputs."""
        payload = submission(
            view,
            values,
            user=user,
            team=team,
            view_id=view_id or unique("V"),
            trigger=unique("trig"),
        )
        return await self.interaction(payload)

    async def shortcut(
        self, text: str, *, user: str = STAFF_ID, channel: str = "C2147483705", team: str = TEAM
    ) -> tuple[int, str]:
        """The ``log_privacy_request`` message shortcut on a message saying ``text``."""
        payload = {
            "type": "message_action",
            "token": "legacy",
            "action_ts": f"{1700000000 + next(_UNIQUE)}.000200",
            "team": {"id": team, "domain": "example"},
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": team},
            "channel": {"id": channel, "name": "helpdesk"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": "log_privacy_request",
            "trigger_id": unique("trig"),
            "response_url": self.fake.response_url("shortcut"),
            "message_ts": "1700000000.000100",
            "message": {
                "type": "message",
                "user": "UCUSTOMER",
                "text": text,
                "ts": "1700000000.000100",
                "team": team,
            },
        }
        return await self.interaction(payload)

    async def global_shortcut(
        self, callback_id: str, *, user: str = STAFF_ID, team: str = TEAM
    ) -> tuple[int, str]:
        """A global shortcut (from the lightning menu or search), e.g. "Log a privacy request"."""
        payload = {
            "type": "shortcut",
            "token": "legacy",
            "action_ts": f"{1700000000 + next(_UNIQUE)}.000300",
            "team": {"id": team, "domain": "example"},
            "user": {"id": user, "username": "someone", "team_id": team},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": unique("trig"),
        }
        return await self.interaction(payload)

    def opened(self) -> dict[str, Any]:
        """The view of the latest ``views.open`` call."""
        calls = self.fake.calls_to("views.open")
        assert calls, "views.open was not called"
        view: dict[str, Any] = calls[-1].params["view"]
        return view

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        """The params of every ``chat.postMessage`` to ``channel`` (a channel or a user id)."""
        return [
            c.params
            for c in self.fake.calls_to("chat.postMessage")
            if c.params["channel"] == channel
        ]


def unique(prefix: str) -> str:
    """A fresh id for one delivery (trigger id, view id): Slack never reuses them."""
    return f"{prefix}{next(_UNIQUE):06d}"


def submission(
    view: dict[str, Any],
    values: Mapping[str, str | int],
    *,
    user: str,
    team: str,
    view_id: str,
    trigger: str,
) -> dict[str, Any]:
    """The ``view_submission`` payload Slack sends for ``view`` (as opened) with ``values``
    typed into its inputs (also ``bench.slack_ack --forms``)."""
    submitted = {
        **view,
        "id": view_id,
        "team_id": team,
        "app_id": "A123456",
        "bot_id": "BBOT",
        "hash": "1700000000.abcdefgh",
        "state": view_state(view, values),
    }
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": team},
        "api_app_id": "A123456",
        "token": "legacy",
        "trigger_id": trigger,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_state(view: dict[str, Any], values: Mapping[str, str | int]) -> dict[str, Any]:
    """``view.state`` as Slack sends it on submission: every input block, filled or left empty
    (``null``), initial values kept where the person changed nothing."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, given = block["element"], values.get(block["block_id"])
        kind = element["type"]
        if kind == "static_select":
            chosen = (
                {"text": {"type": "plain_text", "text": str(given), "emoji": True}, "value": given}
                if given is not None
                else element.get("initial_option")
            )
            filled: dict[str, Any] = {"selected_option": chosen}
        elif kind in ("plain_text_input", "email_text_input", "number_input"):
            typed = str(given) if given is not None else element.get("initial_value")
            filled = {"value": typed}  # Slack sends a number_input's value as text too
        elif kind == "datepicker":
            filled = {"selected_date": given or element.get("initial_date")}
        elif kind == "datetimepicker":
            filled = {"selected_date_time": given or element.get("initial_date_time")}
        elif kind == "users_select":
            filled = {"selected_user": given or element.get("initial_user")}
        else:  # pragma: no cover - the modals use only the kinds above
            raise AssertionError(f"no state shape for {kind}")
        state[block["block_id"]] = {element["action_id"]: {"type": kind, **filled}}
    unknown = set(values) - set(state)
    assert not unknown, f"no input blocks {unknown} in the view"
    return {"values": state}


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
        "slack_channel_interval": 0,  # tests/test_slack_living.py spaces posts on a fake clock
    }
    return Settings(_env_file=None, **(values | overrides))


@asynccontextmanager
async def slack_server(
    engine: AsyncEngine,
    db_url: str,
    *,
    clock: Clock | None = None,
    write_engine: AsyncEngine | None = None,
    **overrides: Any,
) -> AsyncIterator[SlackServer]:
    """The server on a free port; ``clock`` (default the system clock) is the core's "now";
    ``write_engine``: the writer's own pool, as ``serve`` gives it (default: ``engine``)."""
    fake = FakeSlack()
    await fake.start()
    server = build_server(
        settings_for(db_url, fake.base_url, **overrides),
        engine=engine,
        clock=clock,
        write_engine=write_engine,
    )
    runner, port = await serve(server.web)
    try:
        async with aiohttp.ClientSession() as http:
            yield SlackServer(
                url=f"http://127.0.0.1:{port}", fake=fake, core=server.application, http=http
            )
    finally:
        await runner.cleanup()
        await fake.stop()
