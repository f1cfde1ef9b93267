"""Slack acknowledgement latency and throughput of ``/dsar new`` through the whole stack.

A signed slash command ``/dsar new access name="…" email=…`` is POSTed to ``/slack/events`` of
the real server (``bot.app.build_server``, as ``privacy-desk serve`` builds it):
Slack signature verification, the workspace guard, parsing, one database transaction (the
ticket, its audit event, reminders, the outbox rows and the delivery key) and the ephemeral
reply. It runs on SQLite (a temporary file) and on PostgreSQL (a database of its own, created
and dropped here), at concurrency 1 and 32.

Baselines in the same run: a bare slack-bolt ``AsyncApp`` that only acks, mounted the same way
(aiohttp, signature verification on, no auth.test), in bolt's default mode (its runner looks for
the ack every 10 ms) and with ``process_before_response=True`` (the mode privacy-desk uses).

Each server runs in a subprocess of its own (this module with ``--serve``); the load generator
is this process (one aiohttp ``ClientSession`` per cell, keep-alive pool ``limit`` =
concurrency). Each request has a fresh ``trigger_id`` (the server de-duplicates retried
deliveries by it) and a fresh email. Only loopback traffic: the servers' Slack Web API client
points at a loopback fake that counts calls (the ack path makes none). PostgreSQL is skipped
(loudly) when ``PRIVACY_DESK_TEST_POSTGRES=skip`` (scripts/postgres.sh) or ``--no-postgres``.

    .venv/bin/python -m bench.slack_ack [--requests 2500] [--warmup 100] [--rounds 3]
                                        [--concurrency 1 32] [--no-postgres]
                                        [--forms | --notes] [--home-pages]

``--notes``: a ticket action instead of an opening. 50 tickets are opened first; each request
then adds a note to one of them in turn (``/dsar note DSAR-… "…"`` by a privacy-team member:
an audit event and a reply in the ticket's #compliance thread, written through the ORM).

``--forms``: each request submits the ``/dsar new`` modal (a ``view_submission`` of the view as
the bot opens it, name and email typed in) instead of the slash command; the desk writes the
ticket, its #compliance post and a receipt to the person who logged it (two outbox rows); the
bare bolt apps ack the same submission.

``--home-pages``: before the cells, the DPO and a member of the privacy team open their App
Home, as in any deployment once they have looked. Every opening then queues a refresh of their
pages in its transaction (read when sent: ``handlers.home``); the delivery loop that would send
them is not started here, so what is measured is the write path's share.

After the run each database is checked: one ticket per acknowledged command, numbered without a
gap or a repeat, a delivery key each, the outbox rows, and the audit chain, verified in process
and by ``privacy-desk audit verify`` as a DPO runs it (with the default 2,500 requests a cell
each database ends with about 5,200 tickets; ``--requests 5000`` gives over 10,000).

p50, p99 and req/s are medians over the rounds (each round's own figure); "p99 all" and "max"
are over every sample, and "≥3 s" counts the acks Slack would have shown as failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench._common import REPO, clean_env, positive_int, postgres_database, table
from bench.keys import BENCH_KEYS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from storage.group_commit import GroupCommit

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the tests' signing secret; loopback only
TEAM = "T0001"
STAFF_ID, PRIVACY_ID, DPO_ID, CHANNEL = "USTAFF1", "UPRIV1", "UDPO1", "CCOMPLIANCE"
BOT_TOKEN = "xoxb-bench"
BARE_DEFAULT, BARE_PBR, DESK = "bare-default", "bare-pbr", "desk"
LABELS = {
    BARE_DEFAULT: "bare bolt, default mode",
    BARE_PBR: "bare bolt, process_before_response",
    DESK: "privacy-desk",
}
CLIENT_TIMEOUT_SECONDS = 60.0
NOTE_TICKETS = 50  # --notes: the tickets opened first, which the notes go to in turn
SLACK_DEADLINE_SECONDS = 3.0  # Slack shows the person an error when the ack takes longer
# Logged once at start by every bolt app given both `authorize` and a client with a token.
BENIGN = ("`token` (or SLACK_BOT_TOKEN env variable) will be ignored",)


# --- the server (a subprocess: python -m bench.slack_ack --serve KIND) ------------------------


@dataclass(slots=True)
class Meter:
    """Server-side counters, read over ``GET /bench/stats`` before and after each round."""

    handler_n: int = 0
    handler_s: float = 0.0  # inside the aiohttp handler for /slack/events (bolt + desk)
    desk_n: int = 0
    desk_s: float = 0.0  # inside Desk.run_text (or .submit): parse + the transaction + commit
    sql_n: int = 0
    sql_s: float = 0.0  # inside trips to the database (statement round trips, lock waits)
    lock_s: float = 0.0  # inside the call that bumps the counters and locks the chain's head
    db_s: float = 0.0  # awaiting the database driver: every hand-off or call, BEGIN and COMMIT
    db_connects: int = 0  # new database connections the pool opened
    slack_calls: int = 0  # calls that reached the fake Slack Web API
    # The group commit (storage.group_commit), read from the desk's writer:
    written_alone: int = 0  # commands written in a transaction of their own
    batches: int = 0  # transactions that wrote several commands
    batched: int = 0  # commands written in those
    queued_s: float = 0.0  # seconds batched commands waited in the writer's queue, in all
    not_logged: int = 0  # refused because they waited too long or the queue was full
    cpu_s: float = 0.0  # process CPU time (user + system), filled in when read


async def fake_slack_api(meter: Meter) -> tuple[web.AppRunner, str]:
    """A loopback stand-in for the Slack Web API that answers ok and counts calls."""

    async def api(_request: web.Request) -> web.Response:
        meter.slack_calls += 1
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/api/"


def bare_web(process_before_response: bool, api_url: str) -> web.Application:
    """A slack-bolt app that only acks, mounted as ``bot.app.build_web`` mounts the real one."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk.web.async_client import AsyncWebClient

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=BOT_TOKEN)

    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
        authorize=authorize,
        process_before_response=process_before_response,
        ignoring_self_events_enabled=False,
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack(response_type="ephemeral", text="ok")

    bolt.command("/dsar")(only_ack)

    async def only_close(ack: AsyncAck) -> None:
        await ack()

    bolt.view("dsar_new")(only_close)  # --forms: the modal's submission

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    return app


