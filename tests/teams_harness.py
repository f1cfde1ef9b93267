"""Drive the real aiohttp server the way Teams does: activities POSTed to /api/messages."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_server
from bot.config import Environment, Settings
from bot.teams_notifier import StaticConnections
from bot.wiring import Application
from handlers.ports import Clock
from tests.fakes.loopback import serve
from tests.fakes.teams_connector import FakeConnector, Sent

APP_ID = "00000000-0000-0000-0000-0000000000aa"
TENANT = "11111111-1111-1111-1111-111111111111"
STAFF_AAD, PRIVACY_AAD, DPO_AAD = "aad-staff-1", "aad-privacy-1", "aad-dpo-1"
CHANNEL = "19:compliance@thread.tacv2"


@dataclass
class TeamsServer:
    url: str
    fake: FakeConnector
    core: Application
    http: aiohttp.ClientSession

    def activity(
        self,
        *,
        text: str | None = None,
        value: dict[str, Any] | None = None,
        user: str = STAFF_AAD,
        channel: str | None = None,
        tenant: str = TENANT,
        activity_id: str | None = None,
        reply_to: str | None = None,
        mention: bool = False,
        people: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        """A message activity as Teams sends it: personal chat, or a channel with @mention."""
        conversation: dict[str, Any] = (
            {"id": f"a:personal-{user}", "conversationType": "personal", "tenantId": tenant}
            if channel is None
            else {
                "id": f"{channel};messageid=1700000000000",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": tenant,
            }
        )
        body: dict[str, Any] = {
            "type": "message",
            "id": activity_id or uuid.uuid4().hex,
            "channelId": "msteams",
            "serviceUrl": self.fake.service_url,
            "timestamp": "2025-11-24T09:30:00.000Z",
            "from": {"id": f"29:{user}", "name": "Someone", "aadObjectId": user},
            "recipient": {"id": f"28:{APP_ID}", "name": "privacy-desk"},
            "conversation": conversation,
            "locale": "en-GB",
            "channelData": {"tenant": {"id": tenant}}
            | (
                {"channel": {"id": channel}, "team": {"id": "19:team@thread.tacv2"}}
                if channel
                else {}
            ),
        }
        if text is not None:
            body["text"] = f"<at>privacy-desk</at> {text}" if mention else text
            if mention:
                body["entities"] = [
                    {
                        "type": "mention",
                        "text": "<at>privacy-desk</at>",
                        "mentioned": {"id": f"28:{APP_ID}", "name": "privacy-desk"},
                    }
                ]
        if people:  # other people @mentioned in the text: ``{"id", "name", "aadObjectId"}``
            body.setdefault("entities", []).extend(
                {"type": "mention", "text": f"<at>{p['name']}</at>", "mentioned": p} for p in people
            )
        if value is not None:
            body["value"] = value
        if reply_to is not None:
            body["replyToId"] = reply_to
        return body

    async def post(self, activity: dict[str, Any], *, token: str | None = "valid") -> int:
        headers = {}
        if token == "valid":
            headers["Authorization"] = f"Bearer {self.fake.token(audience=APP_ID)}"
        elif token is not None:
            headers["Authorization"] = token
        async with self.http.post(f"{self.url}/api/messages", json=activity, headers=headers) as r:
            return r.status

    async def invoke(
        self, name: str, value: dict[str, Any], *, user: str = STAFF_AAD, **kwargs: Any
    ) -> tuple[int, Any]:
        """An ``invoke`` activity (a message-extension command, an Action.Execute) and the
        invoke response body; ``kwargs`` go to ``activity`` (``channel=``, ``reply_to=``)."""
        activity = self.activity(user=user, **kwargs)
        activity |= {"type": "invoke", "name": name, "value": value}
        headers = {"Authorization": f"Bearer {self.fake.token(audience=APP_ID)}"}
        url = f"{self.url}/api/messages"
        async with self.http.post(url, json=activity, headers=headers) as r:
            body = await r.json(content_type=None) if await r.read() else None
            return r.status, body

    async def execute(
        self, verb: str, data: dict[str, Any], *, trigger: str = "manual", **kwargs: Any
    ) -> tuple[int, Any]:
        """An Action.Execute pressed (``trigger="manual"``) or a card's automatic refresh, as
        the ``adaptiveCard/action`` invoke Teams sends: the data with the inputs merged in."""
        action = {"type": "Action.Execute", "id": "", "verb": verb, "data": data}
        value = {"action": action, "trigger": trigger}
        return await self.invoke("adaptiveCard/action", value, **kwargs)

    async def say(self, text: str, **kwargs: Any) -> int:
        return await self.post(self.activity(text=text, **kwargs))

    async def deliver(self) -> int:
        return await self.core.sender.run_once()

    def texts(self) -> list[str]:
        """Every text the bot sent: plain text, and the TextBlocks/facts of its cards."""
        out = []
        for item in self.fake.sent:
            if item.activity.get("text"):
                out.append(item.activity["text"])
        for card in self.fake.cards():
            for block in card.get("body", []):
                if block.get("type") == "TextBlock":
                    out.append(block["text"])
                for fact in block.get("facts", []):
                    out.append(f"{fact['title']}: {fact['value']}")
        return out


def settings_for(db_url: str, jwks_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "teams_app_id": APP_ID,
        "teams_jwks_url": jwks_url,
        "teams_tenant_ids": [TENANT],
        "privacy_team": [f"teams:{PRIVACY_AAD}"],
        "dpo_users": [f"teams:{DPO_AAD}"],
        "compliance_channel": [f"teams:{CHANNEL}"],
    }
    return Settings(_env_file=None, **(values | overrides))


@asynccontextmanager
async def teams_server(
    engine: AsyncEngine,
    db_url: str,
    *,
    clock: Clock | None = None,
    production: bool = False,
    msal: bool = False,  # the real MSAL connection (tests/test_teams_msal.py), not a fixed token
    **overrides: Any,
) -> AsyncIterator[TeamsServer]:
    fake = FakeConnector()
    await fake.start()
    settings = settings_for(db_url, fake.jwks_url, **overrides)
    if production:  # production's checks at the edge; its https-only rule would refuse the fakes
        settings.env = Environment.PRODUCTION
    server = build_server(
        settings,
        engine=engine,
        clock=clock,
        teams_connections=None if msal else StaticConnections("bot-token"),
    )
    runner, port = await serve(server.web)
    try:
        async with aiohttp.ClientSession() as http:
            yield TeamsServer(
                url=f"http://127.0.0.1:{port}", fake=fake, core=server.application, http=http
            )
    finally:
        await runner.cleanup()
        await fake.stop()


# --- helpers for reading what the fake connector received (added for tests/test_teams_*.py) ---


def personal_chat(user: str) -> str:
    """The conversation id of ``user``'s personal chat with the bot, as ``activity()`` builds it."""
    return f"a:personal-{user}"


