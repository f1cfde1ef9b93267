"""``privacy-desk serve``: the core from ``bot.wiring`` plus Slack, Teams and one aiohttp app.

``build_server`` is the one place the platforms are attached: ``serve``, the test harnesses and
the Slack benchmark all build their server with it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import slack_guard, slack_oauth, slack_socket
from bot.config import Settings
from bot.metrics import Metrics
from bot.slack import build_slack_app
from bot.slack_notifier import SlackNotifier, web_client
from bot.slack_pace import ChannelPace
from bot.teams import PLATFORM as TEAMS
from bot.teams import TeamsAgent
from bot.teams_actions import privacy_members
from bot.teams_auth import TeamsAuth
from bot.teams_notifier import StaticConnections, TeamsNotifier
from bot.web import base_app
from bot.wiring import Application, Sessions, build_application, check_schema, prepare_database
from handlers.outbox import SHUTDOWN_SECONDS
from handlers.policy import Policy
from handlers.ports import Clock, Notifier
from storage.db import writer_engine

log = logging.getLogger(__name__)


@dataclass
class Server:
    """The application with its platforms attached, and the aiohttp app that serves them."""

    application: Application
    web: web.Application


def build_server(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock | None = None,
    teams_connections: Any = None,
    write_engine: AsyncEngine | None = None,
) -> Server:
    """``build_application`` with the Slack and Teams notifiers the settings configure, and one
    aiohttp app for their endpoints. Messages are delivered by the server's sender loop."""
    teams = teams_binding(settings, connections=teams_connections)
    tokens = slack_oauth.installed_tokens(settings)

    def notifiers(policy: Policy, sessions: Sessions) -> dict[str, Notifier]:
        return platform_notifiers(settings, policy, teams=teams, sessions=sessions, tokens=tokens)

    application = build_application(
        settings,
        clock=clock,
        engine=engine,
        notifiers=notifiers,
        deliver_now=False,
        max_write_wait=settings.write_wait_seconds,
        write_engine=write_engine,
    )
    if tokens is not None:
        tokens.bind(application.engine)
    return Server(application=application, web=build_web(settings, application, teams=teams))


def platforms_off(settings: Settings) -> dict[str, str]:
    """Each platform endpoint that is off, with the reason (the setting that would turn it on)."""
    off: dict[str, str] = {}
    if not settings.slack_enabled:
        off["/slack/events"] = "Slack: off — PRIVACY_DESK_SLACK_BOT_TOKEN not set"
    elif settings.slack_app_token is not None:
        off["/slack/events"] = (
            "Slack: Socket Mode (PRIVACY_DESK_SLACK_APP_TOKEN is set): events arrive over the "
            "socket, not on /slack/events"
        )
    if not settings.teams_enabled:
        off["/api/messages"] = "Teams: off — PRIVACY_DESK_TEAMS_APP_ID not set"
    return off


def _unavailable(reason: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, text=reason + "\n")

    return answer


def build_web(
    settings: Settings, core: Application, *, teams: TeamsBinding | None = None
) -> web.Application:
    """One aiohttp application: health endpoints, and Slack and Teams when configured. An
    endpoint whose platform is off answers 503 with the reason, not a bare 404, so whoever
    points Slack or Teams at it learns what to set."""
    metrics = Metrics()
    core.desk.observe = metrics.observe_command
    metrics.watch_writer(core.desk.writer)
    core.observe_lag = metrics.observe_lag
    app = base_app(core.sessions, metrics=metrics, clock=core.clock)
    for path, reason in platforms_off(settings).items():
        app.router.add_post(path, _unavailable(reason))
    if teams is not None:
        mount_teams(app, settings, core, teams)
    if settings.slack_enabled and settings.slack_app_token is None:
        if settings.slack_signing_secret is None:
            raise RuntimeError("Slack needs PRIVACY_DESK_SLACK_SIGNING_SECRET to verify requests")
        bolt = slack_bolt_app(settings, core)
        secret = settings.slack_signing_secret.get_secret_value()

        async def slack_events(request: web.Request) -> web.StreamResponse:
            return await slack_guard.handle(request, bolt=bolt, secret=secret)

        app.router.add_post("/slack/events", slack_events)
        if bolt.oauth_flow is not None:
            slack_oauth.mount(app, bolt.oauth_flow)
    return app


