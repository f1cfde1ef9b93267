"""``/dsar list overdue`` with many tickets, on SQLite and PostgreSQL.

The database is seeded (not timed) with in-progress access requests whose deadlines are spread
so that about 30% are overdue on the benchmark's day. Then:

(a) ``Desk.run_text('/dsar list overdue')`` as the DPO, in process, on SQLite (a temporary file)
    and PostgreSQL (a database of its own, created and dropped here); baselines in the same
    run: ``/dsar show DSAR-0001`` (a one-ticket query through the same stack) and ``/dsar help``
    (no database at all);
(b) on SQLite, the whole console as a subprocess, ``echo "/dsar list overdue" | privacy-desk
    console --db FILE``, process start included; baseline in the same run: the same console
    with ``/dsar help`` (no query), so the difference is the query's cost. ``privacy-desk
    migrate --db FILE`` (a no-op upgrade) is timed too: the console runs it at every start.

The console uses the real clock, so the benchmark's day defaults to today in Europe/London and
both halves see the same overdue tickets. PostgreSQL is skipped (loudly) when
``PRIVACY_DESK_TEST_POSTGRES=skip`` (scripts/postgres.sh) or ``--no-postgres``.

    .venv/bin/python -m bench.list_overdue [--tickets 10000] [--repeat 20] [--process-runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bench._common import (
    FixedClock,
    ProcessFailed,
    Stats,
    import_profile,
    ms,
    package_group,
    positive_int,
    postgres_database,
    run_process,
    table,
    venv_bin,
)
from bench.keys import BENCH_KEYS
from bot.config import Settings
from bot.wiring import build_application
from handlers.deadlines import local_day, request_deadlines
from handlers.policy import Policy
from handlers.ports import ChatUser, Tone
from handlers.reads import LIST_LIMIT
from storage.db import create_engine, session_factory, transaction
from storage.enums import RequestState, RequestType, Via
from storage.migrate import pending, upgrade_async
from storage.models import Counter, Request, RequestBase

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
LONDON = Policy().timezone
OPERATOR = "console:operator"
DPO = ChatUser("console", "operator")
LIST = "/dsar list overdue"
SHOW = "/dsar show DSAR-0001"
HELP = "/dsar help"


# --- seeding (not timed) ---------------------------------------------------------------------


def seed_rows(n: int, today: date) -> list[dict[str, Any]]:
    """``n`` valid in-progress access requests; received dates cycle over 100 days ending 38
    days after ``today`` (in a scrambled order), so about 30% of the deadlines have passed."""
    rows = []
    for i in range(1, n + 1):
        received = today + timedelta(days=(i * 37) % 100 - 61)
        dates = request_deadlines(received=received, calendar="GB-ENG")
        row = RequestBase(
            ref=f"DSAR-{i:04d}",
            type=RequestType.ACCESS.value,
            state=RequestState.IN_PROGRESS.value,
            via=Via.EMAIL.value,
            received=received,
            calendar="GB-ENG",
            created_by=OPERATOR,
            created_at=datetime.combine(received, clock_time(9, 0), tzinfo=UTC),
            clock_start=dates.clock_start,
            base_due=dates.due,
            extension_notice_by=dates.extension_notice_by,
            extended_due=dates.extended_due,
            due=dates.due,
        )
        rows.append(row.model_dump())
    return rows


async def seed(engine: AsyncEngine, n: int, today: date) -> tuple[int, float]:
    """Bulk-insert the tickets; returns how many are overdue on ``today`` and the seconds taken."""
    start = time.perf_counter()
    rows = seed_rows(n, today)
    async with transaction(session_factory(engine)) as session:
        await session.execute(insert(Request), rows)
        await session.execute(update(Counter).where(col(Counter.name) == "DSAR").values(value=n))
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE requests"))
            await conn.commit()
    async with transaction(session_factory(engine)) as session:
        overdue = await session.scalar(
            select(func.count())
            .select_from(Request)
            .where(col(Request.state) != RequestState.CLOSED.value)
            .where(col(Request.due) < today)
        )
    return int(overdue or 0), time.perf_counter() - start


# --- (a) in process ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InProcess:
    first: dict[str, float]
    stats: dict[str, Stats]
    title: str
    printed: int
    more_line: bool


def listed(lines: tuple[str, ...] | list[str]) -> int:
    return sum(1 for line in lines if line.strip().startswith("DSAR-"))


async def in_process(engine: AsyncEngine, today: date, repeat: int) -> InProcess:
    now = datetime.combine(today, clock_time(9, 30), tzinfo=UTC)
    assert local_day(now, LONDON) == today
    # A list delivers nothing, so the application needs no notifiers.
    desk = build_application(
        Settings(_env_file=None, database_url=engine.url.render_as_string(hide_password=False)),
        engine=engine,
        clock=FixedClock(now),
        policy=Policy(privacy_team=frozenset({DPO}), dpo=frozenset({DPO})),
    ).desk
    actor = desk.actor(DPO)
    first: dict[str, float] = {}
    samples: dict[str, list[float]] = {line: [] for line in (LIST, SHOW, HELP)}
    title, printed, more = "", 0, False
    for round_ in range(repeat + 1):  # round 0 is the first (cold) run, reported apart
        for line in samples:
            start = time.perf_counter()
            outcome = await desk.run_text(actor=actor, text=line)
            seconds = time.perf_counter() - start
            if outcome.reply.tone == Tone.ERROR:
                raise SystemExit(f"{line!r} failed: {outcome.reply.render_text()}")
            if round_ == 0:
                first[line] = seconds
            else:
                samples[line].append(seconds)
            if line == LIST:
                title, printed = outcome.reply.text, listed(outcome.reply.lines)
                more = any(x.startswith("… more") for x in outcome.reply.lines)
    return InProcess(
        first=first,
        stats={line: Stats(tuple(values)) for line, values in samples.items()},
        title=title,
        printed=printed,
        more_line=more,
    )


def print_in_process(backend: str, result: InProcess) -> None:
    print(f"(a) {backend}: Desk.run_text as the DPO, in process")
    print(
        f"    the list printed {result.printed} rows ('{result.title}'"
        f"{', plus a “… more” line' if result.more_line else ''}); the cap is "
        f"LIST_LIMIT={LIST_LIMIT}"
    )
    show, help_ = result.stats[SHOW], result.stats[HELP]
    rows = []
    for line, stats in result.stats.items():
        rows.append([
            line, ms(result.first[line]), ms(stats.min), ms(stats.median), ms(stats.p90),
            f"{stats.median / show.median:.2f}x", f"{stats.median / help_.median:.1f}x",
        ])  # fmt: skip
    headers = ["command", "1st ms", "min ms", "median ms", "p90 ms", "vs show", "vs help"]
    print(table(headers, rows))
    listing = result.stats[LIST]
    print(
        f"    ratio list overdue / show one ticket (median): {listing.median / show.median:.2f}x; "
        f"per printed row ≈ {(listing.median - show.median) / max(result.printed, 1) * 1e6:.0f} µs"
    )
    print()


# --- (b) the console as a subprocess (SQLite) --------------------------------------------------


def console_processes(db: Path, runs: int, cwd: Path) -> tuple[dict[str, Stats], str]:
    console = [str(venv_bin("privacy-desk")), "console", "--db", str(db)]
    migrate = [str(venv_bin("privacy-desk")), "migrate", "--db", str(db)]
    todo: list[tuple[str, list[str], str | None]] = [
        (f'echo "{HELP}" | privacy-desk console --db FILE', console, HELP + "\n"),
        (f'echo "{LIST}" | privacy-desk console --db FILE', console, LIST + "\n"),
        ("privacy-desk migrate --db FILE (no-op)", migrate, None),
    ]
    for _label, argv, stdin in todo:  # warm-up, not timed
        run_process(argv, stdin=stdin, cwd=cwd)
    samples: dict[str, list[float]] = {label: [] for label, _, _ in todo}
    output = ""
    for _ in range(runs):
        for label, argv, stdin in todo:
            result = run_process(argv, stdin=stdin, cwd=cwd)
            samples[label].append(result.seconds)
            if stdin == LIST + "\n":
                output = result.stdout
    return {label: Stats(tuple(values)) for label, values in samples.items()}, output


def print_processes(stats: dict[str, Stats], output: str, runs: int) -> None:
    lines = output.splitlines()
    title = next((x for x in lines if "request(s)" in x), "?")
    print(f"(b) SQLite: the console as a subprocess, process start included ({runs} runs each)")
    print(f"    the console printed {listed(lines)} rows ('{title.strip()}')")
    labels = list(stats)
    base = stats[labels[0]]
    rows = [
        [
            label,
            ms(s.min),
            ms(s.median),
            ms(s.median - base.median),
            f"{s.median / base.median:.2f}x",
        ]
        for label, s in stats.items()
    ]
    print(table(["command", "min ms", "median ms", "+ vs help", "ratio"], rows))
    listing = stats[labels[1]]
    print(
        f"    ratio console list overdue / console help (median): "
        f"{listing.median / base.median:.2f}x (the query and its rendering add "
        f"{ms(listing.median - base.median)} ms)"
    )
    print()


def print_start_up(url: str, db: Path, runs: int, cwd: Path) -> None:
    """Where the console's start goes: its imports, and the migration check it runs each time."""
    checks = [asyncio.run(_time_pending_check(url)) for _ in range(5)]
    done = Stats(tuple(checks))
    print(
        f"    storage.migrate.pending on an up-to-date database (what every console start pays "
        f"after its imports; Alembic is not loaded), in process (5 runs): "
        f"min {ms(done.min)} ms, median {ms(done.median)} ms"
    )
    if runs <= 0:
        print()
        return
    console = [str(venv_bin("privacy-desk")), "console", "--db", str(db)]
    profile = import_profile(console, runs=runs, group=package_group, stdin=LIST + "\n", cwd=cwd)
    print(
        f'    where the console\'s start goes (echo "{LIST}" | python -X importtime '
        f"privacy-desk console, median of {runs} runs; importtime inflates the figures)"
    )
    print(profile.report(top=10))
    print()


