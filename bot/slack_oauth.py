"""Multi-workspace Slack: bolt's OAuth flow, tokens from the installation store.

On when ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set (instead of one
``SLACK_BOT_TOKEN``). ``/slack/install`` sends an admin to Slack's consent page;
``/slack/oauth_redirect`` exchanges the code (``oauth.v2.access``) and stores the installation
(``storage.slack_installs``, tokens encrypted). With token rotation on in the manifest, Slack
issues 12-hour bot tokens with a refresh token: bolt refreshes them before a listener runs, and
``InstalledTokens`` does the same for the outbox. ``app_uninstalled`` and ``tokens_revoked``
erase the tokens (the record stays), which stops all sending to that workspace.

A workspace (or Enterprise Grid org) outside ``SLACK_TEAM_IDS`` cannot complete an install:
its installation is never stored, and the callback answers 403.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.slack_notifier import web_client
from handlers.ports import Workspace
from storage.slack_store import InstallationStore, StateStore

log = logging.getLogger(__name__)

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
# The bot scopes of deploy/slack-manifest.yaml (tests/test_deploy.py keeps the two in step).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",  # a typed @name resolved with users.list (bot.slack_people)
    "channels:history",
    "groups:history",
    "im:history",
)
ROTATE_MINUTES = 120  # refresh a token this long before it expires (bolt's default)


class WorkspaceNotAllowed(BoltError):
    """An install from a workspace or org that ``SLACK_TEAM_IDS`` does not name."""


def allowed(allow: frozenset[str], *, team_id: str | None, enterprise_id: str | None) -> bool:
    """A workspace is allowed by its team id, or by its Enterprise Grid org's id."""
    return not allow or team_id in allow or (enterprise_id is not None and enterprise_id in allow)


class GuardedOAuthFlow(AsyncOAuthFlow):
    """bolt's flow, refusing to store an installation from a workspace that is not allowed."""

    allow: frozenset[str] = frozenset()

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        if not allowed(
            self.allow, team_id=installation.team_id, enterprise_id=installation.enterprise_id
        ):
            log.warning("refused to install privacy-desk in a workspace that is not allowed")
            raise WorkspaceNotAllowed("this workspace is not in PRIVACY_DESK_SLACK_TEAM_IDS")
        await super().store_installation(request, installation)
        log.info("privacy-desk installed in a Slack workspace")


async def _success(args: object) -> BoltResponse:
    return BoltResponse(
        status=200,
        body="privacy-desk is installed. You can close this page and type /dsar help in Slack.",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


async def _failure(args: AsyncFailureArgs) -> BoltResponse:
    if isinstance(args.error, WorkspaceNotAllowed):
        body, status = "This workspace may not install privacy-desk.", 403
    else:
        body, status = f"The installation did not complete ({args.reason}).", 400
    if args.suggested_status_code >= 500 and not isinstance(args.error, WorkspaceNotAllowed):
        status = args.suggested_status_code
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/plain; charset=utf-8"}
    )


def oauth_flow(
    *,
    client_id: str,
    client_secret: str,
    engine: AsyncEngine,
    client: AsyncWebClient,
    allow: frozenset[str],
    redirect_uri: str | None = None,
) -> GuardedOAuthFlow:
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=InstallationStore(client_id=client_id, engine=engine),
        installation_store_bot_only=True,
        state_store=StateStore(engine=engine),
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        callback_options=AsyncCallbackOptions(success=_success, failure=_failure),
    )
    authorize = settings.authorize
    if isinstance(authorize, AsyncInstallationStoreAuthorize) and authorize.token_rotator:
        # bolt builds its token rotator on a default client (slack.com): use ours, so the
        # refresh goes where every other call goes (SLACK_API_URL).
        authorize.token_rotator.client = client
    flow = GuardedOAuthFlow(client=client, settings=settings, logger=log)
    flow.allow = allow
    return flow


class InstalledTokens:
    """The bot tokens the outbox sends with: one per installation in an allowed workspace or
    org (``bot.slack_routes`` picks which reaches a target), refreshed first when it expires
    within ``ROTATE_MINUTES`` (and the new pair stored)."""

    def __init__(
        self, *, client_id: str, client_secret: str, client: AsyncWebClient, allow: frozenset[str]
    ) -> None:
        self.client_id = client_id
        self.store: InstallationStore | None = None  # bound to the engine by ``bind``
        self.allow = allow
        self.rotator = AsyncTokenRotator(
            client_id=client_id, client_secret=client_secret, client=client
        )

    def bind(self, engine: AsyncEngine) -> None:
        self.store = InstallationStore(client_id=self.client_id, engine=engine)

    async def workspaces(self) -> list[Workspace]:
        assert self.store is not None, "InstalledTokens.bind was not called"
        return [
            Workspace(enterprise=enterprise, team=team)
            for enterprise, team in await self.store.installed(allowed=self.allow)
        ]

    async def token(self, where: Workspace) -> str | None:
        assert self.store is not None, "InstalledTokens.bind was not called"
        bot = await self.store.async_find_bot(
            enterprise_id=where.enterprise,
            team_id=where.team,
            is_enterprise_install=where.team is None,  # an org-wide install has no team
        )
        if bot is None:
            return None
        refreshed = await self.rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=ROTATE_MINUTES
        )
        if refreshed is not None:
            await self.store.async_save_bot(refreshed)
            log.info("Slack bot token refreshed")
            bot = refreshed
        return bot.bot_token


def mount(app: web.Application, flow: AsyncOAuthFlow) -> None:
    """``GET /slack/install`` (to Slack's consent page) and ``GET /slack/oauth_redirect``
    (Slack's answer: exchange the code, store the installation). Both are bolt's."""

    async def install(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.StreamResponse:
        answer = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    app.router.add_get(INSTALL_PATH, install)
    app.router.add_get(REDIRECT_PATH, redirect)


def installed_tokens(settings: Settings) -> InstalledTokens | None:
    """Where the outbox finds Slack tokens when there are many workspaces (none: one token)."""
    if settings.slack_bot_token is not None or not settings.slack_oauth:
        return None
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    return InstalledTokens(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=web_client(token=None, base_url=settings.slack_api_url),
        allow=frozenset(settings.slack_team_ids),
    )
