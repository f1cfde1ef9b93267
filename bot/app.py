"""Composition root: Settings -> engine -> services -> adapters -> one aiohttp app + scheduler."""

from __future__ import annotations

import asyncio
import logging
import signal
import warnings
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext
from microsoft_agents.hosting.core.authorization import AuthTypes
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import slack_guard
from bot.config import Settings
from bot.scheduler import build_scheduler
from bot.slack import build_slack_app
from bot.slack_notifier import SlackNotifier, web_client
from bot.teams import TeamsAgent
from bot.teams_auth import TeamsAuth
from bot.teams_notifier import StaticConnections, TeamsNotifier
from bot.web import base_app
from handlers import jobs
from handlers.desk import Desk
from handlers.outbox import SHUTDOWN_SECONDS, RetryPolicy, Sender
from handlers.policy import Policy
from handlers.ports import Clock, Notifier, SystemClock
from storage.db import create_engine, is_sqlite, session_factory
from storage.migrate import schema_revisions, upgrade_async

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings, *, migrate: bool | None = None) -> AsyncEngine:
    """An engine for the configured database; the embedded SQLite default migrates itself.

    PostgreSQL is migrated deliberately (``privacy-desk migrate``) so that several replicas
    starting together do not race to alter the schema.
    """
    if migrate if migrate is not None else is_sqlite(settings.database_url):
        await upgrade_async(settings.database_url)
    return create_engine(settings.database_url)


@dataclass
class Core:
    """What every front end shares: the desk and the outbox sender, on one engine."""

    desk: Desk
    sender: Sender
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def sweep(self) -> tuple[int, int]:
        return await jobs.sweep(
            sessions=self.sessions, clock=self.clock, policy=self.desk.policy, sender=self.sender
        )


def build_core(
    settings: Settings,
    engine: AsyncEngine,
    *,
    notifiers: dict[str, Notifier],
    clock: Clock | None = None,
    policy: Policy | None = None,
    deliver_now: bool = True,
) -> Core:
    clock = clock or SystemClock()
    sessions = session_factory(engine)
    sender = Sender(
        sessions=sessions,
        clock=clock,
        notifiers=notifiers,
        retry=RetryPolicy(lease_seconds=settings.outbox_lease_seconds),
    )
    desk = Desk(
        sessions=sessions,
        clock=clock,
        policy=policy or settings.policy(),
        sender=sender,
        deliver_now=deliver_now,
    )
    return Core(desk=desk, sender=sender, sessions=sessions, clock=clock)


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to serve a database whose schema is behind this code (PostgreSQL is migrated
    deliberately with ``privacy-desk migrate``)."""
    current, head = await schema_revisions(engine)
    if current != head:
        raise RuntimeError(
            f"the database schema is at {current or 'nothing'}, this release needs {head}: "
            "run `privacy-desk migrate`"
        )


def build_web(
    settings: Settings, core: Core, *, teams: TeamsBinding | None = None
) -> web.Application:
    """One aiohttp application: health endpoints, and Slack and Teams when configured."""
    app = base_app(core.sessions)
    if teams is not None:
        mount_teams(app, settings, core, teams)
    if settings.slack_bot_token is not None and settings.slack_app_token is None:
        if settings.slack_signing_secret is None:
            raise RuntimeError("Slack needs PRIVACY_DESK_SLACK_SIGNING_SECRET to verify requests")
        bolt = slack_bolt_app(settings, core)
        secret = settings.slack_signing_secret.get_secret_value()

        async def slack_events(request: web.Request) -> web.StreamResponse:
            return await slack_guard.handle(request, bolt=bolt, secret=secret)

        app.router.add_post("/slack/events", slack_events)
    return app


def slack_bolt_app(settings: Settings, core: Core) -> AsyncApp:
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    return build_slack_app(
        desk=core.desk,
        client=web_client(token=None, base_url=settings.slack_api_url),  # bolt adds the token
        token=token,
        signing_secret=secret,
        team_ids=frozenset(settings.slack_team_ids),
    )


def notifiers_for(
    settings: Settings,
    policy: Policy,
    *,
    teams: TeamsBinding | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> dict[str, Notifier]:
    found: dict[str, Notifier] = {}
    if teams is not None and sessions is not None:
        found["teams"] = TeamsNotifier(
            adapter=teams.adapter,
            app_id=settings.teams_app_id or "",
            sessions=sessions,
            tz=policy.timezone,
        )
    if settings.slack_bot_token is not None:
        client = web_client(
            token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        found["slack"] = SlackNotifier(client, policy.timezone)
    return found


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the server, the outbox sender and the scheduler until ``stop`` or SIGTERM/SIGINT."""
    engine = await prepare_database(settings)
    try:
        await check_schema(engine)
        policy = settings.policy()
        teams = teams_binding(settings)
        notifiers = notifiers_for(settings, policy, teams=teams, sessions=session_factory(engine))
        core = build_core(settings, engine, notifiers=notifiers, policy=policy, deliver_now=False)
        app = build_web(settings, core, teams=teams)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        scheduler = build_scheduler(
            settings=settings,
            sessions=core.sessions,
            clock=core.clock,
            policy=policy,
            sender=core.sender,
        )
        scheduler.start()
        delivery = asyncio.create_task(
            core.sender.serve_forever(idle_seconds=settings.sweep_seconds)
        )
        socket_mode = await start_socket_mode(settings, core)
        log.info("privacy-desk serving on %s:%s", settings.host, settings.port)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await core.sweep()  # whatever fell due while no replica was running
        await stop.wait()
        log.info("privacy-desk stopping")
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        scheduler.shutdown(wait=False)
        await core.sender.stop(grace=SHUTDOWN_SECONDS)  # finish sends, hand the rest back
        delivery.cancel()
        await runner.cleanup()
    finally:
        await engine.dispose()


