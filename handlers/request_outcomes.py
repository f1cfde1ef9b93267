"""How rights requests end or lengthen: extend (Art 12(3)), close with an outcome (Art 12(4),
Art 19), and record that processing stopped for the act-at-once rights (Art 7(3), 21(3))."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, replies, rules, searches
from handlers import command_types as c
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
    await searches.close_check(session, req, cmd)
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
    if cmd.searches is not None:  # personal free text: a note, covered by the event's digest
        text = f"Closed with search tasks open: {cmd.searches}"
        await audit.add_note(session=session, ticket=req, actor=ctx.who, at=ctx.now, text=text)
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


async def reopen(ctx: Context, session: AsyncSession, cmd: c.Reopen) -> Outcome:
    """A closed request back to the state it was closed from, on its original clock; with
    ``new=yes`` the reason is a new request, so the clock restarts today (Art 12(3))."""
    ctx.require_privacy_team("reopen requests")
    req = await load(ctx, session, cmd.ref, for_update=True)
    require_state(req, (S.CLOSED,), "reopen it (only a closed request can be reopened)")
    if req.erased_at is not None:
        raise Refusal(f"{req.ref}: its personal data was erased under the retention policy")
    was = f"closed {replies.fmt_day(req.closed_on)} as {req.outcome}"
    kept = [f"Reopened: {cmd.reason.rstrip('.')}.", f"It was {was}."]
    kept += [f"Outcome reason: {req.outcome_reason}"] if req.outcome_reason else []
    req.outcome = req.outcome_reason = req.closed_on = None
    req.complaint_right_told_on = req.refusal_basis = req.refusal_exemption = None
    req.recipients_told = req.duplicate_of = None
    if cmd.new_request:
        # A new request: a new clock, from today; what belonged to the old one does not carry.
        if req.extended:
            kept.append(f"Extension of the earlier request: {req.extension_reason}")
        req.received, req.missed_due, req.clarification_asked_on = ctx.today, None, None
        req.extended, req.extension_reason, req.extension_told_on = False, None, None
        req.state = S.IN_PROGRESS if req.identity_method else S.RECEIVED
    else:
        req.state = await _state_before_closing(session, req.ref)
    await audit.add_note(
        session=session, ticket=req, actor=ctx.who, at=ctx.now, text=" ".join(kept)
    )
    if cmd.new_request:
        change = f"reopened as a new request: the clock restarts {replies.fmt_day(ctx.today)}"
    else:
        change = f"reopened ({req.state}); the original clock is kept"
    return await commit_change(
        ctx,
        session,
        req,
        action="reopened",
        change=change,
        facts={"new_request": cmd.new_request, "received": req.received},
    )


async def _state_before_closing(session: AsyncSession, ref: str) -> S:
    """The state the request was in when it was last closed, from its history."""
    events = await repo.events_for(session=session, ref=ref)
    closing = max((i for i, e in enumerate(events) if e.action == "closed"), default=None)
    for event in reversed(events[: closing or 0]):
        state = json.loads(event.data).get("state")
        if state is not None and state != S.CLOSED:
            return S(state)
    return S.IN_PROGRESS
