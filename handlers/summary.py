"""The weekly summary of SPEC §6: counts, dates and references only — no personal data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import replies, rules
from handlers.context import Context
from handlers.policy import Policy
from handlers.ports import BreachClock, Outcome, Reply, Tone, WeeklySummary
from handlers.wording import state_words
from storage import repositories as repo
from storage.repositories import search_tasks as tasks_repo

RATE_WINDOW_DAYS = 365


async def build(
    *, session: AsyncSession, today: date, now: datetime, policy: Policy
) -> WeeklySummary:
    week_start = today - timedelta(days=today.weekday())
    last_from, last_to = week_start - timedelta(days=7), week_start - timedelta(days=1)
    closed, on_time, median = await repo.closing_stats(
        session=session, since=today - timedelta(days=RATE_WINDOW_DAYS), on_time=rules.on_time_sql()
    )
    soon_from, soon_to = rules.due_soon_window(today)
    breaches = await repo.list_breaches(session=session, open_only=True)
    return WeeklySummary(
        week_of=week_start,
        open_by_type_state=tuple(await repo.open_requests_by_type_state(session=session)),
        due_next_7_days=await repo.count_requests(
            session=session, open_only=True, due_from=soon_from, due_to=soon_to
        ),
        overdue=await repo.count_requests(session=session, where=rules.overdue_sql(today)),
        received_last_week=await repo.count_requests(
            session=session, received_from=last_from, received_to=last_to
        ),
        closed_last_week=await repo.count_requests(
            session=session, closed_from=last_from, closed_to=last_to
        ),
        on_time_rate=on_time / closed if closed else None,
        median_days_to_close=median,
        extensions_in_use=await repo.count_requests(session=session, open_only=True, extended=True),
        late_actions=await repo.count_requests(session=session, open_only=True, late_flagged=True),
        late_searches=tuple(await tasks_repo.late_tasks_by_system(session=session, today=today)),
        open_breaches=tuple(
            BreachClock(
                ref=b.ref, state=b.state, ico_due=b.ico_due, status=replies.breach_status(b, now)
            )
            for b in breaches
        ),
    )


def render(summary: WeeklySummary, tz: ZoneInfo) -> Reply:
    rate = "—" if summary.on_time_rate is None else f"{summary.on_time_rate:.0%}"
    median = (
        "—" if summary.median_days_to_close is None else f"{summary.median_days_to_close:g} days"
    )
    total_open = sum(n for _, _, n in summary.open_by_type_state)
    fields = (
        ("Open requests", str(total_open)),
        ("Due in the next 7 days", str(summary.due_next_7_days)),
        ("Overdue", str(summary.overdue)),
        ("Received last week", str(summary.received_last_week)),
        ("Closed last week", str(summary.closed_last_week)),
        (f"On time (closed, last {RATE_WINDOW_DAYS} days)", rate),
        ("Median days to close", median),
        ("Extensions in use", str(summary.extensions_in_use)),
        ("Late actions flagged", str(summary.late_actions)),
        ("Open breaches", str(len(summary.open_breaches))),
        ("Search tasks past due", str(sum(n for _, n in summary.late_searches))),
    )
    lines = tuple(f"{t} / {state_words(s)}: {n}" for t, s, n in summary.open_by_type_state)
    return Reply(
        text=f"Weekly privacy summary, week of {replies.fmt_day(summary.week_of)}",
        fields=fields,
        lines=lines
        + tuple(
            f"{b.ref}  {state_words(b.state)}  "
            f"ICO due {replies.fmt_moment(b.ico_due, tz)} ({b.status})"
            for b in summary.open_breaches
        )
        + tuple(f"Searches late: {system}: {n}" for system, n in summary.late_searches),
        tone=Tone.INFO,
    )


async def summary_command(ctx: Context, session: AsyncSession) -> Outcome:
    ctx.require_privacy_team("see the summary")
    built = await build(session=session, today=ctx.today, now=ctx.now, policy=ctx.policy)
    return Outcome(reply=render(built, ctx.policy.timezone))
