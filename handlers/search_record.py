"""What a search task says and when it is due (issue 17): pure functions, no I/O.

The message to a system owner carries the reference, the request type, the search window and
only the identifiers the privacy team chose to share (``share=``); never the details unless
shared. It goes to that owner alone, as a direct message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import replies
from handlers.deadlines import working_days_before
from handlers.offsets import ReminderOffsets
from handlers.policy import Policy
from handlers.ports import Reply
from storage.enums import Identifier, SearchAnswer
from storage.models import Request
from storage.models_searches import Disclosure, SearchTask

DEADLINE_MARGIN = 3  # working days between the last search answer and the request's deadline
NUDGE_BEFORE = 2  # days before a task is due that its owner is first reminded
ANSWER_WORDS = {
    SearchAnswer.FOUND: "found data",
    SearchAnswer.NOTHING: "nothing found",
    SearchAnswer.NOT_MINE: "not my system",
}
CLEAR = (SearchAnswer.NOTHING, SearchAnswer.NOT_MINE)  # answers that allow no_data_held


def task_due(req: Request, sent: date, policy: Policy) -> date:
    """``SEARCH_DUE_DAYS`` after sending, never after the deadline minus three working days
    (and never before the day it is sent)."""
    due = sent + timedelta(days=policy.search_due_days)
    if req.due is not None:
        due = min(due, working_days_before(req.due, DEADLINE_MARGIN, req.calendar))
    return max(due, sent)


def next_nudge(task: SearchTask, offsets: ReminderOffsets, tz: ZoneInfo) -> datetime:
    """When the owner of an unanswered task is next reminded: two days before it is due, on
    the day, then every ``overdue_every_days`` until they answer."""
    after = task.last_nudged_at or task.sent_at

    def at(day: date) -> datetime:
        return datetime.combine(day, offsets.at, tzinfo=tz)

    for day in (task.due_on - timedelta(days=NUDGE_BEFORE), task.due_on):
        if at(day) > after:
            return at(day)
    day = task.due_on
    while at(day) <= after:
        day += timedelta(days=offsets.overdue_every_days)
    return at(day)


def window(req: Request) -> str:
    received = replies.fmt_day(req.received)
    return f"everything held about the requester, up to today (received {received})"


def shared_of(task: SearchTask) -> tuple[Identifier, ...]:
    return tuple(Identifier(word) for word in task.shared.split(",") if word)


def task_message(req: Request, task: SearchTask, *, today: date, reminder: bool = False) -> Reply:
    """The owner's direct message: what to search for, by when, and the answer buttons."""
    when = replies.relative(task.due_on, today=today)
    head = "Reminder: " if reminder else ""
    fields: list[tuple[str, str]] = [
        ("Request", f"{req.ref} ({req.type})"),
        ("System", task.system),
        ("Search window", window(req)),
        ("Answer by", f"{replies.fmt_day(task.due_on)} ({when})"),
    ]
    shared = shared_of(task)
    if req.erased_at is None:
        if Identifier.NAME in shared:
            fields.append(("Name", req.requester_name or "—"))
        if Identifier.EMAIL in shared:
            fields.append(("Email", req.requester_email or "—"))
        if Identifier.DETAILS in shared and req.details:
            fields.append(("Details", req.details))
    if not shared:
        fields.append(("Look for", "ask the privacy team for the identifiers to search by"))
    lines = (
        "Answer with the buttons, or type: "
        f'/dsar answer {req.ref} system="{task.system}" found|nothing|not-mine '
        '[items=N] [note="…"]',
    )
    return Reply(
        text=f"{head}please search {task.system} for {req.ref}",
        fields=tuple(fields),
        lines=lines,
        ref=req.ref,
        answers=task.id,
        personal=bool(shared),
    )


def task_state(task: SearchTask, tz: ZoneInfo, today: date) -> str:
    if task.answer is None:
        late = " — LATE" if task.due_on < today else ""
        return f"open, due {replies.fmt_day(task.due_on)}{late}"
    items = f" ({task.items} items)" if task.items is not None else ""
    by = (
        ""
        if task.answered_by == task.owner
        else f", recorded by {replies.person(task.answered_by)}"
    )
    answer = ANSWER_WORDS[SearchAnswer(task.answer)]
    return f"{answer}{items}, {replies.fmt_moment(task.answered_at, tz)}{by}"


def checklist(
    tasks: Sequence[SearchTask],
    disclosures: Sequence[Disclosure],
    *,
    tz: ZoneInfo,
    today: date,
    personal: bool,
) -> list[tuple[str, str]]:
    """The search record as fields of ``/dsar show``: one line per system, then disclosures."""
    fields = [
        (f"Search: {t.system}", f"{replies.person(t.owner)} · {task_state(t, tz, today)}")
        for t in tasks
    ]
    if personal:
        fields += [(f"Search note: {t.system}", t.note) for t in tasks if t.note]
    for d in disclosures:
        withheld = f", {d.withheld} withheld ({d.exemption})" if d.withheld else ""
        fields.append(("Disclosed", f"{d.items} items{withheld} on {replies.fmt_day(d.on)}"))
        if personal and d.redactions:
            fields.append(("Redactions", d.redactions))
    return fields


def describe_event(action: str, facts: dict[str, Any]) -> str | None:
    """A search event as ``/dsar history`` words it (None: not a search event)."""
    if action == "search_sent":
        due = replies.fmt_day(date.fromisoformat(facts["due"])) if facts.get("due") else "—"
        return f"search sent to {', '.join(facts.get('systems', []))}, answers due {due}"
    if action == "search_answered":
        words = ANSWER_WORDS.get(SearchAnswer(facts["answer"]), facts["answer"])
        items = f" ({facts['items']} items)" if facts.get("items") is not None else ""
        owner = facts.get("for_owner")
        for_owner = f", for {replies.person(owner)}" if owner else ""
        return f"search of {facts.get('system')}: {words}{items}{for_owner}"
    if action == "disclosed":
        withheld = f", {facts['withheld']} withheld" if facts.get("withheld") else ""
        return f"disclosure recorded: {facts.get('items')} items{withheld}"
    return None
