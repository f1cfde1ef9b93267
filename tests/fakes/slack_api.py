"""A fake Slack Web API on loopback that records every call and can be told to fail.

slack_sdk posts to ``{base_url}{method}``; point ``PRIVACY_DESK_SLACK_API_URL`` at
``fake.base_url``. ``response_url`` callbacks land on ``fake.response_url(...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.loopback import serve
from tests.fakes.slack_socket import FakeSocketMode


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    authorization: str = ""


@dataclass
class Failure:
    status: int
    error: str = "internal_error"
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    # Accept the call (record it, store the message), then hold the answer this long: a crash
    # "after Slack accepted the post, before the sender heard".
    hold_after_accept: dict[str, float] = field(default_factory=dict)
    # channel id -> messages posted there, as conversations.history returns them
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # the workspace's members, as users.list returns them, ``page_size`` a page
    users: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    base_url: str = ""
    # oauth.v2.access: code -> (team id, enterprise id) of the workspace that approved the app;
    # no team id: an org-wide install by an Enterprise Grid org admin
    grants: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    token_seconds: list[int] = field(default_factory=list)  # expires_in for the next tokens
    issued: list[str] = field(default_factory=list)  # bot tokens handed out, in order
    socket: FakeSocketMode = field(default_factory=FakeSocketMode)  # Socket Mode's websocket
    inflight: int = 0  # requests being held by a delay right now
    # Many workspaces: bearer token -> the channel and user ids its workspace has. A call with
    # a listed token about any other channel or person is refused (``channel_not_found``) and
    # recorded in ``refused``, as Slack refuses a token from the wrong workspace.
    workspaces: dict[str, set[str]] = field(default_factory=dict)
    refused: list[Call] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ts: int = 0
    # Set by stop(): a request held by ``delay`` returns at once instead of sleeping on, so
    # shutting the fake down never waits out a long delay (aiohttp waits for open handlers).
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_next(self, method: str, *failures: Failure) -> None:
        self.failures.setdefault(method, []).extend(failures)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def response_url(self, name: str = "r") -> str:
        return self.base_url.replace("/api/", f"/respond/{name}")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":  # slack_sdk reads some methods (chat.getPermalink) by GET
            params: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(parse_qsl(await request.text()))
            for key in ("blocks", "view"):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            params = dict(request.query) | params  # slack_sdk sends some arguments in the URL
        if self.delay.get(method):
            self.inflight += 1
            try:
                await self._hold(self.delay[method])
            finally:
                self.inflight -= 1
            if request.transport is None or request.transport.is_closing():
                return web.json_response({"ok": False}, status=499)  # the caller went away
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            if failure.delay:
                await self._hold(failure.delay)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return web.json_response(
                {"ok": False, "error": failure.error}, status=failure.status, headers=headers
            )
        auth = request.headers.get("Authorization", "")
        if not self._reaches(auth, params):
            self.refused.append(Call(method, params, auth))
            return web.json_response({"ok": False, "error": "channel_not_found"})
        self.calls.append(Call(method, params, auth))  # recorded only when answered successfully
        self._ts += 1
        body: dict[str, Any] = {"ok": True}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"{int(time.time())}.{self._ts:06d}"  # like Slack's: the time it was posted
            channel = self._channel(str(params.get("channel", "")))
            if method == "chat.postMessage":
                self._store(channel, ts, params)
            body |= {"ts": ts, "channel": channel}
            if self.hold_after_accept.get(method):
                self.inflight += 1
                try:
                    await self._hold(self.hold_after_accept[method])
                finally:
                    self.inflight -= 1
        elif method in ("conversations.history", "conversations.replies"):
            body |= {"messages": self._read(method, params), "has_more": False}
        elif method == "conversations.open":
            body |= {"channel": {"id": self._channel(str(params.get("users", "")))}}
        elif method == "chat.getPermalink":
            body |= {"permalink": "https://example.slack.com/archives/C1/p1700000000000100"}
        elif method == "users.list":
            start = int(params.get("cursor") or 0)
            end = start + self.page_size
            more = str(end) if end < len(self.users) else ""
            body |= {"members": self.users[start:end], "response_metadata": {"next_cursor": more}}
        elif method == "auth.test":
            body |= {"team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT"}
        elif method == "oauth.v2.access":
            body = self._oauth(params)
        elif method == "apps.connections.open":
            body |= {"url": self.base_url.replace("http://", "ws://").replace("/api/", "/socket")}
        elif method in ("views.open", "views.publish"):
            body |= {"view": {"id": f"V{self._ts}"}}
        return web.json_response(body)

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        """A code exchange or a refresh, answered with a rotating (expiring) bot token."""
        refreshing = params.get("grant_type") == "refresh_token"
        if refreshing:
            if not str(params.get("refresh_token", "")).startswith("xoxe-1-"):
                return {"ok": False, "error": "invalid_refresh_token"}
            answer: dict[str, Any] = {"ok": True}
        elif params.get("code") in self.grants:
            team, enterprise = self.grants[str(params["code"])]
            answer = {
                "ok": True, "app_id": "A123456", "bot_user_id": "UBOT",
                "scope": "commands,chat:write",
                "team": {"id": team, "name": "Example"} if team else None,
                "enterprise": {"id": enterprise, "name": "Org"} if enterprise else None,
                "is_enterprise_install": team is None, "authed_user": {"id": "UINSTALLER"},
            }  # fmt: skip
        else:
            return {"ok": False, "error": "invalid_code"}
        number = len(self.issued) + 1
        token = f"xoxe.xoxb-{number}-fake"
        self.issued.append(token)
        seconds = self.token_seconds.pop(0) if self.token_seconds else 43200
        return answer | {
            "access_token": token, "token_type": "bot", "refresh_token": f"xoxe-1-r{number}",
            "expires_in": seconds,
        }  # fmt: skip

    def _reaches(self, auth: str, params: dict[str, Any]) -> bool:
        """Whether a token's workspace has the channel or person a call is about."""
        seen = self.workspaces.get(auth.removeprefix("Bearer "))
        target = params.get("channel") or params.get("users") or params.get("user_id")
        if seen is None or not target:
            return True
        target = str(target)
        return target in seen or (target.startswith("D") and "U" + target[1:] in seen)

    @staticmethod
    def _channel(target: str) -> str:
        """Posting to a user id posts in the bot's DM with them, as Slack does."""
        return "D" + target[1:] if target.startswith("U") else target

    def _store(self, channel: str, ts: str, params: dict[str, Any]) -> None:
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        message = {"ts": ts, "text": params.get("text", ""), "metadata": metadata}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        self.messages.setdefault(channel, []).append(message)

    def _read(self, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        found = self.messages.get(str(params.get("channel", "")), [])
        if method == "conversations.replies":
            parent = params.get("ts")
            found = [m for m in found if m["ts"] == parent or m.get("thread_ts") == parent]
        else:
            found = [m for m in found if not m.get("thread_ts")]
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        found = [m for m in found if float(m["ts"]) >= oldest or m["ts"] == params.get("ts")]
        return [
            {k: v for k, v in m.items() if k != "metadata" or with_metadata}
            for m in reversed(found[-limit:])
        ]

    async def _hold(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the fake is being stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), seconds)

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.json_response({"ok": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/socket", self.socket.handle)
        self._runner, port = await serve(app)
        self.base_url = f"http://127.0.0.1:{port}/api/"

    async def stop(self) -> None:
        self._released.set()
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
