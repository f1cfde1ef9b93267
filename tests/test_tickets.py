"""The rights-request lifecycle through the Desk, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock, database_state
from tests.fakes.notifier import RecordingNotifier

NEW = '/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'


async def test_open_request_gives_receipt_post_and_deadline(
    driver: Driver, notifier: RecordingNotifier, sessions: async_sessionmaker[AsyncSession]
) -> None:
    outcome = await driver.ok(STAFF, NEW)
    assert outcome.reply.ref == "DSAR-0001"
    assert "Wed 3 Dec 2025" in outcome.reply.render_text()
    assert "Jane" not in outcome.reply.render_text()
    [post] = notifier.posts
    assert (post.ref, post.ticket_type, post.state, post.deadline) == (
        "DSAR-0001",
        "access",
        "received",
        date(2025, 12, 3),
    )
    async with sessions() as session:
        req = await repo.request_by_ref(session=session, ref="DSAR-0001")
        assert req is not None and req.requester_email == "jane@example.com"
        assert req.created_by == "slack:USTAFF1"


async def test_full_lifecycle_moves_the_deadline(
    driver: Driver, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0001 asked=2025-11-04")
    out = await driver.ok(
        PRIVACY, "/dsar verify DSAR-0001 method=document_seen received=2025-11-06"
    )
    # Identity asked for and arrived 6 Nov: the clock starts then -> due 6 Dec (Sat) -> Mon 8 Dec.
    assert "Mon 8 Dec 2025" in out.reply.render_text()
    await driver.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-10")
    out = await driver.ok(PRIVACY, "/dsar resume DSAR-0001 received=2025-11-12")
    # 3 paused days: 6 Dec + 3 = 9 Dec (Tue).
    assert "Tue 9 Dec 2025" in out.reply.render_text()
    out = await driver.ok(PRIVACY, '/dsar extend DSAR-0001 reason="many systems" told=2025-11-20')
    # Three months from 6 Nov = 6 Feb + 3 = 9 Feb 2026 (Mon).
    assert "Mon 9 Feb 2026" in out.reply.render_text()
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=fulfilled")
    async with sessions() as session:
        req = await repo.request_by_ref(session=session, ref="DSAR-0001")
        assert req is not None
        assert (req.state, req.outcome, req.due) == ("closed", "fulfilled", date(2026, 2, 9))


async def test_verifying_identity_never_asked_for_does_not_move_the_clock(driver: Driver) -> None:
    await driver.ok(STAFF, NEW)
    out = await driver.ok(PRIVACY, "/dsar verify DSAR-0001 method=account received=2025-11-20")
    assert "Wed 3 Dec 2025" in out.reply.render_text()


async def test_staff_cannot_act_and_nothing_changes(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, NEW)
    before = await database_state(sessions)
    for line in (
        "/dsar verify DSAR-0001 method=account",
        "/dsar extend DSAR-0001 reason=x",
        "/dsar close DSAR-0001 outcome=withdrawn",
        "/dsar ask-id DSAR-0001",
        "/dsar summary",
    ):
        out = await driver.refused(STAFF, line)
        assert "only the privacy team" in out.reply.text
    assert await database_state(sessions) == before


async def test_lists_filter_and_staff_see_only_their_own(driver: Driver, clock: FakeClock) -> None:
    from tests.conftest import OTHER_STAFF

    await driver.ok(STAFF, '/dsar new access name="A" email=a@example.com received=2025-10-01')
    await driver.ok(
        OTHER_STAFF, '/dsar new erasure name="B" email=b@example.com received=2025-11-20'
    )
    await driver.ok(STAFF, '/dsar new consent name="C" email=c@example.com received=2025-10-28')
    overdue = (await driver.ok(PRIVACY, "/dsar list overdue")).reply.render_text()
    assert "DSAR-0001" in overdue and "DSAR-0002" not in overdue and "overdue" in overdue
    soon = (await driver.ok(PRIVACY, "/dsar list due-soon")).reply.render_text()
    assert (
        "DSAR-0003" in soon and "DSAR-0002" not in soon and "DSAR-0001" not in soon
    )  # due 28 Nov: within 7 days of 24 Nov
    staff_view = (await driver.ok(OTHER_STAFF, "/dsar list")).reply.render_text()
    assert "DSAR-0002" in staff_view and "DSAR-0001" not in staff_view
    await driver.refused(OTHER_STAFF, "/dsar show DSAR-0001")
    await driver.ok(PRIVACY, "/dsar close DSAR-0003 outcome=fulfilled")
    everything = (await driver.ok(PRIVACY, "/dsar list all")).reply.render_text()
    assert "DSAR-0003" in everything
    assert "DSAR-0003" not in (await driver.ok(PRIVACY, "/dsar list")).reply.render_text()


async def test_internal_target_is_shown_beside_the_legal_deadline(
    desk: object, driver: Driver
) -> None:
    from dataclasses import replace

    from handlers.desk import Desk

    assert isinstance(desk, Desk)
    desk.policy = replace(desk.policy, internal_target_days=28)
    out = await driver.ok(STAFF, NEW)
    # 3 Nov + 28 days = 1 Dec 2025 (Mon); legal deadline 3 Dec.
    assert "Internal target" in out.reply.render_text()
    assert "Mon 1 Dec 2025" in out.reply.render_text()


async def test_complaint_is_acknowledged_within_30_days(driver: Driver, clock: FakeClock) -> None:
    # Issue 9 changed the law here: DPA 2018 s.164A applies from 19 Jun 2026, and the 30 days
    # begin the day after receipt, rolled forward (ICO guidance).
    clock.current = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    out = await driver.ok(
        STAFF, '/dsar new complaint name="A" email=a@example.com received=2026-11-26'
    )
    text = out.reply.render_text()
    assert "acknowledge by Tue 29 Dec 2026" in text  # not Christmas Day, not Boxing Day
    assert "Acknowledge by" in text and "One-month deadline" not in text
    await driver.refused(PRIVACY, '/dsar extend DSAR-0001 reason="x"')


async def test_complaint_before_section_164a_has_no_acknowledgement_date(driver: Driver) -> None:
    out = await driver.ok(
        STAFF, '/dsar new complaint name="A" email=a@example.com received=2025-11-03'
    )
    assert "no statutory acknowledgement date" in out.reply.render_text()
    overdue = await driver.ok(DPO, "/dsar list overdue")
    assert "DSAR-0001" not in overdue.reply.render_text()


async def test_summary_counts(driver: Driver) -> None:
    await driver.ok(STAFF, '/dsar new access name="A" email=a@example.com received=2025-10-01')
    await driver.ok(STAFF, '/dsar new erasure name="B" email=b@example.com received=2025-11-18')
    await driver.ok(PRIVACY, '/dsar extend DSAR-0002 reason="complex"')
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')
    text = (await driver.ok(DPO, "/dsar summary")).reply.render_text()
    assert "Open requests                    2" in text
    assert "Overdue                          1" in text
    assert "Received last week               1" in text
    assert "Extensions in use                1" in text
    assert "Open breaches                    1" in text
    assert "BREACH-0001" in text and "2 days 22 hours left to tell the ICO" in text


async def test_assign_sends_a_direct_message(driver: Driver, notifier: RecordingNotifier) -> None:
    await driver.ok(STAFF, NEW)
    await driver.ok(DPO, "/dsar assign DSAR-0001 <@UPRIV1|priv>")
    [dm] = notifier.directs
    assert dm.to == PRIVACY and "DSAR-0001" in dm.reply.text and "Jane" not in dm.reply.text


async def test_due_soon_means_today_and_the_next_six_days(driver: Driver) -> None:
    # Today is Mon 24 Nov 2025: Fri 28 Nov is within the 7 days, Mon 1 Dec (day 8) is not.
    await driver.ok(STAFF, '/dsar new access name="A" email=a@example.com received=2025-10-28')
    await driver.ok(STAFF, '/dsar new access name="B" email=b@example.com received=2025-11-01')
    soon = (await driver.ok(PRIVACY, "/dsar list due-soon")).reply.render_text()
    assert "DSAR-0001" in soon and "DSAR-0002" not in soon
    summary = (await driver.ok(DPO, "/dsar summary")).reply.render_text()
    assert "Due in the next 7 days           1" in summary
