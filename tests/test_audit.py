"""The hash-chained history: intact after real work, broken by every kind of tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit
from storage import repositories as repo
from tests.conftest import DPO, PRIVACY, STAFF, Driver


async def _work(driver: Driver) -> None:
    await driver.ok(STAFF, '/dsar new access name="Ann Example" email=ann@example.com')
    await driver.ok(STAFF, '/dsar new erasure name="Bob Example" email=bob@example.com')
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0001")
    await driver.ok(PRIVACY, "/dsar verify DSAR-0001 method=email_match")
    await driver.ok(PRIVACY, '/dsar note DSAR-0001 "called back"')
    await driver.ok(PRIVACY, "/dsar clarify DSAR-0002")
    await driver.ok(PRIVACY, "/dsar resume DSAR-0002")
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="email to wrong person"')
    await driver.ok(DPO, "/breach assess BREACH-0001 risk=none")
    await driver.ok(DPO, '/breach not-reportable BREACH-0001 reason="encrypted attachment"')


async def _verify(sessions: async_sessionmaker[AsyncSession]) -> audit.AuditReport:
    async with sessions() as session:
        return await audit.verify(session=session)


async def _exec(sessions: async_sessionmaker[AsyncSession], sql: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(text(sql))


async def test_chain_is_intact_after_real_work(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _work(driver)
    report = await _verify(sessions)
    assert report.ok, report.problems
    assert (report.events, report.tickets) == (10, 3)


async def test_events_hold_no_personal_data(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _work(driver)
    async with sessions() as session:
        events = [e async for e in repo.iter_events(session=session)]
    blob = json.dumps([(e.data, e.actor, e.action) for e in events])
    for secret in ("Ann", "ann@example.com", "Bob", "called back", "wrong person", "encrypted"):
        assert secret not in blob


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE events SET data = replace(data, 'email_match', 'document_seen') WHERE seq = 4",
         "event 4 (DSAR-0001) has been altered"),
        ("UPDATE events SET actor = 'slack:UMALLORY' WHERE seq = 2", "event 2"),
        ("DELETE FROM events WHERE seq = 5", "event 5 is missing"),
        ("DELETE FROM events WHERE seq = 10", "the chain ends early"),
        ("UPDATE events SET seq = seq + 100 WHERE seq = 3", "event 3 is missing"),
        ("UPDATE requests SET due = '2026-06-01' WHERE ref = 'DSAR-0002'",
         "DSAR-0002 has been changed outside the history"),
        ("UPDATE requests SET requester_email = 'x@example.com' WHERE ref = 'DSAR-0001'",
         "DSAR-0001 has been changed outside the history"),
        ("UPDATE notes SET text = 'x'", "DSAR-0001 has been changed outside the history"),
        ("DELETE FROM pauses", "DSAR-0002 has been changed outside the history"),
        ("UPDATE breaches SET risk = 'high'", "BREACH-0001 has been changed outside the history"),
        ("DELETE FROM breaches", "BREACH-0001 has a history but no ticket"),
    ],
)  # fmt: skip
async def test_tampering_is_detected(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], tamper: str, expected: str
) -> None:
    await _work(driver)
    await _exec(sessions, tamper)
    report = await _verify(sessions)
    assert not report.ok
    assert any(expected in problem for problem in report.problems), report.problems


async def test_swapping_two_events_is_detected(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _work(driver)
    # Reorder: give events 6 and 7 each other's sequence numbers (via a free slot).
    await _exec(sessions, "UPDATE events SET seq = 1000 WHERE seq = 6")
    await _exec(sessions, "UPDATE events SET seq = 6 WHERE seq = 7")
    await _exec(sessions, "UPDATE events SET seq = 7 WHERE seq = 1000")
    report = await _verify(sessions)
    assert not report.ok
    assert any("does not follow" in p or "altered" in p for p in report.problems)


async def test_recomputed_chain_still_fails_without_the_head(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Deleting the newest events leaves a valid prefix; the head row still catches it."""
    await _work(driver)
    await _exec(sessions, "DELETE FROM events WHERE seq >= 9")
    report = await _verify(sessions)
    assert any("ends early" in p for p in report.problems)
