"""Delivers outbox messages to Teams proactively, from stored conversation references."""

from __future__ import annotations

import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from aiohttp import ClientError, ClientResponseError
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ChannelServiceAdapter,
    ClaimsIdentity,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import AnonymousTokenProvider
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import teams as cards
from bot.teams import PLATFORM, card_activity
from bot.teams_actions import refresh_ids
from handlers import conversations
from handlers.ports import (
    ChannelPost,
    ChatUser,
    Delivery,
    DeliveryError,
    DeliveryKind,
    WeeklySummary,
)

log = logging.getLogger(__name__)


class StaticTokenProvider(AnonymousTokenProvider):
    """A fixed bearer token (empty for local development; a test token for the fake connector)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return self.token


class StaticConnections:
    """The SDK's ``Connections`` with one fixed token provider, for development and tests."""

    def __init__(self, token: str = "") -> None:
        self.provider = StaticTokenProvider(token)

    def get_connection(self, connection_name: str) -> AccessTokenProviderBase:
        return self.provider

    def get_default_connection(self) -> AccessTokenProviderBase:
        return self.provider

    def get_token_provider(
        self, claims_identity: ClaimsIdentity, service_url: str
    ) -> AccessTokenProviderBase:
        return self.provider

    def get_token_provider_from_activity(
        self, claims_identity: ClaimsIdentity, activity: object
    ) -> AccessTokenProviderBase:
        return self.provider

    def get_default_connection_configuration(self) -> AgentAuthConfiguration:
        return AgentAuthConfiguration()


class TeamsNotifier:
    platform = PLATFORM

    def __init__(
        self,
        *,
        adapter: ChannelServiceAdapter,
        app_id: str,
        sessions: async_sessionmaker[AsyncSession],
        tz: ZoneInfo,
        privacy_team: tuple[ChatUser, ...] = (),
    ) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.sessions = sessions
        self.tz = tz
        self.privacy_team = privacy_team  # refreshed to their own view of compliance posts

    async def send(self, delivery: Delivery) -> str:
        stored = await conversations.lookup(
            sessions=self.sessions, platform=PLATFORM, key=delivery.target
        )
        if stored is None:
            what = "person" if delivery.kind == DeliveryKind.DIRECT else "channel"
            raise DeliveryError(
                f"no Teams conversation with this {what} yet: install the app there", permanent=True
            )
        reference = ConversationReference.model_validate_json(stored)
        if reference.conversation is not None and delivery.kind != DeliveryKind.DIRECT:
            # A channel post starts a new thread; a reply goes into the ticket's thread.
            base = reference.conversation.id.split(";", 1)[0]
            thread = delivery.thread if delivery.kind == DeliveryKind.REPLY else None
            reference.conversation.id = f"{base};messageid={thread}" if thread else base
        content = delivery.content
        opening: Activity | None = None  # the ticket's opening post, as it reads now
        if isinstance(content, WeeklySummary):
            card, fallback = cards.summary(content, self.tz), "Weekly privacy summary"
        elif isinstance(content, ChannelPost):
            # Everyone sees the state; the privacy team's clients refresh it to their buttons.
            ids = await refresh_ids(sessions=self.sessions, members=self.privacy_team)
            card = cards.channel_post(content, self.tz, refresh_for=ids)
            fallback = f"{content.ref}: {content.state}"
            if delivery.kind == DeliveryKind.REPLY and delivery.thread and not content.is_opening:
                now = cards.channel_post(replace(content, change=None), self.tz, refresh_for=ids)
                opening = card_activity(now, fallback)
                opening.id = delivery.thread
        else:
            card, fallback = cards.reply(content), content.text
        sent: list[str] = []

        async def callback(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(card_activity(card, fallback))
            sent.append(str(getattr(response, "id", "") or ""))
            if opening is not None:
                await self._refresh_opening(turn_context, opening)

        try:
            await self.adapter.continue_conversation(
                self.app_id, reference.get_continuation_activity(), callback
            )
        except ClientResponseError as exc:
            retry = exc.headers.get("Retry-After") if exc.headers else None
            if exc.status == 429:
                raise DeliveryError(
                    "throttled", retry_after=float(retry) if retry and retry.isdigit() else None
                ) from exc
            raise DeliveryError(
                f"http_{exc.status}", permanent=exc.status in (400, 401, 403, 404)
            ) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc
        return sent[0] if sent else ""

    async def _refresh_opening(self, turn_context: TurnContext, opening: Activity) -> None:
        """Rewrite the ticket's opening post with its current state and deadline (and so
        refresh the privacy team's view of it). The reply is already in the thread, so a
        failure here is logged, never retried (a retry would post the reply twice); the next
        change, or a refresh, brings the post up to date."""
        try:
            await turn_context.update_activity(opening)
        except ClientResponseError as exc:
            log.warning("updating the opening post %s failed: http_%s", opening.id, exc.status)
        except (ClientError, TimeoutError, OSError) as exc:
            log.warning("updating the opening post %s failed: %s", opening.id, type(exc).__name__)
