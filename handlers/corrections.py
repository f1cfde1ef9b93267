"""Correcting what was recorded (issue 11): ``/dsar edit`` and ``/breach edit``.

Every correction of a ticket's recorded facts goes through ``apply_corrections``: it sets the
fields and returns, per field, salted digests of the old and new values for the audit event
(never the values). A change to the type or the date received recomputes the deadlines with
``request_dates``, and the reminders are rebuilt with the event (``changes.record_change``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, breaches, replies, rules, tickets
from handlers import command_types as c
from handlers.changes import record_change
from handlers.context import Context, Refusal
from handlers.deadlines import (
    DeadlineError,
    breach_ico_due,
    clarification_pauses,
    local_day,
    resolve_local,
)
from handlers.ports import ChannelPost, Outcome, Reply
from handlers.request_dates import recompute
from storage import repositories as repo
from storage.enums import BreachState, FeeBasis, RequestType
from storage.enums import RequestState as S
from storage.models import Breach, Pause, Request

# The grammar's key -> the column it corrects.
REQUEST_COLUMNS = {
    "type": "type",
    "name": "requester_name",
    "email": "requester_email",
    "received": "received",
    "via": "via",
    "details": "details",
}
BREACH_COLUMNS = {
    "aware": "aware_at",
    "summary": "summary",
    "occurred": "occurred_at",
    "data": "data_categories",
    "people": "subject_categories",
    "subjects": "subjects_count",
    "records": "records_count",
    "consequences": "consequences",
    "measures": "measures",
}
CLOCK_KEYS = frozenset({"type", "received"})  # what a closed request keeps as it was closed

FieldDigests = dict[str, dict[str, str]]


def apply_corrections(ticket: Request | Breach, values: Mapping[str, object]) -> FieldDigests:
    """Set the fields given (grammar keys) on ``ticket``; the one place a ticket's recorded
    facts (and so its personal fields) are corrected. Returns ``{key: {"old", "new"}}`` salted
    digests of what changed; a value equal to the stored one is no change."""
    columns = REQUEST_COLUMNS if isinstance(ticket, Request) else BREACH_COLUMNS
    changed: FieldDigests = {}
    for key, value in values.items():
        column = columns[key]
        old = getattr(ticket, column)
        if old == value:
            continue
        changed[key] = {
            "old": audit.field_digest(ticket, column, old),
            "new": audit.field_digest(ticket, column, value),
        }
        setattr(ticket, column, value)
    return changed


def _given(cmd: c.EditRequest | c.EditBreach, keys: Mapping[str, str]) -> dict[str, object]:
    attributes = {"data": "data_categories", "people": "subject_categories"}
    values = {key: getattr(cmd, attributes.get(key, key)) for key in keys}
    return {key: value for key, value in values.items() if value is not None}


def due_words(due: date | None) -> str:
    return replies.fmt_day(due) if due is not None else "none (the clock is stopped or paused)"


async def edit_request(ctx: Context, session: AsyncSession, cmd: c.EditRequest) -> Outcome:
    ctx.require_privacy_team("correct requests")
    req = await tickets.load(ctx, session, cmd.ref, for_update=True)
    if req.erased_at is not None:
        raise Refusal(f"{req.ref}: its personal data was erased under the retention policy")
    values = _given(cmd, REQUEST_COLUMNS)
    if req.state == S.CLOSED and CLOCK_KEYS & set(values):
        raise Refusal(
            f"{req.ref} is closed: reopen it (/dsar reopen) to change its type or the date "
            "received; name, email, via and details may be corrected as it is"
        )
    assert req.id is not None
    pauses = await repo.pauses_for(session=session, request_id=req.id)
    if cmd.received is not None:
        _check_received(ctx, req, pauses, cmd.received)
    lines = _type_change(req, pauses, cmd.type)
    before, was_overdue = req.due, rules.is_overdue(req, today=ctx.today)
    changed = apply_corrections(req, values)
    if not changed:
        raise Refusal(f"{req.ref}: nothing changed, those are the values already recorded")
    recompute(req, pauses, ctx)
    session.add(req)
    await session.flush()
    if changed.keys() & {"name", "email", "details"}:  # what it is found by changed
        await repo.index_request(session=session, req=req)
    await record_change(
        ctx,
        session,
        req,
        action="edited",
        facts={"fields": changed, "state": req.state, "due": req.due, "was": before},
    )
    names = ", ".join(changed)
    if before == req.due:
        deadline = f"deadline unchanged ({due_words(req.due)})"
    else:
        deadline = f"deadline moved from {due_words(before)} to {due_words(req.due)}"
    if req.type in rules.ACT_AT_ONCE and "type" in changed:
        lines.append(replies.act_at_once_text(req))
    if rules.is_overdue(req, today=ctx.today) and not was_overdue:
        lines.append(f"{req.ref} is now overdue.")
    reply = replies.request_reply(
        req, today=ctx.today, pauses=pauses, notes=[], personal=False,
        headline=f"{req.ref}: corrected {names}; {deadline}", now=ctx.now,
        tz=ctx.policy.timezone,
    )  # fmt: skip
    reply = Reply(text=reply.text, fields=reply.fields, lines=tuple(lines), ref=req.ref)
    posts: tuple[ChannelPost, ...] = ()
    if CLOCK_KEYS & set(changed):  # the channel sees types, states and dates, never the rest
        posts = (replies.request_post(req, f"corrected ({names}); {deadline}"),)
    return Outcome(reply=reply, posts=posts, changed=True)


def _check_received(ctx: Context, req: Request, pauses: list[Pause], received: date) -> None:
    ctx.day_or_today(received, "received=")  # never in the future
    logged = local_day(req.created_at, ctx.policy.timezone)
    if received > logged:
        raise Refusal(
            f"received= {received.isoformat()} is after the request was logged "
            f"({logged.isoformat()})",
            field="received",
        )
    recorded = [
        d
        for d in (
            req.identity_asked_on,
            req.identity_received_on,
            req.fee_asked_on,
            req.fee_paid_on,
            req.clarification_asked_on,
            req.extension_told_on,
            req.processing_stopped_on,
            *(p.asked_on for p in pauses),
        )
        if d is not None
    ]
    if recorded and received > min(recorded):
        raise Refusal(
            f"received= {received.isoformat()} is after an action already recorded on "
            f"{min(recorded).isoformat()}",
            field="received",
        )


def _type_change(req: Request, pauses: list[Pause], new: RequestType | None) -> list[str]:
    """Refuse a type the recorded facts cannot belong to; else say what changes (Art 12A)."""
    if new is None or new == req.type:
        return []
    if new == RequestType.COMPLAINT and (
        req.identity_asked_on or req.fee_asked_on or req.clarification_asked_on or pauses
        or req.extended
    ):  # fmt: skip
        raise Refusal(
            f"{req.ref} has identity, a fee, a clarification or an extension recorded: "
            "a complaint has none of these (log the complaint as a new request)",
            field="type",
        )
    if req.fee_basis == FeeBasis.COPIES and new != RequestType.ACCESS:
        raise Refusal(
            f"{req.ref} has a fee for further copies (Art 15(3)), which only a subject access "
            "request can carry",
            field="type",
        )
    lines: list[str] = []
    was_paused, now_paused = clarification_pauses(req.type), clarification_pauses(new)
    if pauses and was_paused and not now_paused:
        lines.append(
            f"Only a subject access request pauses for clarification (Art 12A): the "
            f"{len(pauses)} recorded pause(s) no longer stop the clock."
        )
    if pauses and now_paused and not was_paused:
        lines.append("As a subject access request, the recorded clarification pauses now count.")
    if req.state == S.AWAITING_CLARIFICATION and was_paused != now_paused:
        lines.append(
            "The clarification asked is still awaited: the clock "
            + ("is paused until it arrives." if now_paused else "runs on while it is awaited.")
        )
    return lines


async def edit_breach(ctx: Context, session: AsyncSession, cmd: c.EditBreach) -> Outcome:
    ctx.require_privacy_team("correct breaches")
    breach = await breaches.load(ctx, session, cmd.ref, for_update=True)
    if breach.pii_salt is None:
        raise Refusal(f"{breach.ref}: its details were erased under the retention policy")
    values = _given(cmd, BREACH_COLUMNS)
    if breach.state == BreachState.CLOSED and "aware" in values:
        raise Refusal(
            f"{breach.ref} is closed: it keeps the 72-hour clock it was closed on; "
            "the other fields may be corrected",
            field="aware",
        )
    tz = ctx.policy.timezone
    for key in ("aware", "occurred"):
        if key in values:
            try:
                values[key] = resolve_local(values[key], tz)  # type: ignore[arg-type]
            except DeadlineError as exc:
                raise Refusal(f"{key}= {exc}", field=key) from exc
    aware: datetime = values.get("aware", breach.aware_at)  # type: ignore[assignment]
    occurred = values.get("occurred", breach.occurred_at)
    if aware > ctx.now:
        raise Refusal("aware= is in the future", field="aware")
    if isinstance(occurred, datetime) and occurred > aware:
        raise Refusal(
            "occurred= is after the organisation became aware of the breach", field="occurred"
        )
    for done, what in ((breach.ico_notified_at, "the ICO was notified"),
                       (breach.subjects_told_at, "the people affected were told")):  # fmt: skip
        if done is not None and aware > done:
            raise Refusal(f"aware= is after {what} ({replies.fmt_moment(done, tz)})", field="aware")
    before = breach.ico_due
    changed = apply_corrections(breach, values)
    if not changed:
        raise Refusal(f"{breach.ref}: nothing changed, those are the values already recorded")
    breach.ico_due = breach_ico_due(breach.aware_at)
    names = ", ".join(changed)
    outcome = await breaches.change(
        ctx, session, breach,
        action="edited",
        change=f"corrected {names}",
        facts={"fields": changed, "ico_due": breach.ico_due, "was": before},
    )  # fmt: skip
    if before == breach.ico_due:
        return outcome
    deadline = (
        f"ICO deadline moved from {replies.fmt_moment(before, tz)} to "
        f"{replies.fmt_moment(breach.ico_due, tz)} ({replies.breach_status(breach, ctx.now)})"
    )
    reply = outcome.reply
    headline = f"{reply.text}; {deadline}"
    return Outcome(
        reply=Reply(text=headline, fields=reply.fields, lines=reply.lines, ref=reply.ref),
        posts=(replies.breach_post(breach, f"corrected ({names}); {deadline}"),),
        changed=True,
    )
