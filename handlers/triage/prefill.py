"""A proposal becomes the form to confirm: the request or breach form, filled in.

Shared by Slack, Teams and the console (STYLE 11): each renders the ``FormRequest`` it gets.
Triage proposes, people decide: nothing is logged until the person submits the form.
"""

from __future__ import annotations

from handlers import forms
from handlers.arguments import LIMITS
from handlers.triage import Kind, Proposal


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def form_for(proposal: Proposal, text: str, *, as_kind: Kind | None = None) -> forms.FormRequest:
    """The new-request or new-breach form with what the text gave. ``as_kind`` overrides the
    proposal (a person logging a ``none`` proposal as a request or breach all the same)."""
    kind = as_kind or proposal.kind
    if kind is Kind.BREACH:
        return forms.FormRequest(forms.NEW_BREACH, values={"summary": _clip(text, LIMITS["text"])})
    values: dict[str, str] = {"details": _clip(text, LIMITS["text"])}
    if proposal.types:
        values["type"] = proposal.types[0].value
    if proposal.name:
        values["name"] = _clip(proposal.name, LIMITS["name"])
    if proposal.email:
        values["email"] = proposal.email
    if proposal.received:
        values["received"] = proposal.received.isoformat()
    return forms.FormRequest(forms.NEW_REQUEST, values=values)


def explain(proposal: Proposal) -> str:
    """One line for people: what triage thinks and why (never the text itself)."""
    sure = f"{proposal.confidence:.0%} sure"
    if proposal.kind is Kind.REQUEST:
        what = "Looks like a request: " + ", ".join(t.value for t in proposal.types)
    elif proposal.kind is Kind.BREACH:
        what = "Looks like a personal-data breach"
    else:
        what = f"Doesn't look like a request or a breach: {proposal.reason}"
    because = (
        "; because of " + ", ".join(f"“{e}”" for e in proposal.evidence)
        if proposal.evidence
        else ""
    )
    return f"{what} ({sure}){because}."
