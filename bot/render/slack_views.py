"""Block Kit modals and the App Home view: pure builders of Slack view payloads."""

from __future__ import annotations

import json
from typing import Any

from storage.enums import IdMethod, Outcome, RequestType, Risk, Via

View = dict[str, Any]
NEW_REQUEST, NEW_BREACH, TICKET_FORM = "dsar_new", "breach_new", "ticket_form"

# block_id -> the grammar key whose errors belong on that block
REQUEST_FIELDS = ("type", "name", "email", "received", "via", "details")
BREACH_FIELDS = ("aware", "summary", "occurred", "data", "people", "subjects", "records")


def _text(label: str) -> dict[str, str]:
    return {"type": "plain_text", "text": label}


def _options(values: list[str]) -> list[dict[str, Any]]:
    return [{"text": _text(v.replace("_", " ")), "value": v} for v in values]


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "optional": optional,
        "element": {"action_id": "value", **element},
    }
    if hint:
        block["hint"] = _text(hint)
    return block


def _plain(
    *, multiline: bool = False, initial: str | None = None, max_length: int = 3000
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def _select(values: list[str], initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "options": _options(values)}
    if initial:
        element["initial_option"] = {"text": _text(initial.replace("_", " ")), "value": initial}
    return element


def _modal(
    callback_id: str, title: str, blocks: list[dict[str, Any]], metadata: dict[str, str]
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title[:24]),
        "submit": _text("Submit"),
        "close": _text("Cancel"),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def new_request_modal(
    *, details: str | None = None, metadata: dict[str, str] | None = None
) -> View:
    blocks = [
        _input("type", "Type of request", _select([t.value for t in RequestType], "access")),
        _input("name", "Requester's name", _plain(max_length=200)),
        _input("email", "Requester's email", _plain(max_length=254)),
        _input(
            "received",
            "Received on",
            {"type": "datepicker"},
            optional=True,
            hint="Leave empty for today. The day of receipt counts.",
        ),
        _input("via", "How it arrived", _select([v.value for v in Via], "email")),
        _input(
            "details",
            "Details",
            _plain(multiline=True, initial=details, max_length=4000),
            optional=True,
        ),
    ]
    return _modal(NEW_REQUEST, "Log a privacy request", blocks, metadata or {})


def new_breach_modal(*, metadata: dict[str, str] | None = None) -> View:
    blocks = [
        _input(
            "aware",
            "Became aware (date and time)",
            {"type": "datetimepicker"},
            hint="When the organisation became aware: the 72 hours start here.",
        ),
        _input("summary", "What happened", _plain(multiline=True, max_length=4000)),
        _input(
            "occurred", "When it happened (if known)", {"type": "datetimepicker"}, optional=True
        ),
        _input("data", "Categories of personal data", _plain(max_length=4000), optional=True),
        _input("people", "Categories of people", _plain(max_length=4000), optional=True),
        _input("subjects", "Approximate number of people", _plain(max_length=9), optional=True),
        _input("records", "Approximate number of records", _plain(max_length=9), optional=True),
    ]
    return _modal(NEW_BREACH, "Log a breach", blocks, metadata or {})


def ticket_form(action: str, ref: str, metadata: dict[str, str]) -> View | None:
    """The small form behind a ticket button, or None when the action needs no input."""
    meta = {**metadata, "ref": ref, "action": action}
    if action == "verify":
        blocks = [
            _input("method", "How identity was checked", _select([m.value for m in IdMethod])),
            _input("received", "Identity arrived on", {"type": "datepicker"}, optional=True),
        ]
    elif action == "extend":
        blocks = [
            _input("reason", "Why the request is complex or numerous", _plain(multiline=True)),
            _input("told", "Requester told on", {"type": "datepicker"}, optional=True),
        ]
    elif action == "assign":
        blocks = [_input("person", "Assign to", {"type": "users_select"})]
    elif action == "close":
        blocks = [
            _input("outcome", "Outcome", _select([o.value for o in Outcome])),
            _input(
                "reason", "Reason (required for a refusal)", _plain(multiline=True), optional=True
            ),
            _input(
                "told",
                "Refusal and right to complain told on",
                {"type": "datepicker"},
                optional=True,
            ),
        ]
    elif action == "assess":
        blocks = [_input("risk", "Risk to people", _select([r.value for r in Risk]))]
    elif action == "ico":
        blocks = [_input("case", "ICO case reference", _plain(max_length=64))]
    elif action == "not-reportable":
        blocks = [_input("reason", "Why it is not reportable", _plain(multiline=True))]
    else:
        return None
    return _modal(TICKET_FORM, f"{ref}: {action}", blocks, meta)


def home_view(*, title: str, requests: list[str], breaches: list[str]) -> View:
    def section(text: str) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}

    blocks: list[dict[str, Any]] = [{"type": "header", "text": _text(title[:150])}]
    blocks.append(section("*Requests by deadline*"))
    body = "\n".join(requests[:50]) or "Nothing open."
    blocks.append(section(f"```{body}```"))
    if breaches:
        blocks.append(section("*Breach clocks*"))
        blocks.append(section("```" + "\n".join(breaches[:20]) + "```"))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Type `/dsar help` or `/breach help` for the commands."}
            ],
        }
    )
    return {"type": "home", "blocks": blocks}
