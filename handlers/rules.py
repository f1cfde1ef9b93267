"""Rules built on deadlines, each defined once: which deadline applies, late, on time, due soon,
undecided; and who may do what when (issue 9, issue 10 item 5).

Views, export, the summary, reminders and the SQL in ``storage/repositories.py`` all ask these
functions; the SQL forms sit beside their Python forms so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from storage.enums import BreachState, RequestState, RequestType
from storage.models import Breach, Request

DUE_SOON_DAYS = 7  # today and the six days after it
UNDECIDED = (BreachState.OPEN, BreachState.ASSESSED)


def operative_due(req: Request) -> date | None:
    """The deadline an open request is measured against now, from its stored dates.

    A complaint: its acknowledgement date. An action taken after the deadline had passed
    (``missed_due``) never buys time: that deadline stays. Otherwise none while the clock is
    stopped (awaiting identity or fee) or a subject access request is paused for
    clarification (Art 12A); the extended deadline once extended; else the one-month one.
    """
    if req.type == RequestType.COMPLAINT:
        return req.base_due
    if req.missed_due is not None:
        return req.missed_due
    if req.state in (RequestState.AWAITING_ID, RequestState.AWAITING_FEE):
        return None
    if req.state == RequestState.AWAITING_CLARIFICATION and req.type == RequestType.ACCESS:
        return None
    return req.extended_due if req.extended else req.base_due


def is_overdue(req: Request, *, today: date) -> bool:
    """Open and past its deadline."""
    return req.state != RequestState.CLOSED and req.due is not None and req.due < today


def is_on_time(req: Request) -> bool:
    """Closed on or before the deadline that applied when it closed (no deadline: on time)."""
    return req.closed_on is not None and (req.due is None or req.closed_on <= req.due)


def is_late(ticket: Request | Breach) -> bool:
    """A request closed after its deadline; a breach notified to the ICO after 72 hours."""
    if isinstance(ticket, Breach):
        return ticket.ico_notified_at is not None and ticket.ico_notified_at > ticket.ico_due
    return ticket.closed_on is not None and not is_on_time(ticket)


def due_soon_window(today: date) -> tuple[date, date]:
    """'Due soon' and the summary's 'next 7 days': today and the six days after it."""
    return today, today + timedelta(days=DUE_SOON_DAYS - 1)


def breach_undecided(breach: Breach) -> bool:
    """No ICO decision yet (notified or not reportable): the 72-hour clock still matters."""
    return breach.state in UNDECIDED


# --- the same rules as SQL -----------------------------------------------------------------------


def on_time_sql() -> ColumnElement[bool]:
    return or_(col(Request.due).is_(None), col(Request.closed_on) <= col(Request.due))


def overdue_sql(today: date) -> ColumnElement[bool]:
    return and_(col(Request.state) != RequestState.CLOSED.value, col(Request.due) < today)
