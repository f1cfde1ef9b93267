"""Real `privacy-desk serve` processes: killed mid-send, and two replicas on one database.

The fake Slack runs in this test's event loop on loopback; the servers are subprocesses with
the real clock, so these tests wait (bounded) for deliveries instead of stepping a fake clock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import audit
from handlers.desk import Desk
from handlers.policy import Policy
from handlers.ports import ChatUser, SystemClock
from storage import repositories as repo
from storage.db import session_factory
from storage.refs import TicketRef
from tests.fakes.keys import TEST_KEY
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import CHANNEL, DPO_ID, SECRET, TEAM, sign

PRIVACY_DESK = Path(sys.executable).with_name("privacy-desk")
DPO = ChatUser("slack", DPO_ID)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_url: str, api_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    env |= {
        "PRIVACY_DESK_DATABASE_URL": db_url, "PRIVACY_DESK_SLACK_BOT_TOKEN": "xoxb-test",
        "PRIVACY_DESK_SLACK_SIGNING_SECRET": SECRET, "PRIVACY_DESK_SLACK_API_URL": api_url,
        "PRIVACY_DESK_SLACK_TEAM_IDS": TEAM, "PRIVACY_DESK_DPO_USERS": f"slack:{DPO_ID}",
        "PRIVACY_DESK_COMPLIANCE_CHANNEL": f"slack:{CHANNEL}", "PRIVACY_DESK_PORT": str(port),
        "PRIVACY_DESK_SWEEP_SECONDS": "1", "PRIVACY_DESK_OUTBOX_LEASE_SECONDS": "2",
        "PRIVACY_DESK_DATA_KEYS": TEST_KEY, "PRIVACY_DESK_SLACK_CHANNEL_INTERVAL": "0",
        **{f"PRIVACY_DESK_{k}": v for k, v in extra.items()},
    }  # fmt: skip
    return env


@asynccontextmanager
async def server(env: dict[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        str(PRIVACY_DESK), "serve", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{env['PRIVACY_DESK_PORT']}/healthz"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                if process.returncode is not None:
                    raise AssertionError("serve exited early")
                try:
                    async with http.get(url) as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("serve did not become healthy")
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _open_overdue(engine: AsyncEngine, count: int) -> None:
    """Tickets received long ago: each has an opening post and an overdue nudge due now."""
    desk = Desk(
        sessions=session_factory(engine), clock=SystemClock(), policy=Policy(
            dpo=frozenset({DPO}), privacy_team=frozenset({DPO}),
            compliance_channels=(ChatUser("slack", CHANNEL),),
        ),
    )  # fmt: skip
    received = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    staff = desk.actor(ChatUser("slack", "USTAFF1"))
    for i in range(count):
        line = f'/dsar new access name="P {i}" email=p{i}@example.com received={received}'
        outcome = await desk.run_text(actor=staff, text=line)
        assert outcome.reply.ref == f"DSAR-{i + 1:04d}", outcome.reply.render_text()


async def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("moment", ["before-slack-has-it", "after-slack-accepted"])
async def test_killed_between_claim_and_send_delivers_once_after_restart(
    engine: AsyncEngine, db_url: str, tmp_path: Path, moment: str
) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        await _open_overdue(engine, 1)  # queues: opening post, and the overdue nudge + alarm
        # The first send hangs — before Slack stores the post, or after (the answer never
        # comes back): kill the server mid-send. After a restart each message exists once.
        hang = fake.delay if moment == "before-slack-has-it" else fake.hold_after_accept
        hang["chat.postMessage"] = 30.0
        env = _env(db_url, fake.base_url, _free_port())
        async with server(env, tmp_path) as first:
            await _wait_for(lambda: fake.inflight > 0, 20)
            assert fake.inflight > 0, "the server never tried to send"
            first.send_signal(signal.SIGKILL)
            await first.wait()
        hang.clear()
        env = _env(db_url, fake.base_url, _free_port())
        async with server(env, tmp_path):
            await _wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= 3, 30)
            await asyncio.sleep(3)  # longer than a lease and a sweep: would it send again?
        posts = fake.calls_to("chat.postMessage")
        texts = Counter((c.params["channel"], c.params["text"]) for c in posts)
        assert all(n == 1 for n in texts.values()), texts
        assert len(posts) == 3  # opening post, overdue alarm in its thread, DM to the DPO
        assert sum(len(m) for m in fake.messages.values()) == 3
    finally:
        await fake.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_replicas_deliver_each_nudge_and_the_summary_once(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    fake = FakeSlack()
    await fake.start()
    tickets = 200
    try:
        await _open_overdue(engine, tickets)
        extra = {"SUMMARY_CRON": "* * * * *"}  # every minute: both replicas try each time
        # This test is about two live replicas sharing the work (SKIP LOCKED claims), not about
        # taking over a dead one's lease (the SIGKILL test is): a lease long enough that a busy
        # machine's slow batch is not mistaken for a crashed replica.
        extra["OUTBOX_LEASE_SECONDS"] = "20"
        envs = [_env(db_url, fake.base_url, _free_port(), **extra) for _ in range(2)]
        async with server(envs[0], tmp_path), server(envs[1], tmp_path):
            expected = tickets * 3 + 1  # posts, alarms, DMs, and one weekly summary
            # A bound, not a timing: it returns as soon as all are sent (slow on a loaded machine).
            await _wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= expected, 240)
            await asyncio.sleep(3)
        posts = fake.calls_to("chat.postMessage")
        keys = Counter(
            (c.params["channel"], c.params.get("thread_ts") or "", c.params["text"]) for c in posts
        )
        assert [k for k, n in keys.items() if n > 1] == []
        summaries = [c for c in posts if c.params["text"].startswith("Weekly privacy summary")]
        assert len(summaries) == 1
        dms = [c for c in posts if c.params["channel"] == DPO_ID]
        assert len(dms) == tickets
        assert len(posts) == expected
    finally:
        await fake.stop()


def _signed_new(i: int, run: str) -> tuple[bytes, dict[str, str]]:
    form = {
        "token": "legacy", "team_id": TEAM, "team_domain": "example",
        "channel_id": "C2147483705", "channel_name": "helpdesk", "user_id": "USTAFF1",
        "user_name": "someone", "command": "/dsar", "api_app_id": "A123456",
        "text": f'new access name="Killed Batch {i}" email=kb{i}.{run}@example.com',
        "is_enterprise_install": "false", "response_url": "http://127.0.0.1:9/respond",
        "trigger_id": f"{1_400_000_000 + i}.1.{run}{i:06d}",
    }  # fmt: skip
    body = urlencode(form)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}


async def test_sigkill_during_group_commits_loses_nothing_that_was_acknowledged(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    """32 at a time, so commands queue and share commits; the server is killed mid-stream.
    Every command acknowledged as logged is in the database with its own requester, the
    references run without a gap, the chain verifies, and the restarted server goes on."""
    fake = FakeSlack()
    await fake.start()
    run = uuid.uuid4().hex[:6]
    acked: dict[int, str] = {}
    try:
        env = _env(db_url, fake.base_url, _free_port())
        url = f"http://127.0.0.1:{env['PRIVACY_DESK_PORT']}/slack/events"
        async with server(env, tmp_path) as first, aiohttp.ClientSession() as http:
            pending = iter(range(400))

            async def worker() -> None:
                for i in pending:
                    body, headers = _signed_new(i, run)
                    try:
                        async with http.post(url, data=body, headers=headers) as response:
                            text = str((await response.json()).get("text", ""))
                    except (aiohttp.ClientError, ValueError):
                        return  # the server is gone
                    if " logged" in text:
                        acked[i] = text.split(" ", 1)[0]

            workers = [asyncio.create_task(worker()) for _ in range(32)]
            await _wait_for(lambda: len(acked) >= 60, 60)
            metrics = f"http://127.0.0.1:{env['PRIVACY_DESK_PORT']}/metrics"
            async with http.get(metrics) as response:
                scraped = await response.text()
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await asyncio.gather(*workers)
        assert 60 <= len(acked) < 400, len(acked)
        batches = [line for line in scraped.splitlines() if line.startswith("privacy_desk_write_b")]
        assert any(
            line.startswith("privacy_desk_write_batches_total ") and float(line.split()[1]) > 0
            for line in batches
        ), batches  # the commands did share commits when the server was killed
        async with session_factory(engine)() as session:
            requests = {r.ref: r for r in await repo.all_requests(session=session)}
            report = await audit.verify(session=session)
        for i, ref in acked.items():
            assert requests[ref].requester_email == f"kb{i}.{run}@example.com", (i, ref)
        numbers = sorted(TicketRef.parse(ref).number for ref in requests)
        assert numbers == list(range(1, len(requests) + 1))
        assert report.ok, report.problems
        env = _env(db_url, fake.base_url, _free_port())
        url = f"http://127.0.0.1:{env['PRIVACY_DESK_PORT']}/slack/events"
        async with server(env, tmp_path), aiohttp.ClientSession() as http:
            body, headers = _signed_new(999, run)
            async with http.post(url, data=body, headers=headers) as response:
                text = str((await response.json()).get("text", ""))
        assert text.startswith(f"DSAR-{len(requests) + 1:04d} logged"), text
    finally:
        await fake.stop()
