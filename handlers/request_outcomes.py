"""How rights requests end or lengthen: extend (Art 12(3)), close with an outcome (Art 12(4),
Art 19), and record that processing stopped for the act-at-once rights (Art 7(3), 21(3))."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import command_types as c
from handlers import replies, rules
from handlers.context import Context, Refusal
from handlers.ports import Outcome
from handlers.tickets import ACTIVE, commit_change, load, not_complaint, require_state
from storage import repositories as repo
from storage.enums import LinkKind
from storage.enums import Outcome as Ending
from storage.enums import RequestState as S
from storage.models import Request


async def extend(ctx: Context, session: AsyncSession, cmd: c.Extend) -> Outcome:
    ctx.require_privacy_team("extend a deadline")
    req = await load(ctx, session, cmd.ref, for_update=True)
    not_complaint(req, "extend")
    if req.extended:
        raise Refusal(f"{req.ref} is already extended to {replies.fmt_day(req.extended_due)}")
    require_state(req, ACTIVE, "extend")
    told = ctx.day_or_today(cmd.told, "told=", not_before=req.received)
    assert req.extension_notice_by is not None
    if told > req.extension_notice_by:
        raise Refusal(
            f"{req.ref}: the requester had to be told by {replies.fmt_day(req.extension_notice_by)}"
            f" (told {replies.fmt_day(told)}); the extension is not available",
            field="told",
        )
    req.extended, req.extension_reason, req.extension_told_on = True, cmd.reason, told
    return await commit_change(
        ctx, session, req, action="extended", change="deadline extended", facts={"told": told}
    )


async def close(ctx: Context, session: AsyncSession, cmd: c.CloseRequest) -> Outcome:
    ctx.require_privacy_team("close requests")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.state == S.CLOSED:
        raise Refusal(f"{req.ref} is already closed ({req.outcome})")
    told = None
    if cmd.outcome in rules.REFUSALS:
        told = ctx.day_or_today(cmd.told, "told=", not_before=req.received)
    elif cmd.told is not None:
        raise Refusal("told= is only for refusals (the date the requester was told)", field="told")
    why_not = rules.close_refusal(
        req,
        outcome=cmd.outcome,
        basis=cmd.basis,
        exemption=cmd.exemption,
        recipients=cmd.recipients,
    )
    if why_not is not None:
        raise Refusal(f"{req.ref}: {why_not}")
    if cmd.duplicate_of is not None:
        await _mark_duplicate(ctx, session, req, cmd)
    req.outcome, req.outcome_reason = cmd.outcome, cmd.reason
    req.complaint_right_told_on = told
    req.refusal_basis, req.refusal_exemption = cmd.basis, cmd.exemption
    req.recipients_told = cmd.recipients
    req.state, req.closed_on = S.CLOSED, ctx.today
    told_late = rules.refusal_told_late(req)
    warning = None
    if told_late:
        warning = (
            f"The requester was told of the refusal and of the right to complain to the ICO "
            f"after the deadline ({replies.fmt_day(req.due)}): recorded as late."
        )
    return await commit_change(
        ctx,
        session,
        req,
        action="closed",
        change=f"closed: {cmd.outcome}",
        facts={
            "outcome": cmd.outcome,
            "on_time": rules.is_on_time(req) and not told_late,
            "basis": cmd.basis,
            "recipients": cmd.recipients,
            "duplicate_of": cmd.duplicate_of,
        },
        warning=warning,
    )


async def processing_stopped(ctx: Context, session: AsyncSession, cmd: c.StopProcessing) -> Outcome:
    ctx.require_privacy_team("record that processing stopped")
    req = await load(ctx, session, cmd.ref, for_update=True)
    if req.type not in rules.ACT_AT_ONCE:
        raise Refusal(
            f"{req.ref} is a {req.type} request: stopped is for consent withdrawal and "
            "objections to direct marketing"
        )
    if req.processing_stopped_on is not None:
        raise Refusal(f"{req.ref}: processing was already recorded as stopped")
    req.processing_stopped_on = ctx.day_or_today(cmd.on, "on=", not_before=req.received)
    return await commit_change(
        ctx,
        session,
        req,
        action="processing_stopped",
        change="processing stopped",
        facts={"on": req.processing_stopped_on},
    )


async def _mark_duplicate(
    ctx: Context, session: AsyncSession, req: Request, cmd: c.CloseRequest
) -> None:
    """A request closed as the same person asking again: withdrawn, pointing at the other."""
    other = cmd.duplicate_of
    assert other is not None
    if cmd.outcome != Ending.WITHDRAWN:
        raise Refusal(
            "duplicate_of= is for outcome=withdrawn (the earlier request answers it)",
            field="duplicate_of",
        )
    if await repo.request_by_ref(session=session, ref=other) is None:
        raise Refusal(f"there is no request {other}", field="duplicate_of")
    req.duplicate_of = other
    if await repo.link_between(session=session, one=req.ref, other=other) is None:
        await repo.add_link(
            session=session,
            ref=req.ref,
            other=other,
            kind=LinkKind.DUPLICATE,
            by=ctx.who,
            at=ctx.now,
        )
