"""The reminder sweep and the weekly summary with many rows, on SQLite and PostgreSQL.

One database per engine (SQLite: a temporary file; PostgreSQL: a database of its own, created
and dropped here) grows through the sizes (default 10k, 100k, 1M). At each size it holds that
many tickets (``requests``) and that many ``reminders`` rows, seeded in bulk with one
``INSERT … SELECT`` each (generate_series / a recursive CTE; not timed), ANALYZEd on PostgreSQL
(``VACUUM (ANALYZE)``, so autovacuum does not start in the middle of the timings, then a
``CHECKPOINT``):

* 35% of the tickets are open (in progress; some awaiting identity), each with one pending
  reminder in the future (from 11:00 UTC on the benchmark's day to 60 days on);
* 65% are closed over the past four years, each with one reminder that was sent (or
  superseded, or cancelled) in the past;
* tickets DSAR-0000001 … DSAR-0001000 are open, each with one pending reminder that falls due
  between the "idle" moment (10:00 UTC) and the "burst" moment (10:30 UTC): about half
  ``overdue`` (repeating: the sweep books the next one and posts a first alarm), half
  ``due-7d``.

Timed at each size, with baselines measured in the same run on the same engine and pool:

(a) the sweep when nothing is due: ``handlers.jobs.sweep`` at 10:00 (BEGIN, the
    ``due_reminder_refs`` query, COMMIT), next to ``SELECT 1`` and an indexed primary-key
    lookup (``session.get(Request, id)``), each in a transaction of its own; rounds interleave
    the three. The query plan of ``due_reminder_refs`` at that moment is printed (PostgreSQL:
    EXPLAIN ANALYZE with the parameters the app binds, on a fresh connection, then the generic
    plan of the same prepared statement, and how often the app's own pooled connection used
    each, from ``pg_prepared_statements``; SQLite: EXPLAIN QUERY PLAN). Aim: under 10 ms at 1M
    rows, an index lookup rather than a scan.
(b) the sweep with 1,000 due: ``handlers.reminder_sweep.sweep(limit=2000)`` at 10:30 inside a
    transaction that is rolled back, so every repeat sees the same rows; baseline: 1,000
    primary-key lookups in one transaction (one statement a ticket, the floor of a sweep that
    goes ticket by ticket). The sweep claims the due tickets as a set, so it sends the same
    few statements however many are due: the due references, one locking SELECT per ticket
    table (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), the claimed tickets' due reminders, their
    earlier alarms, one UPDATE per new reminder state, one INSERT of the next occurrences and
    one of the outbox messages. The first run is checked (1,000 nudges queued, nothing left
    due, the outbox rows) and counts the statements it sends, by shape.
(c) the weekly summary, ``handlers.summary.build``, at the sizes of ``--summary-sizes``
    (default 100k and 1M tickets; SQLite too if it reaches them); baselines: ``SELECT 1`` and
    one full pass over the table (``SELECT count(received) FROM requests``, no index covers
    ``received``). One extra run times each statement; the slowest are EXPLAINed at the largest
    size. Aim: under 2 s at 1M tickets on PostgreSQL. The figures must agree between engines.

Seeding 1M rows on SQLite takes about 20 s on a 2-core machine, so SQLite's default sizes
include 1M (``--sqlite-sizes 10000 100000`` leaves it out). PostgreSQL is skipped (loudly)
when ``PRIVACY_DESK_TEST_POSTGRES=skip`` (scripts/postgres.sh) or ``--no-postgres``. Nothing
here asserts on time.

    .venv/bin/python -m bench.sweep [--sizes 10000 100000 1000000]
        [--sqlite-sizes 10000 100000 1000000] [--summary-sizes 100000 1000000]
        [--repeat 40] [--due-repeat 2] [--summary-repeat 5] [--no-postgres] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter as Tally
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    Date,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from bench._common import FixedClock, Stats, ms, positive_int, postgres_database, table
from bench.keys import BENCH_KEYS
from handlers import jobs, reminder_sweep, summary
from handlers.deadlines import request_deadlines
from handlers.policy import Policy
from handlers.ports import ChatUser, WeeklySummary
from storage import repositories as repo
from storage.crypto import Encrypted
from storage.db import create_engine, session_factory, transaction
from storage.enums import BreachState, ReminderKind, ReminderState
from storage.migrate import upgrade, upgrade_async
from storage.models import Breach, Counter, OutboxMessage, Reminder, Request, UTCDateTime

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_TODAY = date(2027, 3, 10)  # a Wednesday, in GMT (London = UTC that day)
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
BURST = 1_000  # tickets with a reminder due at the burst moment
SWEEP_LIMIT = 2 * BURST
DPO = ChatUser("slack", "UDPO1")
CHANNEL = ChatUser("slack", "CCOMPLIANCE")
POLICY = Policy(privacy_team=frozenset({DPO}), dpo=frozenset({DPO}), compliance_channels=(CHANNEL,))
IDLE_AIM_MS = 10.0
SUMMARY_AIM_S = 2.0
AIM_SIZE = 1_000_000
OLDEST_DAY = 1_500  # days before the benchmark's day that the synthetic tickets reach back


@dataclass(frozen=True, slots=True)
class Moments:
    today: date

    @property
    def idle(self) -> datetime:
        """Nothing is due yet: the burst's reminders start one second later."""
        return datetime.combine(self.today, clock_time(10, 0), tzinfo=UTC)

    @property
    def burst(self) -> datetime:
        """All 1,000 burst reminders (10:00:01 … 10:16:40) are due; nothing else is."""
        return datetime.combine(self.today, clock_time(10, 30), tzinfo=UTC)

    @property
    def future(self) -> datetime:
        """The earliest of the other pending reminders."""
        return datetime.combine(self.today, clock_time(11, 0), tzinfo=UTC)