async def _time_pending_check(url: str) -> float:
    engine = create_engine(url, keys=BENCH_KEYS)
    try:
        start = time.perf_counter()
        assert not await pending(engine)
        return time.perf_counter() - start
    finally:
        await engine.dispose()


# --- the two databases ---------------------------------------------------------------------


async def prepare(url: str, tickets: int, today: date) -> tuple[int, float]:
    await upgrade_async(url, keys=BENCH_KEYS)
    engine = create_engine(url, keys=BENCH_KEYS)
    try:
        return await seed(engine, tickets, today)
    finally:
        await engine.dispose()


async def measure(url: str, today: date, repeat: int) -> InProcess:
    engine = create_engine(url, keys=BENCH_KEYS)
    try:
        return await in_process(engine, today, repeat)
    finally:
        await engine.dispose()


async def postgres_half(base_url: str, tickets: int, today: date, repeat: int) -> None:
    async with postgres_database(base_url) as (url, _dsn):
        overdue, seeded = await prepare(url, tickets, today)
        print(
            f"PostgreSQL ({make_url(url).database}): seeded {tickets:,} tickets in {seeded:.1f} s "
            f"(not timed), {overdue:,} overdue on {today}; ANALYZE run after seeding"
        )
        print_in_process("PostgreSQL", await measure(url, today, repeat))


