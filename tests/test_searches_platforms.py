"""Search tasks on Slack and Teams (issue 17): the owner's direct message arrives with the
answer buttons, pressing one records the answer, and only that owner may press them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories import search_tasks as tasks_repo
from tests.conftest import FakeClock, database_state
from tests.slack_harness import PRIVACY_ID, STAFF_ID, SlackServer, slack_server

OWNER_ID = "UOWNER1"
NEW = 'new access name="Ada Lovelace" email=ada@example.org received=2025-11-20'


async def _search(slack: SlackServer) -> dict[str, Any]:
    """DSAR-0001 searched in the HR system; the owner's DM as Slack received it."""
    assert (await slack.slash(NEW)).startswith("DSAR-0001 logged")
    said = await slack.slash(f'system add name="HR system" owner=@{OWNER_ID}', user=PRIVACY_ID)
    assert said.startswith("HR system added"), said
    said = await slack.slash("search DSAR-0001 share=email", user=PRIVACY_ID)
    assert said.startswith("DSAR-0001: search sent to 1 system owner"), said
    await slack.deliver()
    [dm] = slack.posts_to(OWNER_ID)
    return dm


def _buttons(dm: dict[str, Any]) -> dict[str, tuple[str, str]]:
    blocks = dm["blocks"] if isinstance(dm["blocks"], list) else json.loads(dm["blocks"])
    return {
        e["text"]["text"]: (e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def test_slack_owner_gets_buttons_and_pressing_one_records_the_answer(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        dm = await _search(slack)
        assert "ada@example.org" in dm["text"] and "Ada Lovelace" not in dm["text"]
        buttons = _buttons(dm)
        assert set(buttons) == {"Found data", "Nothing found", "Not my system"}
        action_id, task = buttons["Nothing found"]

        before = await database_state(slack.core.sessions)
        for someone in (STAFF_ID, PRIVACY_ID):  # not the owner: refused, nothing changes
            status, _ = await slack.press("", task, user=someone, action_id=action_id)
            assert status == 200
            said = slack.fake.responses[-1]["text"]
            assert "only @UOWNER1, who owns HR system, may answer" in said, said
        assert await database_state(slack.core.sessions) == before

        await slack.press("", task, user=OWNER_ID, action_id=action_id)
        assert slack.fake.responses[-1]["text"].startswith("Recorded: HR system for DSAR-0001")
        async with slack.core.sessions() as session:
            [recorded] = await tasks_repo.tasks_for(session=session, ref="DSAR-0001")
        assert (recorded.answer, recorded.answered_by) == ("nothing", f"slack:{OWNER_ID}")


async def test_teams_owner_gets_a_card_and_its_buttons_record_the_answer(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    from tests.teams_harness import (
        PRIVACY_AAD,
        STAFF_AAD,
        card_of,
        card_text,
        personal_chat,
        sent_to,
        submit_actions,
        teams_server,
    )

    owner = "aad-owner-1"
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say("dsar help", user=owner) == 202  # the bot may now write to them
        assert await teams.say("dsar " + NEW) == 202
        assert (
            await teams.say(f"dsar system add name=Payroll owner=@{owner}", user=PRIVACY_AAD) == 202
        )
        assert await teams.say("dsar search DSAR-0001", user=PRIVACY_AAD) == 202
        await teams.deliver()
        cards = [card_of(s) for s in sent_to(teams.fake, personal_chat(owner))]
        [task] = [c for c in cards if c is not None and "please search Payroll" in card_text(c)]
        assert "ada@example.org" not in json.dumps(task)  # nothing was shared
        actions = {a["title"]: a["data"] for a in task["actions"]}
        assert set(actions) == {"Found data", "Nothing found", "Not my system"}
        assert all(d in submit_actions(task) for d in actions.values())

        recorded_tables = ("search_tasks", "events", "reminders")
        before = await database_state(teams.core.sessions)
        await teams.post(teams.activity(value=actions["Found data"], user=STAFF_AAD))
        after = await database_state(teams.core.sessions)
        assert all(after[t] == before[t] for t in recorded_tables)
        assert any("only @aad-owner-1, who owns Payroll" in t for t in teams.texts())
        assert await teams.post(teams.activity(value=actions["Found data"], user=owner)) == 202
        async with teams.core.sessions() as session:
            [recorded] = await tasks_repo.tasks_for(session=session, ref="DSAR-0001")
        assert (recorded.answer, recorded.answered_by) == ("found", f"teams:{owner}")
        assert any("Recorded: Payroll for DSAR-0001" in t for t in teams.texts())


async def test_slack_a_retried_answer_press_is_recorded_once(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    from storage import repositories as repo

    async with slack_server(engine, db_url, clock=clock) as slack:
        action_id, task = _buttons(await _search(slack))["Found data"]
        for _ in range(2):
            await slack.press(
                "", task, user=OWNER_ID, action_id=action_id, action_ts="1700000077.000100"
            )
        assert slack.fake.responses[-1]["text"].startswith("Already done")
        async with slack.core.sessions() as session:
            events = await repo.events_for(session=session, ref="DSAR-0001")
        assert [e.action for e in events].count("search_answered") == 1
