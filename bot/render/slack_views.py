"""Block Kit modals and the App Home view: pure builders of Slack view payloads."""

from __future__ import annotations

import json
from typing import Any

from bot.render.slack import Blocks, escape, ticket_buttons
from handlers import forms
from handlers.forms import FieldKind, Form, FormRequest
from handlers.ports import Overview

View = dict[str, Any]
# Callback ids: the form's wire name (every ticket action shares ``ticket_form``).
NEW_REQUEST, NEW_BREACH, FIND, TICKET_FORM = (
    forms.NEW_REQUEST.wire_name,
    forms.NEW_BREACH.wire_name,
    forms.FIND.wire_name,
    forms.TICKET_FORM,
)
MAX_INPUT = 3000  # Slack's limit for a plain_text_input's max_length


def _text(label: str) -> dict[str, str]:
    return {"type": "plain_text", "text": label}


def _option(value: str) -> dict[str, Any]:
    return {"text": _text(value.replace("_", " ")), "value": value}


def _element(field: forms.Field, initial: str | None) -> dict[str, Any]:
    """The Block Kit element for one field of the form specification."""
    if field.kind == FieldKind.CHOICE:
        element: dict[str, Any] = {
            "type": "static_select",
            "options": [_option(v) for v in field.choices],
        }
        chosen = initial or field.default
        if chosen in field.choices:
            element["initial_option"] = _option(chosen)
        return element
    if field.kind == FieldKind.DATE:
        return {"type": "datepicker", **({"initial_date": initial} if initial else {})}
    if field.kind == FieldKind.DATETIME:
        return {"type": "datetimepicker"}
    if field.kind == FieldKind.PERSON:
        return {"type": "users_select"}
    if field.kind == FieldKind.EMAIL:  # Slack checks the address's shape before submitting
        return {"type": "email_text_input", **({"initial_value": initial} if initial else {})}
    if field.kind == FieldKind.NUMBER:  # whole numbers, 0 or more
        number: dict[str, Any] = {"type": "number_input", "is_decimal_allowed": False}
        number["min_value"] = "0"
        if initial and initial.isdigit():
            number["initial_value"] = initial
        return number
    limit = min(field.max_length, MAX_INPUT)
    element = {"type": "plain_text_input", "multiline": field.multiline, "max_length": limit}
    if initial:
        element["initial_value"] = initial[:limit]
    return element


def _input(field: forms.Field, initial: str | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.key,
        "label": _text(field.label),
        "optional": field.optional,
        "element": {"action_id": "value", **_element(field, initial)},
    }
    if field.hint:
        block["hint"] = _text(field.hint)
    return block


def _title(form: Form, ref: str | None) -> str:
    return form.title if ref is None else f"{ref}: {form.title}"


def form_modal(
    request: FormRequest, *, metadata: dict[str, str] | None = None, note: str | None = None
) -> View:
    """A modal for one form of the specification; a ticket form carries its ref and action
    in ``private_metadata`` so the submission knows what it is for. ``note`` is shown above
    the inputs as context (what triage proposed and why)."""
    form = request.form
    meta = dict(metadata or {})
    if request.ref is not None:
        meta |= {"ref": request.ref, "action": form.action}
    return {
        "type": "modal",
        "callback_id": form.wire_name,
        "title": _text(_title(form, request.ref)[:24]),
        "submit": _text("Submit"),
        "close": _text("Cancel"),
        "blocks": [
            *([_context(note)] if note else []),
            *(_input(f, request.values.get(f.key)) for f in form.fields),
        ],
        "private_metadata": json.dumps(meta),
    }


def _context(note: str) -> dict[str, Any]:
    return {"type": "context", "block_id": "triage", "elements": [_text(note[:2000])]}


def new_request_modal(*, details: str | None = None) -> View:
    """The ``/dsar new`` modal, with details filled in (from a message shortcut)."""
    values = {"details": details} if details else {}
    return form_modal(FormRequest(form=forms.NEW_REQUEST, values=values))


HOME_FIND = "home_find"  # the App Home button that opens the requester search
# A home view holds at most 100 blocks, two a ticket: the breaches (their 72 hours are the
# most urgent) and the requests with the nearest deadlines get buttons; the rest are counted.
HOME_REQUESTS, HOME_BREACHES = 30, 10


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _tickets(page: Overview, lines: tuple[str, ...], refs: tuple[str, ...], limit: int) -> Blocks:
    """Each ticket's line and its buttons; "… and N more" past ``limit``."""
    blocks: Blocks = []
    for line, ref in list(zip(lines, refs, strict=False))[:limit]:
        blocks.append(_section(f"`{escape(line)}`"))
        if page.buttons(ref):
            blocks.append(ticket_buttons(ref, page.buttons(ref)))
    if len(lines) > limit:
        more = f"… and {len(lines) - limit} more: `/dsar list` shows them all."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return blocks


def home_view(page: Overview) -> View:
    """A person's App Home: their open tickets (``reads.overview``), each with the buttons its
    ticket message offers them."""
    blocks: Blocks = [{"type": "header", "text": _text(page.title[:150])}]
    if page.can_search:
        find = {"type": "button", "action_id": HOME_FIND, "text": _text(forms.FIND.title)}
        blocks.append({"type": "actions", "block_id": "home_search", "elements": [find]})
    blocks.append(_section("*Requests by deadline*"))
    request_refs = page.refs[: len(page.requests)]
    if page.requests:
        blocks += _tickets(page, page.requests, request_refs, HOME_REQUESTS)
    else:
        blocks.append(_section("```Nothing open.```"))
    if page.breaches:
        blocks.append(_section("*Breach clocks*"))
        breach_refs = page.refs[len(page.requests) :]
        blocks += _tickets(page, page.breaches, breach_refs, HOME_BREACHES)
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Type `/dsar help` or `/breach help` for the commands."}
            ],
        }
    )
    return {"type": "home", "blocks": blocks}
