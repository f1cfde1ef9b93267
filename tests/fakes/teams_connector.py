"""A fake Bot Connector service and Entra/Bot Framework token issuer, on loopback.

Activities posted to the server carry ``serviceUrl = fake.service_url``; the bot's replies and
proactive sends land here and are recorded. ``token()`` signs a JWT with a key published at
``fake.jwks_url``, as the Bot Framework does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.loopback import serve

BOT_ISSUER = "https://api.botframework.com"


@dataclass
class Sent:
    conversation: str
    activity: dict[str, Any]
    reply_to: str | None = None
    method: str = "POST"
    authorization: str = ""  # the bot's token, as the connector received it


@dataclass
class FakeConnector:
    sent: list[Sent] = field(default_factory=list)
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    refuse_updates: int = 0  # this many activity updates (PUT) fail with 500, unrecorded
    service_url: str = ""
    jwks_url: str = ""
    _runner: web.AppRunner | None = None
    _count: int = 0
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "test-key-1"

    def token(
        self,
        *,
        audience: str,
        issuer: str = BOT_ISSUER,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        expires_in: int = 3600,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A signed token; ``extra`` adds or overrides claims (a value of None drops one)."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "serviceurl": self.service_url,
        }
        for name, value in (extra or {}).items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def cards(self) -> list[dict[str, Any]]:
        found = []
        for item in self.sent:
            for attachment in item.activity.get("attachments") or []:
                found.append(attachment.get("content") or {})
        return found

    async def _jwks(self, _request: web.Request) -> web.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        public |= {"kid": self.kid, "use": "sig", "alg": "RS256"}
        return web.json_response({"keys": [public]})

    async def _activity(self, request: web.Request) -> web.Response:
        if self.failures:
            status, retry = self.failures.pop(0)
            headers = {"Retry-After": str(retry)} if retry else {}
            return web.json_response({"error": {"code": "fail"}}, status=status, headers=headers)
        if request.method == "PUT" and self.refuse_updates > 0:
            self.refuse_updates -= 1
            return web.json_response({"error": {"code": "fail"}}, status=500)
        body = await request.json()
        self._count += 1
        self.sent.append(
            Sent(
                conversation=request.match_info["conversation"],
                activity=body,
                reply_to=request.match_info.get("activity"),
                method=request.method,
                authorization=request.headers.get("Authorization", ""),
            )
        )
        return web.json_response({"id": f"msg-{self._count}"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/jwks", self._jwks)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post(
            "/v3/conversations/{conversation}/activities/{activity}", self._activity
        )
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._activity)
        self._runner, port = await serve(app)
        self.service_url = f"http://127.0.0.1:{port}/"
        self.jwks_url = f"http://127.0.0.1:{port}/jwks"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def dumps(value: Any) -> str:
    return json.dumps(value)
