"""Issue 11, items 4–6: correcting and reopening requests, the history, breaches worked like
requests. Through the Desk (SQLite and PostgreSQL) and the console as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit, jobs, retention
from handlers.policy import Policy
from handlers.ports import ChatUser
from storage import repositories as repo
from storage.db import transaction
from storage.enums import ReminderState
from tests.conftest import (
    DPO,
    OTHER_STAFF,
    PRIVACY,
    STAFF,
    Driver,
    FakeClock,
    database_state,
)
from tests.fakes.notifier import RecordingNotifier
from tests.test_cli import run_cli

# The clock (conftest) is Mon 24 Nov 2025 09:30 UTC.
NEW = '/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'
SECRETS = ("Jane", "Doe", "jane@", "Smith", "smith@", "folder", "CCTV")


async def events(sessions: async_sessionmaker[AsyncSession], ref: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await repo.events_for(session=session, ref=ref)
    for row in rows:
        assert not any(word in row.data for word in SECRETS), row.data
    return [{"action": row.action, "actor": row.actor, **json.loads(row.data)} for row in rows]


async def verify(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        report = await audit.verify(session=session)
    assert report.ok, report.problems


# --- item 4: edit ---------------------------------------------------------------------------------


async def test_edit_corrects_the_fields_and_says_how_the_deadline_moved(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)  # due Wed 3 Dec 2025
    edited = await driver.ok(
        PRIVACY,
        '/dsar edit DSAR-0001 name="Jane Smith" email=Jane.Smith@Example.com received=2025-11-01',
    )
    # received Sat 1 Nov: one month is Mon 1 Dec
    assert edited.reply.text == (
        "DSAR-0001: corrected name, email, received; "
        "deadline moved from Wed 3 Dec 2025 to Mon 1 Dec 2025"
    )
    assert edited.reply.personal
    [post] = edited.posts
    assert post.deadline is not None and post.deadline.isoformat() == "2025-12-01"
    async with sessions() as session:
        req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert (req.requester_name, req.requester_email) == ("Jane Smith", "Jane.Smith@example.com")
        assert (req.clock_start, req.due, req.extension_notice_by) == (
            req.received, req.base_due, req.base_due,
        )  # fmt: skip
        assert req.due is not None and req.due.isoformat() == "2025-12-01"
        pending = [
            r for r in await repo.reminders_for(session=session, ref="DSAR-0001")
            if r.state == ReminderState.PENDING
        ]  # fmt: skip
        digest_new = audit.field_digest(req, "requester_email", "Jane.Smith@example.com")
        digest_old = audit.field_digest(req, "requester_email", "jane@example.com")
    # The nudges were rebooked for the new deadline: 2 days before Mon 1 Dec, not before 3 Dec.
    due_slots = {r.kind: r.fire_at.date().isoformat() for r in pending if r.kind.startswith("due")}
    assert (due_slots["due-2d"], due_slots["due-0d"]) == ("2025-11-29", "2025-12-01")
    last = (await events(sessions, "DSAR-0001"))[-1]
    assert last["action"] == "edited" and last["actor"] == "slack:UPRIV1"
    assert last["fields"] == {
        "email": {"old": digest_old, "new": digest_new},
        "name": last["fields"]["name"],
        "received": last["fields"]["received"],
    }
    assert (last["was"], last["due"]) == ("2025-12-03", "2025-12-01")
    await verify(sessions)


async def test_a_bad_value_anywhere_changes_nothing(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0001 asked=2025-11-05")
    before = await database_state(sessions)
    refusals = {
        '/dsar edit DSAR-0001 name="Jane Smith" email=not-an-email': "not an email address",
        "/dsar edit DSAR-0001 received=2025-11-25": "in the future",
        "/dsar edit DSAR-0001 received=2025-11-06": "after an action already recorded",
        "/dsar edit DSAR-0001 type=erase": "did you mean erasure",
        "/dsar edit DSAR-0001 type=complaint": "a complaint has none of these",
        "/dsar edit DSAR-0001": "this needs the form: give the fields as arguments here",
        "/dsar edit DSAR-0001 colour=red": "unknown argument colour=",
        "/dsar edit DSAR-0001 name=Jane Doe": "values with spaces need double quotes",
        '/dsar edit DSAR-0001 name="Jane Doe" via=letter': "nothing changed",
        '/dsar edit DSAR-0001 name="Jane\u2028Doe"': "must be on one line",
        "/dsar edit DSAR-0099 via=phone": "no request DSAR-0099",
    }
    for line, says in refusals.items():
        refused = await driver.refused(PRIVACY, line)
        assert says in refused.reply.text, (line, refused.reply.text)
        assert refused.reply.lines[-1].startswith("Usage: /dsar edit REF")
    for line in ("/dsar edit DSAR-0001 via=phone", '/dsar reopen DSAR-0001 reason="x"'):
        refused = await driver.refused(STAFF, line)
        assert "only the privacy team" in refused.reply.text
    assert await database_state(sessions) == before


async def test_a_closed_request_keeps_its_clock_but_its_record_can_be_corrected(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=withdrawn")
    refused = await driver.refused(PRIVACY, "/dsar edit DSAR-0001 type=erasure")
    assert "reopen it (/dsar reopen)" in refused.reply.text
    await driver.refused(PRIVACY, "/dsar edit DSAR-0001 received=2025-11-01 via=phone")
    fixed = await driver.ok(PRIVACY, '/dsar edit DSAR-0001 via=phone details="the 2024 file"')
    assert fixed.reply.text.startswith("DSAR-0001: corrected via, details; deadline unchanged")
    assert fixed.posts == ()  # nothing about the clock changed: the channel hears nothing
    await verify(sessions)


async def test_a_type_change_says_what_happens_to_a_clarification_pause(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-10")
    await driver.ok(PRIVACY, "/dsar resume DSAR-0001 received=2025-11-14")  # 5 days paused
    edited = await driver.ok(PRIVACY, "/dsar edit DSAR-0001 type=erasure")
    assert edited.reply.text == (
        "DSAR-0001: corrected type; deadline moved from Mon 8 Dec 2025 to Wed 3 Dec 2025"
    )
    assert "the 1 recorded pause(s) no longer stop the clock" in edited.reply.render_text()
    back = await driver.ok(PRIVACY, "/dsar edit DSAR-0001 type=access")
    assert "Wed 3 Dec 2025 to Mon 8 Dec 2025" in back.reply.text
    assert "pauses now count" in back.reply.render_text()
    # An open pause on a right that does not pause: the clock runs, and the reply says so.
    await driver.ok(PRIVACY, '/dsar clarify DSAR-0001 asked=2025-11-20 late-reason="re-read"')
    running = await driver.ok(PRIVACY, "/dsar edit DSAR-0001 type=portability")
    assert "runs on while it is awaited" in running.reply.render_text()
    assert "to Wed 3 Dec 2025" in running.reply.text
    await verify(sessions)


# --- item 4: reopen -------------------------------------------------------------------------------


async def test_reopen_goes_back_to_the_state_before_closing_on_the_original_clock(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0001 asked=2025-11-04")
    await driver.ok(PRIVACY, "/dsar verify DSAR-0001 method=document_seen received=2025-11-06")
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=no_data_held")
    await driver.refused(PRIVACY, '/dsar reopen DSAR-0001 new=yes"')
    refused = await driver.refused(PRIVACY, "/dsar reopen DSAR-0001")
    assert "reason= is missing" in refused.reply.text
    reopened = await driver.ok(PRIVACY, '/dsar reopen DSAR-0001 reason="a folder was missed"')
    assert reopened.reply.text == "DSAR-0001: reopened (in_progress); the original clock is kept"
    fields = dict(reopened.reply.fields)
    assert fields["Deadline"] == "due Mon 8 Dec 2025 (in 14 days)"  # from the identity, 6 Nov
    assert "Outcome" not in fields
    await driver.refused(PRIVACY, '/dsar reopen DSAR-0001 reason="again"')  # it is open
    last = (await events(sessions, "DSAR-0001"))[-1]
    assert (last["action"], last["state"], last["new_request"]) == (
        "reopened",
        "in_progress",
        False,
    )
    async with sessions() as session:
        [note] = await repo.notes_for(session=session, ref="DSAR-0001")
    assert note.text == (
        "Reopened: a folder was missed. It was closed Mon 24 Nov 2025 as no_data_held."
    )
    await verify(sessions)


async def test_reopen_as_a_new_request_restarts_the_clock(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, '/dsar extend DSAR-0001 reason="many systems" told=2025-11-20')
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled")
    clock.advance(days=10)  # Thu 4 Dec 2025
    reopened = await driver.ok(
        PRIVACY, '/dsar reopen DSAR-0001 reason="a new request for the CCTV" new=yes'
    )
    assert reopened.reply.text == (
        "DSAR-0001: reopened as a new request: the clock restarts Thu 4 Dec 2025"
    )
    fields = dict(reopened.reply.fields)
    assert fields["Clock start"] == "Thu 4 Dec 2025"
    assert fields["Deadline"].startswith("due Mon 5 Jan 2026")  # 4 Jan is a Sunday
    assert "Extended" not in fields  # the extension was the earlier request's
    [post] = reopened.posts
    assert post.change is not None and "clock restarts" in post.change
    async with sessions() as session:
        [note] = await repo.notes_for(session=session, ref="DSAR-0001")
    assert note.text is not None and "Extension of the earlier request: many systems" in note.text
    await verify(sessions)


# --- item 5: history ------------------------------------------------------------------------------


async def test_history_in_words_with_times_and_platforms_notes_for_the_team_only(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], policy: Policy
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, '/dsar note DSAR-0001 "rang Jane back"')
    await driver.ok(PRIVACY, "/dsar edit DSAR-0001 received=2025-11-01")
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=withdrawn")
    await driver.ok(DPO, '/dsar reopen DSAR-0001 reason="sent it again"')
    team = (await driver.ok(PRIVACY, "/dsar history DSAR-0001")).reply
    assert team.text == "DSAR-0001: history (5 event(s), times in Europe/London)"
    assert team.personal
    assert team.lines == (
        "Mon 24 Nov 2025 09:30 GMT  @USTAFF1 (slack)  logged the access request, received "
        "Mon 3 Nov 2025; due Wed 3 Dec 2025",
        "Mon 24 Nov 2025 09:30 GMT  @UPRIV1 (slack)  note added: rang Jane back",
        "Mon 24 Nov 2025 09:30 GMT  @UPRIV1 (slack)  corrected received; "
        "deadline Wed 3 Dec 2025 → Mon 1 Dec 2025",
        "Mon 24 Nov 2025 09:30 GMT  @UDPO1 (slack)  closed: withdrawn",
        "Mon 24 Nov 2025 09:30 GMT  @UDPO1 (slack)  reopened (received), original clock kept; "
        "due Mon 1 Dec 2025 — Reopened: sent it again. It was closed Mon 24 Nov 2025 as "
        "withdrawn.",
    )
    # The person who logged it sees what happened, not what was written.
    own = (await driver.ok(STAFF, "/dsar history DSAR-0001")).reply.render_text()
    assert "note added" in own and "reopened (received)" in own
    assert "Jane" not in own and "sent it again" not in own
    assert "Notes and reasons are shown to the privacy team only." in own
    other = await driver.refused(OTHER_STAFF, "/dsar history DSAR-0001")
    assert other.reply.text == "there is no request DSAR-0001 that you can see"


async def test_history_shows_summer_time_in_the_configured_zone(
    driver: Driver, clock: FakeClock
) -> None:
    clock.current = datetime(2025, 7, 1, 8, 15, tzinfo=UTC)
    await driver.ok(PRIVACY, '/breach new aware="2025-07-01T08:00" summary="lost USB stick"')
    [line] = (await driver.ok(PRIVACY, "/breach history BREACH-0001")).reply.lines
    assert line == (
        "Tue 1 Jul 2025 09:15 BST  @UPRIV1 (slack)  logged the breach "
        "(ICO due Fri 4 Jul 2025 08:00 BST)"
    )
    refused = await driver.refused(PRIVACY, "/breach history DSAR-0001")
    assert refused.reply.lines[-1] == "Usage: /breach history REF"


# --- item 6: breaches worked like requests -------------------------------------------------------

BREACH = '/breach new aware="2025-11-24T08:00+00:00" summary="laptop with the CCTV left on a train"'


async def test_breach_assign_note_and_edit(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, BREACH)
    await driver.refused(STAFF, "/breach assign BREACH-0001 @USTAFF1")
    assigned = await driver.ok(PRIVACY, "/breach assign BREACH-0001 @UOWNER")
    assert dict(assigned.reply.fields)["Owner"] == "@UOWNER"
    [dm] = assigned.direct
    assert dm.to == ChatUser("slack", "UOWNER")
    assert dm.reply.text.startswith("BREACH-0001 (breach) is yours: tell the ICO by Thu 27 Nov")
    noted = await driver.ok(PRIVACY, '/breach note BREACH-0001 "police told, crime ref in folder"')
    assert noted.reply.text == "BREACH-0001: note added"
    edited = await driver.ok(
        PRIVACY, '/breach edit BREACH-0001 aware="2025-11-23T20:00" subjects=40 people="pupils"'
    )
    assert edited.reply.text == (
        "BREACH-0001: corrected aware, people, subjects; ICO deadline moved from "
        "Thu 27 Nov 2025 08:00 GMT to Wed 26 Nov 2025 20:00 GMT "
        "(2 days 10 hours left to tell the ICO)"
    )
    await driver.refused(PRIVACY, "/breach edit BREACH-0001 aware=2025-11-25T09:00")  # future
    await driver.refused(PRIVACY, '/breach edit BREACH-0001 occurred="2025-11-24T09:00"')
    await driver.refused(PRIVACY, "/breach edit BREACH-0001 records=many")
    await driver.refused(PRIVACY, "/breach edit BREACH-0001")
    history = (await driver.ok(DPO, "/breach history BREACH-0001")).reply.lines
    assert history[1:] == (
        "Mon 24 Nov 2025 09:30 GMT  @UPRIV1 (slack)  assigned to @UOWNER",
        "Mon 24 Nov 2025 09:30 GMT  @UPRIV1 (slack)  note added: police told, crime ref in folder",
        "Mon 24 Nov 2025 09:30 GMT  @UPRIV1 (slack)  corrected aware, people, subjects; "
        "ICO due Thu 27 Nov 2025 08:00 GMT → Wed 26 Nov 2025 20:00 GMT",
    )
    last = (await events(sessions, "BREACH-0001"))[-1]
    assert set(last["fields"]) == {"aware", "subjects", "people"}
    await verify(sessions)


async def test_the_breach_owner_gets_the_nudges_with_the_dpo(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, BREACH)
    await driver.ok(PRIVACY, "/breach assign BREACH-0001 @UOWNER")
    # Corrected: aware 4 hours earlier, so the 24-hour nudge is due at 04:00 on Tue 25 Nov.
    await driver.ok(PRIVACY, '/breach edit BREACH-0001 aware="2025-11-24T04:00"')
    before = len(notifier.directs)
    clock.current = datetime(2025, 11, 25, 4, 0, tzinfo=UTC)
    await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=driver.desk.sender)
    nudged = notifier.directs[before:]
    assert {dm.to for dm in nudged} == {DPO, ChatUser("slack", "UOWNER")}
    assert all("tell the ICO by Thu 27 Nov 2025 04:00 GMT" in dm.reply.text for dm in nudged)
    clock.current = datetime(2025, 11, 25, 8, 0, tzinfo=UTC)  # the slot before the correction
    await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=driver.desk.sender)
    assert len(notifier.directs) == before + 2  # it was rebooked, not kept
    clock.current = datetime(2025, 11, 26, 4, 0, tzinfo=UTC)  # aware + 48 h
    await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=driver.desk.sender)
    assert {dm.to for dm in notifier.directs[before + 2 :]} == {DPO, ChatUser("slack", "UOWNER")}


# --- console stories ------------------------------------------------------------------------------

STORY = """\
/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter
/dsar edit DSAR-0001 name="Jane Smith" received=2025-11-01
/dsar edit DSAR-0001 email=not-an-email
/dsar close DSAR-0001 outcome=withdrawn
/dsar edit DSAR-0001 type=erasure
/dsar reopen DSAR-0001 reason="she wrote again"
/dsar history DSAR-0001
/breach new aware="2025-11-20T10:00+00:00" summary="laptop left on a train" subjects=12
/breach assign BREACH-0001 @alice
/breach note BREACH-0001 "police informed"
/breach edit BREACH-0001 aware="2025-11-20T08:00+00:00" records=40 measures="remote wipe"
/breach history BREACH-0001
"""


def test_console_story_correct_reopen_history_and_a_breach_worked(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    result = run_cli("console", "--db", str(db), stdin=STORY, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # two lines are refused
    out = result.stdout
    assert (
        "DSAR-0001: corrected name, received; deadline moved from Wed 3 Dec 2025 to Mon 1 Dec 2025"
    ) in out
    assert "! email= is not an email address" in out
    assert "! DSAR-0001 is closed: reopen it (/dsar reopen)" in out
    assert "DSAR-0001: reopened (received); the original clock is kept" in out
    assert "DSAR-0001: history (4 event(s), times in Europe/London)" in out
    assert (
        "@operator (console)  corrected name, received; deadline Wed 3 Dec 2025 → Mon 1 Dec" in out
    )
    assert "— Reopened: she wrote again." in out
    assert "[DM → @alice] BREACH-0001 (breach) is yours: tell the ICO by" in out
    assert "BREACH-0001: corrected aware, records, measures; ICO deadline moved from " in out
    assert "@operator (console)  note added: police informed" in out
    channel = [line for line in out.splitlines() if line.startswith("[#compliance]")]
    assert not any(w in line for line in channel for w in ("Jane", "Smith", "police", "wipe"))
    intact = run_cli("audit", "verify", "--db", str(db))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "audit chain intact: 8 events, 2 tickets" in intact.stdout


def test_console_staff_see_the_history_of_their_own_request(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    alice = (
        '/dsar new access name="A B" email=a@example.com received=2025-11-03\n'
        "/dsar history DSAR-0001\n"
        "/dsar edit DSAR-0001 via=phone\n"
    )
    result = run_cli("console", "--db", db, "--as", "staff", "--user", "alice", stdin=alice)
    assert result.returncode == 1
    assert "@alice (console)  logged the access request" in result.stdout
    assert "! only the privacy team may correct requests" in result.stdout
    bob = run_cli(
        "console", "--db", db, "--as", "staff", "--user", "bob", stdin="/dsar history DSAR-0001\n"
    )
    assert "! there is no request DSAR-0001 that you can see" in bob.stdout


async def test_nothing_is_corrected_or_reopened_once_retention_erased_it(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], policy: Policy
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, '/dsar note DSAR-0001 "Jane rang"')
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=withdrawn")
    async with transaction(sessions) as session:
        erased = await retention.erase_expired(
            session=session, policy=policy, years=1, now=datetime(2027, 1, 4, tzinfo=UTC)
        )
    assert erased == ["DSAR-0001"]
    for line in ('/dsar edit DSAR-0001 name="X"', '/dsar reopen DSAR-0001 reason="x"'):
        refused = await driver.refused(PRIVACY, line)
        assert "erased under the retention policy" in refused.reply.text
    history = (await driver.ok(PRIVACY, "/dsar history DSAR-0001")).reply.lines
    assert history[1].endswith("note added")  # its text went with the rest
    assert history[-1].endswith("personal data erased (retention period ended)")
    await verify(sessions)


async def test_a_closed_breach_keeps_its_clock_but_its_record_can_be_corrected(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, BREACH)
    await driver.ok(PRIVACY, "/breach assess BREACH-0001 risk=none")
    await driver.ok(PRIVACY, '/breach not-reportable BREACH-0001 reason="encrypted disk"')
    await driver.ok(PRIVACY, "/breach close BREACH-0001")
    refused = await driver.refused(PRIVACY, '/breach edit BREACH-0001 aware="2025-11-24T07:00"')
    assert "keeps the 72-hour clock it was closed on" in refused.reply.text
    fixed = await driver.ok(PRIVACY, '/breach edit BREACH-0001 records=3 consequences="none"')
    assert fixed.reply.text == "BREACH-0001: corrected records, consequences"
    await driver.refused(PRIVACY, "/breach assign BREACH-0001 @UOWNER")  # closed: no owner now
    await verify(sessions)
