"""The rights-request lifecycle through the Desk, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.ports import RecordingNotifier
from storage import repositories as repo
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock, database_state

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
