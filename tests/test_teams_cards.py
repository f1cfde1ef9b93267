"""Adaptive Card submissions on Teams: the `new` forms, ticket buttons and ticket forms.

A submission arrives as a message activity whose ``value`` is the Action.Submit data merged with
the card's inputs. Everything goes through real HTTP; assertions are on what the fake Bot
Connector received and on the database.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import FakeClock, database_state
from tests.fakes.teams_connector import Sent
from tests.teams_harness import (
    DPO_AAD,
    PRIVACY_AAD,
    STAFF_AAD,
    TeamsServer,
    attention_under,
    card_facts,
    card_of,
    card_text,
    input_ids,
    input_value,
    personal_chat,
    submit_actions,
    teams_server,
)

NEW = 'dsar new access name="Jane Doe" email=jane@example.com received=2025-11-17 details="HR file"'
BREACH = 'breach new aware="2025-11-21T10:00" summary="Payroll sent to the wrong person"'
REQUEST_INPUTS = ["type", "name", "email", "received", "via", "details"]
REQUEST_ACTIONS = ("verify", "ask-id", "clarify", "extend", "assign", "close")
BREACH_ACTIONS = ("assess", "ico", "not-reportable", "tell-subjects", "close")
OTHER_STAFF_AAD = "aad-staff-2"

State = dict[str, list[tuple[object, ...]]]


def without_refs(state: State) -> State:
    return {table: rows for table, rows in state.items() if table != "conversation_refs"}


def request_value(**inputs: str) -> dict[str, Any]:
    value: dict[str, Any] = {"privacy_desk": "form", "form": "dsar_new"}
    value |= {"type": "access", "name": "Jane Doe", "email": "jane@example.com", "via": "email"}
    return value | inputs


def breach_value(**inputs: str) -> dict[str, Any]:
    value: dict[str, Any] = {"privacy_desk": "form", "form": "breach_new"}
    return value | {"summary": "Payroll sent to the wrong person"} | inputs


def action(name: str, ref: str) -> dict[str, Any]:
    return {"privacy_desk": "action", "action": name, "ref": ref}


def ticket_form(name: str, ref: str, **inputs: str) -> dict[str, Any]:
    return {"privacy_desk": "form", "form": "ticket_form", "action": name, "ref": ref} | inputs


async def press(teams: TeamsServer, value: dict[str, Any], **kwargs: Any) -> list[Sent]:
    """Submit a card as a user and return what the bot sent back for it."""
    before = len(teams.fake.sent)
    assert await teams.post(teams.activity(value=value, **kwargs)) == 202
    return teams.fake.sent[before:]


def only_card(sent: list[Sent]) -> dict[str, Any]:
    [one] = sent
    card = card_of(one)
    assert card is not None, one.activity
    return card


async def shown(teams: TeamsServer, ref: str, user: str = DPO_AAD) -> dict[str, str]:
    """The facts of ``dsar show`` / ``breach show`` as ``user`` (the DPO sees everything)."""
    group = "breach" if ref.startswith("BREACH-") else "dsar"
    before = len(teams.fake.sent)
    assert await teams.say(f"{group} show {ref}", user=user) == 202
    return card_facts(only_card(teams.fake.sent[before:]))


# --- the `dsar new` form ---


async def test_a_valid_request_form_logs_a_ticket_and_answers_with_a_receipt(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        value = request_value(
            type="rectification", received="2025-11-17", via="web", details="Wrong address held"
        )
        sent = await press(teams, value, reply_to="form-card-1")
        [receipt] = sent
        assert receipt.conversation == personal_chat(STAFF_AAD)
        assert receipt.method == "POST"
        card = only_card(sent)
        assert card["body"][0]["text"] == "DSAR-0001 logged: rectification request"
        facts = card_facts(card)
        assert facts["Received"] == "Mon 17 Nov 2025 by web"
        assert facts["Deadline"] == "due Wed 17 Dec 2025 (in 23 days)"
        assert "Jane" not in str(receipt.activity)  # a receipt, not the requester's details

        state = await database_state(sessions)
        assert len(state["requests"]) == 1
        details = await shown(teams, "DSAR-0001")
        assert details["Requester"] == "Jane Doe <jane@example.com>"
        assert details["Details"] == "Wrong address held"
        assert details["Type"] == "rectification"


@pytest.mark.parametrize(
    ("inputs", "field", "message"),
    [
        ({"email": "jane.at.example.com"}, "email", "is not an email address"),
        ({"received": "2025-11-25"}, "received", "received= 2025-11-25 is in the future"),
    ],
    ids=["bad-email", "future-received"],
)
async def test_an_invalid_request_form_comes_back_with_the_error_under_the_field(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    inputs: dict[str, str],
    field: str,
    message: str,
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        before = without_refs(await database_state(sessions))
        value = request_value(details="Wants a copy of CCTV", **inputs)

        sent = await press(teams, value, reply_to="form-card-1")
        [update] = sent
        assert update.method == "PUT"  # the original form is updated in place
        assert update.reply_to == "form-card-1"
        assert update.conversation == personal_chat(STAFF_AAD)
        card = only_card(sent)
        assert input_ids(card) == REQUEST_INPUTS
        errors = attention_under(card)
        assert list(errors) == [field]
        assert message in errors[field]
        # What the person typed is kept, so only the bad field needs fixing.
        assert input_value(card, "name") == "Jane Doe"
        assert input_value(card, "details") == "Wants a copy of CCTV"
        assert input_value(card, field) == inputs[field]
        assert submit_actions(card) == [{"privacy_desk": "form", "form": "dsar_new"}]

        # Without a replyToId there is nothing to update: the form is sent again.
        [resent] = await press(teams, value)
        assert resent.method == "POST"
        resent_card = card_of(resent)
        assert resent_card is not None
        assert list(attention_under(resent_card)) == [field]

        assert without_refs(await database_state(sessions)) == before


# --- the `breach new` form ---


async def test_a_breach_form_takes_the_aware_time_in_local_time(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        # SPEC §4: aware Fri 2025-10-24 16:00 BST -> ICO due Mon 2025-10-27 15:00 GMT.
        value = breach_value(aware_date="2025-10-24", aware_time="16:00", subjects="12")
        card = only_card(await press(teams, value, reply_to="breach-form"))
        assert (
            card["body"][0]["text"]
            == "BREACH-0001 logged: tell the ICO by Mon 27 Oct 2025 15:00 GMT"
        )

        # In winter the local time is UTC; Teams' Input.Time may carry seconds.
        winter = breach_value(aware_date="2025-11-21", aware_time="10:00:00")
        only_card(await press(teams, winter))

        facts = await shown(teams, "BREACH-0001")
        assert facts["Aware"] == "Fri 24 Oct 2025 16:00 BST"
        assert facts["ICO due"].startswith("Mon 27 Oct 2025 15:00 GMT")
        assert facts["People affected"] == "12"
        assert facts["What happened"] == "Payroll sent to the wrong person"
        facts = await shown(teams, "BREACH-0002")
        assert facts["Aware"] == "Fri 21 Nov 2025 10:00 GMT"
        assert facts["ICO due"].startswith("Mon 24 Nov 2025 10:00 GMT")


@pytest.mark.parametrize(
    ("day", "time", "says"),
    [
        ("2025-10-26", "01:30", "happened twice"),  # the clocks went back
        ("2025-03-30", "01:30", "does not exist"),  # the clocks went forward
    ],
    ids=["repeated-hour", "skipped-hour"],
)
async def test_the_clock_change_hour_is_refused_on_the_card_asking_for_the_offset(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    day: str,
    time: str,
    says: str,
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        before = without_refs(await database_state(sessions))
        value = breach_value(aware_date=day, aware_time=time)
        sent = await press(teams, value, reply_to="breach-form")
        [update] = sent
        assert (update.method, update.reply_to) == ("PUT", "breach-form")
        card = only_card(sent)
        errors = attention_under(card)
        assert list(errors) == ["aware_date"]
        assert says in errors["aware_date"]
        assert "UTC offset" in errors["aware_date"] and "+01:00" in errors["aware_date"]
        assert input_value(card, "aware_time") == time
        assert without_refs(await database_state(sessions)) == before

        # Giving the exact time with its offset settles it.
        exact = breach_value(aware_date=day, aware_time=time, aware=f"{day}T{time}+01:00")
        receipt = only_card(await press(teams, exact, reply_to="breach-form"))
        assert receipt["body"][0]["text"].startswith("BREACH-0001 logged")
        assert len((await database_state(sessions))["breaches"]) == 1


async def test_an_aware_time_in_the_future_is_marked_on_the_aware_fields(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        # 2025-11-24 10:00 GMT is half an hour after the fake clock's now.
        value = breach_value(aware_date="2025-11-24", aware_time="10:00")
        card = only_card(await press(teams, value, reply_to="breach-form"))
        errors = attention_under(card)
        assert any("in the future" in text for text in errors.values()), card
        assert set(errors) <= {"aware_date", "aware_time", "aware"}, errors


# --- ticket buttons ---


async def test_show_gives_personal_data_only_to_the_privacy_team(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(NEW) == 202

        owner = only_card(await press(teams, action("show", "DSAR-0001")))
        assert owner["body"][0]["text"] == "DSAR-0001 — access request"
        assert card_facts(owner)["State"] == "received"
        assert "Requester" not in card_facts(owner)
        assert not any(word in card_text(owner) for word in ("Jane", "jane@", "HR file"))
        assert submit_actions(owner) == []  # staff get no privacy buttons

        privacy = only_card(await press(teams, action("show", "DSAR-0001"), user=PRIVACY_AAD))
        facts = card_facts(privacy)
        assert facts["Requester"] == "Jane Doe <jane@example.com>"
        assert facts["Details"] == "HR file"
        assert submit_actions(privacy) == [action(a, "DSAR-0001") for a in REQUEST_ACTIONS]

        stranger = only_card(await press(teams, action("show", "DSAR-0001"), user=OTHER_STAFF_AAD))
        assert "there is no request DSAR-0001 that you can see" in card_text(stranger)
        assert "Jane" not in str(stranger)

        # A breach's buttons too.
        assert await teams.say(BREACH, user=PRIVACY_AAD) == 202
        breach = only_card(await press(teams, action("show", "BREACH-0001"), user=DPO_AAD))
        assert card_facts(breach)["What happened"] == "Payroll sent to the wrong person"
        assert submit_actions(breach) == [action(a, "BREACH-0001") for a in BREACH_ACTIONS]


async def test_privacy_team_actions_run_directly_or_through_a_ticket_form(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(NEW) == 202
        ref = "DSAR-0001"

        asked = only_card(await press(teams, action("ask-id", ref), user=PRIVACY_AAD))
        assert card_text(asked).startswith(f"{ref}: ")
        waiting = await shown(teams, ref)
        assert waiting["State"] == "waiting for ID"
        assert waiting["Next step"] == (
            f"record the ID check when it arrives: /dsar verify {ref} method=…"
        )

        form = only_card(await press(teams, action("verify", ref), user=PRIVACY_AAD))
        assert input_ids(form) == ["method", "received"]
        assert submit_actions(form) == [ticket_form("verify", ref)]
        sent = await press(
            teams, ticket_form("verify", ref, method="document_seen"), user=PRIVACY_AAD
        )
        assert not attention_under(only_card(sent))
        facts = await shown(teams, ref)
        assert facts["State"] == "in progress"
        assert facts["Identity"] == f"document_seen, checked by @{PRIVACY_AAD}"
        assert facts["Clock start"] == "Mon 24 Nov 2025"

        form = only_card(await press(teams, action("extend", ref), user=PRIVACY_AAD))
        assert input_ids(form) == ["reason", "told"]
        reason = "Numerous records across four systems"
        await press(teams, ticket_form("extend", ref, reason=reason), user=PRIVACY_AAD)
        facts = await shown(teams, ref)
        assert facts["Extended"] == f"told Mon 24 Nov 2025: {reason}"
        assert facts["Deadline"].startswith("due Tue 24 Feb 2026")

        form = only_card(await press(teams, action("assign", ref), user=PRIVACY_AAD))
        assert input_ids(form) == ["person"]
        await press(teams, ticket_form("assign", ref, person=DPO_AAD), user=PRIVACY_AAD)
        assert (await shown(teams, ref))["Assignee"] == f"@{DPO_AAD}"

        paused = only_card(await press(teams, action("clarify", ref), user=PRIVACY_AAD))
        assert paused["body"][0].get("color") != "attention"
        facts = await shown(teams, ref)
        assert facts["State"] == "waiting for clarification"

        form = only_card(await press(teams, action("close", ref), user=PRIVACY_AAD))
        assert input_ids(form) == [
            "outcome",
            "reason",
            "basis",
            "exemption",
            "told",
            "recipients",
            "searches",
        ]
        # A refusal without a reason is refused on the form itself (an update of that card).
        sent = await press(
            teams, ticket_form("close", ref, outcome="refused"), user=PRIVACY_AAD, reply_to="f-9"
        )
        assert (sent[0].method, sent[0].reply_to) == ("PUT", "f-9")
        errors = attention_under(only_card(sent))
        assert any("a refusal needs reason=" in text for text in errors.values())
        assert (await shown(teams, ref))["State"] == "waiting for clarification"
        await press(teams, ticket_form("close", ref, outcome="fulfilled"), user=PRIVACY_AAD)
        facts = await shown(teams, ref)
        assert facts["State"] == "closed"
        assert facts["Deadline"] == "closed Mon 24 Nov 2025 (fulfilled)"


async def test_privacy_team_breach_actions(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(BREACH) == 202
        ref = "BREACH-0001"
        form = only_card(await press(teams, action("assess", ref), user=DPO_AAD))
        assert input_ids(form) == ["risk"]
        await press(teams, ticket_form("assess", ref, risk="high"), user=DPO_AAD)
        assert (await shown(teams, ref))["Risk"] == "high"

        form = only_card(await press(teams, action("ico", ref), user=DPO_AAD))
        assert input_ids(form) == ["case"]
        await press(teams, ticket_form("ico", ref, case="ICO-00123"), user=DPO_AAD)
        await press(teams, action("tell-subjects", ref), user=DPO_AAD)  # runs directly
        facts = await shown(teams, ref)
        assert facts["State"] == "reported to the ICO"
        assert facts["ICO case"].startswith("ICO-00123, Mon 24 Nov 2025 09:30 GMT")
        assert facts["Subjects told"] == "Mon 24 Nov 2025 09:30 GMT"

        closed = only_card(await press(teams, action("close", ref), user=DPO_AAD))
        assert input_ids(closed) == []  # closing a breach is one press: no form
        assert closed["body"][0].get("color") != "attention"
        assert (await shown(teams, ref))["State"] == "closed"


async def test_staff_pressing_privacy_buttons_are_refused_and_nothing_changes(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(NEW) == 202
        assert await teams.say(BREACH) == 202
        before = without_refs(await database_state(sessions))
        presses = [(a, "DSAR-0001") for a in REQUEST_ACTIONS]
        presses += [(a, "BREACH-0001") for a in BREACH_ACTIONS]
        for name, ref in presses:
            [refusal] = await press(teams, action(name, ref))
            assert refusal.conversation == personal_chat(STAFF_AAD)
            assert refusal.activity["text"] == (
                f"Only the privacy team may use {name} on {ref}; nothing changed."
            )
            assert not refusal.activity.get("attachments")  # no form to fill in

        # A forged ticket-form submission is refused by the core, on the card.
        sent = await press(teams, ticket_form("verify", "DSAR-0001", method="account"))
        refused = card_text(only_card(sent))
        assert "only the privacy team may" in refused
        sent = await press(teams, ticket_form("assess", "BREACH-0001", risk="none"))
        assert "only the privacy team may" in card_text(only_card(sent))
        assert without_refs(await database_state(sessions)) == before
        assert (await shown(teams, "DSAR-0001"))["State"] == "received"
