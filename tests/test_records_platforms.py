"""Issue 11 on the platforms: ``/dsar edit`` and the history through the real HTTP interface
(signed Slack requests, Teams activities with a token), asserting on what the fakes received."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from handlers import audit
from tests.conftest import FakeClock
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, slack_server
from tests.teams_harness import (
    CHANNEL as TEAMS_CHANNEL,
)
from tests.teams_harness import (
    PRIVACY_AAD,
    STAFF_AAD,
    card_of,
    card_text,
    input_ids,
    personal_chat,
    sent_to,
    submit_actions,
    teams_server,
)

NEW = 'access name="Ada Lovelace" email=ada@example.org received=2025-11-20 via=letter'
PERSONAL = ("Lovelace", "ada@example.org", "Byron", "byron@example.org")  # not "Ada": AdaptiveCard


def assert_no_personal_data(*where: object) -> None:
    text = json.dumps(where, default=str)
    for value in PERSONAL:
        assert value not in text, f"{value!r} leaked"


async def test_slack_edit_moves_the_deadline_and_the_channel_hears_only_dates(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)  # due Mon 22 Dec 2025
        await slack.deliver()
        refused = await slack.slash("edit DSAR-0001 via=phone", user=STAFF_ID)
        assert refused.startswith("only the privacy team may correct requests")

        status, body = await slack.command(
            'edit DSAR-0001 name="Ada Byron" email=byron@example.org received=2025-11-18',
            user=PRIVACY_ID,
            trigger="trig-edit-1",
        )
        assert status == 200 and body["response_type"] == "ephemeral"
        assert body["text"].startswith(
            "DSAR-0001: corrected name, email, received; "
            "deadline moved from Mon 22 Dec 2025 to Thu 18 Dec 2025"
        )
        assert_no_personal_data(body)  # the receipt names the fields, not their values

        assert await slack.deliver() == 1
        [opening, thread] = slack.posts_to(CHANNEL)
        assert "thread_ts" not in opening and thread["thread_ts"]  # a reply in its thread
        assert "corrected (name, email, received)" in thread["text"]
        assert "Thu 18 Dec 2025" in thread["text"]
        assert_no_personal_data([call.params for call in slack.fake.calls])

        _, shown = await slack.command("show DSAR-0001", user=DPO_ID, trigger="trig-show-1")
        assert "Ada Byron &lt;byron@example.org&gt;" in shown["text"]

        async with slack.core.sessions() as session:
            report = await audit.verify(session=session)
        assert report.ok, report.problems


async def test_slack_history_shows_who_did_what_from_where(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)
        await slack.slash('note DSAR-0001 "Ada rang about the CCTV"', user=PRIVACY_ID)
        await slack.slash("edit DSAR-0001 received=2025-11-18", user=PRIVACY_ID)
        await slack.deliver()
        before = len(slack.fake.calls)

        status, team = await slack.command("history DSAR-0001", user=DPO_ID, trigger="trig-h1")
        assert status == 200 and team["response_type"] == "ephemeral"
        text = team["text"]
        assert text.startswith("DSAR-0001: history (3 event(s), times in Europe/London)")
        assert "Mon 24 Nov 2025 09:30 GMT  @USTAFF1 (slack)  logged the access request" in text
        assert "@UPRIV1 (slack)  note added: Ada rang about the CCTV" in text
        assert "corrected received; deadline Mon 22 Dec 2025 → Thu 18 Dec 2025" in text

        own = await slack.slash("history DSAR-0001", user=STAFF_ID)
        assert "note added" in own and "Ada rang" not in own
        other = await slack.slash("history DSAR-0001", user="USTAFF2")
        assert other.startswith("there is no request DSAR-0001 that you can see")
        await slack.deliver()
        assert len(slack.fake.calls) == before  # a read sends nothing anywhere


async def test_teams_edit_and_history_answer_in_the_personal_chat(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        # The compliance channel has the app (the bot learns the channel's conversation).
        assert await teams.say("dsar help", channel=TEAMS_CHANNEL, mention=True) == 202
        assert await teams.say("dsar new " + NEW, user=STAFF_AAD) == 202
        assert await teams.say("dsar help", user=PRIVACY_AAD) == 202  # the bot knows the chat
        await teams.deliver()

        before = len(teams.fake.sent)
        line = 'dsar edit DSAR-0001 name="Ada Byron" type=erasure received=2025-11-18'
        assert await teams.say(line, user=PRIVACY_AAD) == 202
        [answer] = teams.fake.sent[before:]
        assert answer.conversation == personal_chat(PRIVACY_AAD)
        card = card_of(answer)
        assert card is not None
        assert (
            "DSAR-0001: corrected type, name, received; "
            "deadline moved from Mon 22 Dec 2025 to Thu 18 Dec 2025"
        ) in card_text(card)
        assert await teams.deliver() == 1  # the compliance thread: type and dates only
        # The thread reply (then the opening post rewritten in place, a PUT).
        [post] = [s for s in sent_to(teams.fake, TEAMS_CHANNEL) if s.method == "POST"][-1:]
        assert "corrected (type, name, received)" in str(post.activity)
        assert_no_personal_data([s.activity for s in sent_to(teams.fake, TEAMS_CHANNEL)])

        # In a channel, the history (personal: it may hold notes) goes to the personal chat.
        before = len(teams.fake.sent)
        said = await teams.say(
            "dsar history DSAR-0001", user=PRIVACY_AAD, channel=TEAMS_CHANNEL, mention=True
        )
        assert said == 202
        assert await teams.deliver() == 1
        history = [
            s for s in teams.fake.sent[before:] if s.conversation == personal_chat(PRIVACY_AAD)
        ]
        [card] = [c for c in (card_of(s) for s in history) if c is not None]
        shown = card_text(card)
        assert "DSAR-0001: history (2 event(s), times in Europe/London)" in shown
        assert f"@{STAFF_AAD} (teams)  logged the access request" in shown
        assert f"@{PRIVACY_AAD} (teams)  corrected type, name, received" in shown
        assert_no_personal_data([s.activity for s in sent_to(teams.fake, TEAMS_CHANNEL)])

        async with teams.core.sessions() as session:
            report = await audit.verify(session=session)
        assert report.ok, report.problems


# --- the correction form (forms.EDIT_REQUEST / EDIT_BREACH): `edit REF` with nothing to change --

EDIT_BLOCKS = ["type", "name", "email", "received", "via", "details"]


async def test_slack_edit_without_fields_opens_the_correction_form(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(f"new {NEW}", user=STAFF_ID)
        refused = await slack.slash("edit DSAR-0001", user=STAFF_ID)
        assert refused.startswith("only the privacy team may correct tickets")
        assert slack.fake.calls_to("views.open") == []

        status, body = await slack.command("edit DSAR-0001", user=PRIVACY_ID, trigger="trig-e1")
        assert (status, body) == (200, {"raw": ""})
        form = slack.opened()
        assert form["callback_id"] == "ticket_form"
        assert json.loads(form["private_metadata"]) == {"ref": "DSAR-0001", "action": "edit"}
        blocks = [b for b in form["blocks"] if b["type"] == "input"]
        assert [b["block_id"] for b in blocks] == EDIT_BLOCKS
        assert all(b.get("optional") for b in blocks)  # an empty field keeps what is recorded
        assert "initial_option" not in blocks[0]["element"]  # no type chosen for the person

        # The same checks as /dsar new, on the field they are about; nothing changes.
        status, raw = await slack.submit(form, {"email": "byron.at.example.org"}, user=PRIVACY_ID)
        assert json.loads(raw) == {
            "response_action": "errors",
            "errors": {"email": "email= is not an email address"},
        }
        status, raw = await slack.submit(form, {}, user=PRIVACY_ID)
        assert json.loads(raw)["errors"] == {"type": "the form is empty"}

        status, raw = await slack.submit(
            form, {"received": "2025-11-18", "via": "phone"}, user=PRIVACY_ID
        )
        assert (status, raw) == (200, "")
        await slack.deliver()
        [receipt] = [p["text"] for p in slack.posts_to(PRIVACY_ID)]
        assert receipt.startswith(
            "DSAR-0001: corrected received, via; deadline moved from Mon 22 Dec 2025 to "
            "Thu 18 Dec 2025"
        )


async def test_teams_edit_without_fields_sends_the_correction_card(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say('breach new aware="2025-11-24T08:00" summary="lost USB"') == 202
        before = len(teams.fake.sent)
        assert await teams.say("breach edit BREACH-0001", user=PRIVACY_AAD) == 202
        [sent] = teams.fake.sent[before:]
        card = card_of(sent)
        assert card is not None
        assert "aware_date" in input_ids(card) and "measures" in input_ids(card)
        assert "pecr" not in input_ids(card)
        [submit] = submit_actions(card)
        assert submit == {
            "privacy_desk": "form", "form": "ticket_form", "action": "edit", "ref": "BREACH-0001",
        }  # fmt: skip

        before = len(teams.fake.sent)
        value = submit | {"subjects": "30", "measures": "USB stick found and wiped"}
        assert await teams.post(teams.activity(value=value, user=PRIVACY_AAD)) == 202
        [answer] = teams.fake.sent[before:]
        answered = card_of(answer)
        assert answered is not None
        assert "BREACH-0001: corrected subjects, measures" in card_text(answered)
