"""``/slack/events`` at the HTTP edge: the signature first, then the shape, then slack-bolt.

Nothing of an unsigned request is parsed, logged or stored: the raw bytes are checked against
``X-Slack-Signature`` (HMAC-SHA256 with the signing secret, timestamp within five minutes,
compared in constant time) and anything else gets 401 with no body worth reading. A signed
request that is not what Slack sends — not UTF-8, not JSON where JSON is due, nested past
reason, fields of the wrong type — gets 400 before slack-bolt sees it, because bolt and our
listeners index into the payload and would answer garbage with a 500. Bolt checks the
signature again; that is harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 300  # Slack's own recommendation: older requests may be replays
MAX_DEPTH = 24  # the deepest real payload (a view's state) is about 6 levels

Shape = type | tuple[type, ...] | dict[str, "Shape"] | list["Shape"]
TEXT = str
ELEMENT: dict[str, Shape] = {
    "type": TEXT,
    "value": TEXT,
    "selected_date": TEXT,
    "selected_user": TEXT,
    "selected_date_time": (int, str),
    "selected_option": {"value": TEXT},
}
PAYLOAD: dict[str, Shape] = {
    "type": TEXT,
    "trigger_id": TEXT,
    "response_url": TEXT,
    "callback_id": TEXT,
    "user": {"id": TEXT},
    "team": {"id": TEXT},
    "channel": {"id": TEXT},
    "message": {"text": TEXT, "ts": TEXT},
    "actions": [{"action_id": TEXT, "value": TEXT, "action_ts": TEXT}],
    "view": {
        "id": TEXT,
        "callback_id": TEXT,
        "private_metadata": TEXT,
        "state": {"values": {"*": {"*": ELEMENT}}},
    },
    "event": {"type": TEXT, "user": TEXT, "tab": TEXT},
    "team_id": TEXT,
    "command": TEXT,
    "text": TEXT,
    "user_id": TEXT,
    "challenge": TEXT,
}
# What each kind of delivery must carry for our listeners to act on it.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "command": (("user_id",), ("trigger_id",)),
    "block_actions": (("user", "id"), ("actions",)),
    "view_submission": (("user", "id"), ("view", "id")),
    "message_action": (("trigger_id",), ("user", "id")),
}


def signature_ok(*, secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def shape_problem(value: Any, shape: Shape, path: str = "", depth: int = 0) -> str | None:
    """Where ``value`` is not of ``shape`` (missing keys and nulls are allowed), or None."""
    if depth > MAX_DEPTH:
        return f"{path or 'body'} is nested too deeply"
    if value is None:
        return None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{path or 'body'} should be an object"
        for key, inner in value.items():
            if not isinstance(key, str):
                return f"{path} has a key that is not text"
            sub = shape.get(key, shape.get("*"))
            problem = (
                shape_problem(inner, sub, f"{path}.{key}", depth + 1)
                if sub is not None
                else _depth_problem(inner, f"{path}.{key}", depth + 1)
            )
            if problem:
                return problem
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{path} should be a list"
        for index, item in enumerate(value):
            problem = shape_problem(item, shape[0], f"{path}[{index}]", depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, bool) or not isinstance(value, shape):
        return f"{path} has the wrong type"
    return None


def _depth_problem(value: Any, path: str, depth: int) -> str | None:
    """Fields we do not read may hold anything, but not nesting without end."""
    if depth > MAX_DEPTH:
        return f"{path} is nested too deeply"
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        problem = _depth_problem(child, path, depth + 1)
        if problem:
            return problem
    return None


def _dig(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    found: Any = body
    for key in path:
        found = found.get(key) if isinstance(found, dict) else None
    return found


def payload_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "the body should be an object"
    problem = shape_problem(body, PAYLOAD)
    if problem:
        return problem
    kind = "command" if "command" in body else str(body.get("type", ""))
    for path in REQUIRED.get(kind, ()):
        if _dig(body, path) in (None, "", []):
            return f"{'.'.join(path)} is missing"
    actions = body.get("actions")
    if isinstance(actions, list) and any(a is None for a in actions):
        return "actions holds an empty entry"
    return None


def refusal(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


async def handle(request: web.Request, *, bolt: AsyncApp, secret: str) -> web.StreamResponse:
    """Verify, validate, then dispatch to slack-bolt."""
    body = await request.read()
    if not signature_ok(
        secret=secret,
        body=body,
        timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
        signature=request.headers.get("X-Slack-Signature", ""),
        now=time.time(),
    ):
        log.info("refused an unsigned or stale Slack request (%s bytes)", len(body))
        return refusal(401, "invalid request")
    try:
        body.decode("utf-8")
        bolt_request = await to_bolt_request(request)
    except (ValueError, RecursionError, AttributeError, TypeError, KeyError):
        # ValueError covers bad UTF-8 and bad JSON; the others, JSON that is not an object.
        log.warning("refused a signed Slack request that could not be parsed")
        return refusal(400, "the body is not a Slack payload")
    problem = payload_problem(bolt_request.body)
    if problem is not None:
        log.warning("refused a signed Slack request: %s", problem)
        return refusal(400, "the body is not a Slack payload")
    return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
