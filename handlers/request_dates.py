"""A request's stored deadlines, set from its facts: the dates come from ``deadlines``, which
of them applies in the request's state from ``rules.operative_due``."""

from __future__ import annotations

from handlers import rules
from handlers.context import Context, Refusal
from handlers.deadlines import (
    DeadlineError,
    clarification_pauses,
    complaint_ack_due,
    request_deadlines,
)
from handlers.deadlines import Pause as PauseSpan
from storage.enums import RequestState as S
from storage.enums import RequestType
from storage.models import Pause, Request


def recompute(req: Request, pauses: list[Pause], ctx: Context) -> None:
    """Set every deadline on ``req`` from its facts (``recompute_dates`` with the policy)."""
    try:
        recompute_dates(req, pauses, internal_target_days=ctx.policy.internal_target_days)
    except DeadlineError as exc:
        raise Refusal(str(exc)) from exc


def recompute_dates(req: Request, pauses: list[Pause], *, internal_target_days: int | None) -> None:
    """Set every deadline on ``req``; the dates come from ``deadlines``, and which of them
    applies in the request's state from ``rules.operative_due``. A closed request keeps the
    deadline it was closed against."""
    if req.type == RequestType.COMPLAINT:
        req.clock_start, req.base_due = req.received, complaint_ack_due(req.received, req.calendar)
    elif req.state in (S.AWAITING_ID, S.AWAITING_FEE):
        # The clock has not started: no deadline exists until identity or fee arrives.
        req.clock_start = req.base_due = None
        req.extension_notice_by = req.extended_due = req.internal_target = None
    else:
        identity = req.identity_received_on if req.identity_asked_on is not None else None
        counted = pauses if clarification_pauses(req.type) else []  # Art 12A: access only
        dates = request_deadlines(
            received=req.received,
            identity_received=identity,
            fee_paid=req.fee_paid_on,
            pauses=[PauseSpan(p.asked_on, p.answered_on) for p in counted],
            calendar=req.calendar,
            internal_target_days=internal_target_days,
        )
        req.clock_start, req.base_due = dates.clock_start, dates.due
        req.extension_notice_by, req.extended_due = dates.extension_notice_by, dates.extended_due
        req.internal_target = dates.internal_target
    if req.state != S.CLOSED:
        req.due = rules.operative_due(req)