def desk_web(
    db_url: str, api_url: str, meter: Meter
) -> tuple[web.Application, tuple[AsyncEngine, AsyncEngine], GroupCommit]:
    """The real server as ``bot.app.serve`` builds it, minus the scheduler and the outbox
    delivery loop; returns the app, its engine and the writer's (to dispose of; the same one
    on SQLite) and the desk's writer."""
    from bot.app import build_server
    from bot.config import Settings
    from handlers.ports import Outcome
    from storage.db import create_engine, writer_engine

    settings = Settings(
        _env_file=None,
        database_url=db_url,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        slack_team_ids=[TEAM],
        privacy_team=[f"slack:{PRIVACY_ID}"],
        dpo_users=[f"slack:{DPO_ID}"],
        compliance_channel=[f"slack:{CHANNEL}"],
    )
    engine = create_engine(db_url, keys=BENCH_KEYS)
    writer = writer_engine(engine)  # as `serve` does: the writer's own pool on PostgreSQL
    server = build_server(settings, engine=engine, write_engine=writer)
    core = server.application
    for watched in {engine, writer}:
        _instrument(watched, meter)

    def timed(run: Callable[..., Awaitable[Outcome]]) -> Callable[..., Awaitable[Outcome]]:
        async def wrapper(**kwargs: Any) -> Outcome:
            start = time.perf_counter()
            try:
                return await run(**kwargs)
            finally:
                meter.desk_s += time.perf_counter() - start
                meter.desk_n += 1

        return wrapper

    core.desk.run_text = timed(core.desk.run_text)  # type: ignore[method-assign,assignment]
    core.desk.submit = timed(core.desk.submit)  # type: ignore[method-assign,assignment]
    _instrument_direct(meter)
    _instrument_driver(meter)
    return server.web, (engine, writer), core.desk.writer


