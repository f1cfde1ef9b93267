"""``/dsar history`` and ``/breach history``: a ticket's timeline from its event chain (SPEC §2).

One line per event: when (in the configured timezone), who, from which platform, what happened
in words. Events hold no personal data; the free text some of them carry (notes, the reason a
request was reopened) is in ``notes``, linked by ``event_seq``, and is shown to the privacy team
only. Anyone who may see the ticket (staff: the tickets they logged or own) may see its history.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import breaches, replies, search_record, tickets
from handlers import command_types as c
from handlers.context import Context
from handlers.corrections import BREACH_COLUMNS, REQUEST_COLUMNS
from handlers.ports import Outcome, Reply, Tone
from storage import repositories as repo
from storage.models import Event, Note
from storage.refs import TicketRef

EDIT_ORDER = (*REQUEST_COLUMNS, *BREACH_COLUMNS)  # as the edit's reply named them
SHOWN = 200  # the latest events; a longer history is in privacy-desk export and audit
SIMPLE = {
    "identity_asked": "asked for identity",
    "paused": "paused for clarification (the clock stops)",
    "clarification_asked": "asked for clarification (the clock runs on)",
    "resumed": "clarification received",
    "fee_paid": "fee paid",
    "extended": "deadline extended",
    "processing_stopped": "processing stopped",
    "not_reportable": "decided not reportable",
    "subjects_told": "people affected told",
    "delay_reason": "reasons for delay recorded",
    "erased": "personal data erased (retention period ended)",
    "deadline_recomputed": "deadline recomputed (holiday data changed)",
    "note": "note added",
}


def actor_words(actor: str) -> str:
    """``slack:U123`` -> ``@U123 (slack)``; the platform says where the action came from."""
    platform, _, who = actor.partition(":")
    return f"@{who} ({platform})" if who else actor


def _day(value: Any) -> str:
    return replies.fmt_day(date.fromisoformat(value)) if isinstance(value, str) else "none"


def _moment(value: Any, tz: ZoneInfo) -> str:
    return replies.fmt_moment(datetime.fromisoformat(value), tz) if value else "—"


def describe(event: Event, facts: dict[str, Any], tz: ZoneInfo) -> str:
    """What an event did, in words, from the facts it records (never personal data)."""
    action = event.action
    due = f"; due {_day(facts['due'])}" if facts.get("due") else ""
    if action == "opened" and "ico_due" in facts:
        return f"logged the breach (ICO due {_moment(facts['ico_due'], tz)})"
    if action == "opened":
        return (
            f"logged the {facts.get('type')} request, received {_day(facts.get('received'))}{due}"
        )
    if action == "identity_verified":
        return f"verified identity ({facts.get('method')}){due}"
    if action == "fee_asked":
        return f"asked for a fee of {replies.fmt_pence(facts.get('pence'))}"
    if action == "assigned":
        return f"assigned to {replies.person(facts.get('assignee'))}"
    if action == "closed" and "outcome" in facts:
        return f"closed: {facts['outcome']}"
    if action == "closed":
        return "closed"
    if action == "assessed":
        return f"assessed the risk: {facts.get('risk')}"
    if action == "ico_notified":
        return "notified the ICO" + (" after 72 hours" if facts.get("late") else "")
    if action == "edited":
        fields = facts.get("fields", {})
        what = "corrected " + ", ".join(k for k in EDIT_ORDER if k in fields)
        if "ico_due" in facts and facts["ico_due"] != facts.get("was"):
            return f"{what}; ICO due {_moment(facts['was'], tz)} → {_moment(facts['ico_due'], tz)}"
        if "due" in facts and facts["due"] != facts.get("was"):
            return f"{what}; deadline {_day(facts.get('was'))} → {_day(facts.get('due'))}"
        return what
    if action == "reopened":
        if facts.get("new_request"):
            return f"reopened as a new request: clock restarted {_day(facts.get('received'))}{due}"
        return f"reopened ({facts.get('state')}), original clock kept{due}"
    searched = search_record.describe_event(action, facts)
    if searched is not None:
        return searched
    words = SIMPLE.get(action, action.replace("_", " "))
    return words + (" (late)" if facts.get("late") else "") + (due if action == "resumed" else "")


def history_line(event: Event, tz: ZoneInfo, note: Note | None) -> str:
    words = describe(event, json.loads(event.data), tz)
    if note is not None and note.text:
        text = " ".join(note.text.split())  # one event, one line
        words += f": {text}" if event.action == "note" else f" — {text}"
    return f"{replies.fmt_moment(event.at, tz)}  {actor_words(event.actor)}  {words}"


async def history(ctx: Context, session: AsyncSession, cmd: c.History) -> Outcome:
    ref = TicketRef.parse(cmd.ref)
    if ref.is_breach:
        await breaches.load(ctx, session, cmd.ref, for_update=False)
    else:
        await tickets.load(ctx, session, cmd.ref, for_update=False)
    events = await repo.events_for(session=session, ref=cmd.ref)
    team = ctx.actor.role.is_privacy_team
    notes = (
        {n.event_seq: n for n in await repo.notes_for(session=session, ref=cmd.ref)} if team else {}
    )
    tz = ctx.policy.timezone
    lines = tuple(history_line(e, tz, notes.get(e.seq)) for e in events[-SHOWN:])
    if len(events) > SHOWN:
        lines = (f"… {len(events) - SHOWN} earlier event(s): see privacy-desk export", *lines)
    if not team:
        lines += ("Notes and reasons are shown to the privacy team only.",)
    text = f"{cmd.ref}: history ({len(events)} event(s), times in {tz.key})"
    return Outcome(reply=Reply(text=text, lines=lines, ref=cmd.ref, tone=Tone.INFO))
