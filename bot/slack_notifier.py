"""Delivers outbox messages to Slack through the Web API (``chat.postMessage``).

Retries are the outbox's job, not the SDK's: the client is built with no retry handlers, and
every failure becomes a ``DeliveryError`` carrying Slack's ``Retry-After`` when it sends one.

Every post carries message metadata ``{"event_type": "privacy_desk_outbox", "event_payload":
{"outbox_id": "outbox-<n>"}}`` — an id, nothing personal — so that ``find`` can look for an
in-doubt message in the channel (``conversations.history``), the ticket's thread
(``conversations.replies``) or the person's DM before the outbox sends it again. That needs the
``channels:history``, ``groups:history`` and ``im:history`` scopes (and ``im:write`` to open the
DM); without them ``find`` says it cannot look and the message is sent again (at least once).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.render import slack as render
from bot.render import slack_views as views
from bot.slack_pace import ChannelPace
from bot.slack_routes import Routes, TokenSource
from handlers.ports import (
    ChannelPost,
    Delivery,
    DeliveryError,
    DeliveryKind,
    Overview,
    WeeklySummary,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

METADATA_TYPE = "privacy_desk_outbox"
HISTORY_PAGES = 5  # how far back to look (200 messages a page) for an in-doubt message

# Errors that will not go away by trying again: fix the configuration, then requeue.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "user_not_found",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
        "restricted_action",
        "missing_scope",
        "team_access_not_granted",
        "not_enabled",  # views.publish: the App Home tab is turned off in the app's settings
    }
)


def web_client(*, token: str | None, base_url: str, timeout: int = 10) -> AsyncWebClient:
    url = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])


class SlackNotifier:
    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        tz: ZoneInfo,
        *,
        tokens: TokenSource | None = None,
        pace: ChannelPace | None = None,
    ) -> None:
        self.client = client
        self.tz = tz
        # None: the client's own token (one workspace); else the installations, each target
        # reached through its own workspace's (bot.slack_routes).
        self.routes = Routes(tokens) if tokens is not None else None
        self.pace = pace or ChannelPace(interval=0)  # serve passes SLACK_CHANNEL_INTERVAL

    async def _call(self, target: str, method: Callable[[dict[str, Any]], Awaitable[T]]) -> T:
        """``method(auth)``: with ``token=`` of the installation that reaches ``target`` when
        tokens come from installations. An uninstalled or revoked app sends nothing (the
        message waits, and is sent after a reinstall)."""
        if self.routes is None:
            return await method({})
        return await self.routes.call(target, method)

    async def send(self, delivery: Delivery) -> str:
        content = delivery.content
        if isinstance(content, WeeklySummary):
            text, blocks = render.summary(content, self.tz)
        elif isinstance(content, ChannelPost):
            text, blocks = render.channel_post(content, self.tz)
        else:
            text, blocks = render.reply(content)
        thread = delivery.thread if delivery.kind == DeliveryKind.REPLY else None
        await self.pace.wait(delivery.target)
        try:
            response = await self._call(
                delivery.target,
                lambda auth: self.client.chat_postMessage(
                    **auth,
                    channel=delivery.target,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=_metadata(delivery.key),
                ),
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}", in_doubt=True) from exc
        if isinstance(content, ChannelPost) and thread and not content.is_opening:
            await self._refresh_opening(delivery.target, thread, content)
        return str(response.get("ts") or "")

    async def publish_home(self, *, user: str, overview: Overview) -> str:
        """``views.publish`` of ``user``'s App Home (``handlers.home`` decides when)."""
        view = views.home_view(overview)
        try:
            response = await self._call(
                user, lambda auth: self.client.views_publish(**auth, user_id=user, view=view)
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}", in_doubt=True) from exc
        return str((response.get("view") or {}).get("id") or "")

    async def _refresh_opening(self, channel: str, ts: str, post: ChannelPost) -> None:
        """Rewrite the ticket's opening post with its current state and deadline. The reply
        is already in the thread, so a failure here is logged, never retried (a retry would
        post the reply twice); the next change brings the opening post up to date."""
        text, blocks = render.current_post(post, self.tz)  # chat.update: not a new post
        try:
            await self._call(
                channel,
                lambda auth: self.client.chat_update(
                    **auth, channel=channel, ts=ts, text=text, blocks=blocks
                ),
            )
        except SlackApiError as exc:
            log.warning("chat.update of %s failed: %s", post.ref, exc.response.get("error"))
        except (ClientError, TimeoutError, OSError, DeliveryError) as exc:
            log.warning("chat.update of %s failed: %s", post.ref, type(exc).__name__)

    async def find(self, delivery: Delivery, *, since: datetime) -> str | None:
        """The ``ts`` of the message carrying ``delivery.key``, if Slack has it."""
        if delivery.key is None:
            return None
        oldest = f"{since.timestamp() - 60:.6f}"  # clocks differ; a minute's margin
        target = delivery.target
        try:
            channel = target
            if delivery.kind == DeliveryKind.DIRECT:
                opened = await self._call(
                    target, lambda auth: self.client.conversations_open(users=target, **auth)
                )
                channel = str((opened.get("channel") or {}).get("id") or target)
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                read = partial(
                    self._page, delivery=delivery, channel=channel, oldest=oldest, cursor=cursor
                )
                page = await self._call(target, read)
                for message in page.get("messages") or []:
                    if _carries(message, delivery.key):
                        return str(message.get("ts") or "")
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return None
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc
        return None

    async def _page(
        self,
        auth: dict[str, Any],
        delivery: Delivery,
        *,
        channel: str,
        oldest: str,
        cursor: str | None,
    ) -> AsyncSlackResponse:
        """One page of the thread (a reply) or of the channel or DM (anything else)."""
        if delivery.kind == DeliveryKind.REPLY and delivery.thread:
            return await self.client.conversations_replies(
                **auth, channel=channel, ts=delivery.thread, oldest=oldest, limit=200,
                include_all_metadata=True, cursor=cursor,
            )  # fmt: skip
        return await self.client.conversations_history(
            **auth, channel=channel, oldest=oldest, limit=200,
            include_all_metadata=True, cursor=cursor,
        )  # fmt: skip


def _metadata(key: str | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"event_type": METADATA_TYPE, "event_payload": {"outbox_id": key}}


def _carries(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == METADATA_TYPE and payload.get("outbox_id") == key)


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    status = exc.response.status_code
    code = (
        str(exc.response.get("error") or f"http_{status}")
        if exc.response.data
        else f"http_{status}"
    )
    if status == 429:
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
            "retry-after"
        )
        seconds = float(retry_after) if retry_after and str(retry_after).isdigit() else None
        return DeliveryError("rate_limited", retry_after=seconds)
    # A 5xx may have been sent after the message was stored: in doubt, not refused.
    return DeliveryError(code, permanent=code in PERMANENT, in_doubt=status >= 500)
