"""Delivers outbox messages to Slack through the Web API (``chat.postMessage``).

Retries are the outbox's job, not the SDK's: the client is built with no retry handlers, and
every failure becomes a ``DeliveryError`` carrying Slack's ``Retry-After`` when it sends one.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render import slack as render
from handlers.ports import ChannelPost, Delivery, DeliveryError, DeliveryKind, WeeklySummary

log = logging.getLogger(__name__)

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
    }
)


def web_client(*, token: str | None, base_url: str, timeout: int = 10) -> AsyncWebClient:
    url = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])


class SlackNotifier:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, tz: ZoneInfo) -> None:
        self.client = client
        self.tz = tz

    async def send(self, delivery: Delivery) -> str:
        content = delivery.content
        if isinstance(content, WeeklySummary):
            text, blocks = render.summary(content, self.tz)
        elif isinstance(content, ChannelPost):
            text, blocks = render.channel_post(content, self.tz)
        else:
            text, blocks = render.reply(content)
        thread = delivery.thread if delivery.kind == DeliveryKind.REPLY else None
        try:
            response = await self.client.chat_postMessage(
                channel=delivery.target,
                text=text,
                blocks=blocks,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc
        return str(response.get("ts") or "")


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
    return DeliveryError(code, permanent=code in PERMANENT)