def _instrument_direct(meter: Meter) -> None:
    """Count the trips of the statements openings run on the driver's own connection
    (``storage.direct``: SQLAlchemy's events do not see them) into ``meter``; the one that
    bumps the counters and locks the chain's head is where writers queue."""
    from storage import direct
    from storage.repositories import openings

    for kind in (direct._SQLite, direct._Postgres):
        fetch = kind.fetch

        async def timed_fetch(self: Any, *queries: Any, _fetch: Any = fetch) -> Any:
            start = time.perf_counter()
            try:
                return await _fetch(self, *queries)
            finally:
                meter.sql_s += time.perf_counter() - start
                meter.sql_n += 1

        kind.fetch = timed_fetch  # type: ignore[method-assign]
    numbers = openings.numbers_and_head

    async def timed_numbers(**kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await numbers(**kwargs)
        finally:
            meter.lock_s += time.perf_counter() - start

    openings.numbers_and_head = timed_numbers


_IN_DRIVER: contextvars.ContextVar[bool] = contextvars.ContextVar("in_driver", default=False)


def _instrument_driver(meter: Meter) -> None:
    """Time every await on the database driver into ``meter.db_s``: on SQLite each hand-off
    to aiosqlite's thread (the statements, BEGIN IMMEDIATE, COMMIT with its fsync), on
    PostgreSQL each asyncpg call (statements, prepared statements, BEGIN, COMMIT). A call made
    inside another (asyncpg's BEGIN is an ``execute``) is counted once. This is the time the
    database alone takes, whatever Python runs around it: a lone command can be no faster than
    bare bolt plus it (the "floor" of the ratio table)."""
    import aiosqlite
    import asyncpg.connection
    import asyncpg.prepared_stmt
    import asyncpg.transaction

    def timed(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _IN_DRIVER.get():
                return await method(*args, **kwargs)
            token = _IN_DRIVER.set(True)
            start = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                meter.db_s += time.perf_counter() - start
                _IN_DRIVER.reset(token)

        return wrapper

    targets: list[tuple[Any, tuple[str, ...]]] = [
        (aiosqlite.Connection, ("_execute",)),
        (
            asyncpg.connection.Connection,
            ("execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare"),
        ),
        (asyncpg.prepared_stmt.PreparedStatement, ("fetch", "fetchrow", "fetchval", "executemany")),
        (asyncpg.transaction.Transaction, ("start", "commit", "rollback")),
    ]
    for owner, names in targets:
        for name in names:
            setattr(owner, name, timed(getattr(owner, name)))


def _instrument(engine: AsyncEngine, meter: Meter) -> None:
    """Count ``engine``'s new connections and time its statements into ``meter``."""
    from sqlalchemy import event

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(*_args: Any) -> None:
        meter.db_connects += 1

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, *_args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_args: Any) -> None:
        meter.sql_s += time.perf_counter() - conn.info["bench_started"].pop()
        meter.sql_n += 1


async def serve(kind: str, db_url: str | None) -> None:
    """Serve on a free loopback port, print ``READY <port>``, stop when stdin closes."""
    meter = Meter()
    fake, api_url = await fake_slack_api(meter)
    engines: tuple[AsyncEngine, ...] = ()
    writer = None
    if kind == DESK:
        assert db_url is not None, "--serve desk needs --db"
        app, engines, writer = desk_web(db_url, api_url, meter)
    else:
        app = bare_web(kind == BARE_PBR, api_url)

    @web.middleware
    async def timed(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != "/slack/events":
            return await handler(request)
        start = time.perf_counter()
        try:
            return await handler(request)
        finally:
            meter.handler_s += time.perf_counter() - start
            meter.handler_n += 1

    async def stats(_request: web.Request) -> web.Response:
        meter.cpu_s = time.process_time()
        if writer is not None:
            meter.written_alone = writer.stats.alone
            meter.batches = writer.stats.batches
            meter.batched = writer.stats.batched
            meter.queued_s = writer.stats.waited_s
            meter.not_logged = writer.stats.expired + writer.stats.refused_full
        return web.json_response(asdict(meter))

    app.middlewares.append(timed)
    app.router.add_get("/bench/stats", stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    from bot.app import settle_memory

    settle_memory()  # as `privacy-desk serve` does; the bare bolt apps too, for a like baseline
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"READY {port}", flush=True)
    try:
        await asyncio.to_thread(sys.stdin.read)  # until the benchmark closes our stdin
    finally:
        await runner.cleanup()
        await fake.cleanup()
        for engine in set(engines):
            await engine.dispose()


def serve_main(kind: str, db_url: str | None) -> int:
    # As `privacy-desk serve` logs: root at INFO, one line per command (stderr: a log file).
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO)
    asyncio.run(serve(kind, db_url))
    return 0


# --- the load generator ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    kind: str
    db: str  # "SQLite", "PostgreSQL" or "" for the bare apps
    url: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass(frozen=True, slots=True)
class Prepared:
    body: bytes
    headers: dict[str, str]
    form: bool = False  # a modal's view_submission: acknowledged with an empty body


def sign(body: str, timestamp: int) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


class Requests:
    """Fresh signed slash commands (or, with ``forms``, submissions of the ``/dsar new`` modal
    as Slack sends them): a unique trigger id, view id and email each."""

    def __init__(self, *, forms: bool = False, notes: bool = False) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.n = 0
        self.forms = forms
        self.notes = notes
        self._view: dict[str, Any] | None = None

    def make(self, count: int) -> list[Prepared]:
        now = int(time.time())  # Slack's signature is valid for 5 minutes; a cell lasts seconds
        prepared = []
        for _ in range(count):
            self.n += 1
            if self.forms:
                body = self._submission(self.n)
            elif self.notes:
                ref = f"DSAR-{self.n % NOTE_TICKETS + 1:04d}"
                body = self._slash(self.n, f'note {ref} "bench note {self.n}"', PRIVACY_ID)
            else:
                body = self._slash(self.n)
            prepared.append(Prepared(body.encode(), sign(body, now), form=self.forms))
        return prepared

    def _slash(self, i: int, text: str | None = None, user: str = STAFF_ID) -> str:
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "example",
            "channel_id": "C2147483705",
            "channel_name": "helpdesk",
            "user_id": user,
            "user_name": "someone",
            "command": "/dsar",
            "text": text
            or f'new access name="Bench Person {i}" email=bench{i}.{self.run}@example.com',
            "api_app_id": "A123456",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/respond/cmd",  # never called on the ack path
            "trigger_id": f"{1_300_000_000 + i}.738474920.{self.run}{i:08d}",
        }
        return urlencode(form)

    def _submission(self, i: int) -> str:
        """The ``/dsar new`` modal as the bot opens it (``bot.render.slack_views``), submitted
        with a name and an email typed in and the rest as offered; the desk writes the ticket,
        its #compliance post and the receipt sent privately to the person who logged it."""
        from tests.slack_harness import submission

        if self._view is None:
            from bot.render.slack_views import form_modal
            from handlers import forms

            self._view = dict(form_modal(forms.FormRequest(forms.NEW_REQUEST)))
        values = {"name": f"Bench Person {i}", "email": f"bench{i}.{self.run}@example.com"}
        payload = submission(
            self._view,
            values,
            user=STAFF_ID,
            team=TEAM,
            view_id=f"VB{self.run}{i:08d}",
            trigger=f"{1_300_000_000 + i}.738474920.{self.run}{i:08d}",
        )
        return urlencode({"payload": json.dumps(payload)})


