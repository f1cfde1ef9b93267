"""Bot Framework request authentication for ``/api/messages``.

Every request must carry a JWT signed by a key from the channel's JWKS (Bot Framework's by
default), issued to this bot (audience = ``TEAMS_APP_ID``) by a Bot Framework or Entra issuer.
Anonymous requests are accepted only when ``TEAMS_ALLOW_ANONYMOUS`` is set, which production
refuses. PyJWT (the library the Agents SDK validates with) does the cryptography; the JWKS
endpoint is a setting so sovereign clouds and offline tests can point it elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import jwt
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

log = logging.getLogger(__name__)

BOT_FRAMEWORK_JWKS = "https://login.botframework.com/v1/.well-known/keys"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


@dataclass
class TeamsAuth:
    app_id: str | None
    allow_anonymous: bool
    jwks_url: str = BOT_FRAMEWORK_JWKS
    tenant_ids: frozenset[str] = frozenset()
    _jwks: jwt.PyJWKClient | None = field(default=None, init=False)

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
