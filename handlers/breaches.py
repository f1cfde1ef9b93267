"""Personal-data breaches: the 72-hour workflow of UK GDPR Art 33 / 34."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import command_types as c
from handlers import replies, rules
from handlers.changes import note_added, record_change
from handlers.context import Context, Refusal
from handlers.deadlines import DeadlineError, breach_ico_due, resolve_local
from handlers.ports import ChatUser, DirectMessage, Outcome, Reply
from storage import repositories as repo
from storage.enums import BreachState as S
from storage.enums import Risk
from storage.models import Breach


def prepare_breach(ctx: Context, cmd: c.NewBreach) -> Breach:
    """The breach ``cmd`` opens, before it has a reference (its checks need no database, so a
    refused one writes nothing): ``handlers.opening`` numbers and stores it."""
    try:
        aware = resolve_local(cmd.aware, ctx.policy.timezone)
    except DeadlineError as exc:
        raise Refusal(str(exc), field="aware") from exc
    try:
        occurred = (
            None if cmd.occurred is None else resolve_local(cmd.occurred, ctx.policy.timezone)
        )
    except DeadlineError as exc:
        raise Refusal(str(exc), field="occurred") from exc
    if aware > ctx.now:
        raise Refusal("aware= is in the future", field="aware")
    if occurred is not None and occurred > aware:
        raise Refusal(
            "occurred= is after the organisation became aware of the breach", field="occurred"
        )
    return repo.new_row(
        Breach,
        ref="",
        state=S.OPEN,
        aware_at=aware,
        ico_due=breach_ico_due(aware),
        occurred_at=occurred,
        created_by=ctx.who,
        created_at=ctx.now,
        origin_enterprise=ctx.origin.enterprise,
        origin_team=ctx.origin.team,
        pii_salt=secrets.token_hex(16),
        summary=cmd.summary,
        data_categories=cmd.data_categories,
        subject_categories=cmd.subject_categories,
        subjects_count=cmd.subjects,
        records_count=cmd.records,
        consequences=cmd.consequences,
        measures=cmd.measures,
        pecr=ctx.policy.pecr_provider if cmd.pecr is None else cmd.pecr,
    )


def opening_facts(breach: Breach) -> dict[str, object]:
    """What the "opened" event of a breach records."""
    return {"aware": breach.aware_at, "ico_due": breach.ico_due, "pecr": breach.pecr}


def opened_breach(ctx: Context, breach: Breach) -> Outcome:
    """The receipt, the compliance post and the DPO's alert for a breach just stored."""
    tz = ctx.policy.timezone
    headline = f"{breach.ref} logged: tell the ICO by {replies.fmt_moment(breach.ico_due, tz)}"
    reply = replies.breach_reply(
        breach, now=ctx.now, tz=tz, personal=False, notes=[], headline=headline
    )
    alert = Reply(
        text=f"New breach {breach.ref}: ICO decision due {replies.fmt_moment(breach.ico_due, tz)} "
        f"({replies.breach_status(breach, ctx.now)})",
        ref=breach.ref,
    )
    dms = tuple(DirectMessage(to=dpo, reply=alert) for dpo in sorted(ctx.policy.dpo))
    return Outcome(reply=reply, posts=(replies.breach_post(breach),), direct=dms, changed=True)


async def load(ctx: Context, session: AsyncSession, ref: str, *, for_update: bool) -> Breach:
    breach = await repo.breach_by_ref(session=session, ref=ref, for_update=for_update)
    if breach is None or not (
        ctx.actor.role.is_privacy_team or ctx.who in (breach.created_by, breach.assignee)
    ):
        raise Refusal(f"there is no breach {ref} that you can see")
    return breach


async def change(
    ctx: Context,
    session: AsyncSession,
    breach: Breach,
    *,
    action: str,
    change: str,
    facts: dict[str, object] | None = None,
    warning: str | None = None,
    direct: tuple[DirectMessage, ...] = (),
) -> Outcome:
    """Record, reschedule and report one change to ``breach``."""
    session.add(breach)
    await session.flush()
    await record_change(
        ctx, session, breach, action=action, facts={"state": breach.state, **(facts or {})}
    )
    reply = replies.breach_reply(
        breach,
        now=ctx.now,
        tz=ctx.policy.timezone,
        personal=False,
        notes=[],
        headline=f"{breach.ref}: {change}",
    )
    if warning:
        reply = Reply(text=reply.text, fields=reply.fields, lines=(warning,), ref=reply.ref)
    return Outcome(
        reply=reply, posts=(replies.breach_post(breach, change),), direct=direct, changed=True
    )


def require_open(breach: Breach, doing: str) -> None:
    if breach.state == S.CLOSED:
        raise Refusal(f"{breach.ref} is closed: cannot {doing}")


