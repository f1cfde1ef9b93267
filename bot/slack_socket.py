"""Slack over Socket Mode: the same bolt app and listeners, fed from a websocket.

Used when ``SLACK_APP_TOKEN`` is set (organisations without a public URL). Slack signs
nothing on the socket (the connection itself is authenticated with the app-level token), so
the HTTP edge's signature check has no counterpart here, but its shape check does: a payload
our listeners cannot read is acknowledged and dropped instead of raising inside a listener.
A delivery bolt refuses (a workspace outside ``SLACK_TEAM_IDS``) is acknowledged too, with an
empty ack, so Slack does not redeliver it; nothing was changed.
"""

from __future__ import annotations

import logging
from time import time

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack_guard import payload_problem

log = logging.getLogger(__name__)


class GuardedSocketModeHandler(AsyncSocketModeHandler):
    """bolt's aiohttp Socket Mode handler with the payload shape check in front of it."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time()
        problem = payload_problem(req.payload)
        if problem is not None:
            log.warning("dropped a Socket Mode %s delivery: %s", req.type, problem)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        response = await run_async_bolt_app(self.app, req)
        if response.status != 200:
            log.info("refused a Socket Mode %s delivery (%s)", req.type, response.status)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await send_async_response(client, req, response, start)


async def connect(app: AsyncApp, *, app_token: str) -> GuardedSocketModeHandler:
    """Open the socket (``apps.connections.open`` with the app-level token, then the
    websocket it names) and start receiving; ``close_async`` ends it."""
    handler = GuardedSocketModeHandler(app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler
