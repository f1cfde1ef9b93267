"""Read-only commands: show, list, deadline and help."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import breaches, finding, forms, replies, rules, search_record, tickets
from handlers import command_types as c
from handlers.commands import help_lines
from handlers.context import Context, Refusal
from handlers.deadlines import DeadlineError, request_deadlines
from handlers.letters import history as letter_history
from handlers.ports import Outcome, Overview, Reply, Tone
from storage import repositories as repo
from storage.refs import TicketRef
from storage.repositories import search_tasks as tasks_repo

LIST_LIMIT = 200


async def show(ctx: Context, session: AsyncSession, cmd: c.ShowTicket) -> Outcome:
    personal = ctx.actor.role.is_privacy_team
    notes = await repo.notes_for(session=session, ref=cmd.ref) if personal else []
    if TicketRef.parse(cmd.ref).is_breach:
        breach = await breaches.load(ctx, session, cmd.ref, for_update=False)
        reply = replies.breach_reply(
            breach, now=ctx.now, tz=ctx.policy.timezone, personal=personal, notes=notes
        )
        return Outcome(reply=reply)
    req = await tickets.load(ctx, session, cmd.ref, for_update=False)
    assert req.id is not None
    pauses = await repo.pauses_for(session=session, request_id=req.id)
    reply = replies.request_reply(
        req,
        today=ctx.today,
        pauses=pauses,
        notes=notes,
        personal=personal,
        now=ctx.now,
        tz=ctx.policy.timezone,
        for_staff=not ctx.actor.role.is_privacy_team,
    )
    if personal:  # the privacy team sees which letters were drafted and sent
        events = await repo.events_for(session=session, ref=req.ref)
        reply = replace(reply, fields=(*reply.fields, *letter_history.summary(events)))
    record = search_record.checklist(
        await tasks_repo.tasks_for(session=session, ref=req.ref),
        await tasks_repo.disclosures_for(session=session, ref=req.ref),
        tz=ctx.policy.timezone,
        today=ctx.today,
        personal=personal,
    )
    if record:
        reply = replace(reply, fields=(*reply.fields, *record))
    return Outcome(reply=reply)


async def list_requests(ctx: Context, session: AsyncSession, cmd: c.ListRequests) -> Outcome:
    which = cmd.which
    soon = which == c.ListFilter.DUE_SOON
    mine = which == c.ListFilter.MINE or not ctx.actor.role.is_privacy_team
    first, last = rules.due_soon_window(ctx.today)
    rows = await repo.list_requests(
        session=session,
        open_only=which != c.ListFilter.ALL,
        involving=ctx.who if mine else None,
        due_from=first if soon else None,
        due_by=last if soon else None,
        where=rules.overdue_sql(ctx.today) if which == c.ListFilter.OVERDUE else None,
        limit=LIST_LIMIT + 1,
    )
    shown = rows[:LIST_LIMIT]
    if not rows:
        return Outcome(reply=Reply(text=list_title(which, 0, mine=mine), tone=Tone.INFO))
    if ctx.actor.role.is_privacy_team:  # a reply to them alone: the name helps them find it
        lines = tuple(finding.find_line(r, ctx) for r in shown)
    else:
        lines = tuple(replies.request_line(r, ctx.today) for r in shown)
    alerts = tuple(n for n, r in enumerate(shown) if rules.is_overdue(r, today=ctx.today))
    if len(rows) > LIST_LIMIT:
        lines += ("… more: narrow the list (due-soon, overdue) or use privacy-desk export",)
    title = list_title(which, len(shown), mine=mine, more=len(rows) > LIST_LIMIT)
    return Outcome(reply=Reply(text=title, lines=lines, tone=Tone.INFO, alert_lines=alerts))


def list_title(which: c.ListFilter, n: int, *, mine: bool, more: bool = False) -> str:
    """A list's header in plain English, saying its window: "3 open requests", "No requests
    due in the next 7 days", "1 overdue request of yours"."""
    shown = f"{n}+" if more else ("No" if n == 0 else str(n))
    noun = ("request" if n == 1 and not more else "requests") + (" of yours" if mine else "")
    if which == c.ListFilter.DUE_SOON:
        return f"{shown} {noun} due in the next {rules.DUE_SOON_DAYS} days"
    if which == c.ListFilter.OVERDUE:
        return f"{shown} overdue {noun}"
    if which == c.ListFilter.ALL:
        return f"{shown} {noun}, open and closed"
    return f"{shown} open {noun}"


