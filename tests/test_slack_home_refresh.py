"""App Home that follows the tickets (issue 15): each ticket listed with the buttons its ticket
message offers, and the page published again (``views.publish`` through the outbox) for the
people who can see a ticket, and have opened their Home, whenever that ticket changes."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.slack_notifier import SlackNotifier
from handlers import home, reads, stored_messages
from handlers.context import Context
from handlers.ports import Actor, ChatUser, DeliveryError
from storage.models import OutboxMessage
from storage.models_home import HomeTab
from tests.conftest import FakeClock
from tests.fakes.slack_api import Failure
from tests.slack_harness import DPO_ID, PRIVACY_ID, STAFF_ID, SlackServer, slack_server, unique
from tests.test_action_statements import reads_of, statements
from tests.test_slack_home import buttons, code_lines, home_opened, publish_home

OTHER = "USTAFF2"
NEW = 'new access name="Ada Lovelace" email=ada@example.org received=2025-11-20'
REQUEST_BUTTONS = ["ticket_show", "ticket_verify", "ticket_ask_id", "ticket_clarify",
                   "ticket_extend", "ticket_assign", "ticket_close"]  # fmt: skip
BREACH_BUTTONS = ["ticket_show", "ticket_assess", "ticket_ico", "ticket_not_reportable",
                  "ticket_tell_subjects", "ticket_close"]  # fmt: skip


def published_for(slack: SlackServer, user: str) -> list[dict[str, Any]]:
    """Every view ``views.publish`` received for ``user``, oldest first."""
    return [
        c.params["view"]
        for c in slack.fake.calls_to("views.publish")
        if c.params["user_id"] == user
    ]


def line_of(view: dict[str, Any], ref: str) -> str:
    [line] = [line for lines in code_lines(view) for line in lines if line.startswith(ref)]
    return line


async def pending_home_rows(slack: SlackServer) -> list[tuple[str, str]]:
    async with slack.core.sessions() as session:
        result = await session.execute(
            text("SELECT target, state FROM outbox WHERE kind = 'home' ORDER BY id")
        )
        return [(str(target), str(state)) for target, state in result.all()]


async def test_each_ticket_on_home_has_the_buttons_its_message_offers(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await slack.slash('new aware="2025-11-24T08:00+00:00" summary="Laptop"', command="/breach")
        staff = await publish_home(slack, STAFF_ID, "EvHome1")
        assert buttons(staff) == {"DSAR-0001": ["ticket_show"], "BREACH-0001": ["ticket_show"]}
        team = await publish_home(slack, PRIVACY_ID, "EvHome2")
        assert buttons(team) == {"DSAR-0001": REQUEST_BUTTONS, "BREACH-0001": BREACH_BUTTONS}
        [actions] = [b for b in team["blocks"] if b.get("block_id") == "ticket:DSAR-0001"]
        assert {e["value"] for e in actions["elements"]} == {"DSAR-0001"}


async def test_a_change_publishes_home_again_for_those_who_can_see_the_ticket(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await slack.slash(NEW.replace("Ada Lovelace", "Bo Brown"), user=OTHER)
        await slack.deliver()
        for n, user in enumerate((STAFF_ID, PRIVACY_ID, OTHER)):
            await publish_home(slack, user, f"EvOpen{n}")
        assert "received" in line_of(published_for(slack, STAFF_ID)[-1], "DSAR-0001")

        await slack.slash("ask-id DSAR-0001", user=PRIVACY_ID)  # a change by slash command
        assert await slack.deliver() >= 1
        [staff] = published_for(slack, STAFF_ID)[1:]  # one fresh page for the creator
        assert "waiting for ID" in line_of(staff, "DSAR-0001")
        assert buttons(staff) == {"DSAR-0001": ["ticket_show"]}
        [team] = published_for(slack, PRIVACY_ID)[1:]  # and one for the privacy team
        assert "waiting for ID" in line_of(team, "DSAR-0001")
        assert len(published_for(slack, OTHER)) == 1  # not their ticket: nothing new
        assert published_for(slack, DPO_ID) == []  # never opened Home: nothing
        for view in (staff, team):
            assert "Ada" not in json.dumps(view) and "ada@" not in json.dumps(view)

        # A change that leaves every page the same (a note) publishes nothing.
        calls = len(slack.fake.calls_to("views.publish"))
        await slack.slash('note DSAR-0001 "rang back"', user=PRIVACY_ID)
        await slack.deliver()
        assert len(slack.fake.calls_to("views.publish")) == calls


async def test_a_new_ticket_is_published_on_the_pages_of_those_who_can_see_it(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """An opening reads who has a page with its first query and refreshes only theirs: the
    privacy team's and the logger's, not another member of staff's."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW.replace("Ada Lovelace", "Bo Brown"), user=OTHER)
        await slack.deliver()
        for n, user in enumerate((STAFF_ID, PRIVACY_ID, OTHER)):
            await publish_home(slack, user, f"EvOpen{n}")
        await slack.slash(NEW)  # DSAR-0002, logged by STAFF_ID
        assert await slack.deliver() >= 1
        [team] = published_for(slack, PRIVACY_ID)[1:]
        assert "received" in line_of(team, "DSAR-0002")
        [staff] = published_for(slack, STAFF_ID)[1:]
        assert "received" in line_of(staff, "DSAR-0002")
        assert len(published_for(slack, OTHER)) == 1  # not theirs: nothing new
        assert published_for(slack, DPO_ID) == []  # never opened Home: nothing