async def assess(ctx: Context, session: AsyncSession, cmd: c.Assess) -> Outcome:
    ctx.require_privacy_team("assess breaches")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    require_open(breach, "assess it")
    if breach.state == S.NOT_REPORTABLE and cmd.risk != Risk.NONE:
        raise Refusal(f"{breach.ref} was recorded as not reportable; a risk needs an ICO report")
    breach.risk = cmd.risk
    if cmd.subjects is not None:
        breach.subjects_count = cmd.subjects
    if cmd.records is not None:
        breach.records_count = cmd.records
    if breach.state == S.OPEN:
        breach.state = S.ASSESSED
    warning = None
    if breach.pecr and cmd.risk != Risk.NONE and breach.subjects_told_at is None:
        warning = (
            "PECR: tell the subscribers or users affected without undue delay if the breach is "
            "likely to affect their personal data or privacy adversely (reg 5A)."
        )
    elif cmd.risk == Risk.HIGH and breach.subjects_told_at is None:
        warning = "High risk: tell the people affected without undue delay (Art 34)."
    return await change(
        ctx,
        session,
        breach,
        action="assessed",
        change=f"risk assessed: {cmd.risk}",
        facts={"risk": cmd.risk},
        warning=warning,
    )


async def report_to_ico(ctx: Context, session: AsyncSession, cmd: c.ReportToIco) -> Outcome:
    ctx.require_privacy_team("record an ICO report")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    if not rules.breach_undecided(breach):
        raise Refusal(
            f"{breach.ref} is {replies.state_words(breach.state)}: the ICO decision is already "
            "recorded"
        )
    at = ctx.moment_or_now(cmd.at, "at=", not_before=breach.aware_at)
    breach.ico_case_ref, breach.ico_notified_at, breach.state = cmd.case, at, S.REPORTED
    warning = None
    if rules.is_late(breach) and not breach.delay_reason:
        warning = (
            "Reported after 72 hours: record the reasons with /breach delay-reason (Art 33(1))."
        )
    return await change(
        ctx,
        session,
        breach,
        action="ico_notified",
        change="ICO notified",
        facts={"at": at, "late": rules.is_late(breach)},
        warning=warning,
    )


async def not_reportable(ctx: Context, session: AsyncSession, cmd: c.NotReportable) -> Outcome:
    ctx.require_privacy_team("decide a breach is not reportable")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    if not rules.breach_undecided(breach):
        raise Refusal(
            f"{breach.ref} is {replies.state_words(breach.state)}: the ICO decision is already "
            "recorded"
        )
    if rules.breach_must_be_notified(breach):
        raise Refusal(
            f"{breach.ref} is a PECR breach: a communications provider notifies the ICO of "
            "every personal-data breach, whatever the risk (PECR reg 5A); use /breach ico"
        )
    if breach.risk != Risk.NONE:
        raise Refusal(
            f"{breach.ref}: only a breach assessed as risk=none is not reportable "
            f"(risk is {breach.risk or 'not assessed'}); use /breach assess first"
        )
    breach.not_reportable_reason, breach.state = cmd.reason, S.NOT_REPORTABLE
    return await change(ctx, session, breach, action="not_reportable", change="not reportable")


async def tell_subjects(ctx: Context, session: AsyncSession, cmd: c.TellSubjects) -> Outcome:
    ctx.require_privacy_team("record that people were told")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    require_open(breach, "record that people were told")
    if breach.subjects_told_at is not None:
        raise Refusal(f"{breach.ref}: the people affected were already recorded as told")
    breach.subjects_told_at = ctx.moment_or_now(cmd.at, "at=", not_before=breach.aware_at)
    return await change(
        ctx,
        session,
        breach,
        action="subjects_told",
        change="people affected told",
        facts={"at": breach.subjects_told_at},
    )


async def delay_reason(ctx: Context, session: AsyncSession, cmd: c.DelayReason) -> Outcome:
    ctx.require_privacy_team("record reasons for delay")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    require_open(breach, "record reasons for delay")
    breach.delay_reason = cmd.text
    return await change(
        ctx, session, breach, action="delay_reason", change="reasons for delay recorded"
    )


async def close(ctx: Context, session: AsyncSession, cmd: c.CloseBreach) -> Outcome:
    ctx.require_privacy_team("close breaches")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    require_open(breach, "close it again")
    if rules.breach_undecided(breach):
        raise Refusal(
            f"{breach.ref} has no ICO decision: record /breach ico or /breach not-reportable first"
        )
    if rules.is_late(breach) and not breach.delay_reason:
        raise Refusal(f"{breach.ref} was reported late: record /breach delay-reason first")
    breach.state, breach.closed_at = S.CLOSED, ctx.now
    return await change(ctx, session, breach, action="closed", change="closed")


async def assign(ctx: Context, session: AsyncSession, cmd: c.AssignBreach) -> Outcome:
    """The owner works the breach and gets its 72-hour nudges, as the DPO does."""
    ctx.require_privacy_team("assign breaches")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    require_open(breach, "assign it")
    owner = ChatUser(ctx.actor.user.platform, cmd.person)
    breach.assignee = str(owner)
    tz = ctx.policy.timezone
    note = Reply(
        text=f"{breach.ref} (breach) is yours: tell the ICO by "
        f"{replies.fmt_moment(breach.ico_due, tz)} ({replies.breach_status(breach, ctx.now)})",
        ref=breach.ref,
        actions=replies.BREACH_ACTIONS,
    )
    return await change(
        ctx,
        session,
        breach,
        action="assigned",
        change="assigned",
        facts={"assignee": breach.assignee},
        direct=(DirectMessage(to=owner, reply=note),),
    )


async def add_note(ctx: Context, session: AsyncSession, cmd: c.BreachNote) -> Outcome:
    ctx.require_privacy_team("add notes")
    breach = await load(ctx, session, cmd.ref, for_update=True)
    return await note_added(ctx, session, breach, cmd.text)