# --- seeding (not timed) -----------------------------------------------------------------------

DAYS = Table(
    "bench_days",
    MetaData(),
    Column("k", Integer, primary_key=True),  # days before the benchmark's day
    Column("day", Date, nullable=False),
    Column("clock_start", Date, nullable=False),
    Column("base_due", Date, nullable=False),
    Column("extension_notice_by", Date, nullable=False),
    Column("extended_due", Date, nullable=False),
    Column("at0900", UTCDateTime(), nullable=False),  # the day at 09:00 UTC
)

# Ticket i: open if it is a burst ticket or i % 20 < 7 (i % 20 == 6: awaiting identity), else
# closed; an open ticket was received 0-59 days ago, a closed one 40-1499 days ago and closed
# 0-39 days after it was received. Integer flags (0/1) so one text serves both engines.
TICKETS = """
t AS (
  SELECT i,
    CASE WHEN i <= :burst OR i % 20 < 7 THEN 0 ELSE 1 END AS closed,
    CASE WHEN i > :burst AND i % 20 = 6 THEN 1 ELSE 0 END AS waiting,
    CASE WHEN (i <= :burst OR i % 20 < 6) AND i % 50 = 3 THEN 1 ELSE 0 END AS ext,
    CASE WHEN i <= :burst OR i % 20 < 7 THEN (i * 37) % 60
         ELSE 40 + (i * 7919) % 1460 END AS rk,
    CASE WHEN i <= :burst OR i % 20 < 7 THEN NULL
         ELSE 40 + (i * 7919) % 1460 - (i * 13) % 40 END AS ck
  FROM g
)"""

INSERT_REQUESTS = """
INSERT INTO requests (ref, type, state, via, received, calendar, created_by, created_at,
    identity_asked_on, clock_start, base_due, extension_notice_by, extended_due, due,
    extended, extension_reason, outcome, closed_on)
SELECT {ref},
    CASE t.i % 10 WHEN 6 THEN 'erasure' WHEN 7 THEN 'rectification' WHEN 8 THEN 'objection'
        WHEN 9 THEN 'portability' ELSE 'access' END,
    CASE WHEN t.closed = 1 THEN 'closed' WHEN t.waiting = 1 THEN 'awaiting_id'
        ELSE 'in_progress' END,
    'email', r.day, 'GB-ENG', 'slack:U1', r.at0900,
    CASE WHEN t.waiting = 1 THEN r.day END,
    CASE WHEN t.waiting = 0 THEN r.clock_start END,
    CASE WHEN t.waiting = 0 THEN r.base_due END,
    CASE WHEN t.waiting = 0 THEN r.extension_notice_by END,
    CASE WHEN t.waiting = 0 THEN r.extended_due END,
    CASE WHEN t.waiting = 1 THEN NULL WHEN t.ext = 1 THEN r.extended_due ELSE r.base_due END,
    t.ext = 1,
    CASE WHEN t.ext = 1 THEN :reason END,
    CASE WHEN t.closed = 1 THEN 'fulfilled' END,
    c.day
FROM t JOIN bench_days AS r ON r.k = t.rk LEFT JOIN bench_days AS c ON c.k = t.ck
ORDER BY t.i
"""

INSERT_REMINDERS = """
INSERT INTO reminders (ticket_ref, kind, fire_at, state, done_at)
SELECT {ref},
    CASE WHEN t.i <= :burst THEN
            CASE WHEN (CASE WHEN t.ext = 1 THEN r.extended_due ELSE r.base_due END) < :today
                THEN 'overdue' ELSE 'due-7d' END
        WHEN t.waiting = 1 THEN 'id-chase'
        ELSE 'due-2d' END,
    CASE WHEN t.i <= :burst THEN {burst_at} WHEN t.closed = 1 THEN c.at0900
        ELSE {future_at} END,
    CASE WHEN t.closed = 0 THEN 'pending' WHEN t.i % 10 = 8 THEN 'superseded'
        WHEN t.i % 10 = 9 THEN 'cancelled' ELSE 'sent' END,
    CASE WHEN t.closed = 1 THEN c.at0900 END
FROM t JOIN bench_days AS r ON r.k = t.rk LEFT JOIN bench_days AS c ON c.k = t.ck
ORDER BY t.i
"""


