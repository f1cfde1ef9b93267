"""Triage from Teams: the message-extension action "Log as privacy request" on a message.

Teams sends ``composeExtension/fetchTask`` with the message; the answer (the HTTP body of the
invoke) is a dialog holding the form triage proposes, filled in, with the proposal shown. The
dialog's submission is ``composeExtension/submitAction``; it logs only what the person
confirmed. Real signed HTTP into the served app, as the other Teams tests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import repositories as repo
from tests.conftest import FakeClock, database_state
from tests.teams_harness import STAFF_AAD, TeamsServer, input_ids, input_value, teams_server

LETTER = (
    "<p>Dear Sir or Madam,</p><p>I am writing to make a subject access request. Please send me "
    "a copy of all the personal data you hold about me.</p><p>Yours faithfully,<br>Margaret "
    "Ellison<br>margaret.ellison@example.org</p>"
)
BREACH = "Urgent: my work laptop was stolen from my car last night with client case files on it."


def tickets(state: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    """The database without the conversation references every turn stores."""
    return {table: rows for table, rows in state.items() if table != "conversation_refs"}


def card_in(body: dict[str, Any]) -> dict[str, Any]:
    task = body["task"]
    assert task["type"] == "continue"
    card: dict[str, Any] = task["value"]["card"]["content"]
    return card


async def fetch(teams: TeamsServer, content: str, content_type: str = "html") -> dict[str, Any]:
    value = {
        "commandId": "logPrivacyRequest",
        "commandContext": "message",
        "messagePayload": {"id": "1700000000001", "body": {"contentType": content_type,
                                                           "content": content}},
    }  # fmt: skip
    status, body = await teams.invoke("composeExtension/fetchTask", value)
    assert status == 200
    assert isinstance(body, dict)
    return body


async def test_a_message_becomes_a_filled_in_request_form_then_a_ticket(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        before = tickets(await database_state(teams.core.sessions))
        card = card_in(await fetch(teams, LETTER))
        assert tickets(await database_state(teams.core.sessions)) == before  # not logged yet
        assert input_ids(card)[:3] == ["type", "name", "email"]
        assert input_value(card, "type") == "access"
        assert input_value(card, "name") == "Margaret Ellison"
        assert input_value(card, "email") == "margaret.ellison@example.org"
        texts = [b.get("text", "") for b in card["body"] if b.get("type") == "TextBlock"]
        assert any(t.startswith("Looks like a request: access") for t in texts)
        # A dialog submits with Action.Submit only (composeExtension/submitAction), not a
        # Universal Action like the cards in a chat.
        assert [a["type"] for a in card["actions"]] == ["Action.Submit"]

        submitted = card["actions"][0]["data"] | {
            i: input_value(card, i) for i in input_ids(card) if input_value(card, i)
        }
        status, body = await teams.invoke(
            "composeExtension/submitAction", {"commandId": "logPrivacyRequest", "data": submitted}
        )
        assert status == 200
        assert body["task"]["type"] == "message"
        assert "DSAR-0001" in body["task"]["value"]
        async with teams.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert (req.type, req.requester_name) == ("access", "Margaret Ellison")


async def test_a_breach_report_gets_the_breach_form_and_a_refusal_keeps_the_dialog(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        card = card_in(await fetch(teams, BREACH, "text"))
        assert "summary" in input_ids(card)
        assert input_value(card, "summary").startswith(BREACH)
        before = tickets(await database_state(teams.core.sessions))
        submitted = card["actions"][0]["data"] | {"summary": BREACH}  # no aware time
        status, body = await teams.invoke(
            "composeExtension/submitAction", {"commandId": "logPrivacyRequest", "data": submitted}
        )
        assert status == 200
        again = card_in(body)
        assert input_value(again, "summary") == BREACH
        assert tickets(await database_state(teams.core.sessions)) == before


def test_the_manifest_declares_the_action_on_messages() -> None:
    import json
    from pathlib import Path

    manifest = json.loads((Path(__file__).parents[1] / "deploy/teams/manifest.json").read_text())
    [extension] = manifest["composeExtensions"]
    [command] = extension["commands"]
    assert (command["id"], command["type"], command["context"]) == (
        "logPrivacyRequest", "action", ["message"],
    )  # fmt: skip
    assert command["fetchTask"] is True
    assert STAFF_AAD  # the harness's default sender is the one who logs