def acked(kind: str, status: int, raw: bytes, *, form: bool = False) -> str | None:
    """None for a good acknowledgement, else why not (a form's is an empty body: the modal
    closes; a refusal names the inputs)."""
    if status != 200:
        return f"HTTP {status}"
    if kind != DESK:
        return None
    if form:
        return None if not raw.strip() else f"refused: {raw[:60]!r}"
    try:
        text = str(json.loads(raw).get("text", ""))
    except ValueError:
        return "not JSON"
    if text.startswith("Already done"):
        return "treated as a duplicate"
    if "DSAR-" not in text or text.startswith("⚠"):
        return f"refused: {text[:60]}"
    return None


@dataclass(slots=True)
class Cell:
    server: Server
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0
    client_cpu: float = 0.0
    server_delta: dict[str, float] = field(default_factory=dict)
    warm_acked: int = 0
    rounds: list[tuple[float, float, float]] = field(default_factory=list)  # p50, p99, req/s

    def median_of_rounds(self, which: int) -> float:
        """The median over the rounds of one figure (0: p50, 1: p99, 2: req/s)."""
        values = sorted(r[which] for r in self.rounds if not math.isnan(r[which]))
        return statistics.median(values) if values else math.nan

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        return _pct(sorted(self.latencies), p)

    @property
    def rps(self) -> float:
        return self.ok / self.wall if self.wall else math.nan

    def per_request(self, key: str) -> float:
        n = self.server_delta.get("handler_n", 0.0)
        return self.server_delta.get(key, 0.0) / n if n else math.nan


def _pct(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else math.nan


async def drive(
    http: aiohttp.ClientSession, server: Server, prepared: list[Prepared], concurrency: int
) -> tuple[list[float], Counter[str], float]:
    """Send ``prepared`` with ``concurrency`` workers; latencies of the good acks, errors, wall."""
    url = f"{server.url}/slack/events"
    pending = iter(prepared)
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def worker() -> None:
        for request in pending:  # shared: each request is taken by exactly one worker
            start = time.perf_counter()
            try:
                async with http.post(url, data=request.body, headers=request.headers) as r:
                    raw = await r.read()
                    status = r.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[type(exc).__name__] += 1
                continue
            seconds = time.perf_counter() - start
            problem = acked(server.kind, status, raw, form=request.form)
            if problem is None:
                latencies.append(seconds)
            else:
                errors[problem] += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


async def server_stats(http: aiohttp.ClientSession, server: Server) -> dict[str, float]:
    async with http.get(f"{server.url}/bench/stats") as r:
        found: dict[str, float] = await r.json()
        return found


def client(concurrency: int) -> aiohttp.ClientSession:
    """One keep-alive pool per cell, kept open across rounds."""
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=600)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_SECONDS)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def warm_up(cell: Cell, http: aiohttp.ClientSession, requests: Requests, count: int) -> None:
    latencies, errors, _ = await drive(http, cell.server, requests.make(count), cell.concurrency)
    cell.warm_acked = len(latencies)
    cell.errors.update({f"(warm-up) {k}": v for k, v in errors.items()})


async def measure_round(
    cell: Cell, http: aiohttp.ClientSession, requests: Requests, count: int
) -> None:
    """``count`` timed requests; adds to the cell's samples, wall time and counters."""
    prepared = requests.make(count)
    before = await server_stats(http, cell.server)
    cpu = time.process_time()
    latencies, errors, wall = await drive(http, cell.server, prepared, cell.concurrency)
    cell.client_cpu += time.process_time() - cpu
    after = await server_stats(http, cell.server)
    cell.latencies += latencies
    cell.errors.update(errors)
    cell.wall += wall
    ordered = sorted(latencies)
    cell.rounds.append(
        (
            _pct(ordered, 0.5),
            _pct(ordered, 0.99),
            len(latencies) / wall if wall else math.nan,
        )
    )
    for key, value in after.items():
        cell.server_delta[key] = cell.server_delta.get(key, 0.0) + value - before[key]


async def probe(server: Server, requests: Requests) -> str:
    """One command before the run, to show what is acknowledged."""
    async with client(1) as http:
        request = requests.make(1)[0]
        url = f"{server.url}/slack/events"
        async with http.post(url, data=request.body, headers=request.headers) as r:
            raw = await r.read()
            problem = acked(server.kind, r.status, raw, form=request.form)
    if problem is not None:
        raise SystemExit(f"{server.label} ({server.db}) did not acknowledge: {problem}: {raw!r}")
    if request.form:
        return "(the modal closes: an empty body)"
    return str(json.loads(raw).get("text", ""))