def seed_statements(dialect: str) -> list[str]:
    """The two INSERT … SELECT statements for ``dialect``, rows ``:lo`` … ``:hi``."""
    if dialect == "postgresql":
        rows = (
            "WITH g AS (SELECT CAST(s AS bigint) AS i FROM "
            "generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS s),"
        )
        ref = "'DSAR-' || lpad(CAST(t.i AS text), 7, '0')"
        burst_at = "CAST(:burst_base AS timestamptz) + t.i * interval '1 second'"
        future_at = (
            "CAST(:future_base AS timestamptz) + ((t.i * 7919) % 86400) * interval '1 minute'"
        )
    else:
        rows = "WITH RECURSIVE g(i) AS (SELECT :lo UNION ALL SELECT i + 1 FROM g WHERE i < :hi),"
        ref = "printf('DSAR-%07d', t.i)"
        # The text SQLAlchemy stores for a UTCDateTime on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'.
        burst_at = "datetime(:burst_base, '+' || t.i || ' seconds') || '.000000'"
        future_at = (
            "datetime(:future_base, '+' || ((t.i * 7919) % 86400) || ' minutes') || '.000000'"
        )
    fill = {"ref": ref, "burst_at": burst_at, "future_at": future_at}
    return [rows + TICKETS + body.format(**fill) for body in (INSERT_REQUESTS, INSERT_REMINDERS)]


def day_rows(today: date) -> list[dict[str, Any]]:
    """Real GB-ENG deadlines for every received date the synthetic tickets use."""
    rows = []
    for k in range(OLDEST_DAY + 1):
        day = today - timedelta(days=k)
        dates = request_deadlines(received=day, calendar="GB-ENG")
        rows.append({
            "k": k, "day": day, "clock_start": dates.clock_start, "base_due": dates.due,
            "extension_notice_by": dates.extension_notice_by, "extended_due": dates.extended_due,
            "at0900": datetime.combine(day, clock_time(9, 0), tzinfo=UTC),
        })  # fmt: skip
    return rows


def breach_rows(moments: Moments) -> list[dict[str, Any]]:
    """20 breaches, 5 still open (the summary lists their ICO clocks)."""
    rows = []
    for i in range(1, 21):
        aware = moments.idle - timedelta(hours=7 * i)
        closed = i > 5
        rows.append({
            "ref": f"BREACH-{i:04d}",
            "state": BreachState.CLOSED.value if closed else BreachState.OPEN.value,
            "aware_at": aware, "ico_due": aware + timedelta(hours=72),
            "created_by": "slack:U1", "created_at": aware,
            "closed_at": aware + timedelta(days=3) if closed else None,
        })  # fmt: skip
    return rows


