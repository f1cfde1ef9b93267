"""App Home, the ``log_privacy_request`` message shortcut, events and foreign workspaces (§7)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.render.slack_views import new_request_modal
from storage import repositories as repo
from tests.conftest import FakeClock, database_state
from tests.fakes.slack_api import Failure
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, SlackServer, slack_server

PERSONAL = (
    "Ada Lovelace",
    "ada@example.org",
    "Bo Brown",
    "bo@example.org",
    "Laptop left on a train",
    "Register sent to the wrong parents",
)
PERMALINK = "https://example.slack.com/archives/C1/p1700000000000100"
MESSAGE = "Hello, under the GDPR please send me all the data you hold about me. Ada Lovelace"


def home_opened(user: str, tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME1",
        "tab": tab,
        "event_ts": "1700000000.000300",
    }


def code_lines(view: dict[str, Any]) -> list[list[str]]:
    """The ticket lines under each heading (requests, breach clocks) of a published view."""
    found: list[list[str]] = []
    for block in view["blocks"]:
        text = block.get("text", {}).get("text", "")
        if block["type"] != "section":
            continue
        if text.startswith("*"):
            found.append([])
        elif text.startswith("`"):
            found[-1] += text.strip("`").splitlines()
    return [lines for lines in found if lines]


def buttons(view: dict[str, Any]) -> dict[str, list[str]]:
    """Each ticket's buttons in a published view: ref -> action ids."""
    return {
        block["block_id"].removeprefix("ticket:"): [e["action_id"] for e in block["elements"]]
        for block in view["blocks"]
        if block["type"] == "actions" and block["block_id"].startswith("ticket:")
    }


async def some_tickets(slack: SlackServer) -> None:
    """Two staff members' tickets: one request overdue, one closed, two breach clocks."""
    await slack.slash('new access name="Ada Lovelace" email=ada@example.org received=2025-11-20')
    await slack.slash(
        'new erasure name="Bo Brown" email=bo@example.org received=2025-10-01', user="USTAFF2"
    )
    await slack.slash('new access name="Ada Lovelace" email=ada@example.org received=2025-11-21')
    await slack.slash("close DSAR-0003 outcome=withdrawn", user=DPO_ID)
    await slack.slash(
        'new aware="2025-11-24T08:00+00:00" summary="Laptop left on a train"', command="/breach"
    )
    await slack.slash(
        'new aware="2025-11-22T09:00+00:00" summary="Register sent to the wrong parents"',
        command="/breach",
        user="USTAFF2",
    )


async def publish_home(slack: SlackServer, user: str, event_id: str) -> dict[str, Any]:
    status, _ = await slack.event(home_opened(user), event_id=event_id)
    assert status == 200
    call = slack.fake.calls_to("views.publish")[-1]
    assert call.params["user_id"] == user
    view: dict[str, Any] = call.params["view"]
    assert view["type"] == "home"
    for value in PERSONAL:
        assert value not in json.dumps(view), f"{value!r} in the App Home"
    return view


