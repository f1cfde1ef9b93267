"""Which letters a ticket's history says were drafted and sent (audit events, no new table)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from handlers.replies import fmt_day
from storage.enums import LetterKind
from storage.models import Event

DRAFTED = "letter_drafted"
SENT = "letter_sent"


def _kind(event: Event) -> LetterKind | None:
    try:
        return LetterKind(json.loads(event.data).get("kind"))
    except (ValueError, TypeError):
        return None


def sent_kinds(events: Sequence[Event]) -> frozenset[LetterKind]:
    """The kinds of letter recorded as sent (for ``due.letter_due``)."""
    return frozenset(k for e in events if e.action == SENT and (k := _kind(e)) is not None)


def summary(events: Sequence[Event]) -> list[tuple[str, str]]:
    """``("Letter: extension", "drafted Mon 24 Nov 2025; sent Tue 25 Nov 2025 by post")``."""
    rows: dict[LetterKind, list[str]] = {}
    for event in events:
        kind = _kind(event)
        if kind is None or event.action not in (DRAFTED, SENT):
            continue
        data = json.loads(event.data)
        if event.action == DRAFTED:
            rows.setdefault(kind, []).append(f"drafted {fmt_day(event.at.date())}")
            continue
        on = date.fromisoformat(data["on"]) if data.get("on") else event.at.date()
        via = f" by {data['via']}" if data.get("via") else ""
        late = " (late)" if data.get("late") else ""
        rows.setdefault(kind, []).append(f"sent {fmt_day(on)}{via}{late}")
    return [(f"Letter: {kind}", "; ".join(dict.fromkeys(parts))) for kind, parts in rows.items()]
