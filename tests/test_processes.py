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
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.desk import Desk
from handlers.policy import Policy
from handlers.ports import ChatUser, SystemClock
from storage.db import session_factory
from tests.fakes.keys import TEST_KEY
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import CHANNEL, DPO_ID, SECRET, TEAM

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
