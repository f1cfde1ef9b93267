"""Tickets as neutral replies and channel posts (platform renderers turn these into UI)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import rules
from handlers.forms import action_names
from handlers.next_step import next_step
from handlers.ports import ChannelPost, Reply
from handlers.wording import fmt_day, fmt_hours, fmt_moment, relative, state_words
from storage import personal as pii
from storage.enums import BreachState, RequestState, RequestType
from storage.models import Breach, Note, Pause, Request
from storage.refs import TicketKind

REQUEST_ACTIONS = action_names(TicketKind.REQUEST)
BREACH_ACTIONS = action_names(TicketKind.BREACH)


__all__ = ["fmt_day", "fmt_moment", "relative", "state_words"]  # re-exported: one style


def fmt_pence(pence: int | None) -> str:
    return "—" if pence is None else f"£{pence // 100}.{pence % 100:02d}"


def person(stored: str | None) -> str:
    """A stored ``platform:id`` as people read it (``@U123``); ids are not personal data here."""
    if stored is None:
        return "—"
    return "@" + stored.partition(":")[2]


def origin_text(ticket: Request | Breach) -> str | None:
    """Where a ticket was logged from, as its platform names it: ``workspace T0001 of org
    E0001`` (Slack Enterprise Grid); None when the platform did not say."""
    if ticket.origin_team is None and ticket.origin_enterprise is None:
        return None
    parts = [f"workspace {ticket.origin_team}"] if ticket.origin_team else []
    if ticket.origin_enterprise:
        parts.append(f"org {ticket.origin_enterprise}")
    return " of ".join(parts)


def _logged_from(ticket: Request | Breach) -> list[tuple[str, str]]:
    """The "Logged from" field for the privacy team's view (an auditor's question)."""
    where = origin_text(ticket)
    return [] if where is None else [("Logged from", f"{person(ticket.created_by)}, {where}")]


def request_deadline_text(req: Request, today: date) -> str:
    if req.state == RequestState.CLOSED:
        return f"closed {fmt_day(req.closed_on)} ({state_words(req.outcome)})"
    if req.state == RequestState.AWAITING_ID:
        return f"clock stopped: waiting for ID since {fmt_day(req.identity_asked_on)}"
    if req.state == RequestState.AWAITING_FEE:
        return f"clock stopped: waiting for the fee since {fmt_day(req.fee_asked_on)}"
    if req.type == RequestType.COMPLAINT:
        if req.due is None:
            return "no statutory acknowledgement date (received before 19 Jun 2026)"
        return f"acknowledge by {fmt_day(req.due)} ({relative(req.due, today=today)})"
    if req.state == RequestState.AWAITING_CLARIFICATION and req.due is None:
        return f"paused: clarification asked {fmt_day(req.clarification_asked_on)}"
    assert req.due is not None
    return f"due {fmt_day(req.due)} ({relative(req.due, today=today)})"


def act_at_once_text(req: Request) -> str:
    """What consent withdrawal (Art 7(3)) and a marketing objection (Art 21(3)) demand."""
    if req.processing_stopped_on is not None:
        return f"processing stopped {fmt_day(req.processing_stopped_on)}"
    right = (
        "Withdrawal of consent"
        if req.type == RequestType.CONSENT
        else "An objection to direct marketing"
    )
    return (
        f"{right} takes effect at once: stop the processing today and record it with "
        f"/dsar stopped {req.ref}; the reply is still due {fmt_day(req.due)}"
    )


def request_line(req: Request, today: date) -> str:
    extended = " [extended]" if req.extended else ""
    state = state_words(req.state)
    return f"{req.ref}  {req.type:<13} {state:<25} {request_deadline_text(req, today)}{extended}"


def request_reply(
    req: Request,
    *,
    today: date,
    pauses: list[Pause],
    notes: list[Note],
    personal: bool,
    headline: str | None = None,
    now: datetime,
    tz: ZoneInfo,
    for_staff: bool = False,
) -> Reply:
    fields: list[tuple[str, str]] = [
        ("Type", req.type),
        ("State", state_words(req.state)),
        ("Deadline", request_deadline_text(req, today)),
        ("Received", f"{fmt_day(req.received)} by {req.via}"),
    ]
    if req.type == RequestType.COMPLAINT:
        fields.append(("Acknowledge by", fmt_day(req.base_due)))
        if req.acknowledged_on is not None:
            late = " (late)" if rules.complaint_acknowledged_late(req) else ""
            fields.append(("Acknowledged", fmt_day(req.acknowledged_on) + late))
    else:
        fields.append(("Clock start", fmt_day(req.clock_start)))
        fields.append(("One-month deadline", fmt_day(req.base_due)))
        fields.append(("Extension notice by", fmt_day(req.extension_notice_by)))
        fields.append(("Extended deadline", fmt_day(req.extended_due)))
    if req.internal_target is not None:
        fields.append(("Internal target", fmt_day(req.internal_target)))
    if req.extended:
        reason = f": {req.extension_reason}" if personal and req.extension_reason else ""
        fields.append(("Extended", f"told {fmt_day(req.extension_told_on)}{reason}"))
    if req.identity_method:
        fields.append(
            ("Identity", f"{req.identity_method}, checked by {person(req.identity_checked_by)}")
        )
    if req.fee_pence is not None:
        basis = f" ({req.fee_basis})" if req.fee_basis else ""
        fields.append(
            ("Fee", f"{fmt_pence(req.fee_pence)}{basis}, paid {fmt_day(req.fee_paid_on)}")
        )
    if req.late_reason and personal:
        fields.append(("Late action", req.late_reason))
    if req.type in (RequestType.CONSENT, RequestType.OBJECTION):
        fields.append(("Processing stopped", act_at_once_text(req)))
    paused = "Paused" if req.type == RequestType.ACCESS else "Clarification (clock ran on)"
    fields += [(paused, f"{fmt_day(p.asked_on)} – {fmt_day(p.answered_on)}") for p in pauses]
    fields.append(("Assignee", person(req.assignee)))
    if req.outcome:
        reason = f": {req.outcome_reason}" if personal and req.outcome_reason else ""
        fields.append(("Outcome", state_words(req.outcome) + reason))
    if req.duplicate_of:
        fields.append(("Duplicate of", req.duplicate_of))
    if req.refusal_basis:
        # Typed text (it may name a third party): never in what staff are shown.
        shown = req.refusal_exemption if req.refusal_exemption and not for_staff else None
        exemption = f" ({shown})" if shown else ""
        fields.append(("Basis", f"{req.refusal_basis}{exemption}"))
    if req.complaint_right_told_on:
        fields.append(("Told of right to complain", fmt_day(req.complaint_right_told_on)))
    if req.recipients_told:  # recorded by the privacy team when closing; replies go to them
        fields.append(("Recipients (Art 19)", req.recipients_told))
    if personal:
        fields += _logged_from(req)
        if req.erased_at is not None:
            fields.append(("Requester", "erased under the retention policy"))
        else:
            fields.append(("Requester", f"{req.requester_name} <{req.requester_email}>"))
            if req.details:
                fields.append(("Details", req.details))
        fields += [("Note", f"{fmt_day(n.at.date())} {person(n.author)}: {n.text}") for n in notes]
    if (step := next_step(req, now, tz)) is not None:
        fields.insert(3, ("Next step", step.text(tz)))
    open_ = req.state != RequestState.CLOSED
    return Reply(
        text=headline or f"{req.ref} — {req.type} request",
        fields=tuple(fields),
        ref=req.ref,
        actions=REQUEST_ACTIONS if personal and open_ else (),
        alert_fields=("Deadline",) if rules.is_overdue(req, today=today) else (),
    )


def request_post(req: Request, change: str | None = None) -> ChannelPost:
    return ChannelPost(
        ref=req.ref,
        kind="request",
        ticket_type=req.type,
        state=req.state,
        deadline=req.due,
        change=change,
    )


def breach_status(breach: Breach, now: datetime) -> str:
    if breach.ico_notified_at is not None:
        return "ICO notified" + (" late" if rules.is_late(breach) else " within 72 hours")
    if breach.not_reportable_reason is not None:
        return "not reportable"
    left = breach.ico_due - now
    hours = left.total_seconds() / 3600
    if -0.5 < hours < 0.5:
        return "the 72 hours are up now"
    if hours < 0:
        return f"ICO decision {fmt_hours(left)} overdue"
    return f"{fmt_hours(left)} left to tell the ICO"


def breach_overdue(breach: Breach, now: datetime) -> bool:
    """No ICO decision and the 72 hours have run out."""
    return rules.breach_undecided(breach) and breach.ico_due <= now


def breach_regime(breach: Breach) -> str:
    return "PECR reg 5A (always notify)" if breach.pecr else "UK GDPR Art 33"


def breach_line(breach: Breach, now: datetime, tz: ZoneInfo) -> str:
    return (
        f"{breach.ref}  {state_words(breach.state):<19} ICO due {fmt_moment(breach.ico_due, tz)}  "
        f"({breach_status(breach, now)})"
    )


def breach_reply(
    breach: Breach,
    *,
    now: datetime,
    tz: ZoneInfo,
    personal: bool,
    notes: list[Note],
    headline: str | None = None,
) -> Reply:
    fields: list[tuple[str, str]] = [
        ("State", state_words(breach.state)),
        ("Regime", breach_regime(breach)),
        ("Aware", fmt_moment(breach.aware_at, tz)),
        ("ICO due", f"{fmt_moment(breach.ico_due, tz)} ({breach_status(breach, now)})"),
        ("Occurred", fmt_moment(breach.occurred_at, tz)),
        ("Risk", breach.risk or "not assessed"),
        ("People affected", "—" if breach.subjects_count is None else str(breach.subjects_count)),
        ("Records", "—" if breach.records_count is None else str(breach.records_count)),
    ]
    if breach.ico_case_ref:
        fields.append(
            ("ICO case", f"{breach.ico_case_ref}, {fmt_moment(breach.ico_notified_at, tz)}")
        )
    fields.append(("Subjects told", fmt_moment(breach.subjects_told_at, tz)))
    fields.append(("Owner", person(breach.assignee)))
    if personal:  # every free-text field is personal: storage.personal lists them
        fields += _logged_from(breach)
        for field in pii.BREACH_FIELDS:
            value = getattr(breach, field.column)
            if value:
                fields.append((field.label, value))
        fields += [("Note", f"{fmt_day(n.at.date())} {person(n.author)}: {n.text}") for n in notes]
    if (step := next_step(breach, now, tz)) is not None:
        fields.insert(2, ("Next step", step.text(tz)))
    return Reply(
        text=headline or f"{breach.ref} — personal-data breach",
        fields=tuple(fields),
        ref=breach.ref,
        actions=BREACH_ACTIONS if personal and breach.state != BreachState.CLOSED else (),
        alert_fields=("ICO due",) if breach_overdue(breach, now) else (),
    )


def breach_post(breach: Breach, change: str | None = None) -> ChannelPost:
    return ChannelPost(
        ref=breach.ref,
        kind="breach",
        ticket_type="breach",
        state=breach.state,
        deadline=breach.ico_due,
        change=change,
    )
