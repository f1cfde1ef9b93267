"""One form specification, three renderings (issue 10): Slack modals, Teams cards and console
prompts all come from ``handlers.forms``, submissions come back as values keyed by field, and a
refusal names its field without any parsing of the reply text."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pexpect
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.console import prompt_for
from bot.render import slack_views, teams
from handlers import command_types as c
from handlers import forms
from handlers.commands import CommandError, check_field, parse, parse_form
from handlers.forms import Field, FieldKind, FieldValue, FormRequest
from storage import repositories as repo
from storage.enums import RequestType, Via
from storage.refs import TicketKind, TicketRef
from tests.conftest import FakeClock, database_state
from tests.teams_harness import (
    CHANNEL,
    STAFF_AAD,
    attention_under,
    card_of,
    input_ids,
    personal_chat,
    sent_to,
    teams_server,
)
from tests.test_cli import PRIVACY_DESK


def slack_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_a_field_added_to_a_form_reaches_slack_teams_and_the_console() -> None:
    # The one-line change: a field in the specification.
    extra = Field("their_ref", "The requester's own reference", max_length=40)
    form = replace(forms.NEW_REQUEST, fields=(*forms.NEW_REQUEST.fields, extra))

    modal = slack_views.form_modal(FormRequest(form=form))
    block = slack_blocks(modal)["their_ref"]
    assert block["label"]["text"] == "The requester's own reference"
    assert block["optional"] is True
    assert block["element"]["max_length"] == 40

    card = teams.form_card(FormRequest(form=form))
    assert input_ids(card)[-1] == "their_ref"
    [teams_input] = [b for b in card["body"] if b.get("id") == "their_ref"]
    assert teams_input["label"] == "The requester's own reference"
    assert teams_input["maxLength"] == 40

    prompts = [prompt_for(field) for field in form.fields]
    assert prompts[-1] == "The requester's own reference (optional)"
    assert len(prompts) == len(forms.NEW_REQUEST.fields) + 1


@pytest.mark.parametrize(
    "form", [forms.NEW_REQUEST, forms.NEW_BREACH, forms.VERIFY, forms.CLOSE_REQUEST]
)
def test_every_platform_renders_the_same_fields_labels_and_choices(form: forms.Form) -> None:
    modal = slack_blocks(slack_views.form_modal(FormRequest(form=form)))
    card = teams.form_card(FormRequest(form=form))
    assert list(modal) == list(form.keys)
    for field in form.fields:
        assert modal[field.key]["label"]["text"] == field.label
        teams_id = f"{field.key}_date" if field.kind == FieldKind.DATETIME else field.key
        [teams_input] = [b for b in card["body"] if b.get("id") == teams_id]
        assert teams_input["label"] == field.label
        if field.kind == FieldKind.CHOICE:
            slack_values = [o["value"] for o in modal[field.key]["element"]["options"]]
            teams_values = [ch["value"] for ch in teams_input["choices"]]
            assert slack_values == teams_values == list(field.choices)
            assert all(choice in prompt_for(field) for choice in field.choices)


def test_choices_come_from_the_enums() -> None:
    kind = forms.NEW_REQUEST.field("type")
    via = forms.NEW_REQUEST.field("via")
    assert kind is not None and via is not None
    assert kind.choices == tuple(t.value for t in RequestType)
    assert via.choices == tuple(v.value for v in Via)


def test_the_breach_form_has_when_it_happened_everywhere() -> None:
    assert "occurred" in forms.NEW_BREACH.keys
    assert "occurred" in slack_blocks(slack_views.form_modal(FormRequest(form=forms.NEW_BREACH)))
    ids = input_ids(teams.form_card(FormRequest(form=forms.NEW_BREACH)))
    assert {"occurred_date", "occurred_time", "occurred"} <= set(ids)


def test_a_form_submission_is_values_not_text() -> None:
    values: dict[str, FieldValue] = {
        "type": "erasure",
        "name": 'Ann "Nan" O\'Neill \\ co',  # quotes and backslashes: no quoting needed
        "email": "ann@example.org",
        "received": date(2025, 11, 20),
    }
    command = parse_form(forms.NEW_REQUEST, ref=None, values=values)
    assert command == c.NewRequest(
        type=RequestType.ERASURE,
        name='Ann "Nan" O\'Neill \\ co',
        email="ann@example.org",
        received=date(2025, 11, 20),
    )
    aware = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
    breach = parse_form(forms.NEW_BREACH, ref=None, values={"aware": aware, "summary": "x"})
    assert breach == c.NewBreach(aware=aware, summary="x")


@pytest.mark.parametrize(
    ("form", "ref", "values", "field"),
    [
        (forms.NEW_REQUEST, None, {"type": "acess", "name": "A", "email": "a@b.org"}, "type"),
        (forms.NEW_REQUEST, None, {"type": "access", "name": "A", "email": "nope"}, "email"),
        (forms.NEW_REQUEST, None, {"type": "access", "email": "a@b.org"}, "name"),
        (forms.NEW_REQUEST, None, {"type": "access", "name": "A\nB", "email": "a@b.org"}, "name"),
        (forms.NEW_BREACH, None, {"aware": "yesterday", "summary": "x"}, "aware"),
        (forms.NEW_BREACH, None, {"aware": "2025-11-24T08:00", "subjects": "ten"}, "summary"),
        (forms.CLOSE_REQUEST, "DSAR-0001", {"outcome": "refused"}, "reason"),
        (forms.VERIFY, "DSAR-0001", {"method": "guess"}, "method"),
    ],
)
def test_a_refused_submission_names_its_field(
    form: forms.Form, ref: str | None, values: dict[str, str], field: str
) -> None:
    with pytest.raises(CommandError) as caught:
        parse_form(form, ref=ref, values=values)
    assert caught.value.field == field


def test_typed_commands_name_the_field_too() -> None:
    with pytest.raises(CommandError) as caught:
        parse("/dsar new access name=A email=a@b.org received=2025-13-01")
    assert caught.value.field == "received"


@pytest.mark.parametrize(
    ("key", "answer", "ok"),
    [
        ("type", "acess", False),
        ("type", "Access", True),
        ("email", "jo@example", False),
        ("email", "jo@example.com", True),
        ("received", "24/11/2026", False),
        ("received", "2025-11-03", True),
        ("name", "x" * 201, False),
    ],
)
def test_each_answer_is_checked_as_it_is_typed(key: str, answer: str, ok: bool) -> None:
    field = forms.NEW_REQUEST.field(key)
    assert field is not None
    assert (check_field(field, answer) is None) is ok


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("dsar-7", "DSAR-0007"), ("DSAR-0007", "DSAR-0007"), ("Breach-012", "BREACH-0012")],
)
def test_ticket_refs_are_forgiving_and_canonical(text: str, canonical: str) -> None:
    ref = TicketRef.parse(text)
    assert str(ref) == canonical
    assert ref.group == ("breach" if ref.is_breach else "dsar")
    assert TicketRef.parse(canonical) == ref


@pytest.mark.parametrize("text", ["DSAR-", "DSAR-1234567", "BRECH-1", "7", "", "DSAR-1 x"])
def test_not_a_ticket_ref(text: str) -> None:
    assert not TicketRef.is_valid(text)


def test_a_ref_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not a DSAR reference"):
        TicketRef.parse("BREACH-0001", kind=TicketKind.REQUEST)


def test_buttons_and_their_forms_come_from_one_list() -> None:
    needs_form = {a.name for a in forms.ACTIONS[TicketKind.REQUEST] if a.form is not None}
    assert needs_form == {"verify", "extend", "assign", "close"}
    breach_forms = {a.name for a in forms.ACTIONS[TicketKind.BREACH] if a.form is not None}
    assert breach_forms == {"assess", "ico", "not-reportable"}  # closing a breach is one press
    assert forms.label("not-reportable") == "Not reportable"


# --- through Teams ----------------------------------------------------------------------------


async def test_teams_breach_form_records_when_it_happened(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams_app:
        value = {
            "privacy_desk": "form",
            "form": "breach_new",
            "aware_date": "2025-11-21",
            "aware_time": "10:00",
            "occurred_date": "2025-11-20",
            "occurred_time": "17:30",
            "summary": "Payroll sent to the wrong person",
        }
        assert await teams_app.post(teams_app.activity(value=value)) == 202
        async with teams_app.core.sessions() as session:
            breach = await repo.breach_by_ref(session=session, ref="BREACH-0001", for_update=False)
        assert breach is not None
        assert breach.occurred_at == datetime(2025, 11, 20, 17, 30, tzinfo=UTC)


async def test_a_refused_form_is_never_redrawn_into_a_channel(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams_app:
        assert await teams_app.say("dsar help") == 202  # the bot knows the personal chat
        before = len(teams_app.fake.sent)
        state = await database_state(sessions)
        value = {
            "privacy_desk": "form",
            "form": "dsar_new",
            "type": "access",
            "name": "Jane Doe",
            "email": "jane.at.example.com",
            "details": "Wants her HR file",
        }
        activity = teams_app.activity(value=value, channel=CHANNEL, reply_to="card-in-channel")
        assert await teams_app.post(activity) == 202
        sent = teams_app.fake.sent[before:]
        in_channel = sent_to(teams_app.fake, CHANNEL)
        assert all("Jane" not in str(s.activity) for s in in_channel)
        assert all(s.method != "PUT" for s in sent)  # the channel's card is not updated
        [private] = [s for s in sent if s.conversation == personal_chat(STAFF_AAD)]
        card = card_of(private)
        assert card is not None
        assert list(attention_under(card)) == ["email"]
        assert (await database_state(sessions))["requests"] == state["requests"]


# --- through the console ----------------------------------------------------------------------


def test_console_breach_form_takes_when_it_happened(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    env.pop("PRIVACY_DESK_DATABASE_URL", None)
    child = pexpect.spawn(
        str(PRIVACY_DESK),
        ["console", "--db", str(tmp_path / "d.db")],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact("privacy-desk>")
        child.send("/breach new\r")
        for prompt, answer in [
            ("Became aware", "2025-11-24T08:00+00:00"),
            ("What happened", "Laptop left on a train"),
            ("When it happened", "2025-11-23T18:00+00:00"),
            ("Categories of personal data", ""),
            ("Categories of people", ""),
            ("Approximate number of people", "about ten"),  # refused, asked again
            ("Approximate number of people", "10"),
            ("Approximate number of records", ""),
            ("Communications provider breach", ""),  # issue 9: PECR
        ]:
            child.expect(prompt)
            child.send(answer + "\r")
        child.expect("BREACH-0001 logged")
        child.expect_exact("privacy-desk>")
        child.send("/breach show BREACH-0001\r")
        child.expect("Sun 23 Nov 2025 18:00 GMT")
    finally:
        child.close(force=True)