async def test_an_assignee_gains_the_ticket_and_loses_it_when_reassigned(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, OTHER, "EvOther")
        await slack.slash(f"assign DSAR-0001 <@{OTHER}|bo>", user=PRIVACY_ID)
        await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1])[0][0].startswith("DSAR-0001")
        await slack.slash(f"assign DSAR-0001 <@{DPO_ID}|dee>", user=PRIVACY_ID)
        await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1]) == [["Nothing open."]]


async def test_a_refresh_waits_out_an_outage_coalesced_and_survives_a_restart(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, STAFF_ID, "EvOpen")
        slack.fake.fail_next("views.publish", Failure(429, "ratelimited", retry_after=30))
        await slack.slash("ask-id DSAR-0001", user=PRIVACY_ID)
        await slack.deliver()
        assert await pending_home_rows(slack) == [(STAFF_ID, "pending")]
        # A second change while the first refresh waits: the waiting page is brought up to
        # date, not joined by another.
        await slack.slash("verify DSAR-0001 method=document_seen", user=PRIVACY_ID)
        await slack.deliver()
        assert await pending_home_rows(slack) == [(STAFF_ID, "pending")]
        assert len(published_for(slack, STAFF_ID)) == 1  # only the page opened
    clock.advance(seconds=31)
    async with slack_server(engine, db_url, clock=clock) as restarted:  # a new process
        assert await restarted.deliver() == 1
        [page] = published_for(restarted, STAFF_ID)
        assert "in progress" in line_of(page, "DSAR-0001")
        assert await pending_home_rows(restarted) == [(STAFF_ID, "sent")]


def home_press(action: str, ref: str, *, user: str) -> dict[str, Any]:
    """A ``block_actions`` payload for a button on the App Home: its container is the view,
    and there is no ``response_url`` (Slack sends none for Home)."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0001"},
        "api_app_id": "A123456",
        "token": "legacy",
        "container": {"type": "view", "view_id": "VHOME1"},
        "trigger_id": unique("trig"),
        "team": {"id": "T0001", "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {"id": "VHOME1", "team_id": "T0001", "type": "home", "blocks": []},
        "actions": [
            {
                "action_id": f"ticket_{action.replace('-', '_')}",
                "block_id": f"ticket:{ref}",
                "text": {"type": "plain_text", "text": action},
                "value": ref,
                "type": "button",
                "action_ts": unique("17000000") + ".000100",
            }
        ],
    }


async def test_buttons_on_home_act_and_answer_privately(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await slack.deliver()
        await publish_home(slack, PRIVACY_ID, "EvOpen")
        status, _ = await slack.interaction(home_press("show", "DSAR-0001", user=PRIVACY_ID))
        assert status == 200
        await slack.deliver()
        [shown] = slack.posts_to(PRIVACY_ID)  # the ticket, as a DM: Home cannot hold a reply
        assert "Ada Lovelace" in json.dumps(shown["blocks"])

        status, _ = await slack.interaction(home_press("ask-id", "DSAR-0001", user=PRIVACY_ID))
        assert status == 200
        await slack.deliver()
        assert "waiting for ID" in line_of(published_for(slack, PRIVACY_ID)[-1], "DSAR-0001")

        status, _ = await slack.interaction(home_press("verify", "DSAR-0001", user=PRIVACY_ID))
        assert status == 200
        assert slack.opened()["callback_id"] == "ticket_form"  # the form opens from Home too

        calls = len(slack.fake.calls)
        status, _ = await slack.event(home_opened(STAFF_ID), event_id="EvStaff")
        status, _ = await slack.interaction(home_press("close", "DSAR-0001", user=STAFF_ID))
        assert status == 200
        await slack.deliver()
        [refused] = slack.posts_to(STAFF_ID)
        assert "Only the privacy team" in refused["text"]
        assert len(slack.fake.calls) == calls + 2  # the staff Home and the refusal, no refresh


async def test_a_change_reads_no_page_in_its_transaction_the_sender_does(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """With home pages open (as in any real deployment once the DPO has looked), an opening
    and an action queue a refresh and read no page: reading every open ticket inside the
    change's transaction held the reference counter for tens of milliseconds (issue 16). The
    page is read when the refresh is sent and still shows the change."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        for n, user in enumerate((STAFF_ID, PRIVACY_ID, DPO_ID)):
            await publish_home(slack, user, f"EvOpen{n}")
        with statements(engine) as seen:
            await slack.slash(NEW.replace("Ada Lovelace", "Bo Brown"))  # DSAR-0002
        # The opening's statements go on the driver (storage.direct); none through the ORM.
        assert seen == [], seen
        with statements(engine) as seen:
            await slack.slash("ask-id DSAR-0001", user=PRIVACY_ID)
        assert reads_of(seen, "requests") == 1, seen  # its own ticket, no page's list
        assert reads_of(seen, "breaches") == 0, seen
        assert await slack.deliver() >= 1
        for user in (STAFF_ID, PRIVACY_ID, DPO_ID):
            [page] = published_for(slack, user)[1:]  # one fresh page each, read when sent
            assert "received" in line_of(page, "DSAR-0002")
            assert "waiting for ID" in line_of(page, "DSAR-0001")
        # One refresh each answered both changes (the action's found the opening's waiting).
        assert sorted(await pending_home_rows(slack)) == [
            (user, "sent") for user in sorted((STAFF_ID, PRIVACY_ID, DPO_ID))
        ]


