"""Who a person named in a Slack command is: mentions, typed names, and links Slack escaped.

The slash commands are registered with ``should_escape: true`` (deploy/slack-manifest.yaml), so
a person picked from Slack's @ list arrives as ``<@U123ABC|alice>`` (or ``<@U123ABC>``) and an
email as ``<mailto:a@b.org|a@b.org>``. A name typed without picking it (``@alice``, ``alice``)
arrives as plain text: it is looked up in the workspace's members (``users.list``, paged) by
user name, display name or real name, case-insensitively. A name that matches nobody, or more
than one person, is refused: the command would otherwise assign a ticket to an id no one has.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_ESCAPED_USER = re.compile(r"^<@([UW][A-Z0-9]{2,30})(?:\|[^<>]{0,200})?>$")
_MAILTO = re.compile(r"<mailto:([^<>|\s]{1,254})(?:\|[^<>]{0,254})?>")
_PLAIN = re.compile(r"^@?([\w.'-]{1,80})$")
_PERSON_ACTIONS = frozenset({"assign"})  # the sub-commands whose third word is a person
_PAGES = 20  # 20 pages of 200: a workspace of 4,000 people


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A typed name the workspace does not resolve to exactly one person."""

    reason: str


def unescape_links(text: str) -> str:
    """``<mailto:a@b.org|a@b.org>`` back to ``a@b.org``, so ``email=`` reads as typed. Other
    markup (``<!channel>``, links) is left for the renderers to escape when it is shown."""
    return _MAILTO.sub(lambda m: m.group(1), text)


async def resolve_people(text: str, client: AsyncWebClient) -> str | Unresolved:
    """The command text with its person argument as ``<@U…>``, or why it cannot be."""
    words = text.split(" ")
    index = _person_index(words)
    if index is None:
        return unescape_links(text)
    raw = words[index]
    prefix = ""
    if raw.startswith("person="):
        prefix, raw = "person=", raw.removeprefix("person=")
    if _ESCAPED_USER.match(raw) is None:
        resolved = await _look_up(raw, client)
        if isinstance(resolved, Unresolved):
            return resolved
        raw = f"<@{resolved}>"
    words[index] = prefix + raw
    return unescape_links(" ".join(words))


def _person_index(words: list[str]) -> int | None:
    """Where the person is in ``assign REF @person`` (empty words are runs of spaces)."""
    filled = [i for i, w in enumerate(words) if w]
    if len(filled) >= 3 and words[filled[0]].lower() in _PERSON_ACTIONS:
        return filled[2]
    return None


async def _look_up(raw: str, client: AsyncWebClient) -> str | Unresolved:
    match = _PLAIN.match(raw)
    if match is None:
        return Unresolved(f"{raw[:80]} is not a person: pick them with @ so Slack links them")
    wanted = match.group(1).casefold()
    try:
        members = await _members(client)
    except SlackApiError as exc:
        log.warning("users.list failed: %s", exc.response.get("error"))
        return Unresolved(
            f"could not look up @{match.group(1)} in Slack just now: pick them with @ instead"
        )
    found = {str(m["id"]) for m in members if wanted in _names(m)}
    if len(found) == 1:
        return found.pop()
    if not found:
        return Unresolved(f"no one in this workspace is called @{match.group(1)}")
    return Unresolved(
        f"{len(found)} people in this workspace match @{match.group(1)}: pick one with @"
    )


def _names(member: dict[str, Any]) -> set[str]:
    profile = member.get("profile") or {}
    names = (
        member.get("id"),
        member.get("name"),
        member.get("real_name"),
        profile.get("display_name"),
        profile.get("real_name"),
    )
    return {str(n).casefold() for n in names if n}


async def _members(client: AsyncWebClient) -> list[dict[str, Any]]:
    """The workspace's people (no bots, no deactivated accounts), every page."""
    members: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(_PAGES):
        page = await client.users_list(limit=200, cursor=cursor or None)
        listed: list[dict[str, Any]] = page.get("members") or []
        members.extend(
            m
            for m in listed
            if not m.get("deleted") and not m.get("is_bot") and m.get("id") != "USLACKBOT"
        )
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            break
    return members
