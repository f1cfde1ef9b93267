"""``/dsar assign REF @person`` with ``should_escape: true``: a person picked from Slack's @ list
arrives as ``<@U…|name>``; a typed name is looked up with ``users.list`` (paged) and refused,
changing nothing, when it names no one or several people (issue 13, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import FakeClock, database_state
from tests.fakes.slack_api import Failure
from tests.slack_harness import PRIVACY_ID, STAFF_ID, SlackServer, slack_server

ROOT = Path(__file__).resolve().parents[1]
MEMBERS: list[dict[str, Any]] = [
    {"id": "USLACKBOT", "name": "slackbot", "is_bot": False},
    {"id": "UALICE1", "name": "alice", "real_name": "Alice Smith", "profile": {}},
    {"id": "UBOB1", "name": "bob.jones", "profile": {"display_name": "Bobby"}},
    {"id": "UBOT1", "name": "helper", "is_bot": True},
    {"id": "UGONE1", "name": "carol", "deleted": True},
    {"id": "USAM1", "name": "sam.lee", "profile": {"display_name": "sam"}},
    {"id": "USAM2", "name": "sam", "profile": {"display_name": "Sam W"}},
    {"id": "UZOE1", "name": "zoe", "profile": {"display_name": "Zoë-Anne"}},
]


async def assignee(slack: SlackServer) -> str | None:
    async with slack.core.sessions() as session:
        row = (await session.execute(text("SELECT assignee FROM requests"))).one()
    return None if row[0] is None else str(row[0])


async def opened(slack: SlackServer) -> None:
    slack.fake.users = list(MEMBERS)
    await slack.slash('new access name="Ada" email=ada@example.org', user=STAFF_ID)


@pytest.mark.parametrize(
    ("typed", "user_id"),
    [
        ("<@UALICE1|alice>", "UALICE1"),  # picked from the @ list, as should_escape sends it
        ("<@UALICE1>", "UALICE1"),
        ("@alice", "UALICE1"),  # typed: the user name
        ("ALICE", "UALICE1"),
        ("@bobby", "UBOB1"),  # display name, on the second page of users.list
        ("@zoë-anne", "UZOE1"),
        ("person=@bob.jones", "UBOB1"),
    ],
)
async def test_a_mention_or_a_typed_name_resolves_to_the_user_id(
    engine: AsyncEngine, db_url: str, clock: FakeClock, typed: str, user_id: str
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await opened(slack)
        reply = await slack.slash(f"assign DSAR-0001 {typed}", user=PRIVACY_ID)
        assert "assigned" in reply.lower(), reply
        assert await assignee(slack) == f"slack:{user_id}"
        looked_up = slack.fake.calls_to("users.list")
        assert bool(looked_up) == (not typed.startswith("<@"))  # a mention needs no look-up
        await slack.deliver()
        opened_dm = [c.params.get("channel") for c in slack.fake.calls_to("chat.postMessage")]
        assert user_id in opened_dm or f"D{user_id[1:]}" in opened_dm, opened_dm


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("@nobody", "no one in this workspace is called @nobody"),
        ("@sam", "2 people in this workspace match @sam"),  # one's name, the other's display
        ("@carol", "no one in this workspace is called @carol"),  # deactivated
        ("@helper", "no one in this workspace is called @helper"),  # a bot
        ("@<b>", "is not a person"),
    ],
)
async def test_a_name_that_resolves_to_no_one_or_several_is_refused(
    engine: AsyncEngine, db_url: str, clock: FakeClock, typed: str, says: str
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await opened(slack)
        before = await database_state(slack.core.sessions)
        status, body = await slack.command(
            f"assign DSAR-0001 {typed}", user=PRIVACY_ID, trigger="trig-who"
        )
        assert status == 200 and body["response_type"] == "ephemeral"
        assert says in body["text"], body["text"]
        assert "/dsar assign REF @person" in body["text"]
        assert await database_state(slack.core.sessions) == before


async def test_slack_failing_the_look_up_refuses_and_changes_nothing(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await opened(slack)
        before = await database_state(slack.core.sessions)
        slack.fake.fail_next("users.list", Failure(200, error="missing_scope"))
        reply = await slack.slash("assign DSAR-0001 @alice", user=PRIVACY_ID)
        assert "could not look up @alice" in reply, reply
        assert await database_state(slack.core.sessions) == before


async def test_an_escaped_email_reads_as_typed(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        new = 'new access name="Ada" email=<mailto:ada@example.org|ada@example.org>'
        reply = await slack.slash(new, user=STAFF_ID)
        assert "DSAR-0001" in reply, reply
        async with slack.core.sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM requests"))).scalar() == 1


def test_the_manifest_escapes_mentions_and_may_list_users() -> None:
    manifest = yaml.safe_load((ROOT / "deploy/slack-manifest.yaml").read_text())
    commands = manifest["features"]["slash_commands"]
    assert commands and all(command["should_escape"] is True for command in commands)
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]
