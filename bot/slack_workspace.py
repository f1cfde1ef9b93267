"""Which workspace (and Enterprise Grid org) a Slack payload comes from, and the allow-list
(``SLACK_TEAM_IDS``) that admits it: a workspace by its team id, or every workspace of an org by
the org's enterprise id (an org-wide install)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from handlers.ports import Workspace

log = logging.getLogger(__name__)


def _id(value: Any) -> str | None:
    """An id given as text or as an object with one (``{"id": "T0001", ...}``)."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if isinstance(value, str) and value else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def workspace_of(body: dict[str, Any]) -> Workspace:
    """The workspace a person acted in, and its Enterprise Grid org, from any payload.

    Slash commands are form fields ``team_id`` and ``enterprise_id``. Interactivity payloads
    carry ``team`` and ``enterprise`` objects (``enterprise`` is null outside Grid; ``team`` is
    null for an org-wide install, where ``user.team_id`` says the workspace). Event envelopes
    carry ``team_id`` and ``enterprise_id`` at the top; their ``authorizations`` name the
    installation, whose ``team_id`` is null for an org-wide install, so they are not used.
    """
    team_object, user, view = (_object(body.get(key)) for key in ("team", "user", "view"))
    team = (
        _id(body.get("team_id"))
        or _id(body.get("team"))
        or _id(user.get("team_id"))
        or _id(view.get("team_id"))
    )
    enterprise = (
        _id(body.get("enterprise_id"))
        or _id(body.get("enterprise"))
        or _id(team_object.get("enterprise_id"))
    )
    return Workspace(enterprise=enterprise, team=team)


def team_guard(allowed: frozenset[str]) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Refuse workspaces outside ``SLACK_TEAM_IDS`` (runs after signature verification). An
    Enterprise Grid org's id there allows every workspace of the org."""

    async def guard(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        where = workspace_of(body)
        if allowed and where.team not in allowed and where.enterprise not in allowed:
            log.warning("refused a request from a workspace that is not allowed")
            return BoltResponse(status=403, body="this workspace is not allowed")
        await next()
        return None

    return guard