def loud(message: str) -> None:
    bar = "#" * 76
    print(bar)
    print(f"# {message}")
    print(bar)
    print()


def london_today() -> date:
    return local_day(datetime.now(UTC), LONDON)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=positive_int, default=10_000, help="tickets to seed")
    parser.add_argument("--repeat", type=positive_int, default=20, help="in-process runs")
    parser.add_argument("--process-runs", type=positive_int, default=5, help="subprocess runs")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None,
        help="the benchmark's day (default: today in Europe/London, as the console sees it)",
    )  # fmt: skip
    parser.add_argument(
        "--breakdown-runs", type=int, default=3, help="console -X importtime runs (0: none)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL half")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PRIVACY_DESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the server's `test` database; the benchmark creates and drops its own next to it",
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    failed = False
    today: date = args.today or london_today()
    if today != london_today():
        print(
            f"note: --today {today} is not today; the console subprocess uses the real clock, so "
            "its overdue list differs from the in-process one"
        )

    print(f"/dsar list overdue with {args.tickets:,} tickets, benchmark day {today}")
    print()
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{db}"
        overdue, seeded = asyncio.run(prepare(url, args.tickets, today))
        print(
            f"SQLite ({db}): seeded {args.tickets:,} tickets in {seeded:.1f} s (not timed), "
            f"{overdue:,} overdue on {today} ({overdue / args.tickets:.0%})"
        )
        result = asyncio.run(measure(url, today, args.repeat))
        print_in_process("SQLite", result)
        try:
            stats, output = console_processes(db, args.process_runs, Path(tmp))
            print_processes(stats, output, args.process_runs)
            if listed(output.splitlines()) != result.printed:
                print("NOTE: the console and the in-process desk printed different row counts")
                print()
            print_start_up(url, db, args.breakdown_runs, Path(tmp))
        except ProcessFailed as exc:
            failed = True
            loud("(b) console subprocess FAILED; its figures are missing")
            print(exc)
            print()

    if args.no_postgres:
        loud("PostgreSQL half SKIPPED (--no-postgres)")
    elif os.environ.get("PRIVACY_DESK_TEST_POSTGRES") == "skip":
        loud("PostgreSQL half SKIPPED: PRIVACY_DESK_TEST_POSTGRES=skip (server not reachable)")
    else:
        asyncio.run(postgres_half(args.postgres_url, args.tickets, today, args.repeat))

    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
