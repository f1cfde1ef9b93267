"""What is due next on a ticket, and the command that does it: the "Next step" line every
ticket view shows, on every platform.

``next_step`` walks a short ordered list of rules; the first that applies answers. To add a
hint (say, "send the extension notice by …"), add a rule at the place it should win.
Pure: no I/O, "now" is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import rules
from handlers.wording import fmt_day, fmt_moment
from storage.enums import BreachState, RequestState, RequestType, Risk
from storage.models import Breach, Request


@dataclass(frozen=True, slots=True)
class NextStep:
    """What to do next (``what``), by when (``due``, if there is a date), and what to type."""

    what: str
    command: str
    due: date | datetime | None = None

    def text(self, tz: ZoneInfo) -> str:
        """``send the reply by Fri 3 Apr 2026: /dsar close DSAR-0001 outcome=…``"""
        if isinstance(self.due, datetime):
            by = f" by {fmt_moment(self.due, tz)}"
        elif self.due is not None:
            by = f" by {fmt_day(self.due)}"
        else:
            by = ""
        return f"{self.what}{by}: {self.command}"


RequestRule = Callable[[Request, date], NextStep | None]
BreachRule = Callable[[Breach, datetime], NextStep | None]


def _waiting(req: Request, today: date) -> NextStep | None:
    ref = req.ref
    if req.state == RequestState.AWAITING_ID:
        return NextStep("record the ID check when it arrives", f"/dsar verify {ref} method=…")
    if req.state == RequestState.AWAITING_FEE:
        return NextStep("record the fee when it is paid", f"/dsar fee-paid {ref}")
    if req.state == RequestState.AWAITING_CLARIFICATION:
        return NextStep("record the requester's answer", f"/dsar resume {ref}")
    return None


def _act_at_once(req: Request, today: date) -> NextStep | None:
    if req.type not in (RequestType.CONSENT, RequestType.OBJECTION):
        return None
    if req.processing_stopped_on is not None:
        return None
    return NextStep("stop the processing", f"/dsar stopped {req.ref}", today)


def _acknowledge(req: Request, today: date) -> NextStep | None:
    """A complaint waits for its acknowledgement letter (s.164A), recorded with ``sent``."""
    if req.type != RequestType.COMPLAINT or req.acknowledged_on is not None:
        return None
    return NextStep(
        "send the complaint acknowledgement",
        f"/dsar letter {req.ref} complaint-acknowledgement, then /dsar sent {req.ref} "
        "complaint-acknowledgement",
        req.due,
    )


def _reply(req: Request, today: date) -> NextStep | None:
    if req.type == RequestType.COMPLAINT:  # acknowledged: no statutory date for the outcome
        return NextStep("tell the complainant the outcome", f"/dsar close {req.ref} outcome=…")
    due = req.due
    if (
        req.internal_target is not None
        and due is not None
        and not rules.is_overdue(req, today=today)
    ):
        due = min(due, req.internal_target)
    what = "send the reply (overdue)" if rules.is_overdue(req, today=today) else "send the reply"
    return NextStep(what, f"/dsar close {req.ref} outcome=…", due)


REQUEST_RULES: tuple[RequestRule, ...] = (_waiting, _act_at_once, _acknowledge, _reply)


def _assess(breach: Breach, now: datetime) -> NextStep | None:
    if breach.risk is not None:
        return None
    return NextStep(
        "assess the risk", f"/breach assess {breach.ref} risk=none|low|high", breach.ico_due
    )


def _decide(breach: Breach, now: datetime) -> NextStep | None:
    if not rules.breach_undecided(breach):
        return None
    command = f"/breach ico {breach.ref} case=…"
    if breach.risk == Risk.NONE and not rules.breach_must_be_notified(breach):
        command += f' (or /breach not-reportable {breach.ref} reason="…")'
    return NextStep("tell the ICO", command, breach.ico_due)


def _delay_reason(breach: Breach, now: datetime) -> NextStep | None:
    if not rules.is_late(breach) or breach.delay_reason:
        return None
    return NextStep(
        "record why the report was late (Art 33(1))", f'/breach delay-reason {breach.ref} "…"'
    )


def _tell_subjects(breach: Breach, now: datetime) -> NextStep | None:
    if breach.risk != Risk.HIGH or breach.subjects_told_at is not None:
        return None
    return NextStep("tell the people affected (Art 34)", f"/breach tell-subjects {breach.ref}")


def _close_breach(breach: Breach, now: datetime) -> NextStep | None:
    return NextStep("close the breach when the work is done", f"/breach close {breach.ref}")


BREACH_RULES: tuple[BreachRule, ...] = (
    _assess,
    _decide,
    _delay_reason,
    _tell_subjects,
    _close_breach,
)


def next_step(ticket: Request | Breach, now: datetime, tz: ZoneInfo) -> NextStep | None:
    """The next thing due on ``ticket``; ``None`` once it is closed."""
    if isinstance(ticket, Breach):
        if ticket.state == BreachState.CLOSED:
            return None
        for breach_rule in BREACH_RULES:
            if (step := breach_rule(ticket, now)) is not None:
                return step
        return None
    if ticket.state == RequestState.CLOSED:
        return None
    today = now.astimezone(tz).date()
    for rule in REQUEST_RULES:
        if (step := rule(ticket, today)) is not None:
            return step
    return None
