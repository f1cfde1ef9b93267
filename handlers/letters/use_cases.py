"""``/dsar letter REF KIND`` and ``/dsar sent REF KIND``: draft a letter, record that it went.

A draft is personal data from top to bottom: it goes to the person who asked for it as a
direct message (through the outbox, like every DM), never into the reply shown where the
command was typed, which may be a channel. Drafting and sending are audit events carrying the
kind, the language, the date and the channel only.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, forms, replies
from handlers import command_types as c
from handlers.context import Context, Refusal
from handlers.letters import formats, kinds, templates
from handlers.letters.history import DRAFTED, SENT
from handlers.ports import DirectMessage, Outcome, Reply, Tone
from handlers.tickets import commit_change, load
from storage.enums import LetterKind as K
from storage.models import Request
from storage.repositories import search_tasks


def _supported(req: Request, kind: K, today: date) -> None:
    if req.erased_at is not None:
        raise Refusal(f"{req.ref}: the requester's details were erased (retention)")
    why = kinds.why_not(req, kind, today=today)
    if why is not None:
        raise Refusal(f"no {kind} letter for {req.ref}: {why}")


async def draft(
    ctx: Context, session: AsyncSession, *, ref: str, kind: K, lang: str | None
) -> templates.Draft:
    """The letter for ``ref``, if the ticket supports it; the drafting is an audit event.
    The command line uses this directly to write a Word document."""
    ctx.require_privacy_team("draft letters to requesters")
    req = await load(ctx, session, ref, for_update=False)
    _supported(req, kind, ctx.today)
    disclosed = await search_tasks.disclosures_for(session=session, ref=req.ref)
    try:
        letter = templates.draft(
            req, kind, policy=ctx.policy, today=ctx.today, lang=lang, disclosures=disclosed
        )
    except templates.LetterTemplateError as exc:
        raise Refusal(f"the {kind} letter cannot be drafted: {exc}") from exc
    await audit.record(
        session=session,
        ticket=req,
        actor=ctx.who,
        action=DRAFTED,
        at=ctx.now,
        facts={"kind": kind, "lang": letter.lang},
    )
    return letter


async def draft_letter(ctx: Context, session: AsyncSession, cmd: c.DraftLetter) -> Outcome:
    letter = await draft(ctx, session, ref=cmd.ref, kind=cmd.kind, lang=cmd.lang)
    ref = cmd.ref
    notes = (letter.fallback_note,) if letter.fallback_note else ()
    told = " (this sets the date the law measures)" if cmd.kind in kinds.TOLD_BY_LETTER else ""
    private = Reply(
        text=f"{ref}: {cmd.kind} letter, draft",
        lines=(
            *notes,
            f"When it has gone: /dsar sent {ref} {cmd.kind} [on=YYYY-MM-DD] [via=…]{told}",
        ),
        preformatted=formats.as_text(letter.markdown, cmd.format),
        ref=ref,
        actions=(forms.sent_action(cmd.kind),),
    )
    reply = Reply(
        text=f"{ref}: the {cmd.kind} letter is in your direct messages.",
        lines=notes,
        ref=ref,
        tone=Tone.INFO,
        personal=False,
    )
    return Outcome(reply=reply, direct=(DirectMessage(to=ctx.actor.user, reply=private),))


async def mark_sent(ctx: Context, session: AsyncSession, cmd: c.MarkSent) -> Outcome:
    ctx.require_privacy_team("record letters as sent")
    req = await load(ctx, session, cmd.ref, for_update=True)
    _supported(req, cmd.kind, ctx.today)
    on = ctx.day_or_today(cmd.on, "on=", not_before=req.received)
    facts: dict[str, object] = {"kind": cmd.kind, "on": on, "via": cmd.via}
    by = f" by {cmd.via}" if cmd.via else ""
    change = f"{cmd.kind} letter sent"
    if cmd.kind not in kinds.TOLD_BY_LETTER:
        await audit.record(
            session=session, ticket=req, actor=ctx.who, action=SENT, at=ctx.now, facts=facts
        )
        text = f"{req.ref}: {change} on {replies.fmt_day(on)}{by}."
        return Outcome(reply=Reply(text=text, ref=req.ref, personal=False), changed=True)
    if cmd.kind == K.EXTENSION:
        req.extension_told_on = on
    elif cmd.kind == K.COMPLAINT_ACKNOWLEDGEMENT:
        req.acknowledged_on = on
    else:
        req.complaint_right_told_on = on
    late = kinds.told_late(req, cmd.kind)
    facts["late"] = late
    return await commit_change(
        ctx,
        session,
        req,
        action=SENT,
        change=change,
        facts=facts,
        warning=_late_warning(req, cmd.kind) if late else None,
    )


def _late_warning(req: Request, kind: K) -> str:
    if kind == K.EXTENSION:
        return (
            f"Late: the requester had to be told of the extension by "
            f"{replies.fmt_day(req.extension_notice_by)}, so the extension does not apply and "
            f"the deadline is {replies.fmt_day(req.base_due)} (Art 12(3))."
        )
    if kind == K.COMPLAINT_ACKNOWLEDGEMENT:
        return (
            f"Late: the complaint had to be acknowledged by {replies.fmt_day(req.base_due)} "
            "(DPA 2018 s.164A): recorded as late."
        )
    return (
        f"Late: the requester was told of the refusal and of the right to complain to the ICO "
        f"after the deadline ({replies.fmt_day(req.due)}): recorded as late."
    )
