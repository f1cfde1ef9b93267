"""Neutral messages to and from the JSON stored in an outbox row."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from handlers.ports import (
    BreachClock,
    ChannelPost,
    HomeDue,
    Overview,
    Reply,
    Tone,
    WeeklySummary,
)

Content = ChannelPost | WeeklySummary | Reply | Overview | HomeDue
HOME_DUE = '{"type": "home_due"}'  # a HomeDue, encoded: it has nothing else to carry


def _deadline(value: date | datetime | None) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return {"at": value.isoformat()}
    return {"day": value.isoformat()}


def _undeadline(value: dict[str, str] | None) -> date | datetime | None:
    if value is None:
        return None
    if "at" in value:
        return datetime.fromisoformat(value["at"])
    return date.fromisoformat(value["day"])


def encode(content: Content) -> str:
    body: dict[str, Any]
    if isinstance(content, HomeDue):
        return HOME_DUE
    if isinstance(content, ChannelPost):
        body = {
            "type": "post",
            "ref": content.ref,
            "kind": content.kind,
            "ticket_type": content.ticket_type,
            "state": content.state,
            "deadline": _deadline(content.deadline),
            "change": content.change,
        }
    elif isinstance(content, WeeklySummary):
        body = {
            "type": "summary",
            "week_of": content.week_of.isoformat(),
            "open_by_type_state": [list(t) for t in content.open_by_type_state],
            "due_next_7_days": content.due_next_7_days,
            "overdue": content.overdue,
            "received_last_week": content.received_last_week,
            "closed_last_week": content.closed_last_week,
            "on_time_rate": content.on_time_rate,
            "median_days_to_close": content.median_days_to_close,
            "extensions_in_use": content.extensions_in_use,
            "late_actions": content.late_actions,
            "late_searches": [list(pair) for pair in content.late_searches],
            "open_breaches": [
                [b.ref, b.state, b.ico_due.isoformat(), b.status] for b in content.open_breaches
            ],
        }
    elif isinstance(content, Overview):  # a home page: references, states and dates
        body = {
            "type": "home",
            "title": content.title,
            "requests": list(content.requests),
            "breaches": list(content.breaches),
            "refs": list(content.refs),
            "due_today": content.due_today,
            "overdue": content.overdue,
            "can_search": content.can_search,
            "actions": [list(names) for names in content.actions],
        }
    else:
        body = {
            "type": "reply",
            "text": content.text,
            "fields": [list(f) for f in content.fields],
            "lines": list(content.lines),
            "tone": content.tone.value,
            "ref": content.ref,
            "actions": list(content.actions),
            "answers": content.answers,
        }
        if content.preformatted is not None:  # a drafted letter (issue 12)
            body["preformatted"] = content.preformatted
    return json.dumps(body, sort_keys=True)


def decode(payload: str) -> Content:
    body = json.loads(payload)
    kind = body["type"]
    if kind == "home_due":
        return HomeDue()
    if kind == "post":
        return ChannelPost(
            ref=body["ref"],
            kind=body["kind"],
            ticket_type=body["ticket_type"],
            state=body["state"],
            deadline=_undeadline(body["deadline"]),
            change=body["change"],
        )
    if kind == "home":
        return Overview(
            title=body["title"],
            requests=tuple(body["requests"]),
            breaches=tuple(body["breaches"]),
            refs=tuple(body["refs"]),
            due_today=body["due_today"],
            overdue=body["overdue"],
            can_search=body["can_search"],
            actions=tuple(tuple(names) for names in body["actions"]),
        )
    if kind == "summary":
        return WeeklySummary(
            week_of=date.fromisoformat(body["week_of"]),
            open_by_type_state=tuple((t, s, int(n)) for t, s, n in body["open_by_type_state"]),
            due_next_7_days=body["due_next_7_days"],
            overdue=body["overdue"],
            received_last_week=body["received_last_week"],
            closed_last_week=body["closed_last_week"],
            on_time_rate=body["on_time_rate"],
            median_days_to_close=body["median_days_to_close"],
            extensions_in_use=body["extensions_in_use"],
            late_actions=body.get("late_actions", 0),
            late_searches=tuple((s, int(n)) for s, n in body.get("late_searches", [])),
            open_breaches=tuple(
                BreachClock(ref=r, state=s, ico_due=datetime.fromisoformat(d), status=st)
                for r, s, d, st in body["open_breaches"]
            ),
        )
    return Reply(
        text=body["text"],
        fields=tuple((a, b) for a, b in body["fields"]),
        lines=tuple(body["lines"]),
        tone=Tone(body["tone"]),
        ref=body["ref"],
        actions=tuple(body["actions"]),
        preformatted=body.get("preformatted"),
        answers=body.get("answers"),
    )
