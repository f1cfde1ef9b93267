"""Rights requests: open, verify, ask for identity, clarify, resume, fee, assign, note (SPEC §3).

Extending and closing are in ``request_outcomes``; the dates in ``request_dates``.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import command_types as c
from handlers import finding, replies, rules
from handlers.changes import note_added, record_change
from handlers.context import Context, Refusal
from handlers.deadlines import clarification_pauses
from handlers.ports import ChatUser, DirectMessage, Outcome, Reply
from handlers.request_dates import recompute
from storage import repositories as repo
from storage.enums import RequestState as S
from storage.enums import RequestType
from storage.models import Pause, Request

ACTIVE = (S.RECEIVED, S.IN_PROGRESS)


def prepare_request(ctx: Context, cmd: c.NewRequest) -> Request:
    """The request ``cmd`` opens, with its deadlines, before it has a reference (its checks
    need no database, so a refused one writes nothing): ``handlers.opening`` numbers and
    stores it."""
    received = ctx.day_or_today(cmd.received, "received=")
    req = repo.new_row(
        Request,
        ref="",
        type=cmd.type,
        state=S.RECEIVED,
        via=cmd.via,
        received=received,
        calendar=ctx.policy.calendar,
        created_by=ctx.who,
        created_at=ctx.now,
        origin_enterprise=ctx.origin.enterprise,
        origin_team=ctx.origin.team,
        requester_name=cmd.name,
        requester_email=cmd.email,
        details=cmd.details,
        pii_salt=secrets.token_hex(16),
    )
    recompute(req, [], ctx)
    return req


def opening_facts(req: Request) -> dict[str, object]:
    """What the "opened" event of a request records."""
    return {"type": req.type, "via": req.via, "received": req.received, "due": req.due}


def opened_request(ctx: Context, req: Request, duplicates: list[str]) -> Outcome:
    """The receipt, the compliance post and the direct messages for a request just stored;
    ``duplicates``: references of open or recent requests that may be the same person."""
    duplicate_line, duplicate_dms = finding.duplicate_notice(ctx, req.ref, duplicates)
    headline = f"{req.ref} logged: {req.type} request"
    if rules.is_overdue(req, today=ctx.today):
        headline += " — already overdue"
    reply = replies.request_reply(
        req,
        today=ctx.today,
        pauses=[],
        notes=[],
        personal=False,
        headline=headline,
        now=ctx.now,
        tz=ctx.policy.timezone,
    )
    direct: tuple[DirectMessage, ...] = duplicate_dms
    if req.type in rules.ACT_AT_ONCE:  # Art 7(3) / Art 21(3): stop now, reply within the month
        now = replies.act_at_once_text(req)
        reply = replace(reply, lines=(now,))
        note = Reply(text=f"{req.ref} ({req.type}): {now}", ref=req.ref)
        direct += tuple(DirectMessage(to=dpo, reply=note) for dpo in sorted(ctx.policy.dpo))
    if duplicate_line is not None:
        reply = Reply(
            text=reply.text,
            fields=reply.fields,
            lines=(*reply.lines, duplicate_line),
            ref=req.ref,
        )
    return Outcome(reply=reply, posts=(replies.request_post(req),), direct=direct, changed=True)


async def load(ctx: Context, session: AsyncSession, ref: str, *, for_update: bool) -> Request:
    """The request, if this person may see it; staff see only their own."""
    req = await repo.request_by_ref(session=session, ref=ref, for_update=for_update)
    if req is None or not (
        ctx.actor.role.is_privacy_team or ctx.who in (req.created_by, req.assignee)
    ):
        raise Refusal(f"there is no request {ref} that you can see")
    return req


async def commit_change(
    ctx: Context,
    session: AsyncSession,
    req: Request,
    *,
    action: str,
    change: str,
    facts: dict[str, object] | None = None,
    direct: tuple[DirectMessage, ...] = (),
    warning: str | None = None,
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
        pauses=pauses,
    )
    reply = replies.request_reply(
        req,
        today=ctx.today,
        pauses=pauses,
        notes=[],
        personal=False,
        headline=f"{req.ref}: {change}",
        now=ctx.now,
        tz=ctx.policy.timezone,
    )
    if warning:
        reply = replace(reply, lines=(warning,))
    return Outcome(
        reply=reply, posts=(replies.request_post(req, change),), direct=direct, changed=True
    )


def _late(
    ctx: Context, req: Request, *, on: date, doing: str, reason: str | None
) -> dict[str, object]:
    """Refuse a late action without ``late-reason=``; record it, and keep a deadline that had
    already passed as the one the request is measured against (never rewarded)."""
    late = rules.late_action(req, on=on, late_after_days=ctx.policy.late_action_days)
    if late is None:
        return {}
    why, passed = late
    if not reason:
        raise Refusal(
            f"{req.ref}: to {doing} on {on.isoformat()} is late ({why}): "
            'say why with late-reason="…"'
        )
    req.late_reason = f"{doing} on {on.isoformat()}, {why}: {reason}"
    if passed and req.missed_due is None:
        req.missed_due = req.due
    return {"late": why}


def require_state(req: Request, allowed: tuple[S, ...], doing: str) -> None:
    if req.state not in allowed:
        raise Refusal(f"{req.ref} is {replies.state_words(req.state)}: cannot {doing}")


async def ask_id(ctx: Context, session: AsyncSession, cmd: c.AskId) -> Outcome:
    ctx.require_privacy_team("ask for identity")
    req = await load(ctx, session, cmd.ref, for_update=True)
    not_complaint(req, "ask for identity")
    require_state(req, ACTIVE, "ask for identity")
    if req.identity_method is not None:
        raise Refusal(f"{req.ref}: identity was already verified")
    asked = ctx.day_or_today(cmd.asked, "asked=", not_before=req.received)
    late = _late(ctx, req, on=asked, doing="ask for identity", reason=cmd.late_reason)
    req.identity_asked_on, req.state = asked, S.AWAITING_ID
    return await commit_change(
        ctx,
        session,
        req,
        action="identity_asked",
        change="identity requested",
        facts={"asked": req.identity_asked_on, **late},
    )


async def verify(ctx: Context, session: AsyncSession, cmd: c.Verify) -> Outcome:
    ctx.require_privacy_team("verify identity")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.identity_method is not None:
        raise Refusal(f"{req.ref}: identity was already verified ({req.identity_method})")
    require_state(req, (*ACTIVE, S.AWAITING_ID), "verify identity")
    arrived = ctx.day_or_today(
        cmd.received, "received=", not_before=req.identity_asked_on or req.received
    )
    if req.state == S.AWAITING_ID:
        req.identity_received_on = arrived  # the clock starts on the day it arrived
    req.identity_method, req.identity_checked_by = cmd.method, ctx.who
    req.state = S.IN_PROGRESS
    return await commit_change(
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
    not_complaint(req, "pause for clarification")
    require_state(req, ACTIVE, "ask for clarification")
    asked = ctx.day_or_today(cmd.asked, "asked=", not_before=req.clock_start or req.received)
    late = _late(ctx, req, on=asked, doing="ask for clarification", reason=cmd.late_reason)
    req.clarification_asked_on, req.state = asked, S.AWAITING_CLARIFICATION
    if clarification_pauses(req.type):
        return await commit_change(
            ctx,
            session,
            req,
            action="paused",
            change="paused for clarification",
            facts={"asked": asked, **late},
        )
    return await commit_change(
        ctx,
        session,
        req,
        action="clarification_asked",
        change="clarification asked; the deadline does not move",
        facts={"asked": asked, "clock": "running", **late},
        warning=f"Only a subject access request pauses for clarification (Art 12A): this "
        f"{req.type} request is still due {replies.fmt_day(req.due)}.",
    )


async def resume(ctx: Context, session: AsyncSession, cmd: c.Resume) -> Outcome:
    ctx.require_privacy_team("resume a request")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.state == S.AWAITING_ID:
        raise Refusal(f"{req.ref} is awaiting identity: use /dsar verify when it arrives")
    if req.state == S.AWAITING_FEE:
        raise Refusal(f"{req.ref} is awaiting a fee: use /dsar fee-paid when it is paid")
    require_state(req, (S.AWAITING_CLARIFICATION,), "resume")
    assert req.clarification_asked_on is not None and req.id is not None
    answered = ctx.day_or_today(cmd.received, "received=", not_before=req.clarification_asked_on)
    pause = Pause(request_id=req.id, asked_on=req.clarification_asked_on, answered_on=answered)
    await repo.add(session=session, row=pause)
    req.clarification_asked_on, req.state = None, S.IN_PROGRESS
    return await commit_change(
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
    not_complaint(req, "charge a fee")
    require_state(req, ACTIVE, "ask for a fee")
    if req.fee_asked_on is not None:
        raise Refusal(f"{req.ref}: a fee was already asked for")
    why_not = rules.fee_refusal(req, basis=cmd.basis, reason=cmd.reason)
    if why_not is not None:
        raise Refusal(f"{req.ref}: {why_not}")
    late = _late(ctx, req, on=ctx.today, doing="ask for a fee", reason=cmd.late_reason)
    req.fee_pence, req.fee_asked_on, req.state = cmd.pence, ctx.today, S.AWAITING_FEE
    req.fee_basis, req.fee_reason = cmd.basis, cmd.reason
    return await commit_change(
        ctx,
        session,
        req,
        action="fee_asked",
        change="fee requested",
        facts={"pence": cmd.pence, "basis": cmd.basis, **late},
    )


async def fee_paid(ctx: Context, session: AsyncSession, cmd: c.FeePaid) -> Outcome:
    ctx.require_privacy_team("record a fee")
    req = await load(ctx, session, cmd.ref, for_update=True)
    require_state(req, (S.AWAITING_FEE,), "record a fee as paid")
    req.fee_paid_on = ctx.day_or_today(cmd.received, "received=", not_before=req.fee_asked_on)
    req.state = S.IN_PROGRESS
    return await commit_change(
        ctx, session, req, action="fee_paid", change="fee paid", facts={"paid": req.fee_paid_on}
    )


async def assign(ctx: Context, session: AsyncSession, cmd: c.Assign) -> Outcome:
    ctx.require_privacy_team("assign requests")
    req = await load(ctx, session, cmd.ref, for_update=True)
    require_state(req, (*ACTIVE, S.AWAITING_ID, S.AWAITING_FEE, S.AWAITING_CLARIFICATION), "assign")
    assignee = ChatUser(ctx.actor.user.platform, cmd.person)
    req.assignee = str(assignee)
    note = Reply(
        text=f"{req.ref} ({req.type}) is assigned to you: "
        f"{replies.request_deadline_text(req, ctx.today)}",
        ref=req.ref,
    )
    return await commit_change(
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
    return await note_added(ctx, session, req, cmd.text)


def not_complaint(req: Request, doing: str) -> None:
    if req.type == RequestType.COMPLAINT:
        raise Refusal(f"{req.ref} is a complaint: complaints cannot {doing}")
