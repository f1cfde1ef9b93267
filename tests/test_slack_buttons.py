"""Ticket buttons (``ticket_<action>``, value = reference) and the ``ticket_form`` modal (§7)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.wording import state_words
from storage import repositories as repo
from storage.models import Breach, Request
from tests.conftest import FakeClock, database_state
from tests.fakes.slack_api import Failure
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, SlackServer, slack_server

NAME, EMAIL = "Ada Lovelace", "ada@example.org"
NEW_REQUEST = f'new access name="{NAME}" email={EMAIL} received=2025-11-20'
NEW_BREACH = 'new aware="2025-11-24T08:00+00:00" summary="Laptop left on a train"'
PRIVACY_BUTTONS = {
    "verify": "DSAR-0001",
    "ask-id": "DSAR-0001",
    "clarify": "DSAR-0001",
    "extend": "DSAR-0001",
    "assign": "DSAR-0001",
    "close": "DSAR-0001",
    "assess": "BREACH-0001",
    "ico": "BREACH-0001",
    "not-reportable": "BREACH-0001",
    "tell-subjects": "BREACH-0001",
}


async def tickets(slack: SlackServer) -> None:
    """DSAR-0001 and BREACH-0001, both logged by support staff, posts delivered."""
    assert (await slack.slash(NEW_REQUEST)).startswith("DSAR-0001 logged")
    assert (await slack.slash(NEW_BREACH, command="/breach")).startswith("BREACH-0001 logged")
    await slack.deliver()


async def load(slack: SlackServer, ref: str) -> Request | Breach:
    async with slack.core.sessions() as session:
        found: Request | Breach | None = (
            await repo.breach_by_ref(session=session, ref=ref, for_update=False)
            if ref.startswith("BREACH-")
            else await repo.request_by_ref(session=session, ref=ref, for_update=False)
        )
    assert found is not None
    return found


def last_response(slack: SlackServer) -> dict[str, Any]:
    assert slack.fake.responses, "nothing was posted to the response_url"
    response = slack.fake.responses[-1]
    assert response["response_type"] == "ephemeral"
    assert response["replace_original"] is False
    return response


async def test_show_button_answers_anyone_who_may_see_the_ticket(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        before = await database_state(slack.core.sessions)

        assert (await slack.press("show", "DSAR-0001", user=STAFF_ID))[0] == 200
        own = last_response(slack)
        assert own["text"].startswith("DSAR-0001 — access request")
        assert NAME not in json.dumps(own)

        await slack.press("show", "DSAR-0001", user=PRIVACY_ID)
        privacy = last_response(slack)
        assert f"{NAME} &lt;{EMAIL}&gt;" in privacy["text"]  # fallback text is escaped markup
        assert any(b["type"] == "actions" for b in privacy["blocks"])

        await slack.press("show", "BREACH-0001", user=DPO_ID)
        assert "Laptop left on a train" in last_response(slack)["text"]

        await slack.press("show", "DSAR-0001", user="USTAFF2")
        other = last_response(slack)
        assert other["text"].startswith("there is no request DSAR-0001 that you can see")
        assert NAME not in json.dumps(other)

        assert slack.fake.calls_to("views.open") == []
        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0


@pytest.mark.parametrize(
    ("action", "ref", "said", "expect"),
    [
        ("ask-id", "DSAR-0001", "identity requested", {"state": "awaiting_id", "due": None}),
        ("clarify", "DSAR-0001", "paused for clarification", {"state": "awaiting_clarification"}),
        (
            "tell-subjects",
            "BREACH-0001",
            "people affected told",
            {"subjects_told_at": datetime(2025, 11, 24, 9, 30, tzinfo=UTC)},
        ),
    ],
)
async def test_direct_buttons_act_at_once_and_answer_via_response_url(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    action: str,
    ref: str,
    said: str,
    expect: dict[str, object],
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        status, body = await slack.press(action, ref, user=PRIVACY_ID)
        assert (status, body) == (200, "")
        assert last_response(slack)["text"].startswith(f"{ref}: {said}")
        assert slack.fake.calls_to("views.open") == []
        ticket = await load(slack, ref)
        for field, value in expect.items():
            assert getattr(ticket, field) == value, field

        assert await slack.deliver() == 1
        reply = slack.posts_to(CHANNEL)[-1]
        assert reply["text"].startswith(f"{ref}: {said}")
        assert reply["thread_ts"]  # in the thread of the ticket's opening post


@dataclass(frozen=True)
class FormCase:
    action: str
    ref: str
    blocks: tuple[str, ...]
    values: dict[str, str | int]
    expect: dict[str, object]
    setup: tuple[str, ...] = ()  # slash commands the DPO runs first


FORM_CASES = [
    FormCase(
        "verify",
        "DSAR-0001",
        ("method", "received"),
        {"method": "email_match", "received": "2025-11-21"},
        {"state": "in_progress", "identity_method": "email_match"},
    ),
    FormCase(
        "extend",
        "DSAR-0001",
        ("reason", "told"),
        {"reason": "Twelve years of email to search", "told": "2025-11-24"},
        {"extended": True, "extension_reason": "Twelve years of email to search"},
    ),
    FormCase(
        "assign",
        "DSAR-0001",
        ("person",),
        {"person": PRIVACY_ID},
        {"assignee": f"slack:{PRIVACY_ID}"},
    ),
    FormCase(
        "close",
        "DSAR-0001",
        ("outcome", "reason", "basis", "exemption", "told", "recipients", "searches"),  # 9, 17
        {"outcome": "no_data_held"},
        {"state": "closed", "outcome": "no_data_held"},
    ),
    FormCase("assess", "BREACH-0001", ("risk",), {"risk": "low"}, {"state": "assessed"}),
    FormCase(
        "ico",
        "BREACH-0001",
        ("case",),
        {"case": "ICO-00012345"},
        {"state": "reported", "ico_case_ref": "ICO-00012345"},
        setup=("/breach assess BREACH-0001 risk=high",),
    ),
    FormCase(
        "not-reportable",
        "BREACH-0001",
        ("reason",),
        {"reason": "Encrypted laptop; the key was not with it"},
        {"state": "not_reportable"},
        setup=("/breach assess BREACH-0001 risk=none",),
    ),
]


@pytest.mark.parametrize("case", FORM_CASES, ids=[case.action for case in FORM_CASES])
async def test_form_buttons_open_the_ticket_form_and_its_submission_acts(
    engine: AsyncEngine, db_url: str, clock: FakeClock, case: FormCase
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        for line in case.setup:
            command, _, text = line.partition(" ")
            await slack.slash(text, user=DPO_ID, command=command)

        status, body = await slack.press(case.action, case.ref, user=PRIVACY_ID)
        assert (status, body) == (200, "")
        assert slack.fake.responses == []
        form = slack.opened()
        assert form["callback_id"] == "ticket_form"
        assert json.loads(form["private_metadata"]) == {"ref": case.ref, "action": case.action}
        assert tuple(b["block_id"] for b in form["blocks"] if b["type"] == "input") == case.blocks

        status, body = await slack.submit(form, case.values, user=PRIVACY_ID)
        assert (status, body) == (200, "")
        ticket = await load(slack, case.ref)
        for field, value in case.expect.items():
            assert getattr(ticket, field) == value, field
        group = "/breach" if case.ref.startswith("BREACH-") else "/dsar"
        shown = await slack.slash(f"show {case.ref}", user=DPO_ID, command=group)
        assert re.search(rf"^  State +{state_words(ticket.state)}$", shown, re.MULTILINE), shown

        await slack.deliver()
        dms = [post["text"] for post in slack.posts_to(PRIVACY_ID)]
        assert [t for t in dms if t.startswith(f"{case.ref}: ")], dms  # the form's receipt
        if case.action == "assign":
            assert [t for t in dms if t.startswith(f"{case.ref} (access) is assigned to you")]
        assert slack.posts_to(CHANNEL)[-1]["thread_ts"]  # the change, in the ticket's thread


async def test_form_submission_the_core_refuses_shows_the_reason_and_changes_nothing(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        await slack.press("verify", "DSAR-0001", user=PRIVACY_ID)
        form = slack.opened()
        before = await database_state(slack.core.sessions)
        status, body = await slack.submit(
            form, {"method": "document_seen", "received": "2025-11-30"}, user=PRIVACY_ID
        )
        assert status == 200
        answer = json.loads(body)
        assert answer == {
            "response_action": "errors",
            "errors": {"received": "received= 2025-11-30 is in the future"},
        }
        assert await database_state(slack.core.sessions) == before


async def test_close_button_on_a_breach_closes_it(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        await slack.slash("assess BREACH-0001 risk=low", user=DPO_ID, command="/breach")
        await slack.slash("ico BREACH-0001 case=ICO-1", user=DPO_ID, command="/breach")

        opened = len(slack.fake.calls_to("views.open"))
        status, body = await slack.press("close", "BREACH-0001", user=PRIVACY_ID)
        assert (status, body) == (200, "")
        # Closing a breach needs no input (the grammar has none): it happens at once.
        assert len(slack.fake.calls_to("views.open")) == opened
        assert "BREACH-0001: closed" in slack.fake.responses[-1]["text"]
        assert (await load(slack, "BREACH-0001")).state == "closed"


async def test_staff_pressing_privacy_buttons_are_refused_and_nothing_changes(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        calls = len(slack.fake.calls)
        before = await database_state(slack.core.sessions)
        for action, ref in PRIVACY_BUTTONS.items():
            status, body = await slack.press(action, ref, user=STAFF_ID)
            assert (status, body) == (200, ""), action
            assert last_response(slack)["text"] == (
                f"Only the privacy team may use {action} on {ref}; nothing changed."
            )
        assert len(slack.fake.responses) == len(PRIVACY_BUTTONS)
        assert slack.fake.calls_to("views.open") == []
        assert await database_state(slack.core.sessions) == before
        assert await slack.deliver() == 0
        assert len(slack.fake.calls) == calls


async def test_retried_button_press_changes_the_ticket_once(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        await slack.press("ask-id", "DSAR-0001", user=PRIVACY_ID, action_ts="1700000050.000100")
        assert last_response(slack)["text"].startswith("DSAR-0001: identity requested")
        state = await database_state(slack.core.sessions)

        await slack.press("ask-id", "DSAR-0001", user=PRIVACY_ID, action_ts="1700000050.000100")
        assert last_response(slack)["text"].startswith("Already done as DSAR-0001")
        assert await database_state(slack.core.sessions) == state
        async with slack.core.sessions() as session:
            events = await repo.events_for(session=session, ref="DSAR-0001")
        assert [e.action for e in events].count("identity_asked") == 1

        await slack.deliver()
        replies = [p for p in slack.posts_to(CHANNEL) if "identity requested" in p["text"]]
        assert len(replies) == 1


async def test_form_button_that_slack_cannot_open_tells_the_person(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await tickets(slack)
        slack.fake.fail_next("views.open", Failure(500))
        status, _body = await slack.press("verify", "DSAR-0001", user=PRIVACY_ID)
        assert status == 200
        assert last_response(slack)["text"].startswith("Could not open the form")
