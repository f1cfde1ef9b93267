"""How people read the core's values: dates, moments, durations and states, in one style.

Every place a person reads a date (console, Slack, Teams, channel posts, the summary, the
command line's plain output) formats it here: "Fri 3 Apr 2026", "Fri 3 Apr 2026 14:00 BST".
ISO stays for machines only (``--json``, CSV, the audit chain). States are shown in words
("waiting for ID", not ``awaiting_id``). No heavy imports: ``privacy-desk deadline`` uses it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.enums import BreachState, Outcome, RequestState

STATE_WORDS: dict[str, str] = {
    RequestState.RECEIVED: "received",
    RequestState.AWAITING_ID: "waiting for ID",
    RequestState.AWAITING_CLARIFICATION: "waiting for clarification",
    RequestState.AWAITING_FEE: "waiting for the fee",
    RequestState.IN_PROGRESS: "in progress",
    RequestState.CLOSED: "closed",
    BreachState.OPEN: "open",
    BreachState.ASSESSED: "risk assessed",
    BreachState.REPORTED: "reported to the ICO",
    BreachState.NOT_REPORTABLE: "not reportable",
    Outcome.FULFILLED: "fulfilled",
    Outcome.PARTIALLY_FULFILLED: "partially fulfilled",
    Outcome.REFUSED: "refused",
    Outcome.WITHDRAWN: "withdrawn",
    Outcome.NO_DATA_HELD: "no data held",
}  # BreachState.CLOSED is "closed", the same key and words as RequestState.CLOSED


def state_words(state: str | None) -> str:
    """A request's or breach's state (or a request's outcome) as people say it."""
    if state is None:
        return "—"
    return STATE_WORDS.get(state, state.replace("_", " "))


# English names whatever the machine's locale (strftime's %a and %b follow it), and without a
# strftime call: a new request's reply shows half a dozen days.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_day(day: date | None) -> str:
    """``Fri 3 Apr 2026``; ``—`` for no date."""
    if day is None:
        return "—"
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def fmt_moment(moment: datetime | None, tz: ZoneInfo) -> str:
    """``Fri 3 Apr 2026 14:00 BST``, in the configured timezone; ``—`` for none."""
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return f"{fmt_day(local.date())} {local:%H:%M %Z}"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'s' * (n != 1)}"


def fmt_hours(span: timedelta) -> str:
    """A span as people say it, to the nearest hour: "5 hours", "1 day", "3 days 4 hours"
    (a breach's 72-hour clock: "101 h" is hard to read)."""
    hours = round(abs(span).total_seconds() / 3600)
    days, rest = divmod(hours, 24)
    if days == 0:
        return _plural(rest, "hour")
    return _plural(days, "day") + (f" {_plural(rest, 'hour')}" if rest else "")


def relative(day: date, *, today: date) -> str:
    """``today``, ``in 3 days``, ``2 days overdue``."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {_plural(days, 'day')}"
    return f"{_plural(-days, 'day')} overdue"


def count(n: int, thing: str, plural: str | None = None) -> str:
    """``1 open request``, ``3 open requests``."""
    return f"{n} {thing if n == 1 else (plural or thing + 's')}"
