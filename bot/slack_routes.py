"""Which installation sends to a channel or a person, when the app is in many workspaces.

A channel (the compliance channel) or a person lives in one workspace, and only the bot token
of that workspace's installation (or of its Enterprise Grid org's org-wide one) can reach it:
any other gets ``channel_not_found``. Neither the ticket's origin nor the newest installation
says which one that is (a ticket logged in workspace B still posts to the compliance channel in
workspace A), so each target's workspace is found by asking: the installations are tried, the
one last known to reach the target first, then the newest; a refusal that means "not in this
workspace" moves on to the next (nothing was posted, so nothing can be doubled), and the one
that answers is remembered for that target.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError

from handlers.ports import DeliveryError, Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")
NOT_INSTALLED_RETRY = 300.0  # seconds between looks for a (re)installation
# What Slack answers a token from the wrong workspace (or from one whose bot is not in the
# channel, where another installation's may be).
ELSEWHERE = frozenset({"channel_not_found", "not_in_channel", "user_not_found"})


class TokenSource(Protocol):
    """The installations the outbox may send with (``bot.slack_oauth.InstalledTokens``)."""

    async def workspaces(self) -> list[Workspace]:
        """The allowed workspaces (or orgs) with a bot token, newest installation first."""
        ...

    async def token(self, where: Workspace) -> str | None:
        """The bot token of that installation, refreshed if it is about to expire; None once
        it has been uninstalled or revoked."""
        ...


def _code(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "") if exc.response.data else ""


class Routes:
    """The installation each target is reached through, learnt by asking and kept in memory
    (a restart asks again: at worst one refused call per target and workspace)."""

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens
        self.known: dict[str, Workspace] = {}

    async def _order(self, target: str) -> list[Workspace]:
        try:
            found = await self.tokens.workspaces()
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc
        known = self.known.get(target)
        return sorted(found, key=lambda where: where != known)  # stable: then newest first

    async def _token(self, where: Workspace) -> str | None:
        try:
            return await self.tokens.token(where)
        except SlackApiError as exc:  # the refresh was refused
            raise DeliveryError(_code(exc) or "token_refresh_failed") from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc

    async def call(self, target: str, method: Callable[[dict[str, Any]], Awaitable[T]]) -> T:
        """``method(auth)`` with the token of the installation that reaches ``target``.

        Raises the ``SlackApiError`` of the most telling refusal when none reaches it (a
        ``not_in_channel`` says more than another workspace's ``channel_not_found``), and
        ``DeliveryError("not_installed")`` when there is no installation to send with.
        """
        refusals: list[SlackApiError] = []
        for where in await self._order(target):
            token = await self._token(where)
            if token is None:
                continue
            try:
                result = await method({"token": token})
            except SlackApiError as exc:
                if _code(exc) not in ELSEWHERE:
                    raise
                refusals.append(exc)
                continue
            if self.known.get(target) != where:
                log.info("Slack: a target is reached through another installation now")
                self.known[target] = where
            return result
        if refusals:
            raise min(refusals, key=lambda exc: _code(exc) == "channel_not_found")
        raise DeliveryError("not_installed", retry_after=NOT_INSTALLED_RETRY)