async def test_refreshes_waiting_together_are_answered_by_one_page(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """Five openings while the sender is away queue one refresh per page, not five: the one
    waiting answers for the later ones, and the page read when it is sent lists all five."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await publish_home(slack, PRIVACY_ID, "EvOpen")
        for n in range(5):
            await slack.slash(NEW.replace("Ada Lovelace", f"Person {n}"))
        assert await pending_home_rows(slack) == [(PRIVACY_ID, "pending")]
        await slack.deliver()
        [page] = published_for(slack, PRIVACY_ID)[1:]
        assert [line[:9] for line in code_lines(page)[0]] == [f"DSAR-000{n}" for n in range(1, 6)]
        assert await pending_home_rows(slack) == [(PRIVACY_ID, "sent")]
        # Nothing changed since: a refresh queued now reads the same page and sends nothing.
        await slack.slash('note DSAR-0001 "rang back"', user=PRIVACY_ID)
        await slack.deliver()
        assert len(published_for(slack, PRIVACY_ID)) == 2


async def test_a_sender_that_dies_after_publishing_leaves_the_next_page_right(
    engine: AsyncEngine, db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a page shows is recorded in the transaction that settles its refreshes. If that
    transaction is lost after the publish (a crash, a database error), the refresh stays
    claimed; once its lease runs out it publishes whatever the page reads, not trusting the
    record, so an assignee who loses the ticket still sees it go."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, OTHER, "EvOther")  # "Nothing open."
        await slack.deliver()
        shown, failures = home.Pages.shown, [ConnectionError("lost after the publish")]

        async def once_lost(self: home.Pages, **kwargs: Any) -> None:
            if failures:
                raise failures.pop()
            await shown(self, **kwargs)

        monkeypatch.setattr(home.Pages, "shown", once_lost)
        await slack.slash(f"assign DSAR-0001 <@{OTHER}|bo>", user=PRIVACY_ID)
        with pytest.raises(ConnectionError):
            await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1])[0][0].startswith("DSAR-0001")
        clock.advance(seconds=slack.core.sender.retry.lease_seconds + 1)
        await slack.slash(f"assign DSAR-0001 <@{DPO_ID}|dee>", user=PRIVACY_ID)
        await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1]) == [["Nothing open."]]
        assert [row for row in await pending_home_rows(slack) if row[1] == "pending"] == []


async def test_a_second_sender_compares_with_the_page_the_first_published(
    engine: AsyncEngine, db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two senders (two replicas): the next refresh of a person is claimed only once the one
    before is settled, and settling records the page, so the second never compares with a
    page older than what the first published."""
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL only: SQLite has one connection, held by the first sender")
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, OTHER, "EvOther")  # "Nothing open."
        await slack.deliver()
        shown, entered, go_on = home.Pages.shown, asyncio.Event(), asyncio.Event()

        async def slow(self: home.Pages, **kwargs: Any) -> None:
            if not entered.is_set():
                entered.set()
                await go_on.wait()
            await shown(self, **kwargs)

        monkeypatch.setattr(home.Pages, "shown", slow)
        await slack.slash(f"assign DSAR-0001 <@{OTHER}|bo>", user=PRIVACY_ID)
        first = asyncio.create_task(slack.core.sender.run_once())
        await entered.wait()  # published, settling
        await slack.slash(f"assign DSAR-0001 <@{DPO_ID}|dee>", user=PRIVACY_ID)
        await slack.core.sender.run_once()  # the second sender
        go_on.set()
        await first
        await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1]) == [["Nothing open."]]


