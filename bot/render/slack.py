"""Block Kit for the neutral messages: pure functions, no I/O.

Each returns ``(text, blocks)``: ``text`` is the notification / accessibility fallback Slack
requires beside blocks. Slack parses that fallback as markup too (``<!channel>`` pings a whole
channel, ``<https://evil|bank>`` is a disguised link), so it is escaped exactly like the blocks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers import forms
from handlers.ports import ChannelPost, Reply, Tone, WeeklySummary
from handlers.summary import render as summary_reply
from handlers.wording import fmt_day, fmt_moment, state_words

Blocks = list[dict[str, Any]]
MAX_SECTION = 2900  # Slack allows 3000 characters in a section's text


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION]}}


def deadline_text(post: ChannelPost, tz: ZoneInfo) -> str:
    if post.deadline is None:
        return "clock stopped"
    if isinstance(post.deadline, datetime):
        return "ICO due " + fmt_moment(post.deadline, tz)
    return "due " + fmt_day(post.deadline)


def channel_post(post: ChannelPost, tz: ZoneInfo) -> tuple[str, Blocks]:
    """A compliance post: reference, type, state, deadline — nothing else exists to leak."""
    deadline = deadline_text(post, tz)
    state = state_words(post.state)
    if post.is_opening:
        text = f"{post.ref} opened: {post.ticket_type}, {state}, {deadline}"
        blocks: Blocks = [
            _section(f"*{post.ref}* opened · `{post.ticket_type}`"),
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"state *{state}* · {deadline}"}],
            },
            {
                "type": "actions",
                "block_id": f"ticket:{post.ref}",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Show"},
                        "action_id": "ticket_show",
                        "value": post.ref,
                    }
                ],
            },
        ]
        return text, blocks
    text = f"{post.ref}: {escape(post.change or '')} ({state}, {deadline})"
    return text, [
        _section(f"*{post.ref}*: {escape(post.change or '')} · state *{state}* · {deadline}")
    ]


def current_post(post: ChannelPost, tz: ZoneInfo) -> tuple[str, Blocks]:
    """The opening post of a ticket as it reads now (``chat.update`` after each change): the
    same reference, type, state and deadline as every compliance post, and the last change."""
    deadline, state = deadline_text(post, tz), state_words(post.state)
    last = f" · last: {escape(post.change)}" if post.change else ""
    text = f"{post.ref}: {post.ticket_type}, {state}, {deadline}"
    _, opening = channel_post(replace(post, change=None), tz)
    return text, [
        _section(f"*{post.ref}* · `{post.ticket_type}`"),
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"state *{state}* · {deadline}{last}"}],
        },
        *opening[2:],  # the same buttons as when it opened
    ]


def reply(message: Reply) -> tuple[str, Blocks]:
    """A reply to one person (ephemeral or DM), with buttons for the privacy team."""
    head = ("⚠️ " if message.tone == Tone.ERROR else "") + escape(message.text)
    blocks: Blocks = [_section(f"*{head}*" if message.tone != Tone.ERROR else head)]
    if message.fields:
        lines = "\n".join(f"*{escape(k)}:* {escape(v)}" for k, v in message.fields)
        blocks.append(_section(lines))
    if message.lines:
        body = "\n".join(escape(line) for line in message.lines)
        blocks.append(_section(f"```{body}```" if message.tone != Tone.ERROR else body))
    blocks += _preformatted(message.preformatted)
    if message.actions and message.ref:
        blocks.append(ticket_buttons(message.ref, message.actions))
    if message.answers is not None:
        blocks.append(search_buttons(message.answers))
    return escape(message.render_text())[:3000], blocks


def ticket_buttons(ref: str, actions: tuple[str, ...]) -> dict[str, Any]:
    """A ticket's buttons (``forms.ACTIONS`` names): ``ticket_<action>``, valued with the ref;
    the same wherever the ticket is shown (a reply, a DM, the App Home)."""
    return {
        "type": "actions",
        "block_id": f"ticket:{ref}",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": forms.label(a)},
                "action_id": f"ticket_{a.replace('-', '_')}",
                "value": ref,
            }
            for a in actions
        ],
    }


def _preformatted(text: str | None) -> Blocks:
    """A letter as code blocks, split at line ends so each fits in a section."""
    if not text:
        return []
    chunks: list[str] = []
    current = ""
    for line in escape(text.rstrip("\n")).split("\n"):
        if current and len(current) + len(line) + 1 > MAX_SECTION - 8:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks.append(current)
    return [_section(f"```{chunk}```") for chunk in chunks]


SEARCH_ACTION = "search_"  # action ids of the search answer buttons: search_found, …


def search_buttons(task: int) -> dict[str, Any]:
    """The owner's answer buttons for one search task (``forms.SEARCH_ANSWERS``)."""
    return {
        "type": "actions",
        "block_id": f"search:{task}",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": a.label},
                "action_id": SEARCH_ACTION + a.name.replace("-", "_"),
                "value": str(task),
            }
            for a in forms.SEARCH_ANSWERS
        ],
    }


def summary(content: WeeklySummary, tz: ZoneInfo) -> tuple[str, Blocks]:
    as_reply = summary_reply(content, tz)
    text = escape(as_reply.text)
    fields = [{"type": "mrkdwn", "text": f"*{escape(k)}*\n{escape(v)}"} for k, v in as_reply.fields]
    header = {"type": "plain_text", "text": as_reply.text[:150]}  # plain text: not parsed
    blocks: Blocks = [{"type": "header", "text": header}]
    for start in range(0, len(fields), 10):  # a section holds at most 10 fields
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    if as_reply.lines:
        blocks.append(_section("\n".join(escape(line) for line in as_reply.lines)))
    return text, blocks
