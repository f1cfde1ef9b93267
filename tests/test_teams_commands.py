"""Teams messages: commands with and without the slash, @mentions in a channel, the `new` forms,
and retried deliveries — all through real HTTP, asserting on what the fake connector received."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.teams import PRIVATE_FAILED, PRIVATE_NOTE
from tests.conftest import FakeClock, database_state
from tests.teams_harness import (
    CHANNEL,
    PRIVACY_AAD,
    STAFF_AAD,
    card_facts,
    card_of,
    card_text,
    input_ids,
    personal_chat,
    sent_to,
    submit_actions,
    teams_server,
)

NEW = 'dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'
REQUEST_INPUTS = ["type", "name", "email", "received", "via", "details"]
# The breach form is the same one Slack and the console show: with when it happened (the old
# hand-written Teams card had lost `occurred`). Teams has no date-and-time input, so a moment is
# a date, a local time, or the exact time typed with its offset.
BREACH_INPUTS = ["aware_date", "aware_time", "aware", "summary"]
BREACH_INPUTS += ["occurred_date", "occurred_time", "occurred", "data", "people", "subjects"]
BREACH_INPUTS += ["records", "pecr"]  # issue 9: PECR breaches
PERSONAL = ("Jane", "Doe", "jane@example.com")


def without_refs(state: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows for table, rows in state.items() if table != "conversation_refs"}


async def test_commands_work_with_and_without_the_slash(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say("dsar help", activity_id="help-plain") == 202
        assert await teams.say("/dsar help", activity_id="help-slash") == 202
        plain, slashed = teams.fake.sent
        for sent, activity_id in ((plain, "help-plain"), (slashed, "help-slash")):
            assert sent.conversation == personal_chat(STAFF_AAD)
            assert sent.reply_to == activity_id  # answered in place, in the personal chat
        assert card_of(plain) == card_of(slashed)
        plain_card = card_of(plain)
        assert plain_card is not None
        assert "Rights requests: commands" in card_text(plain_card)

        assert await teams.say("/" + NEW) == 202
        assert await teams.say("dsar list") == 202
        assert await teams.say("/breach list") == 202
        logged, listed, breaches = (card_of(s) for s in teams.fake.sent[2:])
        assert logged is not None and listed is not None and breaches is not None
        assert "DSAR-0001 logged: access request" in card_text(logged)
        assert "DSAR-0001" in card_text(listed)
        assert "No open breaches" in card_text(breaches)
        # The receipt carries the deadline, not the requester's personal data.
        assert card_facts(logged)["Deadline"].startswith("due Wed 3 Dec 2025")
        assert not any(word in str(teams.fake.sent) for word in PERSONAL)

        assert await teams.say("hello there") == 202
        assert teams.fake.sent[-1].activity["text"] == "Try `dsar help` or `breach help`."


async def test_mention_in_a_channel_answers_in_place_only_that_details_went_privately(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say("dsar help") == 202  # the bot now knows the personal chat
        before = len(teams.fake.sent)
        assert await teams.say(NEW, channel=CHANNEL, mention=True, activity_id="in-chan") == 202
        [note] = teams.fake.sent[before:]
        assert note.conversation == f"{CHANNEL};messageid=1700000000000"
        assert note.reply_to == "in-chan"
        assert note.activity["text"] == PRIVATE_NOTE
        assert not note.activity.get("attachments")

        assert await teams.deliver() == 2  # the receipt (personal chat) and the compliance post
        receipt = [
            s for s in teams.fake.sent[before:] if s.conversation == personal_chat(STAFF_AAD)
        ]
        [card] = [c for c in (card_of(s) for s in receipt) if c is not None]
        assert "DSAR-0001 logged: access request" in card_text(card)
        [opening] = [s for s in teams.fake.sent if s.conversation == CHANNEL]
        assert "DSAR-0001 opened" in str(opening.activity)
        assert not any(word in str(sent_to(teams.fake, CHANNEL)) for word in PERSONAL)

        # The slash and the mention together; a read is as private as a write.
        before = len(teams.fake.sent)
        assert await teams.say("/dsar list", channel=CHANNEL, mention=True) == 202
        assert [s.activity.get("text") for s in teams.fake.sent[before:]] == [PRIVATE_NOTE]
        assert await teams.deliver() == 1
        [listed] = teams.fake.sent[before + 1 :]
        assert listed.conversation == personal_chat(STAFF_AAD)
        assert "DSAR-0001" in str(listed.activity)

        # help and deadline carry nothing personal: answered in the channel itself.
        before = len(teams.fake.sent)
        assert await teams.say("dsar deadline 2025-11-25", channel=CHANNEL, mention=True) == 202
        [answer] = teams.fake.sent[before:]
        assert answer.conversation.startswith(CHANNEL)
        public = card_of(answer)
        assert public is not None
        assert "due Mon 29 Dec 2025" in card_text(public)


async def test_a_refused_command_in_a_channel_is_explained_privately(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await teams.say("dsar help")
        before = len(teams.fake.sent)
        bad = 'dsar new access name="Jane Doe" email=jane.at.example.com'
        assert await teams.say(bad, channel=CHANNEL, mention=True) == 202
        in_channel = sent_to(teams.fake, CHANNEL)
        assert [s.activity.get("text") for s in in_channel] == [PRIVATE_FAILED]
        assert await teams.deliver() == 1
        [explained] = teams.fake.sent[before + 1 :]
        assert explained.conversation == personal_chat(STAFF_AAD)
        card = card_of(explained)
        assert card is not None
        assert "jane.at.example.com" not in card_text(card)  # the field is named, not echoed
        assert "email= is not an email address" in card_text(card)
        assert not any(word in str(sent_to(teams.fake, CHANNEL)) for word in PERSONAL)


@pytest.mark.parametrize(
    ("command", "form", "inputs"),
    [
        ("dsar new", "dsar_new", REQUEST_INPUTS),
        ("/dsar new", "dsar_new", REQUEST_INPUTS),
        ("breach new", "breach_new", BREACH_INPUTS),
    ],
)
async def test_new_in_a_personal_chat_sends_an_adaptive_card_form(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
    command: str,
    form: str,
    inputs: list[str],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        before = without_refs(await database_state(sessions))
        assert await teams.say(command) == 202
        [sent] = teams.fake.sent
        assert sent.conversation == personal_chat(STAFF_AAD)
        [attachment] = sent.activity["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard"
        assert input_ids(card) == inputs
        assert submit_actions(card) == [{"privacy_desk": "form", "form": form}]
        assert without_refs(await database_state(sessions)) == before  # a form changes nothing


async def test_new_mentioned_in_a_channel_sends_the_form_to_the_personal_chat(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await teams.say("dsar help")
        before = len(teams.fake.sent)
        assert await teams.say("dsar new", channel=CHANNEL, mention=True) == 202
        notes = [s.activity.get("text") for s in sent_to(teams.fake, CHANNEL)]
        assert notes == ["I've sent you the form in a personal chat."]
        await teams.deliver()
        private = [
            s for s in teams.fake.sent[before:] if s.conversation == personal_chat(STAFF_AAD)
        ]
        forms = [c for c in (card_of(s) for s in private) if c is not None and input_ids(c)]
        assert [input_ids(c) for c in forms] == [REQUEST_INPUTS]


async def test_a_retried_message_creates_one_ticket(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        typed = teams.activity(text=NEW, activity_id="retried-1")
        assert await teams.post(typed) == 202
        assert await teams.post(typed) == 202
        first, second = (card_of(s) for s in teams.fake.sent)
        assert first is not None and second is not None
        assert "DSAR-0001 logged" in card_text(first)
        assert "Already done as DSAR-0001" in card_text(second)

        value = {
            "privacy_desk": "form",
            "form": "dsar_new",
            "type": "erasure",
            "name": "John Roe",
            "email": "john@example.com",
            "via": "phone",
        }
        submitted = teams.activity(value=value, activity_id="retried-2", reply_to="form-msg")
        assert await teams.post(submitted) == 202
        assert await teams.post(submitted) == 202
        third, fourth = (card_of(s) for s in teams.fake.sent[2:])
        assert third is not None and fourth is not None
        assert "DSAR-0002 logged: erasure request" in card_text(third)
        assert "Already done as DSAR-0002" in card_text(fourth)

        in_channel = teams.activity(text="/" + NEW, channel=CHANNEL, mention=True, activity_id="r3")
        assert await teams.post(in_channel) == 202
        assert await teams.post(in_channel) == 202

        state = await database_state(sessions)
        assert len(state["requests"]) == 3  # DSAR-0001, DSAR-0002, DSAR-0003: once each
        assert len(state["inbound"]) == 3
        # One opening post per ticket, one private receipt for the channel command, and (issue
        # 11) one note to the DPO that DSAR-0003 repeats DSAR-0001's requester: references only.
        assert len(state["outbox"]) == 5
        await teams.say("dsar list all", user=PRIVACY_AAD)
        listed = card_of(teams.fake.sent[-1])
        assert listed is not None
        assert "3 requests, open and closed" in card_text(listed)