async def test_a_refresh_queued_before_the_upgrade_is_read_again_and_published(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """The previous release queued the page itself and recorded its digest as if published.
    Such a row is read again when sent and published whatever the record says."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, STAFF_ID, "EvOpen")
        await slack.deliver()
        await slack.slash("ask-id DSAR-0001", user=PRIVACY_ID)  # a refresh, not sent yet
        async with slack.core.sessions() as session, session.begin():  # as the old code left it
            user = ChatUser("slack", STAFF_ID)
            actor = Actor(user=user, role=slack.core.policy.role_of(user))
            ctx = Context(actor=actor, now=clock.now(), policy=slack.core.policy)
            page = await reads.overview(ctx, session)
            [row] = (
                await session.execute(
                    select(OutboxMessage).where(
                        col(OutboxMessage.kind) == "home", col(OutboxMessage.state) == "pending"
                    )
                )
            ).scalars()
            row.payload = stored_messages.encode(page)
            tab = await session.get(HomeTab, ("slack", STAFF_ID))
            assert tab is not None
            tab.digest = hashlib.sha256(row.payload.encode()).hexdigest()
        await slack.slash('note DSAR-0001 "rang back"', user=PRIVACY_ID)  # leaves the page alone
        await slack.deliver()
        assert "waiting for ID" in line_of(published_for(slack, STAFF_ID)[-1], "DSAR-0001")


async def test_refreshes_that_publish_nothing_leave_no_rows(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """Each change queues a refresh for the pages that may show it; one whose page reads as
    it did is deleted once read, so notes do not grow the outbox."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        for n, user in enumerate((STAFF_ID, PRIVACY_ID, DPO_ID)):
            await publish_home(slack, user, f"EvOpen{n}")
        await slack.deliver()
        before = await pending_home_rows(slack)
        published = len(slack.fake.calls_to("views.publish"))
        for n in range(10):
            await slack.slash(f'note DSAR-0001 "n{n}"', user=PRIVACY_ID)
            await slack.deliver()
        assert await pending_home_rows(slack) == before
        assert len(slack.fake.calls_to("views.publish")) == published


async def test_a_page_that_cannot_be_read_fails_its_refresh_not_the_outbox(
    engine: AsyncEngine, db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page read that raises (a ticket no key opens) fails that refresh, which backs off;
    every other message is still sent."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await publish_home(slack, PRIVACY_ID, "EvOpen")

        async def unreadable(self: home.Pages, **kwargs: Any) -> None:
            raise RuntimeError("a ticket no key opens")

        monkeypatch.setattr(home.Pages, "current", unreadable)
        await slack.slash(NEW)
        await slack.slash(NEW.replace("Ada Lovelace", "Bo Brown"))
        await slack.deliver()
        async with slack.core.sessions() as session:
            rows = (await session.execute(text("SELECT kind, state, attempts FROM outbox"))).all()
        others = [(kind, state) for kind, state, _ in rows if kind != "home"]
        assert others and all(state == "sent" for _, state in others), rows
        assert [(state, attempts) for kind, state, attempts in rows if kind == "home"] == [
            ("pending", 1)
        ]


async def test_a_publish_that_timed_out_after_landing_leaves_the_page_right(
    engine: AsyncEngine, db_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """views.publish reached Slack but its answer timed out (the notifier's in-doubt
    DeliveryError), and the ticket is taken from OTHER before the retry: the retry publishes
    the page as it reads then, rather than trusting the record of what it shows."""
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash(NEW)
        await publish_home(slack, OTHER, "EvOther")  # "Nothing open."
        await slack.deliver()
        real, failures = SlackNotifier.publish_home, [1]

        async def lands_then_times_out(self: SlackNotifier, **kwargs: Any) -> str:
            page_id = await real(self, **kwargs)
            if failures:
                failures.pop()
                raise DeliveryError("network: TimeoutError", in_doubt=True)
            return page_id

        monkeypatch.setattr(SlackNotifier, "publish_home", lands_then_times_out)
        await slack.slash(f"assign DSAR-0001 <@{OTHER}|bo>", user=PRIVACY_ID)
        await slack.deliver()
        assert code_lines(published_for(slack, OTHER)[-1])[0][0].startswith("DSAR-0001")
        await slack.slash(f"assign DSAR-0001 <@{DPO_ID}|dee>", user=PRIVACY_ID)
        clock.advance(seconds=30)
        await slack.deliver()
        assert [r for r in await pending_home_rows(slack) if r[1] == "pending"] == []
        assert code_lines(published_for(slack, OTHER)[-1]) == [["Nothing open."]]
