"""Rules built on deadlines, each defined once: which deadline applies, late, on time, due soon,
undecided; and who may do what when (issue 9, issue 10 item 5).

Views, export, the summary, reminders and the SQL in ``storage/repositories.py`` all ask these
functions; the SQL forms sit beside their Python forms so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from storage.enums import (
    BreachState,
    FeeBasis,
    Outcome,
    RecipientsTold,
    RefusalBasis,
    RequestState,
    RequestType,
)
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
    return req.extended_due if req.extended and not extension_told_late(req) else req.base_due


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


# --- who may do what when ------------------------------------------------------------------------

ACT_AT_ONCE = (RequestType.CONSENT, RequestType.OBJECTION)  # Art 7(3), Art 21(3)
RECIPIENT_RIGHTS = (RequestType.RECTIFICATION, RequestType.ERASURE, RequestType.RESTRICTION)
REFUSALS = (Outcome.REFUSED, Outcome.PARTIALLY_FULFILLED)


def late_action(req: Request, *, on: date, late_after_days: int) -> tuple[str, bool] | None:
    """Why asking for identity, clarification or a fee on ``on`` is late, and whether the
    deadline had already passed; None when it is in time (SPEC §4 "late actions")."""
    if req.due is not None and on > req.due:
        return f"the deadline {req.due.isoformat()} had already passed", True
    days = (on - req.received).days
    if days > late_after_days:
        return f"it is {days} days after receipt (more than {late_after_days})", False
    return None


def fee_refusal(req: Request, *, basis: FeeBasis | None, reason: str | None) -> str | None:
    """Why no fee may be asked for, or None: a fee only where the request is manifestly
    unfounded or excessive (Art 12(5)), with the reason, or for further copies (Art 15(3))."""
    if basis is None:
        return (
            "a fee may be charged only where the request is manifestly unfounded or excessive "
            "(Art 12(5)) or for further copies (Art 15(3)): give basis=unfounded|excessive|copies"
        )
    if basis == FeeBasis.COPIES and req.type != RequestType.ACCESS:
        return "basis=copies is for further copies of a subject access response (Art 15(3))"
    if basis != FeeBasis.COPIES and not reason:
        return f'a fee on the basis that the request is {basis} needs reason="…" (Art 12(5))'
    return None


def close_refusal(
    req: Request,
    *,
    outcome: Outcome,
    basis: RefusalBasis | None,
    exemption: str | None,
    recipients: RecipientsTold | None,
) -> str | None:
    """Why the request may not be closed like this, or None (Art 12(4), Art 19)."""
    if outcome in REFUSALS:
        if basis is None:
            return (
                f"{outcome} needs basis=unfounded|excessive|exemption (manifestly unfounded or "
                "excessive, Art 12(5), or a DPA 2018 Schedule 2-4 exemption)"
            )
        if basis == RefusalBasis.EXEMPTION and not exemption:
            return 'basis=exemption needs exemption="…" naming the DPA 2018 exemption relied on'
    elif basis is not None or exemption is not None:
        return "basis= and exemption= are only for refused or partially_fulfilled requests"
    needs_recipients = outcome == Outcome.FULFILLED and req.type in RECIPIENT_RIGHTS
    if needs_recipients and recipients is None:
        return (
            f"closing a fulfilled {req.type} request: were the recipients of the data told "
            "(Art 19)? give recipients=told|none|impossible|disproportionate"
        )
    if recipients is not None and not needs_recipients:
        return "recipients= is for fulfilled rectification, erasure or restriction requests"
    return None


def refusal_told_late(req: Request) -> bool:
    """The requester learnt of the refusal and their right to complain after the deadline."""
    told, due = req.complaint_right_told_on, req.due
    return told is not None and due is not None and told > due


def extension_told_late(req: Request) -> bool:
    """The requester was told of the extension after ``extension_notice_by`` (the letter went
    late): the extension is not available (Art 12(3)), so the one-month deadline applies."""
    told, by = req.extension_told_on, req.extension_notice_by
    return req.extended and told is not None and by is not None and told > by


def complaint_acknowledged_late(req: Request) -> bool:
    """A complaint acknowledged after its s.164A date (30 days, rolled forward)."""
    told, due = req.acknowledged_on, req.base_due
    return told is not None and due is not None and told > due


def breach_must_be_notified(breach: Breach) -> bool:
    """PECR reg 5A: a communications provider notifies every personal-data breach."""
    return breach.pecr
