"""Form values -> the one command grammar, shared by the Slack modals and the Teams cards.

A form is turned into the same command line a person could type, so every rule of
``handlers.commands`` applies to it; a refusal's ``key=`` prefix says which field to mark.
"""

from __future__ import annotations

import re

from handlers.commands import quote

BREACH_KEYS = ("aware", "summary", "occurred", "data", "people", "subjects", "records")
REQUEST_FORMS = ("verify", "extend", "assign", "close")
BREACH_FORMS = ("assess", "ico", "not-reportable")


def needs_form(action: str, ref: str) -> bool:
    """Whether a ticket button asks for input first (closing a breach needs none)."""
    return action in (BREACH_FORMS if ref.startswith("BREACH-") else REQUEST_FORMS)


def field_errors(reason: str, blocks: tuple[str, ...]) -> dict[str, str]:
    """Put a one-line reason on the input it is about (``email= …`` -> the email block)."""
    match = re.search(r"\b(\w+)=", reason)
    key = match.group(1) if match else ("type" if "type" in reason else "")
    block = key if key in blocks else blocks[-1] if key else blocks[0]
    return {block: reason[:150]}


def request_text(values: dict[str, str]) -> str:
    parts = ["/dsar new", values.get("type", "")]
    for key in ("name", "email", "received", "via", "details"):
        if key in values:
            parts.append(f"{key}={quote(values[key])}")
    return " ".join(parts)


def breach_text(values: dict[str, str]) -> str:
    parts = ["/breach new"]
    parts += [f"{key}={quote(values[key])}" for key in BREACH_KEYS if key in values]
    return " ".join(parts)


def ticket_text(action: str, ref: str, values: dict[str, str]) -> str:
    group = "breach" if ref.startswith("BREACH-") else "dsar"
    parts = [f"/{group} {action} {ref}"]
    if action == "assign":
        parts.append(f"<@{values.get('person', '')}>")
    else:
        parts += [f"{key}={quote(value)}" for key, value in values.items()]
    return " ".join(parts)