async def overview(ctx: Context, session: AsyncSession) -> Overview:
    """A person's open tickets for a home page or the console's status bar: every open ticket
    for the privacy team, their own (logged or assigned) for anyone else."""
    team = ctx.actor.role.is_privacy_team
    involving = None if team else ctx.who
    requests = await repo.list_requests(
        session=session, open_only=True, involving=involving, limit=LIST_LIMIT
    )
    breaches = await repo.list_breaches(session=session, open_only=True, involving=involving)
    today = ctx.today
    refs = (*(r.ref for r in requests), *(b.ref for b in breaches))
    return Overview(
        title="All open tickets" if team else "Your open tickets",
        requests=tuple(replies.request_line(r, today).strip() for r in requests),
        breaches=tuple(
            replies.breach_line(b, ctx.now, ctx.policy.timezone).strip() for b in breaches
        ),
        refs=refs,
        due_today=sum(r.due == today for r in requests),
        can_search=team,
        overdue=sum(rules.is_overdue(r, today=today) for r in requests),
        actions=tuple(_buttons(ref, team=team) for ref in refs),
    )


def _buttons(ref: str, *, team: bool) -> tuple[str, ...]:
    """An open ticket's buttons on a home page: show it, and for the privacy team the actions
    its ticket message offers (``replies`` gives those to the same people)."""
    kind = TicketRef.parse(ref).kind
    return (forms.SHOW.name, *(forms.action_names(kind) if team else ()))


async def list_breaches(ctx: Context, session: AsyncSession, cmd: c.ListBreaches) -> Outcome:
    mine = not ctx.actor.role.is_privacy_team
    rows = await repo.list_breaches(
        session=session, open_only=cmd.open_only, involving=ctx.who if mine else None
    )
    which = "open" if cmd.open_only else "open and closed"
    noun = "breach" if len(rows) == 1 else "breaches"
    if cmd.open_only:
        title = f"{len(rows) or 'No'} open {noun}"
    else:
        title = f"{len(rows) or 'No'} {noun}, {which}"
    if not rows:
        return Outcome(reply=Reply(text=title, tone=Tone.INFO))
    lines = tuple(replies.breach_line(b, ctx.now, ctx.policy.timezone) for b in rows)
    alerts = tuple(n for n, b in enumerate(rows) if replies.breach_overdue(b, ctx.now))
    return Outcome(reply=Reply(text=title, lines=lines, tone=Tone.INFO, alert_lines=alerts))


def deadline(ctx: Context, cmd: c.DeadlineQuery) -> Outcome:
    calendar = cmd.calendar or ctx.policy.calendar
    try:
        dates = request_deadlines(
            received=cmd.received,
            calendar=calendar,
            internal_target_days=ctx.policy.internal_target_days,
        )
    except DeadlineError as exc:
        raise Refusal(str(exc)) from exc
    fields = [
        ("Calendar", calendar),
        ("Clock start", replies.fmt_day(dates.clock_start)),
        ("Due", replies.fmt_day(dates.due)),
        ("Extension notice by", replies.fmt_day(dates.extension_notice_by)),
        ("Extended deadline", replies.fmt_day(dates.extended_due)),
    ]
    if dates.internal_target is not None:
        fields.append(("Internal target", replies.fmt_day(dates.internal_target)))
    due = dates.extended_due if cmd.extended else dates.due
    text = f"Received {replies.fmt_day(cmd.received)}: due {replies.fmt_day(due)}"
    # Dates from the calculator only: nothing personal, so fine to answer in a channel.
    return Outcome(reply=Reply(text=text, fields=tuple(fields), tone=Tone.INFO, personal=False))


def help_reply(group: str, *, privacy_team: bool = True) -> Outcome:
    lines = tuple(help_lines(group, privacy_team=privacy_team))
    if not privacy_team:
        lines += ("The other commands are for the privacy team.",)
    intro = "Rights requests" if group == "dsar" else "Personal-data breaches"
    reply = Reply(text=f"{intro}: commands", lines=lines, tone=Tone.INFO, personal=False)
    return Outcome(reply=reply)
