"""The compliance channel never receives personal data, across a whole life of two tickets (§1, §6).

Everything goes through the signed endpoint as Slack would send it: slash commands, modal
submissions, button presses and the ``ticket_form`` behind them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import FakeClock
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, SlackServer, slack_server

NAME, EMAIL = "Ada Lovelace", "ada.lovelace@example.org"
DETAILS = "Wants every CCTV clip of her from the Leeds car park, incl. her son's school visit"
SUMMARY = "Spreadsheet of 40 pupils' SEN needs emailed to the wrong parent"
DATA = "special educational needs, dates of birth"
PEOPLE = "pupils at Oakfield Primary"
EXTENSION = "Ada's son's records span three schools"
REFUSAL = "Ada Lovelace already received the same footage last month"
NOTE = "Ada phoned again on her mobile 07700 900123"
SECRETS = (NAME, EMAIL, DETAILS, SUMMARY, DATA, PEOPLE, EXTENSION, REFUSAL, NOTE, "07700 900123")


async def form_action(
    slack: SlackServer, action: str, ref: str, values: Mapping[str, str | int]
) -> None:
    """Press a form button as the privacy team and submit the form it opens."""
    assert await slack.press(action, ref, user=PRIVACY_ID) == (200, "")
    assert await slack.submit(slack.opened(), values, user=PRIVACY_ID) == (200, ""), action
    await slack.deliver()


async def button(slack: SlackServer, action: str, ref: str) -> None:
    assert await slack.press(action, ref, user=PRIVACY_ID) == (200, "")
    assert not slack.fake.responses[-1]["text"].startswith("⚠️"), slack.fake.responses[-1]
    await slack.deliver()


async def command(slack: SlackServer, line: str) -> None:
    group, _, text = line.partition(" ")
    reply = await slack.slash(text, user=DPO_ID, command=group)
    assert reply.startswith(line.split()[2]), reply
    await slack.deliver()


async def test_compliance_channel_never_sees_personal_data(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.command("new", trigger="trig-flow-1")
        request = {"type": "access", "name": NAME, "email": EMAIL, "details": DETAILS}
        assert await slack.submit(slack.opened(), request, user=STAFF_ID) == (200, "")
        await slack.deliver()
        await form_action(slack, "verify", "DSAR-0001", {"method": "document_seen"})
        await button(slack, "clarify", "DSAR-0001")
        await command(slack, "/dsar resume DSAR-0001")
        await command(slack, f'/dsar note DSAR-0001 "{NOTE}"')
        await form_action(slack, "assign", "DSAR-0001", {"person": DPO_ID})
        await form_action(slack, "extend", "DSAR-0001", {"reason": EXTENSION, "told": "2025-11-24"})
        await form_action(
            slack,
            "close",
            "DSAR-0001",
            {"outcome": "refused", "reason": REFUSAL, "basis": "unfounded", "told": "2025-11-24"},
        )

        await slack.command("new", command="/breach", trigger="trig-flow-2")
        aware = int(datetime(2025, 11, 24, 7, 15, tzinfo=UTC).timestamp())
        breach: dict[str, str | int] = {
            "aware": aware,
            "summary": SUMMARY,
            "data": DATA,
            "people": PEOPLE,
        }
        assert await slack.submit(slack.opened(), breach, user=STAFF_ID) == (200, "")
        await slack.deliver()
        await form_action(slack, "assess", "BREACH-0001", {"risk": "high"})
        await form_action(slack, "ico", "BREACH-0001", {"case": "ICO-00099"})
        await button(slack, "tell-subjects", "BREACH-0001")
        await command(slack, "/breach close BREACH-0001")

        posts = slack.posts_to(CHANNEL)
        changes = [  # the note has no post of its own
            "DSAR-0001 opened: access",
            "DSAR-0001: identity verified",
            "DSAR-0001: paused for clarification",
            "DSAR-0001: clarification received",
            "DSAR-0001: assigned",
            "DSAR-0001: deadline extended",
            "DSAR-0001: closed: refused",
            "BREACH-0001 opened: breach",
            "BREACH-0001: risk assessed: high",
            "BREACH-0001: ICO notified",
            "BREACH-0001: people affected told",
            "BREACH-0001: closed",
        ]
        texts = [post["text"] for post in posts]
        assert len(texts) == len(changes), texts
        for text, change in zip(texts, changes, strict=True):
            assert text.startswith(change), (text, change)
        assert all(post.get("thread_ts") for post in posts if " opened: " not in post["text"])

        everything_posted = json.dumps(posts, ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in everything_posted, f"{secret!r} reached the compliance channel"