async def test_home_shows_staff_only_their_own_open_tickets(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await some_tickets(slack)
        view = await publish_home(slack, STAFF_ID, "EvHomeStaff")
        assert view["blocks"][0]["text"]["text"] == "Your open tickets"
        requests, breaches = code_lines(view)
        assert [line.split()[0] for line in requests] == ["DSAR-0001"]
        assert "due Mon 22 Dec 2025" in requests[0]
        assert [line.split()[0] for line in breaches] == ["BREACH-0001"]


async def test_home_shows_the_privacy_team_everything_open_overdue_first(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await some_tickets(slack)
        view = await publish_home(slack, PRIVACY_ID, "EvHomePrivacy")
        assert view["blocks"][0]["text"]["text"] == "All open tickets"
        requests, breaches = code_lines(view)
        assert [line.split()[0] for line in requests] == ["DSAR-0002", "DSAR-0001"]
        assert "21 days overdue" in requests[0]
        assert "*Breach clocks*" in json.dumps(view)
        assert [line.split()[0] for line in breaches] == ["BREACH-0002", "BREACH-0001"]
        assert "ICO due Tue 25 Nov 2025 09:00 GMT  (1 day left to tell the ICO)" in breaches[0]


async def test_home_with_nothing_open_says_so(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        view = await publish_home(slack, DPO_ID, "EvHomeEmpty")
        assert code_lines(view) == [["Nothing open."]]
        assert "Breach clocks" not in json.dumps(view)


async def test_retried_home_event_is_harmless_and_other_tabs_are_ignored(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await some_tickets(slack)
        await slack.deliver()
        first = await publish_home(slack, PRIVACY_ID, "EvHomeRetry")
        before = await database_state(slack.core.sessions)  # now including who opened Home
        again = await publish_home(slack, PRIVACY_ID, "EvHomeRetry")
        assert first == again
        assert len(slack.fake.calls_to("views.publish")) == 2
        status, _ = await slack.event(home_opened(PRIVACY_ID, tab="messages"), event_id="EvMsg")
        assert status == 200
        assert len(slack.fake.calls_to("views.publish")) == 2
        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0


async def test_message_shortcut_opens_the_request_form_with_the_message_and_its_link(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        status, body = await slack.shortcut(MESSAGE, channel="C0HELPDESK")
        assert (status, body) == (200, "")
        [link] = slack.fake.calls_to("chat.getPermalink")
        assert link.params["channel"] == "C0HELPDESK"
        assert link.params["message_ts"] == "1700000000.000100"
        form = slack.opened()
        assert form["callback_id"] == "dsar_new"
        [details] = [b for b in form["blocks"] if b["block_id"] == "details"]
        assert details["element"]["initial_value"] == f"{MESSAGE}\n\nFrom: {PERMALINK}"

        values = {"name": "Ada Lovelace", "email": "ada@example.org"}
        assert await slack.submit(form, values) == (200, "")
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert req.details == f"{MESSAGE}\n\nFrom: {PERMALINK}"
        assert (req.type, req.via) == ("access", "email")
        await slack.deliver()
        assert MESSAGE not in json.dumps(slack.posts_to(CHANNEL))


async def test_message_shortcut_without_a_permalink_still_opens_the_form(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        slack.fake.fail_next("chat.getPermalink", Failure(500))
        assert await slack.shortcut(MESSAGE) == (200, "")
        [details] = [b for b in slack.opened()["blocks"] if b["block_id"] == "details"]
        assert details["element"]["initial_value"] == MESSAGE


async def test_message_shortcut_whose_form_cannot_open_tells_the_person(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        slack.fake.fail_next("views.open", Failure(500))
        status, _body = await slack.shortcut(MESSAGE)
        assert status == 200
        assert slack.fake.responses, "nothing was posted to the response_url"
        assert slack.fake.responses[-1]["text"].startswith("Could not open the form")


async def test_requests_from_another_workspace_are_403_and_change_nothing(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Ada Lovelace" email=ada@example.org')
        await slack.deliver()
        before = await database_state(slack.core.sessions)
        calls = list(slack.fake.calls)
        other = "TOTHER9"

        status, _ = await slack.command(
            'new access name="Bo Brown" email=bo@example.org', team=other, trigger="trig-x1"
        )
        assert status == 403
        assert (await slack.command("new", team=other, trigger="trig-x2"))[0] == 403
        form = {**new_request_modal(), "callback_id": "dsar_new"}
        values = {"name": "Bo Brown", "email": "bo@example.org"}
        assert (await slack.submit(form, values, team=other))[0] == 403
        assert (await slack.press("ask-id", "DSAR-0001", user=PRIVACY_ID, team=other))[0] == 403
        assert (await slack.shortcut(MESSAGE, team=other))[0] == 403
        status, _ = await slack.event(home_opened(PRIVACY_ID), event_id="EvOther", team=other)
        assert status == 403

        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0
        assert slack.fake.calls == calls
        assert slack.fake.responses == []
