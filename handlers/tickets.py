"""Rights requests: open, verify, pause, resume, fee, assign, note, extend, close (SPEC §3)."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, replies
from handlers import command_types as c
from handlers.changes import record_change
from handlers.context import Context, Refusal
from handlers.deadlines import (
    DeadlineError,
    complaint_ack_due,
    request_deadlines,
)
from handlers.deadlines import (
    Pause as PauseSpan,
)
from handlers.ports import ChatUser, DirectMessage, Outcome, Reply
from storage import repositories as repo
from storage.enums import RequestState as S
from storage.enums import RequestType
from storage.models import Pause, Request
from storage.refs import TicketKind, TicketRef

ACTIVE = (S.RECEIVED, S.IN_PROGRESS)


async def open_request(ctx: Context, session: AsyncSession, cmd: c.NewRequest) -> Outcome:
    received = ctx.day_or_today(cmd.received, "received=")
    number = await repo.next_number(session=session, name="DSAR")
    req = Request(
        ref=str(TicketRef(TicketKind.REQUEST, number)),
        type=cmd.type,
        state=S.RECEIVED,
        via=cmd.via,
        received=received,
        calendar=ctx.policy.calendar,
        created_by=ctx.who,
        created_at=ctx.now,
        requester_name=cmd.name,
        requester_email=cmd.email,
        details=cmd.details,
        pii_salt=secrets.token_hex(16),
    )
    recompute(req, [], ctx)
    await repo.add(session=session, row=req, flush=False)
    await record_change(
        ctx,
        session,
        req,
        action="opened",
        facts={"type": req.type, "via": req.via, "received": req.received, "due": req.due},
        new=True,
    )
    headline = f"{req.ref} logged: {req.type} request"
    if req.due is not None and req.due < ctx.today:
        headline += " — already overdue"
    reply = replies.request_reply(
        req, today=ctx.today, pauses=[], notes=[], personal=False, headline=headline
    )
    return Outcome(reply=reply, posts=(replies.request_post(req),), changed=True)


def recompute(req: Request, pauses: list[Pause], ctx: Context) -> None:
    """Set every deadline on ``req`` from its facts; the rules are all in ``deadlines``."""
    if req.type == RequestType.COMPLAINT:
        req.clock_start, req.base_due = req.received, complaint_ack_due(req.received)
        if req.state != S.CLOSED:
            req.due = req.base_due
        return
    identity = req.identity_received_on if req.identity_asked_on is not None else None
    if req.state in (S.AWAITING_ID, S.AWAITING_FEE):
        # The clock has not started: no deadline exists until identity or fee arrives.
        req.clock_start = req.base_due = req.due = None
        req.extension_notice_by = req.extended_due = req.internal_target = None
        return
    try:
        dates = request_deadlines(
            received=req.received,
            identity_received=identity,
            fee_paid=req.fee_paid_on,
            pauses=[PauseSpan(p.asked_on, p.answered_on) for p in pauses],
            calendar=req.calendar,
            internal_target_days=ctx.policy.internal_target_days,
        )
    except DeadlineError as exc:
        raise Refusal(str(exc)) from exc
    req.clock_start, req.base_due = dates.clock_start, dates.due
    req.extension_notice_by, req.extended_due = dates.extension_notice_by, dates.extended_due
    req.internal_target = dates.internal_target
    if req.state == S.AWAITING_CLARIFICATION:
        req.due = None
    elif req.state != S.CLOSED:
        req.due = req.extended_due if req.extended else req.base_due


async def load(ctx: Context, session: AsyncSession, ref: str, *, for_update: bool) -> Request:
    """The request, if this person may see it; staff see only their own."""
    req = await repo.request_by_ref(session=session, ref=ref, for_update=for_update)
    if req is None or not (
        ctx.actor.role.is_privacy_team or ctx.who in (req.created_by, req.assignee)
    ):
        raise Refusal(f"there is no request {ref} that you can see")
    return req


async def _change(
    ctx: Context,
    session: AsyncSession,
    req: Request,
    *,
    action: str,
    change: str,
    facts: dict[str, object] | None = None,
    direct: tuple[DirectMessage, ...] = (),
) -> Outcome:
    """Recompute, record and report one change to ``req``."""
    assert req.id is not None
    pauses = await repo.pauses_for(session=session, request_id=req.id)
    recompute(req, pauses, ctx)
    session.add(req)
    await session.flush()
    await record_change(
        ctx,
        session,
        req,
        action=action,
        facts={"state": req.state, "due": req.due, **(facts or {})},
    )
    reply = replies.request_reply(
        req,
        today=ctx.today,
        pauses=pauses,
        notes=[],
        personal=False,
        headline=f"{req.ref}: {change}",
    )
    return Outcome(
        reply=reply, posts=(replies.request_post(req, change),), direct=direct, changed=True
    )


def _require_state(req: Request, allowed: tuple[S, ...], doing: str) -> None:
    if req.state not in allowed:
        raise Refusal(f"{req.ref} is {req.state}: cannot {doing}")


async def ask_id(ctx: Context, session: AsyncSession, cmd: c.AskId) -> Outcome:
    ctx.require_privacy_team("ask for identity")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _not_complaint(req, "ask for identity")
    _require_state(req, ACTIVE, "ask for identity")
    if req.identity_method is not None:
        raise Refusal(f"{req.ref}: identity was already verified")
    req.identity_asked_on = ctx.day_or_today(cmd.asked, "asked=", not_before=req.received)
    req.state = S.AWAITING_ID
    return await _change(
        ctx,
        session,
        req,
        action="identity_asked",
        change="identity requested",
        facts={"asked": req.identity_asked_on},
    )


async def verify(ctx: Context, session: AsyncSession, cmd: c.Verify) -> Outcome:
    ctx.require_privacy_team("verify identity")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.identity_method is not None:
        raise Refusal(f"{req.ref}: identity was already verified ({req.identity_method})")
    _require_state(req, (*ACTIVE, S.AWAITING_ID), "verify identity")
    arrived = ctx.day_or_today(
        cmd.received, "received=", not_before=req.identity_asked_on or req.received
    )
    if req.state == S.AWAITING_ID:
        req.identity_received_on = arrived  # the clock starts on the day it arrived
    req.identity_method, req.identity_checked_by = cmd.method, ctx.who
    req.state = S.IN_PROGRESS
    return await _change(
        ctx,
        session,
        req,
        action="identity_verified",
        change="identity verified",
        facts={"method": cmd.method, "received": arrived},
    )


async def clarify(ctx: Context, session: AsyncSession, cmd: c.Clarify) -> Outcome:
    ctx.require_privacy_team("ask for clarification")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _not_complaint(req, "pause for clarification")
    _require_state(req, ACTIVE, "ask for clarification")
    req.clarification_asked_on = ctx.day_or_today(
        cmd.asked, "asked=", not_before=req.clock_start or req.received
    )
    req.state = S.AWAITING_CLARIFICATION
    return await _change(
        ctx,
        session,
        req,
        action="paused",
        change="paused for clarification",
        facts={"asked": req.clarification_asked_on},
    )


async def resume(ctx: Context, session: AsyncSession, cmd: c.Resume) -> Outcome:
    ctx.require_privacy_team("resume a request")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.state == S.AWAITING_ID:
        raise Refusal(f"{req.ref} is awaiting identity: use /dsar verify when it arrives")
    if req.state == S.AWAITING_FEE:
        raise Refusal(f"{req.ref} is awaiting a fee: use /dsar fee-paid when it is paid")
    _require_state(req, (S.AWAITING_CLARIFICATION,), "resume")
    assert req.clarification_asked_on is not None and req.id is not None
    answered = ctx.day_or_today(cmd.received, "received=", not_before=req.clarification_asked_on)
    pause = Pause(request_id=req.id, asked_on=req.clarification_asked_on, answered_on=answered)
    await repo.add(session=session, row=pause)
    req.clarification_asked_on, req.state = None, S.IN_PROGRESS
    return await _change(
        ctx,
        session,
        req,
        action="resumed",
        change="clarification received",
        facts={"asked": pause.asked_on, "answered": answered},
    )


async def ask_fee(ctx: Context, session: AsyncSession, cmd: c.AskFee) -> Outcome:
    ctx.require_privacy_team("ask for a fee")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _not_complaint(req, "charge a fee")
    _require_state(req, ACTIVE, "ask for a fee")
    if req.fee_asked_on is not None:
        raise Refusal(f"{req.ref}: a fee was already asked for")
    req.fee_pence, req.fee_asked_on, req.state = cmd.pence, ctx.today, S.AWAITING_FEE
    return await _change(
        ctx, session, req, action="fee_asked", change="fee requested", facts={"pence": cmd.pence}
    )


async def fee_paid(ctx: Context, session: AsyncSession, cmd: c.FeePaid) -> Outcome:
    ctx.require_privacy_team("record a fee")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _require_state(req, (S.AWAITING_FEE,), "record a fee as paid")
    req.fee_paid_on = ctx.day_or_today(cmd.received, "received=", not_before=req.fee_asked_on)
    req.state = S.IN_PROGRESS
    return await _change(
        ctx, session, req, action="fee_paid", change="fee paid", facts={"paid": req.fee_paid_on}
    )


async def assign(ctx: Context, session: AsyncSession, cmd: c.Assign) -> Outcome:
    ctx.require_privacy_team("assign requests")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _require_state(
        req, (*ACTIVE, S.AWAITING_ID, S.AWAITING_FEE, S.AWAITING_CLARIFICATION), "assign"
    )
    assignee = ChatUser(ctx.actor.user.platform, cmd.person)
    req.assignee = str(assignee)
    note = Reply(
        text=f"{req.ref} ({req.type}) is assigned to you: "
        f"{replies.request_deadline_text(req, ctx.today)}",
        ref=req.ref,
    )
    return await _change(
        ctx,
        session,
        req,
        action="assigned",
        change="assigned",
        facts={"assignee": req.assignee},
        direct=(DirectMessage(to=assignee, reply=note),),
    )


async def add_note(ctx: Context, session: AsyncSession, cmd: c.AddNote) -> Outcome:
    ctx.require_privacy_team("add notes")
    req = await load(ctx, session, cmd.ref, for_update=True)
    await audit.record_with_note(
        session=session, ticket=req, actor=ctx.who, at=ctx.now, text=cmd.text
    )
    return Outcome(reply=Reply(text=f"{req.ref}: note added", ref=req.ref), changed=True)


async def extend(ctx: Context, session: AsyncSession, cmd: c.Extend) -> Outcome:
    ctx.require_privacy_team("extend a deadline")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _not_complaint(req, "extend")
    if req.extended:
        raise Refusal(f"{req.ref} is already extended to {replies.fmt_day(req.extended_due)}")
    _require_state(req, ACTIVE, "extend")
    told = ctx.day_or_today(cmd.told, "told=", not_before=req.received)
    assert req.extension_notice_by is not None
    if told > req.extension_notice_by:
        raise Refusal(
            f"{req.ref}: the requester had to be told by {replies.fmt_day(req.extension_notice_by)}"
            f" (told {replies.fmt_day(told)}); the extension is not available",
            field="told",
        )
    req.extended, req.extension_reason, req.extension_told_on = True, cmd.reason, told
    return await _change(
        ctx, session, req, action="extended", change="deadline extended", facts={"told": told}
    )


async def close(ctx: Context, session: AsyncSession, cmd: c.CloseRequest) -> Outcome:
    ctx.require_privacy_team("close requests")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.state == S.CLOSED:
        raise Refusal(f"{req.ref} is already closed ({req.outcome})")
    req.outcome, req.outcome_reason = cmd.outcome, cmd.reason
    if cmd.outcome == "refused":
        req.complaint_right_told_on = ctx.day_or_today(cmd.told, "told=", not_before=req.received)
    elif cmd.told is not None:
        raise Refusal("told= is only for refusals (the date the requester was told)", field="told")
    req.state, req.closed_on = S.CLOSED, ctx.today
    on_time = req.due is None or req.closed_on <= req.due
    return await _change(
        ctx,
        session,
        req,
        action="closed",
        change=f"closed: {cmd.outcome}",
        facts={"outcome": cmd.outcome, "on_time": on_time},
    )


def _not_complaint(req: Request, doing: str) -> None:
    if req.type == RequestType.COMPLAINT:
        raise Refusal(f"{req.ref} is a complaint: complaints cannot {doing}")
