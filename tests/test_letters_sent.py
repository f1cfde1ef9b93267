"""Issue 12 item 3: ``/dsar sent REF KIND`` records that a letter went; for the extension, the
refusals and the complaint acknowledgement it sets the date the deadline rules use, and late
is flagged. The ticket shows which letters were drafted and sent.

The clock is Monday 2025-11-24 09:30 UTC (tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit, export, rules
from storage import repositories as repo
from storage.db import transaction
from storage.enums import ExportKind
from storage.models import Request
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock, database_state

NEW = '/dsar new {kind} name="Jane Doe" email=jane@example.com received={received}'


async def request(sessions: async_sessionmaker[AsyncSession], ref: str = "DSAR-0001") -> Request:
    async with sessions() as session:
        found = await repo.request_by_ref(session=session, ref=ref, for_update=False)
    assert found is not None
    return found


async def show(driver: Driver, ref: str = "DSAR-0001") -> str:
    return (await driver.ok(DPO, f"/dsar show {ref}")).reply.render_text()


async def test_sent_extension_sets_told_and_the_ticket_shows_the_letters(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    await driver.ok(PRIVACY, '/dsar extend DSAR-0001 reason="numerous" told=2025-11-20')
    await driver.ok(DPO, "/dsar letter DSAR-0001 extension")
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0001 extension on=2025-11-21 via=post")
    assert not said.reply.lines  # in time: no warning
    req = await request(sessions)
    assert req.extension_told_on is not None and req.extension_told_on.isoformat() == "2025-11-21"
    assert req.due is not None and req.due.isoformat() == "2026-02-20"  # still extended
    assert "Letter: extension" in (text := await show(driver))
    assert "drafted Mon 24 Nov 2025; sent Fri 21 Nov 2025 by post" in text
    [post] = said.posts
    assert post.change == "extension letter sent"  # the channel learns the kind, not the text


async def test_an_extension_letter_sent_late_loses_the_extension(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    await driver.ok(PRIVACY, '/dsar extend DSAR-0001 reason="numerous"')
    clock.current = datetime(2025, 12, 23, 9, 30, tzinfo=UTC)  # notice was due Mon 22 Dec
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0001 extension")
    warning = said.reply.render_text()
    assert "Late" in warning and "Mon 22 Dec 2025" in warning and "Art 12(3)" in warning
    req = await request(sessions)
    assert rules.extension_told_late(req)
    assert req.due is not None and req.due.isoformat() == "2025-12-22"  # the one-month date
    assert "DSAR-0001" in (await driver.ok(DPO, "/dsar list overdue")).reply.render_text()
    assert "sent Tue 23 Dec 2025 (late)" in await show(driver)


async def test_sent_refusal_sets_told_and_a_late_one_is_flagged(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    await driver.ok(
        PRIVACY, '/dsar close DSAR-0001 outcome=refused reason="repeat" basis=excessive'
    )
    assert not rules.refusal_told_late(await request(sessions))
    clock.current = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # after the due Mon 22 Dec 2025
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0001 refusal via=email")
    assert "right to complain to the ICO after the deadline" in said.reply.render_text()
    req = await request(sessions)
    assert req.complaint_right_told_on is not None
    assert req.complaint_right_told_on.isoformat() == "2026-01-05"
    assert rules.refusal_told_late(req)
    async with transaction(sessions) as session:
        assert (await audit.verify(session=session)).ok


async def test_sent_complaint_acknowledgement_sets_the_date_and_late_is_flagged(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    clock.current = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    await driver.ok(STAFF, NEW.format(kind="complaint", received="2026-06-25"))  # ack by 27 Jul
    await driver.ok(STAFF, NEW.format(kind="complaint", received="2026-07-30"))
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0001 complaint-acknowledgement")
    assert "s.164A" in said.reply.render_text() and "Late" in said.reply.render_text()
    assert rules.complaint_acknowledged_late(await request(sessions))
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0002 complaint-acknowledgement via=email")
    assert not said.reply.lines
    second = await request(sessions, "DSAR-0002")
    assert second.acknowledged_on is not None and not rules.complaint_acknowledged_late(second)
    shown = await show(driver)
    assert "Acknowledged " in shown and "Mon 3 Aug 2026 (late)" in shown
    async with transaction(sessions) as session:
        rows = {
            row["reference"]: row
            for row in await export.rows(session=session, kind=ExportKind.REQUESTS, personal=False)
        }
    assert rows["DSAR-0001"]["complaint_acknowledged"] == "2026-08-03"
    assert rows["DSAR-0001"]["complaint_acknowledged_late"] == "yes"
    assert rows["DSAR-0002"]["complaint_acknowledged_late"] == "no"


async def test_other_letters_are_recorded_as_events_only(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    before = await request(sessions)
    said = await driver.ok(PRIVACY, "/dsar sent DSAR-0001 acknowledgement via=email")
    assert said.reply.text == "DSAR-0001: acknowledgement letter sent on Mon 24 Nov 2025 by email."
    after = await request(sessions)
    assert after.model_dump() == before.model_dump()
    async with sessions() as session:
        events = await repo.events_for(session=session, ref="DSAR-0001")
    assert events[-1].action == "letter_sent" and "Jane" not in events[-1].data


async def test_sent_refuses_what_the_ticket_does_not_support_and_bad_dates(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    before = await database_state(sessions)
    await driver.refused(PRIVACY, "/dsar sent DSAR-0001 refusal")
    await driver.refused(PRIVACY, "/dsar sent DSAR-0001 acknowledgement on=2025-11-19")
    await driver.refused(PRIVACY, "/dsar sent DSAR-0001 acknowledgement on=2025-12-01")
    await driver.refused(PRIVACY, "/dsar sent DSAR-0001 acknowledgement via=pigeon")
    await driver.refused(PRIVACY, "/dsar sent DSAR-0001 letterbomb")
    await driver.refused(STAFF, "/dsar sent DSAR-0001 acknowledgement")
    assert await database_state(sessions) == before


async def test_mark_as_sent_button_runs_sent(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW.format(kind="access", received="2025-11-20"))
    drafted = await driver.ok(DPO, "/dsar letter DSAR-0001 acknowledgement")
    [dm] = drafted.direct
    assert dm.reply.actions == ("sent-acknowledgement",)
    desk = driver.desk
    staff = await desk.press(
        actor=desk.actor(STAFF), action="sent-acknowledgement", ref="DSAR-0001"
    )
    assert staff.reply.notice and "Only the privacy team" in staff.reply.text
    pressed = await desk.press(
        actor=desk.actor(DPO), action="sent-acknowledgement", ref="DSAR-0001"
    )
    assert pressed.reply.text.startswith("DSAR-0001: acknowledgement letter sent on")
    assert "sent Mon 24 Nov 2025" in await show(driver)
