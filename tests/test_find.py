"""Finding a requester, duplicates and links (issue 11 items 2, 3 and 7): the console, Slack
and Teams, through their real interfaces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers import audit, retention
from handlers.policy import Policy
from storage.db import transaction
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock
from tests.slack_harness import PRIVACY_ID, STAFF_ID, slack_server, unique
from tests.teams_harness import (
    DPO_AAD,
    PRIVACY_AAD,
    STAFF_AAD,
    card_of,
    card_text,
    personal_chat,
    sent_to,
    teams_server,
)
from tests.test_cli import run_cli

JOSE = 'access name="José García-López" email=Jose.Garcia@Example.org details="LS6 2AB"'
JOSE_AGAIN = 'erasure name="Jose Garcia Lopez" email=jgl@example.net details="post code ls62ab"'
ANN = 'access name="Ann Other" email=jose.garcia@example.org'
BO = 'erasure name="Bo Brown" email=bo@example.org'


async def test_find_by_name_words_and_email_without_decrypting_a_scan(driver: Driver) -> None:
    for line in (JOSE, JOSE_AGAIN, ANN, BO):
        await driver.ok(STAFF, f"/dsar new {line}")
    found = await driver.ok(PRIVACY, "/dsar find jose gar")
    assert found.reply.text == "2 requests found"
    assert [line.split()[0] for line in found.reply.lines] == ["DSAR-0002", "DSAR-0001"]
    assert "José García-López" in found.reply.lines[1]  # the name, as typed
    assert "due " in found.reply.lines[1] and "access" in found.reply.lines[1]
    assert (await driver.ok(PRIVACY, "/dsar find LOPEZ")).reply.text == "2 requests found"
    by_email = await driver.ok(PRIVACY, "/dsar find JOSE.GARCIA@example.ORG")
    assert [line.split()[0] for line in by_email.reply.lines] == ["DSAR-0003", "DSAR-0001"]
    assert (await driver.ok(PRIVACY, "/dsar find jose.garcia@example")).reply.text == (
        "No request matches."  # an email matches whole, never a prefix of it
    )
    assert (await driver.ok(PRIVACY, '/dsar find "bo"')).reply.text == "1 request found"
    assert (await driver.ok(PRIVACY, "/dsar find nobody")).reply.text == "No request matches."
    refused = await driver.refused(STAFF, "/dsar find bo")
    assert "only the privacy team may search for requesters" in refused.reply.text
    assert "Bo Brown" not in refused.reply.render_text()
    await driver.refused(PRIVACY, "/dsar find j")


async def test_the_same_person_again_is_flagged_to_the_privacy_team_only(
    driver: Driver,
) -> None:
    await driver.ok(STAFF, f"/dsar new {JOSE}")
    by_staff = await driver.ok(STAFF, f"/dsar new {JOSE_AGAIN}")  # same name + postcode
    text = by_staff.reply.render_text()
    assert "possibly" not in text and "DSAR-0001" not in text  # staff are told nothing
    [note] = by_staff.direct
    assert note.to == DPO
    assert note.reply.text.startswith("DSAR-0002 (logged by staff) is possibly the same person")
    assert "DSAR-0001" in note.reply.text and "García" not in note.reply.text  # refs only
    by_team = await driver.ok(PRIVACY, f"/dsar new {ANN}")  # same email
    assert "possibly the same person as DSAR-0001" in by_team.reply.render_text()
    assert not by_team.direct
    other = await driver.ok(PRIVACY, f"/dsar new {BO}")
    assert "possibly" not in other.reply.render_text()


async def test_link_and_close_as_a_duplicate_keep_the_audit_chain(
    driver: Driver, tmp_path: Path
) -> None:
    await driver.ok(STAFF, f"/dsar new {JOSE}")
    await driver.ok(STAFF, f"/dsar new {ANN}")
    linked = await driver.ok(PRIVACY, "/dsar link DSAR-0002 DSAR-0001")
    assert linked.reply.text.startswith("DSAR-0002 linked to DSAR-0001 as duplicate")
    assert "outcome=withdrawn duplicate_of=DSAR-0001" in linked.reply.text
    await driver.refused(PRIVACY, "/dsar link DSAR-0002 DSAR-0001")  # already linked
    await driver.refused(PRIVACY, "/dsar link DSAR-0002 DSAR-0002")
    await driver.refused(PRIVACY, "/dsar link DSAR-0002 DSAR-0009")
    await driver.refused(PRIVACY, "/dsar close DSAR-0002 outcome=fulfilled duplicate_of=DSAR-0001")
    await driver.ok(PRIVACY, "/dsar close DSAR-0002 outcome=withdrawn duplicate_of=DSAR-0001")
    shown = await driver.ok(PRIVACY, "/dsar show DSAR-0002")
    assert ("Duplicate of", "DSAR-0001") in shown.reply.fields


def test_console_story_find_duplicate_link_and_audit(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    story = "\n".join(
        [
            f"/dsar new {JOSE}",
            f"/dsar new {ANN}",
            "/dsar find garcia",
            "/dsar link DSAR-0002 DSAR-0001 as=duplicate",
            "/dsar close DSAR-0002 outcome=withdrawn duplicate_of=DSAR-0001",
            "/dsar list all",
        ]
    )
    done = run_cli("console", "--db", str(db), stdin=story + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "possibly the same person as DSAR-0001" in out
    assert "1 request found" in out and "José García-López" in out
    assert "DSAR-0002 linked to DSAR-0001 as duplicate" in out
    assert "Ann Other" in out.split("/dsar list all", 1)[1]  # the team's list names them
    assert run_cli("audit", "verify", "--db", str(db)).returncode == 0


async def test_slack_find_by_command_and_from_the_app_home_search(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {JOSE}")
        await slack.slash(f"new {BO}")
        status, body = await slack.command("find garcía", user=PRIVACY_ID, trigger=unique("t"))
        assert status == 200 and body["response_type"] == "ephemeral"
        assert body["text"].startswith("1 request found")
        assert "José García-López" in json.dumps(body, ensure_ascii=False)
        staff_text = await slack.slash("find garcía", user=STAFF_ID)
        assert "only the privacy team may search" in staff_text
        assert "García" not in staff_text
        # App Home: the privacy team gets a search button; staff do not.
        home = await _home(slack, PRIVACY_ID, "EvHomeP")
        [button] = [b for b in home["blocks"] if b.get("block_id") == "home_search"]
        assert button["elements"][0]["action_id"] == "home_find"
        assert "home_search" not in json.dumps(await _home(slack, STAFF_ID, "EvHomeS"))
        status, _ = await slack.interaction(_home_press(PRIVACY_ID))
        assert status == 200
        view = slack.fake.calls_to("views.open")[-1].params["view"]
        assert view["callback_id"] == "dsar_find"
        status, _ = await slack.submit(view, {"text": "bo"}, user=PRIVACY_ID)
        assert status == 200
        await slack.deliver()
        [dm] = [
            c
            for c in slack.fake.calls_to("chat.postMessage")
            if "found" in json.dumps(c.params, ensure_ascii=False)
        ]
        assert dm.params["channel"] == PRIVACY_ID  # to them alone
        assert "Bo Brown" in json.dumps(dm.params, ensure_ascii=False)
        posts = [c for c in slack.fake.calls_to("chat.postMessage") if c is not dm]
        assert all(
            "Bo Brown" not in json.dumps(c.params, ensure_ascii=False) for c in posts
        )  # never in the channel


def _text(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False)


async def _home(slack: Any, user: str, event_id: str) -> dict[str, Any]:
    status, _ = await slack.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=event_id,
    )
    assert status == 200
    view: dict[str, Any] = slack.fake.calls_to("views.publish")[-1].params["view"]
    return view


def _home_press(user: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0001"},
        "api_app_id": "A123456",
        "token": "legacy",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": unique("trig"),
        "team": {"id": "T0001", "domain": "example"},
        "actions": [
            {
                "action_id": "home_find",
                "block_id": "home_search",
                "type": "button",
                "text": {"type": "plain_text", "text": "Find a requester"},
                "action_ts": "1700000001.000100",
            }
        ],
    }


async def test_teams_find_by_message_and_by_the_search_card(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say("dsar help", user=DPO_AAD) == 202  # the DPO's personal chat
        assert await teams.say(f"dsar new {JOSE}") == 202
        assert await teams.say(f"dsar new {ANN}") == 202
        await teams.deliver()
        to_dpo = " ".join(
            card_text(c)
            for s in sent_to(teams.fake, personal_chat(DPO_AAD))
            if (c := card_of(s)) is not None
        ) + " ".join(
            s.activity.get("text") or "" for s in sent_to(teams.fake, personal_chat(DPO_AAD))
        )
        assert "possibly the same person as DSAR-0001" in to_dpo
        assert "Ann" not in to_dpo
        assert await teams.say("dsar find jose garcia", user=PRIVACY_AAD) == 202
        found = card_of(sent_to(teams.fake, personal_chat(PRIVACY_AAD))[-1])
        assert found is not None and "1 request found" in card_text(found)
        assert "José García-López" in card_text(found)
        assert await teams.say("dsar find ann", user=STAFF_AAD) == 202
        refused = sent_to(teams.fake, personal_chat(STAFF_AAD))[-1]
        assert "only the privacy team may search" in json.dumps(refused.activity)
        assert "Ann Other" not in json.dumps(refused.activity)
        # "dsar find" alone: the search card, whose submission finds.
        assert await teams.say("dsar find", user=PRIVACY_AAD) == 202
        card = card_of(sent_to(teams.fake, personal_chat(PRIVACY_AAD))[-1])
        assert card is not None and "Find a requester" in json.dumps(card)
        value = {"privacy_desk": "form", "form": "dsar_find", "text": "other"}
        assert await teams.post(teams.activity(value=value, user=PRIVACY_AAD)) == 202
        answer = card_of(sent_to(teams.fake, personal_chat(PRIVACY_AAD))[-1])
        assert answer is not None and "Ann Other" in card_text(answer)
        assert "DSAR-0002" in card_text(answer)


async def test_a_corrected_email_or_name_is_what_find_finds(driver: Driver) -> None:
    await driver.ok(STAFF, f"/dsar new {BO}")
    await driver.ok(PRIVACY, '/dsar edit DSAR-0001 email=bob@example.org name="Robert Brown"')
    assert (await driver.ok(PRIVACY, "/dsar find bo@example.org")).reply.text == (
        "No request matches."
    )
    assert (await driver.ok(PRIVACY, "/dsar find bob@example.org")).reply.text == (
        "1 request found"
    )
    assert (await driver.ok(PRIVACY, "/dsar find robert")).reply.text == "1 request found"


async def test_an_erased_request_is_findable_by_nothing(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], policy: Policy
) -> None:
    await driver.ok(STAFF, f"/dsar new {BO}")
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=withdrawn")
    async with transaction(sessions) as session:
        erased = await retention.erase_expired(
            session=session, policy=policy, years=1, now=datetime(2027, 1, 4, tzinfo=UTC)
        )
        assert erased == ["DSAR-0001"]
        terms = (await session.execute(text("SELECT COUNT(*) FROM search_terms"))).scalar_one()
    assert terms == 0
    assert (await driver.ok(PRIVACY, "/dsar find bo")).reply.text == "No request matches."
    async with sessions() as session:
        assert (await audit.verify(session=session)).ok
