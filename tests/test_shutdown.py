"""SIGTERM: `privacy-desk serve` finishes the send in flight and hands the rest of its batch
back, so another replica (or the restart) need not wait out the lease."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes.slack_api import FakeSlack
from tests.test_processes import _env, _free_port, _open_overdue, _wait_for, server


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_sigterm_waits_for_the_send_in_flight_and_releases_the_rest(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        await _open_overdue(engine, 1)  # queues the opening post, an overdue alarm and a DM
        fake.delay["chat.postMessage"] = 2.0  # every send takes two seconds
        env = _env(db_url, fake.base_url, _free_port(), OUTBOX_LEASE_SECONDS="600")
        async with server(env, tmp_path) as process:
            await _wait_for(lambda: fake.inflight > 0, 20)
            assert fake.inflight > 0, "the server never tried to send"
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 15) == 0
        assert len(fake.calls_to("chat.postMessage")) == 1  # the send in flight completed
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT state, leased_by, lease_until, sending_since FROM outbox")
                )
            ).all()
        assert sorted(r[0] for r in rows) == ["pending", "pending", "sent"]
        assert all(r[1] is None and r[2] is None and r[3] is None for r in rows), rows
    finally:
        await fake.stop()
