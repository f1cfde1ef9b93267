"""Universal Actions on Teams: Action.Execute buttons answered by the ``adaptiveCard/action``
invoke, and the compliance post's user-specific views through ``refresh``.

Teams sends an Action.Execute press (or a card's automatic refresh) as an invoke whose
``value.action`` holds the verb and the data; the invoke response (the HTTP body) is a card that
replaces the one pressed or a line of text. Real signed HTTP into the served app, assertions on
the invoke response, on what the fake Bot Connector received and on the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.teams import PRIVATE_FAILED, PRIVATE_NOTE
from handlers.replies import BREACH_ACTIONS, REQUEST_ACTIONS
from storage import repositories as repo
from tests.conftest import FakeClock, database_state
from tests.teams_harness import (
    APP_ID,
    CHANNEL,
    DPO_AAD,
    PRIVACY_AAD,
    STAFF_AAD,
    TeamsServer,
    action_types,
    attention_under,
    card_facts,
    card_of,
    card_text,
    input_ids,
    lifecycle_activity,
    personal_chat,
    sent_to,
    submit_actions,
    teams_server,
)

NEW = 'dsar new access name="Jane Doe" email=jane@example.com details="HR file"'
BREACH = 'breach new aware="2025-11-21T10:00" summary="Jane Doe payroll sent to the wrong person"'
PERSONAL = ("Jane", "Doe", "jane@example.com", "HR file", "payroll")
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
REF = "DSAR-0001"
REFRESH = {"privacy_desk": "refresh", "ref": REF}

State = dict[str, list[tuple[object, ...]]]


def without_refs(state: State) -> State:
    return {table: rows for table, rows in state.items() if table != "conversation_refs"}


def action(name: str, ref: str = REF) -> dict[str, Any]:
    return {"privacy_desk": "action", "action": name, "ref": ref}


def answered_card(status: int, body: Any) -> dict[str, Any]:
    """The card an invoke was answered with (it replaces the card that was pressed)."""
    assert status == 200, body
    assert body["statusCode"] == 200 and body["type"] == CARD, body
    card: dict[str, Any] = body["value"]
    assert card["type"] == "AdaptiveCard" and float(card["version"]) >= 1.4
    return card


def answered_text(status: int, body: Any) -> str:
    assert status == 200, body
    assert set(body) == {"statusCode", "type", "value"}, body
    assert body["statusCode"] == 200 and body["type"] == MESSAGE, body
    return str(body["value"])


def buttons(card: dict[str, Any]) -> list[str]:
    return [data["action"] for data in submit_actions(card)]


async def shown(teams: TeamsServer, ref: str = REF) -> dict[str, str]:
    """The facts of ``dsar show`` as the DPO sees them (from their personal chat)."""
    before = len(teams.fake.sent)
    group = "breach" if ref.startswith("BREACH-") else "dsar"
    assert await teams.say(f"{group} show {ref}", user=DPO_AAD) == 202
    [reply] = teams.fake.sent[before:]
    card = card_of(reply)
    assert card is not None
    return card_facts(card)


async def opened(teams: TeamsServer) -> dict[str, Any]:
    """The privacy team has met the bot, the bot is in the compliance channel, and staff log a
    request: the compliance post everyone sees."""
    for user in (PRIVACY_AAD, DPO_AAD):
        assert await teams.say("dsar help", user=user) == 202
    assert await teams.post(lifecycle_activity(teams, "installationUpdate", channel=CHANNEL)) in (
        200,
        202,
    )
    assert await teams.say(NEW) == 202
    await teams.deliver()
    [post] = [s for s in sent_to(teams.fake, CHANNEL) if s.conversation == CHANNEL]
    card = card_of(post)
    assert card is not None
    assert not any(word in str(post.activity) for word in PERSONAL)
    return card


# --- the compliance post and its refresh ---


async def test_the_compliance_post_is_state_only_and_refreshes_for_the_privacy_team(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        card = await opened(teams)
        assert card["body"][0]["text"] == f"{REF} opened · access"
        assert card_facts(card) == {"State": "received", "Deadline": card_facts(card)["Deadline"]}
        assert card["version"] == "1.5"  # Action.Execute and refresh need 1.4 or later
        assert card.get("actions", []) == []  # everyone sees the state; no buttons
        refresh = card["refresh"]
        assert refresh["action"] == {
            "type": "Action.Execute",
            "title": "Refresh",
            "verb": "refresh",
            "data": REFRESH,
        }
        # The privacy team and DPOs as Teams knows them (their user ids, from the personal
        # chats they had with the bot), in a stable order.
        assert refresh["userIds"] == [f"29:{DPO_AAD}", f"29:{PRIVACY_AAD}"]


async def test_refresh_userids_are_capped_at_sixty(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    team = [f"aad-team-{n:02d}" for n in range(61)]
    privacy_team = [f"teams:{member}" for member in team]
    async with teams_server(engine, db_url, clock=clock, privacy_team=privacy_team) as teams:
        for member in team:
            personal = lifecycle_activity(teams, "installationUpdate", user=member)
            assert await teams.post(personal) in (200, 202)
        assert await teams.post(lifecycle_activity(teams, "installationUpdate", channel=CHANNEL))
        assert await teams.say(NEW) == 202
        await teams.deliver()
        [post] = [s for s in sent_to(teams.fake, CHANNEL) if s.conversation == CHANNEL]
        card = card_of(post)
        assert card is not None
        ids = card["refresh"]["userIds"]
        assert len(ids) == 60  # Teams' limit for user-specific views
        assert ids == [f"29:{m}" for m in team[:60]]  # the DPO never met the bot here


async def test_refresh_gives_the_privacy_team_buttons_and_staff_the_state_only(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        base = await opened(teams)
        before = len(teams.fake.sent)

        for user in (PRIVACY_AAD, DPO_AAD):
            status, body = await teams.execute(
                "refresh", REFRESH, trigger="automatic", user=user, channel=CHANNEL
            )
            privacy = answered_card(status, body)
            assert buttons(privacy) == ["show", *REQUEST_ACTIONS]
            assert set(action_types(privacy)) == {"Action.Execute"}
            assert card_facts(privacy) == card_facts(base)
            assert privacy["refresh"] == base["refresh"]  # it keeps refreshing
            assert not any(word in str(body) for word in PERSONAL)

        # Staff (in a channel of 60 or fewer Teams refreshes for everyone, or by hand).
        for trigger in ("automatic", "manual"):
            status, body = await teams.execute(
                "refresh", REFRESH, trigger=trigger, user=STAFF_AAD, channel=CHANNEL
            )
            staff = answered_card(status, body)
            assert staff.get("actions", []) == []
            assert card_facts(staff) == card_facts(base)
            assert staff["refresh"] == base["refresh"]
        assert teams.fake.sent[before:] == []  # answered in the invoke, nothing posted

        # A breach's post: its own buttons.
        assert await teams.say(BREACH) == 202
        breach = {"privacy_desk": "refresh", "ref": "BREACH-0001"}
        status, body = await teams.execute("refresh", breach, user=DPO_AAD, channel=CHANNEL)
        assert buttons(answered_card(status, body)) == ["show", *BREACH_ACTIONS]
        assert not any(word in str(body) for word in PERSONAL)

        status, body = await teams.execute(
            "refresh", {"privacy_desk": "refresh", "ref": "DSAR-0099"}, user=PRIVACY_AAD
        )
        assert "out of date" in answered_text(status, body)


async def test_refresh_shows_the_ticket_as_it_is_now(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await opened(teams)
        assert await teams.say(f"dsar verify {REF} method=document_seen", user=PRIVACY_AAD) == 202
        status, body = await teams.execute("refresh", REFRESH, user=STAFF_AAD, channel=CHANNEL)
        assert card_facts(answered_card(status, body))["State"] == "in progress"

        assert await teams.say(f"dsar close {REF} outcome=fulfilled", user=PRIVACY_AAD) == 202
        status, body = await teams.execute("refresh", REFRESH, user=PRIVACY_AAD, channel=CHANNEL)
        closed = answered_card(status, body)
        assert card_facts(closed)["State"] == "closed"
        assert buttons(closed) == ["show"]  # nothing left to do but look


async def test_a_forged_refresh_still_gets_the_state_only_view(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await opened(teams)
        forged = REFRESH | {
            "role": "dpo",
            "privacy_team": True,
            "user": f"teams:{DPO_AAD}",
            "aadObjectId": DPO_AAD,
            "userIds": [f"29:{STAFF_AAD}"],
        }
        status, body = await teams.execute("refresh", forged, user=STAFF_AAD, channel=CHANNEL)
        assert answered_card(status, body).get("actions", []) == []
        # The same data pressed as a button is no action at all (the reason goes privately).
        status, body = await teams.execute("action", forged, user=STAFF_AAD, channel=CHANNEL)
        assert answered_text(status, body) == PRIVATE_FAILED

        # The Teams user id is in every card's userIds, so it proves nothing on its own: a
        # caller without an Entra object id is nobody in particular and gets the state only.
        activity = teams.activity(user=PRIVACY_AAD, channel=CHANNEL)
        del activity["from"]["aadObjectId"]
        execute = {"type": "Action.Execute", "verb": "refresh", "data": REFRESH}
        activity |= {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "value": {"action": execute, "trigger": "automatic"},
        }
        token = teams.fake.token(audience=APP_ID)
        async with teams.http.post(
            f"{teams.url}/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            anonymous = answered_card(response.status, await response.json())
        assert anonymous.get("actions", []) == []


# --- pressing Action.Execute buttons ---


async def test_a_press_on_the_compliance_post_runs_the_action_and_returns_the_updated_card(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await opened(teams)
        status, body = await teams.execute(
            "action", action("ask-id"), user=PRIVACY_AAD, channel=CHANNEL, reply_to="post-1"
        )
        updated = answered_card(status, body)
        assert card_facts(updated)["State"] == "waiting for ID"
        assert buttons(updated) == ["show", *REQUEST_ACTIONS]
        assert not any(word in str(body) for word in PERSONAL)
        assert (await shown(teams))["State"] == "waiting for ID"
        await teams.deliver()
        # The change is in the ticket's thread; the reply went to the person's personal chat.
        thread = [s for s in sent_to(teams.fake, CHANNEL) if s.conversation != CHANNEL]
        assert any(f"{REF}: " in card_text(card_of(s) or {}) for s in thread)
        mine = [card_of(s) for s in sent_to(teams.fake, personal_chat(PRIVACY_AAD))]
        assert any(c is not None and card_text(c).startswith(f"{REF}: ") for c in mine)

        # Show: the details privately, a line in place (nothing personal redrawn in the channel).
        before = len(sent_to(teams.fake, personal_chat(PRIVACY_AAD)))
        status, body = await teams.execute(
            "action", action("show"), user=PRIVACY_AAD, channel=CHANNEL
        )
        assert answered_text(status, body) == PRIVATE_NOTE
        await teams.deliver()
        [details] = sent_to(teams.fake, personal_chat(PRIVACY_AAD))[before:]
        assert "Jane Doe <jane@example.com>" in str(details.activity)

        # An action that needs a form: the form goes to the personal chat, never the channel.
        before = len(sent_to(teams.fake, personal_chat(PRIVACY_AAD)))
        status, body = await teams.execute(
            "action", action("verify"), user=PRIVACY_AAD, channel=CHANNEL
        )
        assert answered_text(status, body) == "I've sent you the form in a personal chat."
        [form] = sent_to(teams.fake, personal_chat(PRIVACY_AAD))[before:]
        form_card = card_of(form)
        assert form_card is not None and input_ids(form_card) == ["method", "received"]
        leaked = [s.activity for s in sent_to(teams.fake, CHANNEL) if any(
            word in str(s.activity) for word in PERSONAL)]  # fmt: skip
        assert leaked == []


async def test_in_a_personal_chat_the_card_becomes_the_form_then_the_result(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(NEW) == 202
        assert await teams.say(f"dsar show {REF}", user=PRIVACY_AAD) == 202
        shown_card = card_of(teams.fake.sent[-1])
        assert shown_card is not None
        assert action_types(shown_card) == ["Action.Execute"] * len(REQUEST_ACTIONS)
        before = len(sent_to(teams.fake, personal_chat(PRIVACY_AAD)))

        status, body = await teams.execute("action", action("verify"), user=PRIVACY_AAD)
        form = answered_card(status, body)
        assert input_ids(form) == ["method", "received"]
        [submit] = form["actions"]
        assert (submit["type"], submit["verb"]) == ("Action.Execute", "form")

        status, body = await teams.execute(
            "form", submit["data"] | {"method": "document_seen"}, user=PRIVACY_AAD
        )
        done = answered_card(status, body)
        assert not attention_under(done)
        assert card_text(done).startswith(f"{REF}: ")
        assert (await shown(teams))["State"] == "in progress"

        # A refused submission: the same form, the reason under its field, nothing changed.
        status, body = await teams.execute("action", action("close"), user=PRIVACY_AAD)
        close = answered_card(status, body)
        state = without_refs(await database_state(sessions))
        status, body = await teams.execute(
            "form", close["actions"][0]["data"] | {"outcome": "refused"}, user=PRIVACY_AAD
        )
        again = answered_card(status, body)
        assert input_ids(again) == input_ids(close)
        assert any("a refusal needs reason=" in text for text in attention_under(again).values())
        assert without_refs(await database_state(sessions)) == state

        # All of it answered in place: nothing more sent to the personal chat.
        assert len(sent_to(teams.fake, personal_chat(PRIVACY_AAD))) == before


async def test_a_press_by_staff_is_refused_and_changes_nothing(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        await opened(teams)
        assert await teams.say(BREACH) == 202
        await teams.deliver()
        state = without_refs(await database_state(sessions))
        before = len(teams.fake.sent)
        presses = [(a, REF) for a in REQUEST_ACTIONS] + [(a, "BREACH-0001") for a in BREACH_ACTIONS]
        for channel in (CHANNEL, None):
            for name, ref in presses:
                status, body = await teams.execute(
                    "action", action(name, ref), user=STAFF_AAD, channel=channel
                )
                assert answered_text(status, body) == (
                    f"Only the privacy team may use {name} on {ref}; nothing changed."
                )
        # A forged form submission is refused by the core: on the form, in place.
        forged = {"privacy_desk": "form", "form": "ticket_form", "action": "verify", "ref": REF}
        status, body = await teams.execute("form", forged | {"method": "account"}, user=STAFF_AAD)
        assert "only the privacy team may" in card_text(answered_card(status, body))
        # ...and in a channel, where it is not drawn at all, the reason goes privately.
        status, body = await teams.execute(
            "form", forged | {"method": "account"}, user=STAFF_AAD, channel=CHANNEL
        )
        assert answered_text(status, body) == "I've sent you the form in a personal chat."
        [refused] = teams.fake.sent[before:]
        assert refused.conversation == personal_chat(STAFF_AAD)
        assert "only the privacy team may" in card_text(card_of(refused) or {})
        assert without_refs(await database_state(sessions)) == state
        assert (await shown(teams))["State"] == "received"


async def test_a_submit_press_on_the_channel_post_sends_the_details_it_promises(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """Cards sent before Universal Actions (and clients without them) still press with
    Action.Submit: *Show* in the channel says the details went to the personal chat, and they
    do."""
    async with teams_server(engine, db_url, clock=clock) as teams:
        await opened(teams)
        before = len(teams.fake.sent)
        press = teams.activity(value=action("show"), user=PRIVACY_AAD, channel=CHANNEL)
        assert await teams.post(press) == 202
        await teams.deliver()
        sent = teams.fake.sent[before:]
        assert [s.activity.get("text") for s in sent if s.conversation.startswith(CHANNEL)] == [
            PRIVATE_NOTE
        ]
        private = [s for s in sent if s.conversation == personal_chat(PRIVACY_AAD)]
        assert len(private) == 1
        assert "Jane Doe <jane@example.com>" in str(private[0].activity)


async def test_an_invoke_that_is_not_an_action_execute_is_a_bad_request(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say(NEW) == 202
        state = without_refs(await database_state(sessions))
        for value in (
            {},
            {"action": "ask-id"},
            {"action": {"type": "Action.Submit", "data": action("ask-id")}},
        ):
            status, body = await teams.invoke("adaptiveCard/action", value, user=PRIVACY_AAD)
            assert status == 400, body
            assert (body["statusCode"], body["type"]) == (400, "application/vnd.microsoft.error")
        assert without_refs(await database_state(sessions)) == state


async def test_a_change_rewrites_the_opening_post_everyone_sees(
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Up-to-date views: after the thread reply, the opening post is updated in place with the
    current state (which also refreshes the privacy team's view); an update that fails is
    logged, never retried, so the reply is never posted twice."""
    async with teams_server(engine, db_url, clock=clock) as teams:
        base = await opened(teams)
        [post] = [s for s in sent_to(teams.fake, CHANNEL) if s.conversation == CHANNEL]
        opening = f"msg-{teams.fake.sent.index(post) + 1}"  # the id the fake answered with

        before = len(teams.fake.sent)
        assert await teams.say(f"dsar verify {REF} method=document_seen", user=PRIVACY_AAD) == 202
        await teams.deliver()
        channel = [s for s in teams.fake.sent[before:] if s.conversation.startswith(CHANNEL)]
        thread = f"{CHANNEL};messageid={opening}"
        assert [(s.method, s.conversation) for s in channel] == [("POST", thread), ("PUT", thread)]
        assert channel[1].reply_to == opening  # PUT …/activities/<the opening post's id>
        rewritten = card_of(channel[1])
        assert rewritten is not None
        assert rewritten["body"][0]["text"] == f"{REF} opened · access"
        assert card_facts(rewritten)["State"] == "in progress"
        assert rewritten.get("actions", []) == []  # still state only for everyone
        assert rewritten["refresh"] == base["refresh"]
        assert not any(word in str(channel[1].activity) for word in PERSONAL)

        teams.fake.refuse_updates = 1
        before = len(teams.fake.sent)
        assert await teams.say(f"dsar clarify {REF}", user=PRIVACY_AAD) == 202
        await teams.deliver()
        clock.advance(hours=1)
        await teams.deliver()
        channel = [s for s in teams.fake.sent[before:] if s.conversation.startswith(CHANNEL)]
        assert [s.method for s in channel] == ["POST"]  # the reply, once; the update was lost
        assert teams.fake.refuse_updates == 0
        async with sessions() as session:
            counts = await repo.outbox_counts(session=session, failing_after=3)
        assert counts == {"pending": 0, "failing": 0, "failed": 0}
