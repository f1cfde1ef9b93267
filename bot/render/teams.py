"""Adaptive Cards (schema 1.5) for the neutral messages and the Teams forms: pure builders.

Buttons are Universal Actions (``Action.Execute``: a verb and its data, answered by the bot's
``adaptiveCard/action`` invoke), each with an ``Action.Submit`` fallback for clients without
them. The one exception is a message-extension dialog, whose form Teams submits only with
``Action.Submit`` (``composeExtension/submitAction``). A compliance post carries a ``refresh``
for the privacy team's user-specific view; what that view holds is decided by the server from
who is asking, never by the card.
"""

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
MARK = "privacy_desk"  # every action's data carries {"privacy_desk": <its verb>, ...}
ACTION, FORM, SEARCH, REFRESH = "action", "form", "search", "refresh"  # the verbs
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"  # an invoke answered with text
MAX_REFRESH_USERS = 60  # Teams refreshes a user-specific view for at most 60 people
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


def _execute(title: str, data: dict[str, str]) -> dict[str, Any]:
    """A Universal Action: the verb is the data's mark; older clients submit the same data."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": data[MARK],
        "data": data,
        "fallback": _submit(title, data),
    }


def ticket_actions(ref: str, actions: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_execute(forms.label(a), {MARK: ACTION, "action": a, "ref": ref}) for a in actions]


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
        _execute(a.label, {MARK: SEARCH, "answer": a.name, "task": str(task)})
        for a in forms.SEARCH_ANSWERS
    ]


def channel_post(
    post: ChannelPost,
    tz: ZoneInfo,
    *,
    refresh_for: tuple[str, ...] = (),
    actions: tuple[str, ...] = (),
) -> Card:
    """A compliance post: reference, type, state, deadline — there is nothing else to leak.

    An opening post carries a ``refresh`` whose ``userIds`` (the privacy team's Teams ids, at
    most 60) get their own view automatically; everyone may refresh by hand. ``actions`` are
    the buttons of the privacy team's view; the card everyone sees has none."""
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
    if not post.is_opening:
        return _card(body)
    card = _card(body, ticket_actions(post.ref, actions))
    verb = {MARK: REFRESH, "ref": post.ref}
    refresh = {"type": "Action.Execute", "title": "Refresh", "verb": REFRESH, "data": verb}
    card["refresh"] = {"action": refresh, "userIds": list(refresh_for[:MAX_REFRESH_USERS])}
    return card


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


def form_card(request: FormRequest, *, note: str | None = None, dialog: bool = False) -> Card:
    """A card for one form of the specification, with what was typed and any errors;
    ``note`` (what triage proposed and why) is shown under the title. In a ``dialog`` (a
    message extension's task module) the button is an ``Action.Submit``, which is all a dialog
    sends; in a chat it is an ``Action.Execute``."""
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
    data = {MARK: FORM, "form": form.wire_name}
    if request.ref is not None:
        data |= {"action": form.action, "ref": request.ref}
    return _card(body, [(_submit if dialog else _execute)(form.submit, data)])


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
