"""Adaptive Cards (schema 1.5) for the neutral messages and the Teams forms: pure builders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.render.slack import deadline_text
from handlers import forms
from handlers.forms import FieldKind, FieldValue, Form, FormRequest
from handlers.ports import ChannelPost, Reply, Tone, WeeklySummary
from handlers.summary import render as summary_reply
from handlers.wording import state_words

Card = dict[str, Any]
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MARK = "privacy_desk"  # every Action.Submit carries {"privacy_desk": "action" | "form", ...}
SUBMIT_KEYS = (
    MARK,
    "form",
    "action",
    "ref",
    "answer",
    "task",
)  # the submit data, not what the person typed
TIME_LABEL = "at (local time)"
EXACT_LABEL = "…or the exact time with offset (2025-10-24T16:00+01:00)"


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
    return [_submit(forms.label(a), {MARK: "action", "action": a, "ref": ref}) for a in actions]


def reply(message: Reply) -> Card:
    if message.tone == Tone.ERROR:
        body = [_text(message.text, color="attention", weight="bolder")]
    else:
        body = [_text(message.text, weight="bolder", size="medium")]
    if message.fields:
        body.append(_facts(message.fields))
    body += [_text(line, isSubtle=message.tone != Tone.ERROR) for line in message.lines]
    if message.preformatted:
        body.append(_text(message.preformatted, fontType="Monospace"))
    actions = ticket_actions(message.ref, message.actions) if message.ref else []
    if message.answers is not None:
        actions += search_actions(message.answers)
    return _card(body, actions)


def search_actions(task: int) -> list[dict[str, Any]]:
    """A system owner's answer buttons on a search task (``forms.SEARCH_ANSWERS``)."""
    return [
        _submit(a.label, {MARK: "search", "answer": a.name, "task": str(task)})
        for a in forms.SEARCH_ANSWERS
    ]


def channel_post(post: ChannelPost, tz: ZoneInfo) -> Card:
    """A compliance post: reference, type, state, deadline — there is nothing else to leak."""
    deadline = deadline_text(post, tz)
    title = (
        f"{post.ref} opened · {post.ticket_type}"
        if post.is_opening
        else f"{post.ref}: {post.change}"
    )
    body = [
        _text(title, weight="bolder"),
        _facts((("State", state_words(post.state)), ("Deadline", deadline))),
    ]
    actions = ticket_actions(post.ref, ("show",)) if post.is_opening else []
    return _card(body, actions)


def summary(content: WeeklySummary, tz: ZoneInfo) -> Card:
    as_reply = summary_reply(content, tz)
    body = [_text(as_reply.text, weight="bolder", size="medium"), _facts(as_reply.fields)]
    body += [_text(line, isSubtle=True) for line in as_reply.lines]
    return _card(body)


def _choices(values: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"title": v.replace("_", " "), "value": v} for v in values]


def _with_error(block: dict[str, Any], error: str | None) -> list[dict[str, Any]]:
    out = [block]
    if error:
        out.append(_text(error[:300], color="attention", size="small", spacing="none"))
    return out


def _inputs(field: forms.Field, values: Mapping[str, str], error: str | None) -> list[Any]:
    """The Adaptive Card inputs for one field of the form specification (the error, if any,
    directly under the input it is about)."""
    key, kind = field.key, field.kind
    block: dict[str, Any] = {"id": key, "label": field.label}
    if field.required:
        block["isRequired"] = True
    if field.hint:
        block["placeholder"] = field.hint
    if kind == FieldKind.DATETIME:
        # Teams has no date-and-time input: a date, a local time, or the exact moment typed.
        day: dict[str, Any] = {**block, "type": "Input.Date", "id": f"{key}_date"}
        time: dict[str, Any] = {
            "type": "Input.Time",
            "id": f"{key}_time",
            "label": "at (local time)",
        }
        if field.required:
            time["isRequired"] = True
        exact = {"type": "Input.Text", "id": key, "label": EXACT_LABEL}
        for part in (day, time, exact):
            if part["id"] in values:
                part["value"] = values[part["id"]]
        return [*_with_error(day, error), time, exact]
    if kind in (FieldKind.CHOICE, FieldKind.PERSON):
        block["type"] = "Input.ChoiceSet"
        if kind == FieldKind.PERSON:
            block["choices.data"] = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
        else:
            block["choices"] = _choices(field.choices)
            if field.default is not None:
                block["value"] = field.default
    elif kind == FieldKind.DATE:
        block["type"] = "Input.Date"
    elif kind == FieldKind.NUMBER:
        block |= {"type": "Input.Number", "min": 0}
    else:
        block |= {"type": "Input.Text", "maxLength": field.max_length}
        if field.multiline:
            block["isMultiline"] = True
        if kind == FieldKind.EMAIL:
            block["style"] = "email"
    if key in values:
        block["value"] = values[key]
    return _with_error(block, error)


def form_card(request: FormRequest, *, note: str | None = None) -> Card:
    """A card for one form of the specification, with what was typed and any errors;
    ``note`` (what triage proposed and why) is shown under the title."""
    form = request.form
    if request.ref is None:
        body = [_text(form.title, weight="bolder", size="medium")]
    else:
        body = [_text(f"{request.ref}: {form.title}", weight="bolder")]
    if note:
        body.append(_text(note, isSubtle=True))
    if form.intro:
        body.append(_text(form.intro, isSubtle=True))
    for field in form.fields:
        body += _inputs(field, request.values, request.errors.get(field.key))
    data = {MARK: "form", "form": form.wire_name}
    if request.ref is not None:
        data |= {"action": form.action, "ref": request.ref}
    return _card(body, [_submit(form.submit, data)])


def read_form(form: Form, value: Mapping[str, Any]) -> tuple[dict[str, FieldValue], dict[str, str]]:
    """A card submission -> the form's values (typed where Teams typed them) and the raw
    inputs, to draw the card again with what was typed if the submission is refused."""
    raw = {k: str(v) for k, v in value.items() if k not in SUBMIT_KEYS and str(v).strip()}
    values: dict[str, FieldValue] = {}
    for field in form.fields:
        key = field.key
        if field.kind == FieldKind.DATETIME and key not in raw:
            day, time = raw.get(f"{key}_date"), raw.get(f"{key}_time")
            if day and time:
                values[key] = local_moment(day, time)
            continue
        if key in raw:
            values[key] = raw[key]
    return values, raw


def local_moment(date_text: str, time_text: str) -> FieldValue:
    """Join an Input.Date and an Input.Time into a local moment (the core resolves it in the
    organisation's timezone); text the grammar then explains if Teams sent something odd."""
    joined = f"{date_text.strip()}T{time_text.strip()[:5]}"
    try:
        return datetime.fromisoformat(joined)
    except ValueError:
        return joined