async def open_home_pages(server: Server) -> None:
    """The DPO and a member of the privacy team open their App Home (a signed
    ``app_home_opened`` event each), as in any deployment once they have looked: from then on
    every change refreshes their pages (``handlers.home``)."""
    async with client(1) as http:
        for n, user in enumerate((DPO_ID, PRIVACY_ID)):
            envelope = {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A123456",
                "event": {
                    "type": "app_home_opened",
                    "user": user,
                    "channel": f"D0HOME{n}",
                    "tab": "home",
                    "event_ts": f"{int(time.time())}.000300",
                },
                "type": "event_callback",
                "event_id": f"EvBenchHome{n}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": TEAM,
                        "user_id": "UBOT",
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
            body = json.dumps(envelope)
            headers = {**sign(body, int(time.time())), "Content-Type": "application/json"}
            url = f"{server.url}/slack/events"
            async with http.post(url, data=body.encode(), headers=headers) as r:
                if r.status != 200:
                    raise SystemExit(f"app_home_opened for {user} ({server.db}): HTTP {r.status}")


def shares(total: int, rounds: int) -> list[int]:
    """``total`` split into ``rounds`` near-equal parts (none empty)."""
    rounds = min(rounds, total)
    return [total // rounds + (1 if i < total % rounds else 0) for i in range(rounds)]


async def start_server(kind: str, db: str, db_url: str | None, logs: Path) -> Server:
    log = logs / f"{kind}-{db or 'none'}.log"
    argv = [sys.executable, "-m", "bench.slack_ack", "--serve", kind]
    if db_url is not None:
        argv += ["--db", db_url]
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=REPO,
            env=clean_env(),
        )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    if not line.startswith(b"READY "):
        await process.wait()
        raise SystemExit(f"the {kind} server did not start:\n{log.read_text()[-3000:]}")
    port = int(line.split()[1])
    return Server(kind, db, f"http://127.0.0.1:{port}", process, log)


async def stop_server(server: Server) -> None:
    process = server.process
    if process.returncode is None:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.terminate()  # our own child, by its handle
            await process.wait()


def log_problems(server: Server) -> list[str]:
    """WARNING and worse lines the server logged, apart from the INFO line per command and
    bolt's start-up note that ``authorize`` overrides the client's token."""
    lines = server.log.read_text(errors="replace").splitlines()
    return [
        line
        for line in lines
        if not line.startswith("INFO ") and not any(note in line for note in BENIGN)
    ]


# --- databases ---------------------------------------------------------------------------------


async def check_database(url: str, expected: int, commands: int) -> list[str]:
    """After the run: the ``expected`` tickets, their references, a delivery key for each of
    the ``commands`` acknowledged, the audit chain and the outbox."""
    from sqlalchemy import func, select

    from handlers import audit
    from handlers.outbox import FAILING_AFTER
    from storage import repositories as repo
    from storage.db import create_engine, session_factory, transaction
    from storage.models import InboundDelivery
    from storage.refs import TicketRef

    engine = create_engine(url, keys=BENCH_KEYS)
    try:
        async with transaction(session_factory(engine)) as session:
            refs = await repo.ticket_refs(session=session)
            inbound = await session.scalar(select(func.count()).select_from(InboundDelivery))
            outbox = await repo.outbox_counts(session=session, failing_after=FAILING_AFTER)
            report = await audit.verify(session=session)
    finally:
        await engine.dispose()
    numbers = sorted(TicketRef.parse(ref).number for ref in refs)
    contiguous = numbers == list(range(1, expected + 1))
    notes = [
        f"{len(refs)} tickets ({expected} expected), numbered "
        + (f"1 to {expected} without a gap or a repeat" if contiguous else "WRONGLY: ")
        + ("" if contiguous else "references repeat, skip or are missing"),
        f"{inbound} delivery keys recorded for {commands} acknowledged commands"
        + ("" if inbound == commands else " (MISMATCH)"),
        f"outbox: {outbox['pending']} messages pending (queued by the acks, not delivered here)",
        "audit chain intact" if report.ok else f"AUDIT CHAIN BROKEN: {report.problems[:3]}",
        await audit_verify_cli(url),
    ]
    return notes


async def audit_verify_cli(url: str) -> str:
    """``privacy-desk audit verify`` on the loaded database, as a DPO runs it: its exit code
    and what it printed."""
    env = clean_env() | {"PRIVACY_DESK_DATABASE_URL": url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "audit",
        "verify",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=REPO,
        env=env,
    )
    out, _ = await process.communicate()
    said = out.decode(errors="replace").strip().replace("\n", " | ")
    return f"`privacy-desk audit verify` exited {process.returncode}: {said}"


# --- the report --------------------------------------------------------------------------------


def fmt_ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "—"
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b and not math.isnan(a) and not math.isnan(b) else "—"


def results_table(cells: Sequence[Cell]) -> str:
    rows = [
        [
            cell.server.label,
            cell.server.db or "—",
            str(cell.concurrency),
            str(cell.ok),
            fmt_ms(cell.median_of_rounds(0)),
            fmt_ms(cell.median_of_rounds(1)),
            fmt_ms(cell.pct(0.99)),
            fmt_ms(max(cell.latencies, default=math.nan)),
            f"{cell.median_of_rounds(2):.0f}",
            str(sum(1 for seconds in cell.latencies if seconds >= SLACK_DEADLINE_SECONDS)),
            str(sum(cell.errors.values())),
        ]
        for cell in cells
    ]
    headers = [
        "app", "database", "conc", "acks", "p50 ms", "p99 ms", "p99 all", "max ms", "req/s",
        "≥3 s", "errors",
    ]  # fmt: skip
    return table(headers, rows)


def breakdown_table(cells: Sequence[Cell]) -> str:
    rows = []
    for cell in cells:
        desk = cell.server.kind == DESK
        rows.append(
            [
                cell.server.label,
                cell.server.db or "—",
                str(cell.concurrency),
                fmt_ms(sum(cell.latencies) / len(cell.latencies) if cell.latencies else math.nan),
                fmt_ms(cell.per_request("handler_s")),
                fmt_ms(cell.per_request("desk_s")) if desk else "—",
                f"{cell.per_request('sql_n'):.1f}" if desk else "—",
                fmt_ms(cell.per_request("sql_s")) if desk else "—",
                fmt_ms(cell.per_request("lock_s")) if desk else "—",
                fmt_ms(cell.per_request("db_s")) if desk else "—",
                fmt_ms(cell.per_request("cpu_s")),
                fmt_ms(cell.client_cpu / cell.ok if cell.ok else math.nan),
                str(int(cell.server_delta.get("db_connects", 0))) if desk else "—",
                _per_commit(cell) if desk else "—",
                _queued(cell) if desk else "—",
                str(int(cell.server_delta.get("not_logged", 0))) if desk else "—",
            ]
        )
    headers = [
        "app", "database", "conc", "mean ms", "handler ms", "desk ms", "SQL/req", "SQL ms",
        "lock ms", "DB ms", "srv CPU ms", "client CPU ms", "new DB conns", "cmds/COMMIT",
        "queued ms", "not logged",
    ]  # fmt: skip
    return table(headers, rows)


def _per_commit(cell: Cell) -> str:
    """Commands per COMMIT: written alone count one each, batches their size."""
    alone = cell.server_delta.get("written_alone", 0.0)
    batches = cell.server_delta.get("batches", 0.0)
    batched = cell.server_delta.get("batched", 0.0)
    commits = alone + batches
    return f"{(alone + batched) / commits:.1f}" if commits else "—"


def _queued(cell: Cell) -> str:
    """Mean time a command waited in the writer's queue (0 for those written at once)."""
    commands = cell.server_delta.get("written_alone", 0.0) + cell.server_delta.get("batched", 0.0)
    return fmt_ms(cell.server_delta.get("queued_s", 0.0) / commands) if commands else "—"


def ratio_table(cells: Sequence[Cell]) -> str:
    bare = {(c.server.kind, c.concurrency): c for c in cells if c.server.kind != DESK}
    rows = []
    for cell in cells:
        if cell.server.kind != DESK:
            continue
        pbr, default = (
            bare.get((BARE_PBR, cell.concurrency)),
            bare.get((BARE_DEFAULT, cell.concurrency)),
        )
        row = [cell.server.db, str(cell.concurrency)]
        for base in (pbr, default):
            if base is None:
                row += ["—", "—", "—"]
                continue
            row += [
                ratio(cell.median_of_rounds(0), base.median_of_rounds(0)),
                ratio(cell.median_of_rounds(1), base.median_of_rounds(1)),
                ratio(base.median_of_rounds(2), cell.median_of_rounds(2)),
            ]
        rows.append(row)
    headers = [
        "privacy-desk on", "conc",
        "p50 ÷ pbr", "p99 ÷ pbr", "pbr req/s ÷ desk",
        "p50 ÷ default", "p99 ÷ default", "default req/s ÷ desk",
    ]  # fmt: skip
    return table(headers, rows)


def bound_table(cells: Sequence[Cell]) -> str:
    """What the database alone leaves possible, beside what was measured."""
    pbr = {c.concurrency: c for c in cells if c.server.kind == BARE_PBR}
    rows = []
    for cell in cells:
        base = pbr.get(cell.concurrency)
        if cell.server.kind != DESK or base is None:
            continue
        db_s = cell.per_request("db_s")
        floor = base.median_of_rounds(0) + db_s
        most = 1 / db_s if db_s else math.nan
        base_rps = base.median_of_rounds(2)
        rows.append(
            [
                cell.server.db,
                str(cell.concurrency),
                fmt_ms(db_s),
                fmt_ms(floor),
                ratio(floor, base.median_of_rounds(0)),
                ratio(cell.median_of_rounds(0), base.median_of_rounds(0)),
                f"{most:.0f}",
                f"{100 * most / base_rps:.1f}%",
                f"{100 * cell.median_of_rounds(2) / base_rps:.1f}%",
            ]
        )
    headers = [
        "privacy-desk on", "conc", "DB ms/cmd", "floor p50 ms", "floor ÷ pbr", "p50 ÷ pbr",
        "DB-bound req/s", "of pbr req/s", "measured",
    ]  # fmt: skip
    return table(headers, rows)


BOUND_LEGEND = """\
What the database alone allows: DB ms/cmd = time awaiting the driver per command (every
hand-off to aiosqlite's thread or asyncpg call: the statements, BEGIN, COMMIT with its fsync);
floor p50 = pbr's p50 + that, the fastest a lone command could be acknowledged with no Python
of privacy-desk's at all (meaningful at concurrency 1); DB-bound req/s = 1 ÷ DB time per
command, the most the one writer per process (its transactions go one at a time) could
commit, whatever the rest cost (meaningful under load)."""


LEGEND = """\
Where the time goes (means per acknowledged request; the server's figures from its own counters):
  handler = inside the aiohttp handler for /slack/events (bolt + desk); desk = Desk.run_text
  or, with --forms, Desk.submit (parse, the writer's queue, the transaction, COMMIT); SQL =
  trips to the database: cursor executes through SQLAlchemy and the opening's calls on the
  driver (storage.direct: one hand-off or one statement each), with their lock waits (BEGIN
  and COMMIT are not counted); lock = the call that bumps the counter and locks the chain's
  head, where writers queue on PostgreSQL (on SQLite they queue in process, for the one
  connection); DB = every await on the driver, BEGIN and COMMIT included (as above); srv CPU =
  the server process's CPU time (all threads) ÷ requests; client CPU = this process's; new DB
  conns = connections the pool opened during the timed rounds; cmds/COMMIT = commands per
  transaction (group commit); queued = mean wait in the writer's queue; not logged = commands
  refused by the writer (queue full or waited past WRITE_WAIT_SECONDS), which the person is
  told."""


def loud(message: str) -> None:
    bar = "#" * 76
    print(bar)
    print(f"# {message}")
    print(bar)
    print()


# --- the run -----------------------------------------------------------------------------------


async def run_all(databases: list[tuple[str, str]], tmp: Path, args: argparse.Namespace) -> Results:
    from storage.migrate import upgrade_async

    for db, url in databases:
        await upgrade_async(url, keys=BENCH_KEYS)
        print(f"{db}: migrated {url.split('@')[-1] if '@' in url else url}")
    servers = [
        await start_server(BARE_DEFAULT, "", None, tmp),
        await start_server(BARE_PBR, "", None, tmp),
    ]
    for db, url in databases:
        servers.append(await start_server(DESK, db, url, tmp))
    print(f"servers ready: {', '.join(f'{s.label} {s.db}'.strip() for s in servers)}")
    print()
    requests = Requests(forms=args.forms, notes=args.notes)
    cells = [Cell(server, concurrency) for concurrency in args.concurrency for server in servers]
    probed: Counter[str] = Counter()
    tickets: Counter[str] = Counter()  # --notes: the tickets opened before the cells
    slack_calls: dict[str, float] = {}
    try:
        for server in servers:
            if server.kind == DESK:
                if args.home_pages:
                    await open_home_pages(server)
                if args.notes:
                    async with client(1) as http:
                        made = Requests().make(NOTE_TICKETS)
                        opened, errors, _ = await drive(http, server, made, 1)
                    if errors:
                        raise SystemExit(f"opening the tickets for --notes failed: {errors}")
                    tickets[server.db] += len(opened)
                first_line = (await probe(server, requests)).splitlines()[0]
                more = "" if args.forms else " (+ ticket fields, buttons)"
                print(f"sample ack ({server.db}): {first_line!r}{more}")
                probed[server.db] += 1
        async with contextlib.AsyncExitStack() as stack:
            sessions = [await stack.enter_async_context(client(c.concurrency)) for c in cells]
            for cell, http in zip(cells, sessions, strict=True):
                await warm_up(cell, http, requests, args.warmup)
            parts = shares(args.requests, args.rounds)
            for i, part in enumerate(parts, 1):
                began = time.perf_counter()
                for cell, http in zip(cells, sessions, strict=True):
                    await measure_round(cell, http, requests, part)
                print(
                    f"round {i}/{len(parts)}: {part} requests per cell in "
                    f"{time.perf_counter() - began:.1f} s"
                )
            for server, http in zip(servers, sessions, strict=False):
                stats = await server_stats(http, server)
                slack_calls[server.label + (f" ({server.db})" if server.db else "")] = stats[
                    "slack_calls"
                ]
    finally:
        for server in servers:
            await stop_server(server)
    for cell in cells:
        if cell.errors:
            print(
                f"ERRORS {cell.server.label} {cell.server.db} conc {cell.concurrency}: "
                f"{dict(cell.errors)}"
            )
    checks: dict[str, list[str]] = {}
    for db, url in databases:
        commands = probed[db] + sum(
            cell.ok + cell.warm_acked for cell in cells if cell.server.db == db
        )
        if args.notes:
            checks[db] = await check_database(url, tickets[db], commands + tickets[db])
        else:
            checks[db] = await check_database(url, commands, commands)
    checks["Slack Web API calls (loopback fake)"] = [
        f"{name}: {int(calls)}" for name, calls in slack_calls.items()
    ]
    return cells, checks, servers


Results = tuple[list[Cell], dict[str, list[str]], list[Server]]


async def with_databases(tmp: Path, args: argparse.Namespace, postgres: bool) -> Results:
    databases = [("SQLite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}")]
    if not postgres:
        return await run_all(databases, tmp, args)
    async with postgres_database(args.postgres_url) as (url, _dsn):
        databases.append(("PostgreSQL", url))
        return await run_all(databases, tmp, args)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def header(args: argparse.Namespace) -> None:
    print(
        f"/dsar new through the Slack stack: {args.requests} timed requests per cell in "
        f"{args.rounds} rounds (the cells take turns each round)\nafter {args.warmup} warm-up; "
        f"concurrency {', '.join(map(str, args.concurrency))}; {os.cpu_count()} CPUs, load "
        f"average {load()} at the start"
    )
    print(
        "Setup: each server in its own subprocess (python -m bench.slack_ack --serve …, logging "
        "INFO to a file\nas `privacy-desk serve` does, no access log); the load generator is this "
        "process (aiohttp ClientSession,\nkeep-alive pool limit = concurrency) on 127.0.0.1. "
        "Requests are signed before the clock starts; latency is\nclient-side, POST sent to "
        "response body read. Each request has a fresh trigger_id and email.\nEvery server "
        "settles its memory before serving as `privacy-desk serve` does (bot.app.settle_memory:\n"
        "gc.freeze, the young generation collected every 5,000 allocations)."
    )
    print(
        "The ack path makes no Slack Web API calls: the ticket's #compliance post is written to "
        "the outbox in\nthe command's transaction and, with deliver_now=False, the desk only "
        "kicks the delivery loop, which\nis not started here (the servers' Slack client points "
        "at a loopback fake that counts calls)."
    )
    if args.notes:
        print(
            f"--notes: {NOTE_TICKETS} tickets are opened first; each request then notes one "
            "of them in turn\n(/dsar note DSAR-… by a privacy-team member: a ticket action, "
            "one event and one #compliance reply)."
        )
    if args.forms:
        print(
            "--forms: each request submits the /dsar new modal (a view_submission, the form as "
            "the bot opens it);\nthe desk writes the ticket, its #compliance post and a receipt "
            "to the person who logged it."
        )
    if args.home_pages:
        print(
            "--home-pages: the DPO and a privacy-team member have opened App Home; every "
            "opening queues a refresh of their pages."
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=positive_int, default=2500, help="timed per cell, over all rounds"
    )
    parser.add_argument("--warmup", type=positive_int, default=100, help="untimed per cell")
    parser.add_argument(
        "--rounds", type=positive_int, default=3,
        help="split each cell's requests into rounds that take turns, so drift hits all alike",
    )  # fmt: skip
    parser.add_argument("--concurrency", type=positive_int, nargs="+", default=[1, 32])
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--notes",
        action="store_true",
        help=f"a ticket action instead: each request notes one of {NOTE_TICKETS} tickets "
        "opened first (through the ORM path)",
    )
    parser.add_argument(
        "--forms",
        action="store_true",
        help="submit the /dsar new modal (view_submission) instead of the slash command",
    )
    parser.add_argument(
        "--home-pages",
        action="store_true",
        help="the DPO and a privacy-team member have opened App Home (every opening then "
        "refreshes their pages)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PRIVACY_DESK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the server's `test` database; the benchmark creates and drops its own next to it",
    )
    parser.add_argument("--serve", choices=[BARE_DEFAULT, BARE_PBR, DESK], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve_main(args.serve, args.db)
    if args.forms and args.notes:
        parser.error("--forms and --notes are two different commands: give one")

    began = time.perf_counter()
    header(args)
    postgres = True
    if args.no_postgres:
        loud("PostgreSQL SKIPPED (--no-postgres): SQLite and the bare apps only")
        postgres = False
    elif os.environ.get("PRIVACY_DESK_TEST_POSTGRES") == "skip":
        loud("PostgreSQL SKIPPED: PRIVACY_DESK_TEST_POSTGRES=skip (server not reachable)")
        postgres = False
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as name:
        tmp = Path(name)
        cells, checks, servers = asyncio.run(with_databases(tmp, args, postgres))
        problems = {s.label + (f" ({s.db})" if s.db else ""): log_problems(s) for s in servers}
    print()
    print("Acknowledgement latency (client-side) and throughput")
    print(results_table(cells))
    print()
    print("privacy-desk relative to the bare bolt apps (pbr = process_before_response)")
    print(ratio_table(cells))
    print()
    print(BOUND_LEGEND)
    print(bound_table(cells))
    print()
    print(LEGEND)
    print(breakdown_table(cells))
    print()
    for name, notes in checks.items():
        print(f"{name}: " + "; ".join(notes))
    failed = any(cell.errors for cell in cells)
    for name, lines in problems.items():
        if lines:
            failed = True
            print(f"{name} logged {len(lines)} warnings/errors, first: {lines[0][:200]}")
    if failed:
        loud("some requests FAILED or a server logged warnings: see above")
    if not postgres:
        loud("PostgreSQL was SKIPPED: the figures above are SQLite and the bare apps only")
    print(f"load average at the end: {load()} (other work on the machine skews every figure)")
    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
