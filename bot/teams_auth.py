"""Bot Framework request authentication for ``/api/messages``.

Every request must carry a JWT signed by a key from the channel's JWKS (Bot Framework's by
default), issued to this bot (audience = ``TEAMS_APP_ID``) by a Bot Framework or Entra issuer.
Anonymous requests are accepted only when ``TEAMS_ALLOW_ANONYMOUS`` is set, which production
refuses. PyJWT (the library the Agents SDK validates with) does the cryptography; the JWKS
endpoint is a setting so sovereign clouds and offline tests can point it elsewhere.

``admit`` then checks the activity against the token before the SDK or the agent sees it,
because the SDK answers (with the bot's own bearer token) at whatever ``serviceUrl`` the
activity names, and the agent stores that URL for every later DM:

- the activity's ``serviceUrl`` must equal the token's ``serviceurl`` claim — scheme, host, port
  and path, not only the host as the SDK compares — and a token without the claim is refused;
- in production the URL must also start with one of ``TEAMS_SERVICE_URLS``, so a token minted
  for some other Bot Framework endpoint cannot aim replies at it either;
- a token that names a tenant (``tid``) must name the activity's tenant, and the tenant must be
  in ``TEAMS_TENANT_IDS``.

Refusals are 401 (who you are does not check out) or 403 (you are not allowed here) with
nothing sent and nothing stored; the body is not logged, only which check failed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from bot.teams import tenant_of

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

BOT_FRAMEWORK_JWKS = "https://login.botframework.com/v1/.well-known/keys"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
WRONG_URL = "a Teams activity whose serviceUrl is not its token's serviceurl"
OFF_LIST = "a Teams activity whose serviceUrl is not in TEAMS_SERVICE_URLS"
OTHER_TENANT = "a Teams activity for another tenant than its token's"
BAD_TENANT = "a Teams activity from a tenant that is not allowed"


@dataclass
class TeamsAuth:
    app_id: str | None
    allow_anonymous: bool
    jwks_url: str = BOT_FRAMEWORK_JWKS
    tenant_ids: frozenset[str] = frozenset()
    # None: no allow-list (development); else serviceUrl prefixes that are accepted.
    service_urls: tuple[str, ...] | None = None
    _jwks: jwt.PyJWKClient | None = field(default=None, init=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamsAuth:
        production = settings.env == "production"
        return cls(
            app_id=settings.teams_app_id,
            allow_anonymous=settings.teams_allow_anonymous,
            jwks_url=settings.teams_jwks_url,
            tenant_ids=frozenset(settings.teams_tenant_ids),
            service_urls=tuple(settings.teams_service_urls) if production else None,
        )

    def issuers(self, claims: dict[str, Any]) -> set[str]:
        tenant = str(claims.get("tid", ""))
        allowed = {BOT_FRAMEWORK_ISSUER}
        if tenant:
            allowed |= {
                f"https://sts.windows.net/{tenant}/",
                f"https://login.microsoftonline.com/{tenant}/v2.0",
            }
        return allowed

    async def claims(self, header: str | None) -> ClaimsIdentity | None:
        """The caller's verified claims, an anonymous identity if allowed, or None (401)."""
        if not header:
            return ClaimsIdentity({}, None) if self.allow_anonymous else None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or self.app_id is None:
            return None
        try:
            verified = await asyncio.to_thread(self._verify, token.strip())
        except (jwt.PyJWTError, ValueError) as exc:
            log.warning("rejected a Teams request: %s", type(exc).__name__)
            return None
        return ClaimsIdentity(verified, "Bearer", security_token=token.strip())

    def _verify(self, token: str) -> dict[str, Any]:
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(self.jwks_url, cache_keys=True, timeout=10)
        key = self._jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            audience=self.app_id,
            leeway=300,
            options={"require": ["exp", "iss", "aud"]},
        )
        if claims["iss"] not in self.issuers(claims):
            raise ValueError("issuer not accepted")
        return claims

    async def admit(self, request: web.Request) -> ClaimsIdentity | web.Response:
        """The verified identity for this request, or the refusal to send instead."""
        identity = await self.claims(request.headers.get("Authorization"))
        if identity is None:
            return _refuse(401, "unauthorized")
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):
            return _refuse(400, "the body is not JSON", "a Teams request that is not JSON")
        if not isinstance(body, dict):
            return _refuse(400, "the body is not an activity", "a Teams body that is not an object")
        try:
            activity = Activity.model_validate(body)
        except (ValidationError, ValueError, TypeError, RecursionError):
            return _refuse(
                400, "the body is not an activity", "a Teams body that is not an activity"
            )
        if not activity.type or not activity.service_url or not activity.conversation:
            return _refuse(400, "the activity lacks type, serviceUrl or conversation")
        claims = identity.claims or {}
        if not identity.allow_anonymous:
            claimed = claims.get("serviceurl")
            if not isinstance(claimed, str) or _url(claimed) != _url(activity.service_url):
                return _refuse(401, "unauthorized", WRONG_URL)
        if self.service_urls is not None and not any(
            _url(activity.service_url).startswith(_url(allowed)) for allowed in self.service_urls
        ):
            return _refuse(403, "this service URL is not allowed", OFF_LIST)
        tenant = tenant_of(body)
        token_tenant = claims.get("tid")
        if token_tenant and token_tenant != tenant:
            return _refuse(
                403,
                "this tenant is not allowed",
                OTHER_TENANT,
            )
        if self.tenant_ids and tenant not in self.tenant_ids:
            return _refuse(
                403,
                "this tenant is not allowed",
                BAD_TENANT,
            )
        return identity


def _url(value: str) -> str:
    """A URL compared as the connector would reach it: scheme and host in lower case, an
    explicit default port dropped, the path ending in ``/``."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        return "invalid:" + value
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme.lower()}://{netloc}{path}"


def _refuse(status: int, reason: str, logged: str | None = None) -> web.Response:
    log.warning("refused %s", logged or f"a Teams request ({reason})")
    return web.json_response({"error": reason}, status=status)
