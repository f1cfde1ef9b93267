"""Adaptive Cards (schema 1.5) for the neutral messages and the Teams forms: pure builders."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.render.slack import ACTION_LABELS, deadline_text
from handlers.ports import ChannelPost, Reply, Tone, WeeklySummary
from handlers.summary import render as summary_reply
from storage.enums import IdMethod, Outcome, RequestType, Risk, Via

Card = dict[str, Any]
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MARK = "privacy_desk"  # every Action.Submit carries {"privacy_desk": "action" | "form", ...}
REQUEST_FORM, BREACH_FORM, TICKET_FORM = "dsar_new", "breach_new", "ticket_form"


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _facts(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def _submit(title: str, data: dict[str, str]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": data}


def ticket_actions(ref: str, actions: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _submit(ACTION_LABELS.get(a, a), {MARK: "action", "action": a, "ref": ref}) for a in actions
    ]


def reply(message: Reply) -> Card:
    if message.tone == Tone.ERROR:
        body = [_text(message.text, color="attention", weight="bolder")]
    else:
        body = [_text(message.text, weight="bolder", size="medium")]
    if message.fields:
        body.append(_facts(message.fields))
    body += [_text(line, isSubtle=message.tone != Tone.ERROR) for line in message.lines]
    actions = ticket_actions(message.ref, message.actions) if message.ref else []
    return _card(body, actions)


def channel_post(post: ChannelPost, tz: ZoneInfo) -> Card:
    """A compliance post: reference, type, state, deadline — there is nothing else to leak."""
    deadline = deadline_text(post, tz)
    title = (
        f"{post.ref} opened · {post.ticket_type}"
        if post.is_opening
        else f"{post.ref}: {post.change}"
    )
    body = [_text(title, weight="bolder"), _facts((("State", post.state), ("Deadline", deadline)))]
    actions = ticket_actions(post.ref, ("show",)) if post.is_opening else []
    return _card(body, actions)


def summary(content: WeeklySummary, tz: ZoneInfo) -> Card:
    as_reply = summary_reply(content, tz)
    body = [_text(as_reply.text, weight="bolder", size="medium"), _facts(as_reply.fields)]
    body += [_text(line, isSubtle=True) for line in as_reply.lines]
    return _card(body)


def _choices(values: list[str]) -> list[dict[str, str]]:
    return [{"title": v.replace("_", " "), "value": v} for v in values]


def _input(
    kind: str, key: str, label: str, values: dict[str, str], errors: dict[str, str], **extra: Any
) -> list[dict[str, Any]]:
    block: dict[str, Any] = {"type": kind, "id": key, "label": label, **extra}
    if key in values:
        block["value"] = values[key]
    out = [block]
    if key in errors:
        out.append(_text(errors[key], color="attention", size="small", spacing="none"))
    return out


def request_form(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Card:
    v, e = values or {}, errors or {}
    body = [_text("Log a privacy request", weight="bolder", size="medium")]
    body += _input(
        "Input.ChoiceSet",
        "type",
        "Type of request",
        v,
        e,
        choices=_choices([t.value for t in RequestType]),
        value=v.get("type", "access"),
        isRequired=True,
    )
    body += _input("Input.Text", "name", "Requester's name", v, e, isRequired=True, maxLength=200)
    body += _input(
        "Input.Text",
        "email",
        "Requester's email",
        v,
        e,
        style="email",
        isRequired=True,
        maxLength=254,
    )
    body += _input("Input.Date", "received", "Received on (empty for today)", v, e)
    body += _input(
        "Input.ChoiceSet",
        "via",
        "How it arrived",
        v,
        e,
        choices=_choices([x.value for x in Via]),
        value=v.get("via", "email"),
    )
    body += _input("Input.Text", "details", "Details", v, e, isMultiline=True, maxLength=4000)
    return _card(body, [_submit("Log request", {MARK: "form", "form": REQUEST_FORM})])


def breach_form(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Card:
    v, e = values or {}, errors or {}
    body = [
        _text("Log a personal-data breach", weight="bolder", size="medium"),
        _text("The ICO must be told within 72 hours of becoming aware.", isSubtle=True),
    ]
    body += _input("Input.Date", "aware_date", "Became aware on", v, e, isRequired=True)
    body += _input("Input.Time", "aware_time", "at (local time)", v, e, isRequired=True)
    body += _input(
        "Input.Text", "aware", "…or the exact time with offset (2025-10-24T16:00+01:00)", v, e
    )
    body += _input(
        "Input.Text",
        "summary",
        "What happened",
        v,
        e,
        isMultiline=True,
        isRequired=True,
        maxLength=4000,
    )
    body += _input("Input.Text", "data", "Categories of personal data", v, e, maxLength=4000)
    body += _input("Input.Text", "people", "Categories of people", v, e, maxLength=4000)
    body += _input("Input.Number", "subjects", "Approximate number of people", v, e, min=0)
    body += _input("Input.Number", "records", "Approximate number of records", v, e, min=0)
    return _card(body, [_submit("Log breach", {MARK: "form", "form": BREACH_FORM})])


def ticket_form(
    action: str,
    ref: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Card | None:
    """The small form behind a ticket action, or None when the action needs no input."""
    v, e = values or {}, errors or {}
    fields: list[dict[str, Any]]
    if action == "verify":
        fields = _input(
            "Input.ChoiceSet",
            "method",
            "How identity was checked",
            v,
            e,
            choices=_choices([m.value for m in IdMethod]),
            isRequired=True,
        )
        fields += _input("Input.Date", "received", "Identity arrived on", v, e)
    elif action == "extend":
        fields = _input(
            "Input.Text",
            "reason",
            "Why it is complex or numerous",
            v,
            e,
            isMultiline=True,
            isRequired=True,
        )
        fields += _input("Input.Date", "told", "Requester told on", v, e)
    elif action == "assign":
        fields = _input(
            "Input.ChoiceSet",
            "person",
            "Assign to",
            v,
            e,
            isRequired=True,
            **{"choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}},
        )
    elif action == "close":
        fields = _input(
            "Input.ChoiceSet",
            "outcome",
            "Outcome",
            v,
            e,
            choices=_choices([o.value for o in Outcome]),
            isRequired=True,
        )
        fields += _input(
            "Input.Text", "reason", "Reason (required for a refusal)", v, e, isMultiline=True
        )
        fields += _input("Input.Date", "told", "Refusal and right to complain told on", v, e)
    elif action == "assess":
        fields = _input(
            "Input.ChoiceSet",
            "risk",
            "Risk to people",
            v,
            e,
            choices=_choices([r.value for r in Risk]),
            isRequired=True,
        )
    elif action == "ico":
        fields = _input("Input.Text", "case", "ICO case reference", v, e, isRequired=True)
    elif action == "not-reportable":
        fields = _input(
            "Input.Text",
            "reason",
            "Why it is not reportable",
            v,
            e,
            isMultiline=True,
            isRequired=True,
        )
    else:
        return None
    body = [_text(f"{ref}: {ACTION_LABELS.get(action, action)}", weight="bolder"), *fields]
    data = {MARK: "form", "form": TICKET_FORM, "action": action, "ref": ref}
    return _card(body, [_submit("Submit", data)])


def local_moment(date_text: str, time_text: str) -> str:
    """Join an Input.Date and an Input.Time into the grammar's local ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(f"{date_text}T{time_text[:5]}").strftime("%Y-%m-%dT%H:%M")
