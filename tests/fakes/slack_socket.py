"""A fake Socket Mode endpoint on loopback: Slack's side of the websocket.

``apps.connections.open`` on the fake Web API answers with ``ws://127.0.0.1:<port>/socket``;
the client connects, gets ``hello``, and then ``send`` pushes an envelope (``slash_commands``,
``interactive``, ``events_api``) and waits for the client's ack carrying the same
``envelope_id``, as Slack does. Every ack is recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

ACK_SECONDS = 10.0  # Slack waits 3 s; the fake waits longer so a slow test machine still passes
_ENVELOPES = itertools.count(1)


@dataclass
class FakeSocketMode:
    acks: list[dict[str, Any]] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0
    _socket: web.WebSocketResponse | None = None
    _waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket, self.connections = socket, self.connections + 1
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}
        )
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            self.acks.append(ack)
            waiting = self._waiting.pop(str(ack.get("envelope_id")), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(ack)
        return socket

    async def send(
        self, kind: str, payload: dict[str, Any], *, envelope_id: str | None = None
    ) -> dict[str, Any]:
        """Push one envelope and return the client's ack (``envelope_id`` and ``payload``)."""
        await asyncio.wait_for(self.connected.wait(), ACK_SECONDS)
        assert self._socket is not None
        envelope_id = envelope_id or f"env-{next(_ENVELOPES):06d}"
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[envelope_id] = answer
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._socket.send_json(envelope)
        try:
            return await asyncio.wait_for(answer, ACK_SECONDS)
        finally:
            self._waiting.pop(envelope_id, None)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
