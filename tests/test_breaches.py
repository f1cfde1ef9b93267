"""The 72-hour breach workflow through the Desk, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock
from tests.fakes.notifier import RecordingNotifier


async def test_breach_is_logged_assessed_reported_and_closed(
    driver: Driver, notifier: RecordingNotifier, sessions: async_sessionmaker[AsyncSession]
) -> None:
    out = await driver.ok(
        STAFF, '/breach new aware="2025-11-24T08:00" summary="spreadsheet emailed to a supplier"'
    )
    assert out.reply.ref == "BREACH-0001"
    assert "Thu 27 Nov 2025 08:00 GMT" in out.reply.text
    [post] = notifier.posts
    assert post.deadline == datetime(2025, 11, 27, 8, 0, tzinfo=UTC)
    [dm] = notifier.directs
    assert dm.to == DPO and "BREACH-0001" in dm.reply.text and "spreadsheet" not in dm.reply.text

    await driver.ok(PRIVACY, "/breach assess BREACH-0001 risk=high subjects=120 records=400")
    await driver.ok(DPO, "/breach ico BREACH-0001 case=IC-123456 at=2025-11-24T09:00")
    await driver.ok(DPO, "/breach tell-subjects BREACH-0001")
    await driver.ok(DPO, "/breach close BREACH-0001")
    async with sessions() as session:
        breach = await repo.breach_by_ref(session=session, ref="BREACH-0001")
    assert breach is not None
    assert (breach.state, breach.risk, breach.subjects_count, breach.ico_case_ref) == (
        "closed", "high", 120, "IC-123456",
    )  # fmt: skip
    assert breach.ico_notified_at == datetime(2025, 11, 24, 9, 0, tzinfo=UTC)
    assert all("spreadsheet" not in repr(p) for p in notifier.posts)


async def test_aware_time_with_offset_is_stored_in_utc(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-10-24T16:00+01:00" summary="x"')
    async with sessions() as session:
        breach = await repo.breach_by_ref(session=session, ref="BREACH-0001")
    assert breach is not None
    assert breach.aware_at == datetime(2025, 10, 24, 15, 0, tzinfo=UTC)
    assert breach.ico_due == datetime(2025, 10, 27, 15, 0, tzinfo=UTC)


async def test_late_report_needs_reasons_before_close(driver: Driver, clock: FakeClock) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')
    clock.advance(hours=80)
    out = await driver.ok(DPO, "/breach ico BREACH-0001 case=IC-1")
    assert any("delay-reason" in line for line in out.reply.lines)
    await driver.refused(DPO, "/breach close BREACH-0001")
    await driver.ok(DPO, '/breach delay-reason BREACH-0001 "forensics took four days"')
    await driver.ok(DPO, "/breach close BREACH-0001")


async def test_not_reportable_needs_risk_none(driver: Driver) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')
    await driver.refused(DPO, '/breach not-reportable BREACH-0001 reason="encrypted"')
    await driver.ok(DPO, "/breach assess BREACH-0001 risk=none")
    await driver.ok(DPO, '/breach not-reportable BREACH-0001 reason="encrypted"')
    await driver.ok(DPO, "/breach close BREACH-0001")


async def test_staff_see_only_their_own_breaches(driver: Driver) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="secret"')
    mine = await driver.ok(STAFF, "/breach show BREACH-0001")
    assert "secret" not in mine.reply.render_text()
    listed = await driver.ok(PRIVACY, "/breach list")
    assert "BREACH-0001" in listed.reply.render_text()
    full = await driver.ok(PRIVACY, "/breach show BREACH-0001")
    assert "secret" in full.reply.render_text()
