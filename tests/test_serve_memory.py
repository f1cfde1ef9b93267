"""``privacy-desk serve`` settles its memory before it takes requests (issue 16): what start-up
made is frozen out of the cyclic collector's walks and the young generation is collected less
often (``bot.app.settle_memory``; the figures are bench.slack_ack's). Run in process, so that
the collector's state can be read."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import GC_YOUNG_THRESHOLD, serve
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import settings_for
from tests.test_processes import _free_port


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as it was, again after the test (other tests run in this process)."""
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


async def test_serve_freezes_what_start_up_made_before_it_answers(
    engine: AsyncEngine, db_url: str, collector: None
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the same on either database: SQLite is enough")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    fake = FakeSlack()
    await fake.start()
    port = _free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(settings_for(db_url, fake.base_url, host="127.0.0.1", port=port), stop=stop)
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("serve did not answer /healthz")
        assert gc.get_freeze_count() > 10_000  # the modules, models and SDKs loaded
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await fake.stop()