async def start_socket_mode(settings: Settings, core: Core) -> AsyncSocketModeHandler | None:
    """Socket Mode for organisations without a public URL (``SLACK_APP_TOKEN`` set)."""
    if settings.slack_app_token is None or settings.slack_bot_token is None:
        return None
    handler = AsyncSocketModeHandler(
        slack_bolt_app(settings, core), settings.slack_app_token.get_secret_value()
    )
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


@dataclass
class TeamsBinding:
    """The Agents SDK adapter, shared by the inbound endpoint and proactive delivery."""

    adapter: CloudAdapter


def teams_binding(settings: Settings, *, connections: Any = None) -> TeamsBinding | None:
    """The Teams adapter when Teams is configured. Outgoing tokens come from MSAL for the app's
    registration, or none at all in anonymous local development."""
    if not settings.teams_enabled:
        return None
    if connections is None:
        if settings.teams_app_id is None:
            connections = StaticConnections("")
        else:
            from microsoft_agents.authentication.msal import MsalConnectionManager

            password = settings.teams_app_password
            config = AgentAuthConfiguration(
                auth_type=AuthTypes(settings.teams_auth_type.value),
                client_id=settings.teams_app_id,
                tenant_id=settings.teams_app_tenant_id,
                client_secret=password.get_secret_value() if password else None,
                cert_pfx_file=settings.teams_certificate_file,
            )
            connections = MsalConnectionManager(
                connections_configurations={"SERVICE_CONNECTION": config}
            )
    adapter = CloudAdapter(connection_manager=connections)
    adapter.on_turn_error = on_teams_turn_error
    return TeamsBinding(adapter=adapter)


async def on_teams_turn_error(context: TurnContext, error: Exception) -> None:
    """Replace the SDK's default, which posts the exception text into the conversation (a
    compliance channel must never see that). A proactive send re-raises, so the outbox retries
    it; a person's message gets a plain apology (their transaction was rolled back)."""
    activity = context.activity
    if activity.type == "event" and activity.name == "ContinueConversation":
        raise error
    log.error("Teams turn failed: %s", type(error).__name__)
    await context.send_activity("Sorry, that did not work and nothing was changed. Try again.")


def mount_teams(app: web.Application, settings: Settings, core: Core, teams: TeamsBinding) -> None:
    """``/api/messages``: the JWT (401), the activity against it (400/401/403), then the agent."""
    auth = TeamsAuth.from_settings(settings)
    agent = TeamsAgent(core.desk, adapter=teams.adapter, app_id=settings.teams_app_id or "")

    async def messages(request: web.Request) -> web.StreamResponse:
        identity = await auth.admit(request)  # token, serviceUrl, tenant: 400/401/403 first
        if isinstance(identity, web.Response):
            return identity
        with warnings.catch_warnings():  # the SDK reads this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = identity
        response = await teams.adapter.process(request, agent)
        return response if response is not None else web.Response(status=202)

    app.router.add_post("/api/messages", messages)
