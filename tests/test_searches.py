"""Proof of a reasonable search (issue 17): the systems register, search tasks and their
answers, the close rules, the disclosure log, the owners' nudges, and audit verify."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit, jobs, search_record
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import ChatUser
from storage.db import transaction
from storage.models import Request
from storage.repositories import search_tasks as tasks_repo
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock
from tests.fakes.notifier import RecordingNotifier

ALICE = ChatUser("slack", "UALICE")  # owns the HR system
BOB = ChatUser("slack", "UBOB")  # owns Payroll
NEW = '/dsar new access name="Ada Lovelace" email=ada@example.com details="all my HR file"'


async def _register(driver: Driver) -> None:
    await driver.ok(PRIVACY, '/dsar system add name="HR system" owner=@UALICE')
    await driver.ok(PRIVACY, "/dsar system add name=Payroll owner=@UBOB")


async def _verify(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(sessions) as session:
        report = await audit.verify(session=session)
    assert report.ok, report.problems


async def test_the_register_lists_adds_changes_and_removes_systems(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    empty = await driver.ok(STAFF, "/dsar systems")
    assert "No systems" in empty.reply.text
    await _register(driver)
    await driver.refused(STAFF, '/dsar system add name="CRM" owner=@USTAFF1')
    await driver.refused(PRIVACY, '/dsar system add name="hr SYSTEM" owner=@UBOB')
    await driver.refused(PRIVACY, '/dsar system remove name="Nope"')
    await driver.ok(PRIVACY, '/dsar system owner name="hr system" owner=@UBOB')
    listed = (await driver.ok(STAFF, "/dsar systems")).reply.render_text()
    assert "HR system  owner @UBOB" in listed and "Payroll  owner @UBOB" in listed
    await driver.ok(PRIVACY, "/dsar system remove name=Payroll")
    listed = (await driver.ok(STAFF, "/dsar systems")).reply.render_text()
    assert "Payroll" not in listed
    await _verify(sessions)


async def test_the_register_is_seeded_once_from_the_policy(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, sender: Sender, policy: Policy
) -> None:
    from dataclasses import replace

    from handlers.policy import SeedSystem

    seeded = replace(policy, default_systems=(SeedSystem("Email archive", ALICE),))
    driver = Driver(Desk(sessions=sessions, clock=clock, policy=seeded, sender=sender))
    assert "Email archive  owner @UALICE" in (await driver.ok(STAFF, "/dsar systems")).reply.lines
    await driver.ok(PRIVACY, '/dsar system remove name="Email archive"')
    assert "No systems" in (await driver.ok(STAFF, "/dsar systems")).reply.text  # not again
    await _verify(sessions)


async def test_a_search_sends_each_owner_a_task_with_only_what_is_shared(
    driver: Driver, notifier: RecordingNotifier
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.refused(STAFF, "/dsar search DSAR-0001")
    await driver.refused(PRIVACY, '/dsar search DSAR-0001 systems="HR system,CRM"')
    sent = await driver.ok(PRIVACY, "/dsar search DSAR-0001 share=email")
    # Received Mon 24 Nov 2025, due Wed 24 Dec: 7 days after sending (1 Dec) is the earlier.
    assert "answers due Mon 1 Dec 2025" in sent.reply.text
    dms = {d.to: d.reply for d in notifier.directs}
    assert set(dms) == {ALICE, BOB}
    hr = dms[ALICE]
    text = hr.render_text()
    assert "DSAR-0001 (access)" in text and "HR system" in text
    assert "ada@example.com" in text and "Ada" not in text and "HR file" not in text
    assert hr.answers is not None and hr.personal
    assert not any("Ada" in p.change if p.change else False for p in notifier.posts)
    await driver.refused(PRIVACY, "/dsar search DSAR-0001")  # every system already asked


async def test_owners_answer_and_the_ticket_shows_the_checklist(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], notifier: RecordingNotifier
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")
    await driver.refused(STAFF, '/dsar answer DSAR-0001 system="HR system" nothing')
    await driver.refused(ALICE, "/dsar answer DSAR-0001 system=Payroll nothing")
    await driver.refused(ALICE, '/dsar answer DSAR-0001 system="HR system" nothing items=3')
    await driver.ok(ALICE, '/dsar answer DSAR-0001 system="hr system" found items=12 note="file 7"')
    shown = (await driver.ok(PRIVACY, "/dsar show DSAR-0001")).reply.render_text()
    assert "Search: HR system" in shown and "@UALICE · found data (12 items)" in shown
    assert "Search: Payroll" in shown and "open, due Mon 1 Dec 2025" in shown
    assert "file 7" in shown
    staff_view = (await driver.ok(STAFF, "/dsar show DSAR-0001")).reply.render_text()
    assert "Search: HR system" in staff_view and "file 7" not in staff_view
    # The privacy team records Bob's emailed answer; the record says who recorded it.
    await driver.ok(PRIVACY, "/dsar answer DSAR-0001 system=Payroll not-mine")
    shown = (await driver.ok(PRIVACY, "/dsar show DSAR-0001")).reply.render_text()
    assert "not my system" in shown and "recorded by @UPRIV1" in shown
    assert any("every system owner has answered" in d.reply.text for d in notifier.directs)
    await _verify(sessions)


async def test_closing_waits_for_the_searches_or_a_reason(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")
    await driver.ok(DPO, "/dsar verify DSAR-0001 method=email_match")
    refused = await driver.refused(DPO, "/dsar close DSAR-0001 outcome=fulfilled")
    assert "2 search task(s) still open" in refused.reply.text
    await driver.ok(ALICE, '/dsar answer DSAR-0001 system="HR system" found items=2')
    refused = await driver.refused(
        DPO, '/dsar close DSAR-0001 outcome=no_data_held searches="Payroll is decommissioned"'
    )
    assert "HR system found data" in refused.reply.text
    await driver.ok(
        DPO, '/dsar close DSAR-0001 outcome=fulfilled searches="Payroll owner on leave"'
    )
    shown = (await driver.ok(DPO, "/dsar show DSAR-0001")).reply.render_text()
    assert "Closed with search tasks open: Payroll owner on leave" in shown
    # A withdrawal needs no search record.
    await driver.ok(STAFF, NEW.replace("Ada Lovelace", "Bo Peep"))
    await driver.ok(PRIVACY, "/dsar search DSAR-0002")
    await driver.ok(DPO, "/dsar close DSAR-0002 outcome=withdrawn")
    await _verify(sessions)


async def test_no_data_held_needs_every_answer_to_be_nothing_or_not_mine(driver: Driver) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")
    await driver.ok(DPO, "/dsar verify DSAR-0001 method=email_match")
    await driver.ok(ALICE, '/dsar answer DSAR-0001 system="HR system" nothing')
    await driver.ok(BOB, "/dsar answer DSAR-0001 system=Payroll not-mine")
    await driver.refused(DPO, '/dsar close DSAR-0001 outcome=no_data_held searches="x"')
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=no_data_held")


async def test_the_disclosure_log(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.refused(PRIVACY, "/dsar disclose DSAR-0001 items=40 withheld=3")
    await driver.refused(STAFF, "/dsar disclose DSAR-0001 items=40")
    await driver.ok(
        PRIVACY,
        '/dsar disclose DSAR-0001 items=40 withheld=3 exemption="Sch 2 para 16 (third parties)"'
        ' redactions="colleague names in 5 emails"',
    )
    shown = (await driver.ok(PRIVACY, "/dsar show DSAR-0001")).reply.render_text()
    assert "40 items, 3 withheld (Sch 2 para 16 (third parties)) on Mon 24 Nov 2025" in shown
    assert "colleague names in 5 emails" in shown
    async with sessions() as session:
        (row,) = await tasks_repo.disclosures_for(session=session, ref="DSAR-0001")
    assert (row.items, row.withheld, row.redactions) == (40, 3, "colleague names in 5 emails")
    await _verify(sessions)
    # The response letter lists what the disclosure log says went out and what was withheld.
    await driver.ok(PRIVACY, "/dsar verify DSAR-0001 method=account")
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled")
    drafted = await driver.ok(PRIVACY, "/dsar letter DSAR-0001 response")
    letter = " ".join((drafted.direct[0].reply.preformatted or "").split())
    assert "In all we are sending you 40 items." in letter
    assert "We have withheld 3 items, relying on Sch 2 para 16 (third parties)" in letter
    assert "colleague names" not in letter  # the redactions note is the team's, not the letter's


def test_a_task_is_due_before_the_requests_deadline() -> None:
    policy = Policy()
    req = Request(
        ref="DSAR-0001",
        type="access",
        state="in_progress",
        via="email",
        received=date(2025, 12, 1),
        calendar="GB-ENG",
        created_by="slack:U1",
        created_at=datetime(2025, 12, 1, tzinfo=UTC),
        due=date(2026, 1, 2),
    )
    assert search_record.task_due(req, date(2025, 12, 1), policy) == date(2025, 12, 8)
    # Sent on 22 Dec: 29 Dec would be after the deadline minus three working days (Boxing
    # Day, Christmas and the weekend are not working days): Mon 29 Dec is the last.
    assert search_record.task_due(req, date(2025, 12, 22), policy) == date(2025, 12, 29)
    assert search_record.task_due(req, date(2025, 12, 31), policy) == date(2025, 12, 31)


async def test_owners_are_nudged_until_they_answer(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")  # Mon 24 Nov, due Mon 1 Dec

    async def nudges_on(day: date) -> list[ChatUser]:
        clock.current = datetime(day.year, day.month, day.day, 9, 0, 1, tzinfo=UTC)
        before = len(notifier.directs)
        await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=sender)
        return [d.to for d in notifier.directs[before:] if d.reply.text.startswith("Reminder")]

    assert await nudges_on(date(2025, 11, 28)) == []
    assert sorted(await nudges_on(date(2025, 11, 29))) == [ALICE, BOB]  # two days before
    assert await nudges_on(date(2025, 11, 30)) == []
    await driver.ok(ALICE, '/dsar answer DSAR-0001 system="HR system" nothing')
    assert await nudges_on(date(2025, 12, 1)) == [BOB]  # the due day: only Bob still owes
    assert await nudges_on(date(2025, 12, 2)) == [BOB]  # then daily
    reminder = next(d.reply for d in notifier.directs if d.reply.text.startswith("Reminder"))
    assert reminder.answers is not None
    await driver.ok(BOB, "/dsar answer DSAR-0001 system=Payroll nothing")
    assert await nudges_on(date(2025, 12, 3)) == []
    assert await nudges_on(date(2025, 12, 10)) == []
    await _verify(sessions)


async def test_a_nudge_stops_when_the_request_closes(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=withdrawn")
    clock.current += timedelta(days=10)
    before = len(notifier.directs)
    await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=sender)
    assert not any(d.reply.text.startswith("Reminder") for d in notifier.directs[before:])


async def test_the_weekly_summary_counts_late_search_tasks_by_system(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(STAFF, NEW.replace("Ada Lovelace", "Bo Peep"))
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001")
    await driver.ok(PRIVACY, "/dsar search DSAR-0002 systems=Payroll")
    await driver.ok(ALICE, '/dsar answer DSAR-0001 system="HR system" nothing')
    clock.current = datetime(2025, 12, 8, 9, 0, tzinfo=UTC)  # the next Monday: all due 1 Dec
    text = (await driver.ok(DPO, "/dsar summary")).reply.render_text()
    assert "Searches late: Payroll: 2" in text and "HR system:" not in text
    assert "Search tasks past due" in text and "Ada" not in text
    await jobs.weekly_summary(sessions=sessions, clock=clock, policy=policy, sender=sender)
    [summary] = notifier.summaries
    assert summary.late_searches == (("Payroll", 2),)


async def test_retention_erases_the_owners_notes_and_the_redactions(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, "/dsar search DSAR-0001 systems=Payroll")
    await driver.ok(
        BOB, '/dsar answer DSAR-0001 system=Payroll found items=1 note="Ada\'s payslip"'
    )
    await driver.ok(PRIVACY, '/dsar disclose DSAR-0001 items=1 redactions="Ada\'s manager"')
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=withdrawn")
    clock.advance(days=7 * 366)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 1
    async with sessions() as session:
        [task] = await tasks_repo.tasks_for(session=session, ref="DSAR-0001")
        [disclosed] = await tasks_repo.disclosures_for(session=session, ref="DSAR-0001")
    assert (task.note, disclosed.redactions) == (None, None)
    assert (task.answer, task.items, disclosed.items) == ("found", 1, 1)  # the record stays
    await _verify(sessions)


async def test_the_search_tables_come_and_go_with_migration_0009(tmp_path: object) -> None:
    from pathlib import Path

    from sqlalchemy import inspect

    from storage.db import create_engine
    from storage.migrate import upgrade_async
    from tests.fakes.keys import TEST_KEYS

    assert isinstance(tmp_path, Path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade_async(url, keys=TEST_KEYS, revision="0007")
    engine = create_engine(url, keys=TEST_KEYS)

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    try:
        assert "search_tasks" not in await tables()
        await upgrade_async(url, keys=TEST_KEYS, revision="0009")
        assert {"systems", "search_tasks", "disclosures"} <= await tables()
    finally:
        await engine.dispose()


async def test_the_history_tells_the_search_record(driver: Driver) -> None:
    await driver.ok(STAFF, NEW)
    await _register(driver)
    await driver.ok(PRIVACY, '/dsar search DSAR-0001 systems="HR system"')
    await driver.ok(PRIVACY, '/dsar answer DSAR-0001 system="HR system" found items=4')
    await driver.ok(PRIVACY, '/dsar disclose DSAR-0001 items=4 withheld=1 exemption="Sch 3"')
    text = (await driver.ok(STAFF, "/dsar history DSAR-0001")).reply.render_text()
    assert "search sent to HR system, answers due Mon 1 Dec 2025" in text
    assert "search of HR system: found data (4 items), for @UALICE" in text
    assert "disclosure recorded: 4 items, 1 withheld" in text


def test_a_systems_file_is_read_at_start_and_a_bad_one_refused(tmp_path: object) -> None:
    from pathlib import Path

    import pytest
    from pydantic import ValidationError

    from bot.config import Settings

    assert isinstance(tmp_path, Path)
    good = tmp_path / "systems.yaml"
    good.write_text("systems:\n  - name: HR system\n    owner: slack:UALICE\n")
    policy = Settings(_env_file=None, systems_file=good).policy()
    assert [(s.name, s.owner) for s in policy.default_systems] == [("HR system", ALICE)]
    bad = tmp_path / "bad.yaml"
    bad.write_text("systems:\n  - name: HR system\n")
    with pytest.raises(ValidationError, match="needs a name and an owner"):
        Settings(_env_file=None, systems_file=bad)
    with pytest.raises(ValidationError, match="cannot read the systems file"):
        Settings(_env_file=None, systems_file=tmp_path / "missing.yaml")
