"""Slack parses a message's fallback ``text`` as markup too: what people typed is escaped there
exactly as in the blocks, so ``<!channel>`` in a reason pings nobody."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import FakeClock
from tests.slack_harness import DPO_ID, STAFF_ID, slack_server

HOSTILE = "<!channel> call <https://evil.example|the bank> & ask for <@U999>"


async def test_typed_markup_is_escaped_in_the_fallback_text(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Ada" email=ada@example.org', user=STAFF_ID)
        status, _ = await slack.command(
            f'extend DSAR-0001 reason="{HOSTILE}"', user=DPO_ID, trigger="trig-esc"
        )
        assert status == 200
        status, body = await slack.command("show DSAR-0001", user=DPO_ID, trigger="trig-show")
        texts = [body["text"], *(b["text"]["text"] for b in body["blocks"] if "text" in b)]
        for text in texts:
            assert "<!channel>" not in text and "<https://" not in text and "<@U999>" not in text
        assert "&lt;!channel&gt;" in body["text"]