async def seed(url: str, lo: int, hi: int, moments: Moments) -> float:
    """Add tickets and reminders ``lo`` … ``hi``; returns the seconds taken (VACUUM included).

    A separate engine, disposed afterwards: on SQLite it runs with a larger page cache, which
    must not leak into the pool the timings use.
    """
    start = time.perf_counter()
    engine = create_engine(url, keys=BENCH_KEYS)
    dialect = engine.dialect.name
    if dialect == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _big_cache(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA cache_size=-400000")

    params = {
        "lo": lo, "hi": hi, "burst": BURST, "today": moments.today,
        "burst_base": moments.idle, "future_base": moments.future,
        "reason": "complex request",
    }  # fmt: skip
    binds: list[BindParameter[Any]] = [
        bindparam("today", type_=Date()),
        bindparam("burst_base", type_=UTCDateTime()),
        bindparam("future_base", type_=UTCDateTime()),
        # An encrypted column: the reason goes in as the app would store it (one token, bound
        # once), or reading the ticket back fails to decrypt it.
        bindparam("reason", type_=Encrypted()),
    ]
    try:
        async with engine.begin() as conn:
            if lo == 1:
                await conn.run_sync(lambda sync: DAYS.create(sync, checkfirst=True))
                await conn.execute(insert(DAYS), day_rows(moments.today))
                await conn.execute(insert(Breach), breach_rows(moments))
            for sql in seed_statements(dialect):
                statement = text(sql).bindparams(*(b for b in binds if f":{b.key}" in sql))
                await conn.execute(statement, {k: v for k, v in params.items() if f":{k}" in sql})
            await conn.execute(update(Counter).where(col(Counter.name) == "DSAR").values(value=hi))
        if dialect == "postgresql":
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM (ANALYZE) requests, reminders, breaches"))
                # Write the seeded pages out now rather than during the timings (the server's
                # own checkpoint would); needs superuser or pg_checkpoint, else it is skipped.
                with contextlib.suppress(DBAPIError):
                    await conn.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()
    return time.perf_counter() - start


# --- statement capture and plans ---------------------------------------------------------------


@dataclass(slots=True)
class Captured:
    statement: str
    parameters: Any
    executemany: bool
    seconds: float = 0.0


@asynccontextmanager
async def capture(engine: AsyncEngine) -> AsyncIterator[list[Captured]]:
    """Every statement sent while the block runs, with its parameters and its duration."""
    found: list[Captured] = []
    started: list[float] = []

    def before(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        found.append(Captured(statement, parameters, many))
        started.append(time.perf_counter())

    def after(
        _conn: Any, _cursor: Any, _statement: str, _parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        found[-1].seconds = time.perf_counter() - started[-1]

    target = engine.sync_engine
    event.listen(target, "before_cursor_execute", before)
    event.listen(target, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(target, "before_cursor_execute", before)
        event.remove(target, "after_cursor_execute", after)


def one_line(statement: str, width: int = 96) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def shape(statement: str) -> str:
    """A statement in a line: its start and, for a query, its WHERE clause."""
    flat = " ".join(statement.split())
    head, where, condition = flat.partition(" WHERE ")
    if not where:
        return one_line(flat, 100)
    return one_line(head, 44) + " WHERE " + one_line(condition, 70)


def sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


async def explain(engine: AsyncEngine, found: Captured, *, dsn: str | None) -> list[str]:
    """The plan of a captured statement with the parameters the app bound.

    PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) on a connection of its own (asyncpg, the same
    ``$n`` placeholders); SQLite: EXPLAIN QUERY PLAN, indented by parent.
    """
    if engine.dialect.name == "postgresql":
        import asyncpg

        assert dsn is not None
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "EXPLAIN (ANALYZE, BUFFERS) " + found.statement, *found.parameters
            )
        finally:
            await conn.close()
        return [str(row[0]) for row in rows]
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + found.statement, found.parameters
        )
        plan = [tuple(row) for row in result.all()]
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in plan:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * (depth[node] - 1) + str(detail))
    return lines


async def generic_plan(found: Captured, dsn: str) -> list[str]:
    """The same query as a prepared statement under ``plan_cache_mode=force_generic_plan``:
    the plan PostgreSQL would reuse if it ever stopped planning each execution afresh."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        await conn.execute(f"PREPARE bench_generic AS {found.statement}")
        values = ", ".join(sql_literal(v) for v in found.parameters)
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic({values})")
    finally:
        await conn.close()
    return [str(row[0]) for row in rows]


def uses_scan(plan: Sequence[str], dialect: str) -> bool:
    """Whether the plan reads ``reminders`` without the partial index."""
    text_ = "\n".join(plan)
    if dialect == "postgresql":
        return "Seq Scan on reminders" in text_ or "ix_reminders_pending_fire_at" not in text_
    return (
        any(line.strip().startswith("SCAN reminders") for line in plan)
        or "ix_reminders_pending_fire_at" not in text_
    )


def print_plan(title: str, plan: Sequence[str]) -> None:
    print(f"    {title}:")
    for line in plan:
        print(f"      {line}")


# --- the timed work ----------------------------------------------------------------------------


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def select_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        await session.execute(text("SELECT 1"))


@dataclass(slots=True)
class Cycle:
    """Primary keys to look up in turn, so the baseline does not hit one hot row."""

    ids: list[int]
    at: int = 0

    def next(self) -> int:
        self.at = (self.at + 1) % len(self.ids)
        return self.ids[self.at]


async def pk_lookup(sessions: async_sessionmaker[AsyncSession], cycle: Cycle) -> None:
    async with transaction(sessions) as session:
        found = await session.get(Request, cycle.next())
        assert found is not None


async def idle_sweep(sessions: async_sessionmaker[AsyncSession], moments: Moments) -> None:
    queued, sent = await jobs.sweep(
        sessions=sessions, clock=FixedClock(moments.idle), policy=POLICY, sender=None
    )
    assert (queued, sent) == (0, 0), (queued, sent)


@dataclass(slots=True)
class Idle:
    stats: dict[str, Stats]
    plan: list[str]
    generic: list[str] | None
    statements: list[str]
    # PostgreSQL: (generic plans, custom plans) of the app's prepared due_reminder_refs
    # statement on its pooled connection, after the timed rounds (pg_prepared_statements).
    prepared: tuple[int, int] | None


async def prepared_plans(engine: AsyncEngine) -> tuple[int, int] | None:
    """How PostgreSQL planned the app's own executions of due_reminder_refs: asyncpg prepares
    each statement once per connection, and after five executions PostgreSQL may keep a
    generic plan (one that ignores the parameter values) instead of planning each time."""
    async with engine.connect() as conn:
        result = await conn.exec_driver_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            # Anchored at the statement's start (SQLAlchemy breaks its lines before FROM and
            # WHERE): a pattern matching anywhere would match this very query.
            "WHERE statement LIKE 'SELECT reminders.ticket_ref%FROM reminders%WHERE%'"
        )
        rows: list[Any] = list(result.all())
        found = [(int(row[0]), int(row[1])) for row in rows]
    if not found:
        return None
    return sum(g for g, _ in found), sum(c for _, c in found)


SELECT1 = "SELECT 1, one transaction"
PK = "session.get(Request, id), one transaction"
IDLE = "jobs.sweep, nothing due"


async def measure_idle(
    engine: AsyncEngine, moments: Moments, ids: list[int], repeat: int, dsn: str | None
) -> Idle:
    sessions = session_factory(engine)
    cycle = Cycle(ids)
    cases: dict[str, Callable[[], Awaitable[None]]] = {
        SELECT1: lambda: select_one(sessions),
        PK: lambda: pk_lookup(sessions, cycle),
        IDLE: lambda: idle_sweep(sessions, moments),
    }
    async with capture(engine) as found:
        await idle_sweep(sessions, moments)
    statements = [one_line(f.statement, 400) for f in found]
    query = next(f for f in found if "FROM reminders" in f.statement)
    plan = await explain(engine, query, dsn=dsn)
    generic = await generic_plan(query, dsn) if dsn is not None else None
    for _ in range(5):  # warm-up, not timed
        for call in cases.values():
            await call()
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for round_ in range(repeat):
        order = list(cases.items())
        shift = round_ % len(order)
        for label, call in order[shift:] + order[:shift]:
            samples[label].append(await timed(call))
    prepared = await prepared_plans(engine) if dsn is not None else None
    stats = {k: Stats(tuple(v)) for k, v in samples.items()}
    return Idle(stats, plan, generic, statements, prepared)


@dataclass(slots=True)
class Burst:
    sweep: Stats
    lookups: Stats
    queued: int
    statements: int
    executemany: int
    flushes: int
    shapes: list[tuple[int, str]]
    checks: list[str] = field(default_factory=list)


async def count(session: AsyncSession, query: Any) -> int:
    return int((await session.execute(query)).scalar_one())


async def burst_checks(session: AsyncSession, moments: Moments, overdue: int) -> list[str]:
    """After the sweep, inside its transaction: what it should have written."""
    now = moments.burst
    left = await count(
        session,
        select(func.count())
        .select_from(Reminder)
        .where(col(Reminder.state) == ReminderState.PENDING, col(Reminder.fire_at) <= now),
    )
    sent = await count(
        session,
        select(func.count())
        .select_from(Reminder)
        .where(col(Reminder.state) == ReminderState.SENT, col(Reminder.done_at) == now),
    )
    booked = await count(
        session,
        select(func.count())
        .select_from(Reminder)
        .where(
            col(Reminder.kind) == ReminderKind.OVERDUE, col(Reminder.state) == ReminderState.PENDING
        ),
    )
    direct = await count(
        session,
        select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.kind) == "direct"),
    )
    posts = await count(
        session,
        select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.kind) != "direct"),
    )
    problems = []
    expected = {
        "pending reminders still due": (left, 0),
        "reminders marked sent": (sent, BURST),
        "next overdue nudges booked": (booked, overdue),
        "direct messages queued": (direct, BURST),
        "channel posts queued (first overdue alarms)": (posts, overdue),
    }
    for what, (got, want) in expected.items():
        if got != want:
            problems.append(f"{what}: {got:,}, expected {want:,}")
    return problems


async def one_burst(
    sessions: async_sessionmaker[AsyncSession],
    moments: Moments,
    overdue: int,
    check: bool,
    mark: Callable[[], None] | None = None,
) -> tuple[float, int, list[str], int]:
    """One sweep at the burst, rolled back; (seconds, queued, problems, flushes counted).
    ``mark`` is called as soon as the sweep returns (before the checks' queries)."""
    flushes = [0]

    def flushed(*_args: Any) -> None:
        flushes[0] += 1

    async with sessions() as session:
        if check:
            event.listen(session.sync_session, "after_flush", flushed)
        await session.begin()
        try:
            start = time.perf_counter()
            queued = await reminder_sweep.sweep(
                session=session,
                policy=POLICY,
                now=moments.burst,
                limit=SWEEP_LIMIT,
            )
            seconds = time.perf_counter() - start
            if mark is not None:
                mark()
            counted = flushes[0]
            problems = await burst_checks(session, moments, overdue) if check else []
        finally:
            await session.rollback()
    return seconds, queued, problems, counted


async def lookups(sessions: async_sessionmaker[AsyncSession], ids: list[int]) -> float:
    """The baseline: 1,000 primary-key lookups, one statement each, in one transaction."""
    async with sessions() as session:
        await session.begin()
        try:
            start = time.perf_counter()
            for ticket_id in ids:
                query = select(Request).where(col(Request.id) == ticket_id)
                assert (await session.execute(query)).scalar_one() is not None
            return time.perf_counter() - start
        finally:
            await session.rollback()


WORK = ("SELECT", "INSERT", "UPDATE", "DELETE")


async def measure_burst(
    engine: AsyncEngine, moments: Moments, ids: list[int], repeat: int
) -> Burst:
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        due = await repo.due_reminder_refs(session=session, now=moments.burst, limit=10 * BURST)
        overdue = await count(
            session,
            select(func.count())
            .select_from(Reminder)
            .where(
                col(Reminder.kind) == ReminderKind.OVERDUE,
                col(Reminder.state) == ReminderState.PENDING,
            ),
        )
    if len(due) != BURST:
        raise SystemExit(f"seeding went wrong: {len(due)} tickets due at the burst, not {BURST}")
    ends: list[int] = []
    async with capture(engine) as found:  # the checked run, also the warm-up
        _, queued, problems, flushes = await one_burst(
            sessions, moments, overdue, check=True, mark=lambda: ends.append(len(found))
        )
    # The sweep's own statements (not the checks' counts after it).
    statements = [f for f in found[: ends[0]] if f.statement.lstrip().upper().startswith(WORK)]
    async with transaction(sessions) as session:  # the rollback restored the burst
        again = await repo.due_reminder_refs(session=session, now=moments.burst, limit=10 * BURST)
    if len(again) != BURST:
        problems.append(f"after the rollback {len(again)} tickets are due, not {BURST}")
    await lookups(sessions, ids)  # warm-up
    sweeps, bases = [], []
    for _ in range(repeat):
        sweeps.append((await one_burst(sessions, moments, overdue, check=False))[0])
        bases.append(await lookups(sessions, ids))
    executemany = sum(1 for f in statements if f.executemany)
    shapes = Tally(shape(f.statement) for f in statements).most_common()
    return Burst(
        Stats(tuple(sweeps)), Stats(tuple(bases)), queued, len(statements), executemany,
        flushes, [(n, shape) for shape, n in shapes], problems,
    )  # fmt: skip


@dataclass(slots=True)
class Summary:
    stats: dict[str, Stats]
    figures: tuple[Any, ...]
    statements: list[Captured]


BUILD = "summary.build"
SCAN = "SELECT count(received) FROM requests (one full pass)"


async def build_summary(
    sessions: async_sessionmaker[AsyncSession], moments: Moments
) -> WeeklySummary:
    async with transaction(sessions) as session:
        return await summary.build(
            session=session, today=moments.today, now=moments.idle, policy=POLICY
        )


async def full_pass(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        await session.execute(text("SELECT count(received) FROM requests"))


def figures(built: WeeklySummary) -> tuple[Any, ...]:
    return (
        sum(n for _, _, n in built.open_by_type_state),
        built.due_next_7_days,
        built.overdue,
        built.received_last_week,
        built.closed_last_week,
        None if built.on_time_rate is None else round(built.on_time_rate, 6),
        built.median_days_to_close,
        built.extensions_in_use,
        len(built.open_breaches),
    )


FIGURE_NAMES = (
    "open", "due next 7 d", "overdue", "received last wk", "closed last wk", "on-time rate",
    "median days", "extensions", "open breaches",
)  # fmt: skip


async def measure_summary(engine: AsyncEngine, moments: Moments, repeat: int) -> Summary:
    sessions = session_factory(engine)
    built = await build_summary(sessions, moments)  # warm-up (also sets hint bits on SQLite)
    await full_pass(sessions)
    async with capture(engine) as found:
        await build_summary(sessions, moments)
    cases: dict[str, Callable[[], Awaitable[object]]] = {
        SELECT1: lambda: select_one(sessions),
        SCAN: lambda: full_pass(sessions),
        BUILD: lambda: build_summary(sessions, moments),
    }
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeat):
        for label, call in cases.items():
            samples[label].append(await timed(call))
    return Summary({k: Stats(tuple(v)) for k, v in samples.items()}, figures(built), found)


# --- one engine --------------------------------------------------------------------------------


@dataclass(slots=True)
class Stage:
    engine: str
    size: int
    idle: Idle
    idle_scan: bool
    burst: Burst
    summary: Summary | None


async def engine_half(
    name: str,
    url: str,
    sizes: Sequence[int],
    summary_sizes: Sequence[int],
    moments: Moments,
    args: argparse.Namespace,
    dsn: str | None,
) -> list[Stage]:
    stages: list[Stage] = []
    seeded = 0
    for size in sorted(sizes):
        took = await seed(url, seeded + 1, size, moments)
        seeded = size
        engine = create_engine(url, keys=BENCH_KEYS)
        try:
            stages.append(
                await one_stage(name, engine, size, size in summary_sizes, took, moments, args, dsn)
            )
        finally:
            await engine.dispose()
    return stages


async def one_stage(
    name: str,
    engine: AsyncEngine,
    size: int,
    with_summary: bool,
    took: float,
    moments: Moments,
    args: argparse.Namespace,
    dsn: str | None,
) -> Stage:
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        pending = await count(
            session,
            select(func.count())
            .select_from(Reminder)
            .where(col(Reminder.state) == ReminderState.PENDING),
        )
        rows = await count(session, select(func.count()).select_from(Reminder))
        tickets = await count(session, select(func.count()).select_from(Request))
    step = max(size // BURST, 1)
    ids = list(range(1, size + 1, step))[:BURST]
    print(
        f"--- {name}, {tickets:,} tickets, {rows:,} reminder rows ({pending:,} pending; "
        f"{BURST:,} due at {moments.burst:%H:%M}, none at {moments.idle:%H:%M} UTC) ---"
    )
    what = "inserts + VACUUM (ANALYZE) + CHECKPOINT" if name == "PostgreSQL" else "inserts"
    print(f"    seeded up to this size in {took:.1f} s ({what}; not timed)")

    idle = await measure_idle(engine, moments, ids, args.repeat, dsn)
    dialect = engine.dialect.name
    print("    (a) the sweep with nothing due sends:")
    for statement in idle.statements:
        print(f"      {statement}")
    kind = "EXPLAIN (ANALYZE, BUFFERS)" if dialect == "postgresql" else "EXPLAIN QUERY PLAN"
    print_plan(f"{kind} of due_reminder_refs at {moments.idle:%H:%M} (nothing due)", idle.plan)
    plan_used = "SCANS reminders" if uses_scan(idle.plan, dialect) else "uses the partial index"
    if idle.generic is not None:
        generic_scan = uses_scan(idle.generic, dialect)
        print_plan(
            "the same as a generic plan (plan_cache_mode=force_generic_plan) — "
            + ("SCANS, the partial index is unusable" if generic_scan else "uses the index"),
            idle.generic,
        )
        if idle.prepared is None:
            print("    the app's prepared statement was not found in pg_prepared_statements")
        else:
            generic, custom = idle.prepared
            print(
                f"    the app's pooled connection planned its prepared due_reminder_refs "
                f"{custom} times with the values (custom plan) and ran it {generic} times on the "
                "generic plan (pg_prepared_statements, after the rounds below)"
            )
            if generic and generic_scan:
                plan_used = "runs the generic plan, a SEQ SCAN"
    scan = not plan_used.startswith("uses")
    base, pk = idle.stats[SELECT1], idle.stats[PK]
    rows_ = [
        [label, ms(s.min), ms(s.median), ms(s.p90), f"{s.median / base.median:.2f}x",
         f"{s.median / pk.median:.2f}x"]
        for label, s in idle.stats.items()
    ]  # fmt: skip
    print(f"    ({args.repeat} interleaved rounds after 5 untimed)")
    print(indent(table(["case", "min ms", "median ms", "p90 ms", "vs SELECT 1", "vs PK"], rows_)))
    sweep = idle.stats[IDLE]
    verdict = "met" if sweep.median * 1000 < IDLE_AIM_MS and not scan else "MISSED"
    print(
        f"    idle sweep: {ms(sweep.median)} ms median = {sweep.median / base.median:.2f}x a "
        f"SELECT 1 round trip; the app {plan_used}"
        + (f"; aim (< {IDLE_AIM_MS:g} ms, an index lookup) {verdict}" if size >= AIM_SIZE else "")
    )

    burst = await measure_burst(engine, moments, ids, args.due_repeat)
    print(
        f"    (b) reminder_sweep.sweep(limit={SWEEP_LIMIT}) with {BURST:,} due, rolled back "
        f"after each run ({args.due_repeat} runs after a checked warm-up)"
    )
    print(
        f"      the checked run queued {burst.queued:,} nudges and sent {burst.statements:,} "
        f"statements ({burst.statements / BURST:.2f} per ticket; {burst.executemany} of them "
        "executemany batches)"
    )
    print(
        f"      the session flushed {burst.flushes:,} times (autoflush before queries included); "
        "statements by shape:"
    )
    for n, shape in burst.shapes:
        print(f"        {n:>5} × {shape}")
    for problem in burst.checks:
        print(f"      CHECK FAILED: {problem}")
    sw, lk = burst.sweep, burst.lookups
    rows_ = [
        [f"sweep, {BURST:,} due", ms(sw.min), ms(sw.median), f"{sw.median / BURST * 1e6:.0f}",
         f"{sw.median / lk.median:.2f}x"],
        [f"{BURST:,} PK lookups, one transaction", ms(lk.min), ms(lk.median),
         f"{lk.median / BURST * 1e6:.0f}", "1.00x"],
    ]  # fmt: skip
    print(indent(table(["case", "min ms", "median ms", "µs / ticket", "vs lookups"], rows_)))

    result: Summary | None = None
    if with_summary:
        result = await measure_summary(engine, moments, args.summary_repeat)
        print_summary(name, size, result, args.summary_repeat)
        if size == max(args.summary_sizes):
            await explain_slowest(engine, result, dsn)
    print()
    return Stage(name, size, idle, scan, burst, result)


def indent(block: str, by: str = "      ") -> str:
    return "\n".join(by + line for line in block.splitlines())


def print_summary(name: str, size: int, result: Summary, repeat: int) -> None:
    print(f"    (c) weekly summary, {size:,} tickets ({repeat} runs after a warm-up)")
    base, scan = result.stats[SELECT1], result.stats[SCAN]
    rows = [
        [label, ms(s.min), ms(s.median), f"{s.median / base.median:.0f}x",
         f"{s.median / scan.median:.2f}x"]
        for label, s in result.stats.items()
    ]  # fmt: skip
    print(indent(table(["case", "min ms", "median ms", "vs SELECT 1", "vs full pass"], rows)))
    build = result.stats[BUILD]
    if name == "PostgreSQL" and size >= AIM_SIZE:
        verdict = "met" if build.median < SUMMARY_AIM_S else "MISSED"
        print(f"      aim (< {SUMMARY_AIM_S:g} s at {AIM_SIZE:,} tickets on PostgreSQL): {verdict}")
    values = ", ".join(f"{n} {v}" for n, v in zip(FIGURE_NAMES, result.figures, strict=True))
    print(f"      figures: {values}")
    print("      its statements (one extra run, timed at the driver):")
    rows = [[one_line(f.statement, 88), ms(f.seconds)] for f in result.statements]
    print(indent(table(["statement", "ms"], rows), "        "))


async def explain_slowest(engine: AsyncEngine, result: Summary, dsn: str | None) -> None:
    slowest = sorted(result.statements, key=lambda f: -f.seconds)[:2]
    for found in slowest:
        plan = await explain(engine, found, dsn=dsn)
        print_plan(f"plan of {one_line(found.statement, 70)} ({ms(found.seconds)} ms)", plan)


# --- the databases -----------------------------------------------------------------------------


async def postgres_half(args: argparse.Namespace, moments: Moments) -> list[Stage]:
    import asyncpg

    async with postgres_database(args.postgres_url) as (url, dsn):
        conn = await asyncpg.connect(dsn)
        try:
            version = await conn.fetchval("SHOW server_version")
            settings = [
                f"{name}={await conn.fetchval(f'SHOW {name}')}"
                for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")
            ]
        finally:
            await conn.close()
        print(f"PostgreSQL {version} ({make_url(url).database}; {', '.join(settings)})")
        print()
        await upgrade_async(url, keys=BENCH_KEYS)
        return await engine_half(
            "PostgreSQL", url, args.sizes, args.summary_sizes, moments, args, dsn
        )


def loud(message: str) -> None:
    bar = "#" * 76
    print(bar)
    print(f"# {message}")
    print(bar)
    print()


def idle_plan(stage: Stage) -> str:
    if not stage.idle_scan:
        return "index"
    return "generic: seq scan" if stage.idle.prepared else "scan"


def recap(stages: list[Stage]) -> None:
    print("Recap (medians; ratios against baselines measured in the same run)")
    rows = []
    for s in stages:
        idle = s.idle.stats[IDLE]
        base = s.idle.stats[SELECT1]
        summary_ms = summary_x = "—"
        if s.summary is not None:
            build = s.summary.stats[BUILD]
            summary_ms = ms(build.median)
            summary_x = f"{build.median / s.summary.stats[SCAN].median:.2f}x"
        rows.append([
            f"{s.engine} {s.size:,}", ms(idle.median), f"{idle.median / base.median:.2f}x",
            idle_plan(s), ms(s.burst.sweep.median),
            f"{s.burst.sweep.median / s.burst.lookups.median:.2f}x", summary_ms, summary_x,
        ])  # fmt: skip
    headers = [
        "engine, rows", "idle ms", "vs SELECT 1", "idle plan", "1k due ms", "vs 1k PK",
        "summary ms", "vs full pass",
    ]  # fmt: skip
    print(table(headers, rows))
    print()


def compare_figures(stages: list[Stage]) -> None:
    by_size: dict[int, dict[str, tuple[Any, ...]]] = {}
    for s in stages:
        if s.summary is not None:
            by_size.setdefault(s.size, {})[s.engine] = s.summary.figures
    for size, found in sorted(by_size.items()):
        if len(found) == 2:
            same = len(set(found.values())) == 1
            print(
                f"summary figures at {size:,} tickets, SQLite vs PostgreSQL: "
                + ("identical" if same else f"DIFFER: {found}")
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=positive_int, nargs="+", default=list(DEFAULT_SIZES),
        help="tickets = reminder rows, PostgreSQL",
    )  # fmt: skip
    parser.add_argument(
        "--sqlite-sizes", type=positive_int, nargs="+", default=list(DEFAULT_SIZES),
        help="tickets = reminder rows, SQLite",
    )  # fmt: skip
    parser.add_argument(
        "--summary-sizes", type=positive_int, nargs="+", default=[100_000, 1_000_000],
        help="sizes at which the weekly summary is timed (both engines)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=positive_int, default=40, help="idle-sweep rounds")
    parser.add_argument("--due-repeat", type=positive_int, default=2, help="1,000-due runs")
    parser.add_argument("--summary-repeat", type=positive_int, default=5, help="summary runs")
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PRIVACY_DESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the server's `test` database; the benchmark creates and drops its own next to it",
    )
    args = parser.parse_args(argv)
    if min([*args.sizes, *args.sqlite_sizes]) < 2 * BURST:
        parser.error(f"sizes must be at least {2 * BURST} (the burst is {BURST:,} open tickets)")
    began = time.perf_counter()
    moments = Moments(args.today)
    print(
        f"reminder sweep and weekly summary; benchmark day {moments.today} "
        f"(idle sweep at {moments.idle:%H:%M} UTC, {BURST:,} due at {moments.burst:%H:%M} UTC)"
    )
    print()
    stages: list[Stage] = []
    if args.no_sqlite:
        loud("SQLite SKIPPED (--no-sqlite)")
    else:
        with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
            db = Path(tmp) / "sweep.db"
            url = f"sqlite+aiosqlite:///{db}"
            upgrade(url, keys=BENCH_KEYS)
            import sqlite3

            print(f"SQLite {sqlite3.sqlite_version} ({db}; WAL, the app's engine settings)")
            print()
            stages += asyncio.run(
                engine_half(
                    "SQLite", url, args.sqlite_sizes, args.summary_sizes, moments, args, None
                )
            )

    if args.no_postgres:
        loud("PostgreSQL SKIPPED (--no-postgres)")
    elif os.environ.get("PRIVACY_DESK_TEST_POSTGRES") == "skip":
        loud("PostgreSQL SKIPPED: PRIVACY_DESK_TEST_POSTGRES=skip (server not reachable)")
    else:
        stages += asyncio.run(postgres_half(args, moments))

    recap(stages)
    compare_figures(stages)
    failed = any(s.burst.checks for s in stages)
    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