def card_of(sent: Sent) -> dict[str, Any] | None:
    """The Adaptive Card one sent activity carried, if any."""
    for attachment in sent.activity.get("attachments") or []:
        content: dict[str, Any] = attachment.get("content") or {}
        return content
    return None


def sent_to(fake: FakeConnector, conversation: str) -> list[Sent]:
    """Everything sent to one conversation, or to a channel and every thread in it."""
    return [
        s
        for s in fake.sent
        if s.conversation == conversation or s.conversation.startswith(f"{conversation};")
    ]


def input_ids(card: dict[str, Any]) -> list[str]:
    return [
        str(b["id"]) for b in card.get("body", []) if str(b.get("type", "")).startswith("Input.")
    ]


def input_value(card: dict[str, Any], input_id: str) -> Any:
    return next(b.get("value") for b in card.get("body", []) if b.get("id") == input_id)


def attention_under(card: dict[str, Any]) -> dict[str, str]:
    """Input id -> the attention-coloured TextBlock placed directly under that input."""
    body = card.get("body", [])
    found: dict[str, str] = {}
    for above, block in itertools.pairwise(body):
        is_error = block.get("type") == "TextBlock" and block.get("color") == "attention"
        if is_error and str(above.get("type", "")).startswith("Input."):
            found[str(above["id"])] = str(block["text"])
    return found


def card_facts(card: dict[str, Any]) -> dict[str, str]:
    return {
        str(fact["title"]): str(fact["value"])
        for block in card.get("body", [])
        for fact in block.get("facts", [])
    }


def card_text(card: dict[str, Any]) -> str:
    """Every TextBlock and fact of a card, one per line."""
    lines = [str(b["text"]) for b in card.get("body", []) if b.get("type") == "TextBlock"]
    lines += [f"{k}: {v}" for k, v in card_facts(card).items()]
    return "\n".join(lines)


def submit_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``data`` every button on a card carries back: an Action.Execute (whose verb is the
    data's mark and whose Action.Submit fallback carries the same data) or, in a dialog, an
    Action.Submit."""
    found = []
    for action in card.get("actions", []):
        if action.get("type") == "Action.Execute":
            assert action["verb"] == action["data"]["privacy_desk"], action
            assert action["fallback"] == {
                "type": "Action.Submit",
                "title": action["title"],
                "data": action["data"],
            }, action
        elif action.get("type") != "Action.Submit":
            continue
        found.append(action["data"])
    return found


def action_types(card: dict[str, Any]) -> list[str]:
    return [str(a.get("type")) for a in card.get("actions", [])]


def lifecycle_activity(
    server: TeamsServer,
    kind: str,
    *,
    channel: str | None = None,
    user: str = STAFF_AAD,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """An ``installationUpdate`` (action add) or ``conversationUpdate`` (the bot added) activity,
    in a team channel or in ``user``'s personal scope, shaped as Teams sends them."""
    body = server.activity(user=user, channel=channel, tenant=tenant)
    body["type"] = kind
    if kind == "installationUpdate":
        body["action"] = "add"
    else:
        body["membersAdded"] = [{"id": f"28:{APP_ID}"}]
        if channel is not None:
            body["channelData"]["eventType"] = "teamMemberAdded"
    if channel is not None:
        body["conversation"]["id"] = channel  # lifecycle events name the channel, no messageid
        if kind == "installationUpdate":
            body["channelData"]["settings"] = {"selectedChannel": {"id": channel}}
    return body