def slack_bolt_app(settings: Settings, core: Application) -> AsyncApp:
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    client = web_client(token=None, base_url=settings.slack_api_url)  # bolt adds the token
    allow = frozenset(settings.slack_team_ids)
    flow = None
    if settings.slack_bot_token is None:  # many workspaces: tokens from the installations
        assert settings.slack_client_id is not None and settings.slack_client_secret is not None
        flow = slack_oauth.oauth_flow(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            engine=core.engine,
            client=client,
            allow=allow,
            redirect_uri=settings.slack_redirect_uri,
        )
    return build_slack_app(
        desk=core.desk,
        client=client,
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        oauth_flow=flow,
        signing_secret=secret,
        team_ids=allow,
    )


def platform_notifiers(
    settings: Settings,
    policy: Policy,
    *,
    teams: TeamsBinding | None,
    sessions: Sessions,
    tokens: slack_oauth.InstalledTokens | None = None,
) -> dict[str, Notifier]:
    found: dict[str, Notifier] = {}
    pace = ChannelPace(interval=settings.slack_channel_interval)
    if teams is not None:
        found["teams"] = TeamsNotifier(
            adapter=teams.adapter,
            app_id=settings.teams_app_id or "",
            sessions=sessions,
            tz=policy.timezone,
            privacy_team=tuple(privacy_members(policy, TEAMS)),
        )
    if settings.slack_bot_token is not None:
        client = web_client(
            token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        found["slack"] = SlackNotifier(client, policy.timezone, pace=pace)
    elif tokens is not None:
        client = web_client(token=None, base_url=settings.slack_api_url)
        found["slack"] = SlackNotifier(client, policy.timezone, tokens=tokens, pace=pace)
    return found


# The cyclic garbage collector's young-generation threshold while serving (Python's default is
# 700 allocations). See ``settle_memory``.
GC_YOUNG_THRESHOLD = 5000


def settle_memory() -> None:
    """Ready the process to serve: what start-up made (SQLAlchemy's and the SDKs' modules, the
    models, the compiled statements: about 175,000 objects) is moved where the cyclic garbage
    collector no longer walks it (``gc.freeze``), and the young generation is collected every
    ``GC_YOUNG_THRESHOLD`` allocations. A batch of openings allocates thousands of small rows;
    at 32 concurrent ``/dsar new`` the collector took 0.18 ms of each request's 1.3 ms of CPU
    (bench.slack_ack), 0.04 ms after this. Cycles are still collected."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the server, the outbox sender and the scheduler until ``stop`` or SIGTERM/SIGINT."""
    engine = await prepare_database(settings)
    writer = writer_engine(engine)  # the group commit's own pool (PostgreSQL)
    try:
        await check_schema(engine)
        server = build_server(settings, engine=engine, write_engine=writer)
        core = server.application
        runner = web.AppRunner(server.web, access_log=None)
        await runner.setup()
        settle_memory()
        await web.TCPSite(runner, settings.host, settings.port).start()
        scheduler = core.scheduler()
        scheduler.start()
        delivery = asyncio.create_task(
            core.sender.serve_forever(idle_seconds=settings.sweep_seconds)
        )
        socket_mode = await start_socket_mode(settings, core)
        log.info("privacy-desk serving on %s:%s", settings.host, settings.port)
        off = platforms_off(settings)
        for path, name in (("/slack/events", "Slack"), ("/api/messages", "Teams")):
            log.info("%s", off.get(path) or f"{name}: on")
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:  # the sender stops claiming at once, even mid-sweep
            stop.set()
            core.sender.begin_stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
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
        if writer is not engine:
            await writer.dispose()
        await engine.dispose()


async def start_socket_mode(
    settings: Settings, core: Application
) -> slack_socket.GuardedSocketModeHandler | None:
    """Socket Mode for organisations without a public URL (``SLACK_APP_TOKEN`` set)."""
    if settings.slack_app_token is None or not settings.slack_enabled:
        return None
    return await slack_socket.connect(
        slack_bolt_app(settings, core), app_token=settings.slack_app_token.get_secret_value()
    )


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
            from bot.teams_msal import msal_connections

            connections = msal_connections(settings)
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


def mount_teams(
    app: web.Application, settings: Settings, core: Application, teams: TeamsBinding
) -> None:
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
