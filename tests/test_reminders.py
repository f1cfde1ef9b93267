"""Nudges nobody misses (SPEC §6): the reminder schedule driven by a fake clock, week by week.

``Nudges`` moves the FakeClock forward and runs ``jobs.sweep`` at each step, keeping every
delivery a sweep produced together with the moment it went out. Date-based nudges are probed
one second before and exactly at 09:00 Europe/London each day, so a nudge seen at the probe
proves it fired at 09:00 and not earlier; breach nudges are probed hourly. Everything runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit, jobs
from handlers.desk import Desk
from handlers.offsets import OffsetsError, ReminderOffsets, parse_offsets
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import (
    ChannelPost,
    ChatUser,
    Delivery,
    DeliveryKind,
    Reply,
    WeeklySummary,
)
from storage import repositories as repo
from storage.models import Reminder, Request
from tests.conftest import COMPLIANCE, DPO, PRIVACY, STAFF, Driver, FakeClock
from tests.fakes.notifier import RecordingNotifier

LONDON = ZoneInfo("Europe/London")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ADA = 'name="Ada Lovelace" email=ada@example.com details="all CCTV of me"'


def at9(year: int, month: int, day: int) -> datetime:
    """09:00 on that day in London (GMT or BST, whichever applies)."""
    return datetime(year, month, day, 9, 0, tzinfo=LONDON)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class Nudges:
    """Steps the clock, sweeps, and keeps ``(moment, delivery)`` for what each sweep sent."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: FakeClock,
        policy: Policy,
        sender: Sender | None,
        notifier: RecordingNotifier,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.policy = policy
        self.sender = sender
        self.notifier = notifier
        self.seen: list[tuple[datetime, Delivery]] = []
        self.sweeps = 0

    async def sweep(self) -> list[Delivery]:
        before = len(self.notifier.deliveries)
        await jobs.sweep(
            sessions=self.sessions, clock=self.clock, policy=self.policy, sender=self.sender
        )
        self.sweeps += 1
        new = self.notifier.deliveries[before:]
        now = self.clock.now()
        self.seen.extend((now, d) for d in new)
        return new

    async def sweep_at(self, moment: datetime) -> list[Delivery]:
        assert moment >= self.clock.now(), "the clock only moves forward"
        self.clock.current = moment.astimezone(UTC)
        return await self.sweep()

    async def quiet_until(self, moment: datetime) -> None:
        """One sweep at ``moment``: nothing may have fallen due since the last sweep."""
        assert await self.sweep_at(moment) == []

    async def step(self, *, until: datetime, every: timedelta) -> None:
        """Sweep at every multiple of ``every`` (counted from midnight UTC) up to ``until``."""
        moment = EPOCH + every * ((self.clock.now() - EPOCH) // every + 1)
        while moment <= until:
            await self.sweep_at(moment)
            moment += every

    async def mornings(self, first: date, last: date, *, at: time = time(9, 0)) -> None:
        """Sweep one second before and exactly at ``at`` London time on each day (not past)."""
        for day in days(first, last):
            nine = datetime.combine(day, at, tzinfo=LONDON)
            for moment in (nine - timedelta(seconds=1), nine):
                if moment > self.clock.now():
                    await self.sweep_at(moment)

    def dms(self, ref: str | None = None) -> list[tuple[datetime, ChatUser, str]]:
        """Direct messages sent by sweeps: (moment, to whom, text), optionally for one ticket."""
        return [
            (moment, ChatUser(self.notifier.platform, d.target), d.content.text)
            for moment, d in self.seen
            if d.kind == DeliveryKind.DIRECT
            and isinstance(d.content, Reply)
            and (ref is None or d.content.ref == ref)
        ]

    def dm_times(self, ref: str | None = None, to: ChatUser = DPO) -> list[datetime]:
        return [moment for moment, user, _ in self.dms(ref) if user == to]

    def channel(self) -> list[tuple[datetime, Delivery, ChannelPost]]:
        return [
            (moment, d, d.content)
            for moment, d in self.seen
            if d.kind != DeliveryKind.DIRECT and isinstance(d.content, ChannelPost)
        ]


@pytest.fixture
def nudges(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> Nudges:
    return Nudges(sessions=sessions, clock=clock, policy=policy, sender=sender, notifier=notifier)


async def reminders_of(sessions: async_sessionmaker[AsyncSession], ref: str) -> list[Reminder]:
    async with sessions() as session:
        return await repo.reminders_for(session=session, ref=ref)


async def request_row(sessions: async_sessionmaker[AsyncSession], ref: str) -> Request:
    async with sessions() as session:
        req = await repo.request_by_ref(session=session, ref=ref)
    assert req is not None
    return req


def overdue_days(first: date, last: date) -> list[datetime]:
    return [at9(d.year, d.month, d.day) for d in days(first, last)]


# --- rights requests: the countdown and the overdue repeat --------------------------------------


async def test_request_nudges_count_down_then_repeat_daily_while_overdue(
    driver: Driver, nudges: Nudges, notifier: RecordingNotifier
) -> None:
    # Received Mon 24 Nov 2025: due Wed 24 Dec (one month; a working day, so no roll).
    # extension_notice_by = due, so the extension nudge is 3 days before: Sun 21 Dec.
    # Nudges are calendar days: Christmas and weekends are not skipped.
    out = await driver.ok(STAFF, f"/dsar new access {ADA}")
    assert out.reply.ref == "DSAR-0001"
    opening_id = "m1"  # the first thing the RecordingNotifier delivered
    assert notifier.deliveries[0].content == ChannelPost(
        ref="DSAR-0001",
        kind="request",
        ticket_type="access",
        state="received",
        deadline=date(2025, 12, 24),
    )

    await nudges.mornings(date(2025, 11, 25), date(2026, 1, 2))

    expected = [
        at9(2025, 12, 17),  # due-7d
        at9(2025, 12, 21),  # extension notice (24 Dec minus 3 days)
        at9(2025, 12, 22),  # due-2d
        at9(2025, 12, 24),  # due day
        *overdue_days(date(2025, 12, 25), date(2026, 1, 2)),  # daily from the day after
    ]
    assert nudges.dm_times() == expected
    assert {user for _, user, _ in nudges.dms()} == {DPO}  # no assignee yet: the DPO only

    texts = [text for _, _, text in nudges.dms()]
    assert texts[0] == "DSAR-0001 (access) is due Wed 24 Dec 2025 (in 7 days)"
    assert texts[1] == (
        "DSAR-0001 (access): if it needs the two-month extension, "
        "tell the requester by Wed 24 Dec 2025"
    )
    assert texts[2] == "DSAR-0001 (access) is due Wed 24 Dec 2025 (in 2 days)"
    assert texts[3] == "DSAR-0001 (access) is due Wed 24 Dec 2025 (today)"
    assert texts[4] == "DSAR-0001 (access) is OVERDUE: it was due Wed 24 Dec 2025 (1 day overdue)"
    assert texts[-1] == (
        "DSAR-0001 (access) is OVERDUE: it was due Wed 24 Dec 2025 (9 days overdue)"
    )
    assert all("Ada" not in t and "CCTV" not in t and "@" not in t for t in texts)

    # The compliance channel gets one "overdue" reply, in the ticket's thread, the first day.
    [(moment, delivery, post)] = nudges.channel()
    assert moment == at9(2025, 12, 25)
    assert delivery.kind == DeliveryKind.REPLY
    assert delivery.target == COMPLIANCE.external_id
    assert delivery.thread == opening_id
    assert (post.ref, post.change, post.deadline) == ("DSAR-0001", "overdue", date(2025, 12, 24))
    # Two probes a day for 39 days: the whole six weeks stayed cheap.
    assert nudges.sweeps == 2 * 39


async def test_assignee_is_added_as_a_recipient(
    driver: Driver, nudges: Nudges, notifier: RecordingNotifier
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await driver.ok(DPO, "/dsar assign DSAR-0001 @UPRIV1")
    # The assignment itself is a command DM, not a nudge.
    assert [d.to for d in notifier.directs] == [PRIVACY]

    await nudges.quiet_until(datetime(2025, 12, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 22))
    seven, ext, two = at9(2025, 12, 17), at9(2025, 12, 21), at9(2025, 12, 22)
    assert sorted((m, str(u)) for m, u, _ in nudges.dms()) == [
        (seven, str(DPO)), (seven, str(PRIVACY)),
        (ext, str(DPO)), (ext, str(PRIVACY)),
        (two, str(DPO)), (two, str(PRIVACY)),
    ]  # fmt: skip


async def test_back_dated_request_gets_one_overdue_nudge_not_a_burst(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Received 24 Sep: due Fri 24 Oct; every countdown nudge and the first overdue are past.
    out = await driver.ok(STAFF, f"/dsar new access {ADA} received=2025-09-24")
    assert "already overdue" in out.reply.text

    first = await nudges.sweep()
    dms = [d for d in first if d.kind == DeliveryKind.DIRECT]
    assert len(dms) == 1
    assert isinstance(dms[0].content, Reply)
    assert dms[0].content.text == (
        "DSAR-0001 (access) is OVERDUE: it was due Fri 24 Oct 2025 (31 days overdue)"
    )
    [(_, _, post)] = nudges.channel()
    assert post.change == "overdue"

    rows = await reminders_of(sessions, "DSAR-0001")
    states = Counter((r.kind, r.state) for r in rows)
    assert states == Counter(
        {
            ("due-7d", "superseded"): 1,
            ("extension", "superseded"): 1,
            ("due-2d", "superseded"): 1,
            ("due-0d", "superseded"): 1,
            ("overdue", "sent"): 1,
            ("overdue", "pending"): 1,
        }
    )
    # Another sweep at once sends nothing; the next day brings exactly one more.
    assert await nudges.sweep() == []
    await nudges.sweep_at(datetime(2025, 11, 25, 12, 0, tzinfo=UTC))
    assert len(nudges.dms()) == 2
    assert len(nudges.channel()) == 1


async def test_back_dated_overdue_repeats_at_nine_local(
    driver: Driver, nudges: Nudges, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Due Fri 24 Oct 2025 (BST); first overdue Sat 25 Oct 09:00 BST; clocks went back 26 Oct.
    await driver.ok(STAFF, f"/dsar new access {ADA} received=2025-09-24")
    await nudges.sweep()
    [following] = [r for r in await reminders_of(sessions, "DSAR-0001") if r.state == "pending"]
    assert following.fire_at == at9(2025, 11, 25)  # 09:00 GMT, not 08:00 (= 09:00 BST in UTC)


def clock_at_open() -> datetime:
    return datetime(2025, 11, 24, 9, 30, tzinfo=UTC)


async def test_assigning_while_overdue_neither_duplicates_nor_breaks_the_repeat(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await nudges.quiet_until(datetime(2025, 12, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 26))
    clock.current = datetime(2025, 12, 26, 10, 0, tzinfo=UTC)
    await driver.ok(DPO, "/dsar assign DSAR-0001 @UPRIV1")  # reschedules while overdue
    await nudges.mornings(date(2025, 12, 26), date(2025, 12, 28))
    overdue = [(m, u) for m, u, text in nudges.dms() if "OVERDUE" in text]
    assert overdue == [
        (at9(2025, 12, 25), DPO),
        (at9(2025, 12, 26), DPO),
        (at9(2025, 12, 27), DPO),
        (at9(2025, 12, 27), PRIVACY),
        (at9(2025, 12, 28), DPO),
        (at9(2025, 12, 28), PRIVACY),
    ]
    assert len(nudges.channel()) == 1


# --- pause, resume, extend, close ---------------------------------------------------------------


async def test_clarify_stops_nudges_and_resume_reschedules(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    clock.current = datetime(2025, 12, 16, 10, 0, tzinfo=UTC)
    # 22 days after receipt: issue 9 (late actions) now asks for the reason
    await driver.ok(PRIVACY, '/dsar clarify DSAR-0001 late-reason="scope unclear"')  # paused 16 Dec
    assert [r for r in await reminders_of(sessions, "DSAR-0001") if r.state == "pending"] == []

    # Without the pause: 17, 21, 22, 24 Dec and daily from 25 Dec. Paused: nothing at all.
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 29))
    assert nudges.dms() == []

    clock.current = datetime(2025, 12, 29, 10, 0, tzinfo=UTC)
    await driver.ok(PRIVACY, "/dsar resume DSAR-0001")  # answered Mon 29 Dec
    # Pause 16..29 Dec inclusive = 14 days: 24 Dec + 14 = Wed 7 Jan 2026.
    req = await request_row(sessions, "DSAR-0001")
    assert (req.due, req.extension_notice_by) == (date(2026, 1, 7), date(2026, 1, 7))

    await nudges.mornings(date(2025, 12, 30), date(2026, 1, 9))
    assert nudges.dm_times() == [
        at9(2025, 12, 31),  # due-7d
        at9(2026, 1, 4),  # extension notice: 7 Jan minus 3 days
        at9(2026, 1, 5),  # due-2d
        at9(2026, 1, 7),  # due day
        at9(2026, 1, 8),  # overdue
        at9(2026, 1, 9),
    ]
    assert "is due Wed 7 Jan 2026 (in 7 days)" in nudges.dms()[0][2]


async def test_extend_moves_nudges_to_the_extended_due(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await nudges.quiet_until(datetime(2025, 12, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 17))
    assert nudges.dm_times() == [at9(2025, 12, 17)]  # due-7d for 24 Dec went out

    clock.current = datetime(2025, 12, 18, 11, 0, tzinfo=UTC)
    await driver.ok(DPO, '/dsar extend DSAR-0001 reason="records in six systems"')
    req = await request_row(sessions, "DSAR-0001")
    assert req.due == date(2026, 2, 24)  # three months from 24 Nov: Tue 24 Feb 2026

    await nudges.mornings(date(2025, 12, 19), date(2025, 12, 27))  # the old dates stay quiet
    await nudges.quiet_until(datetime(2026, 2, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2026, 2, 17), date(2026, 2, 26))
    assert nudges.dm_times() == [
        at9(2025, 12, 17),
        # Nothing for 21, 22, 24 Dec or the old overdue; no extension nudge once extended.
        at9(2026, 2, 17),  # due-7d of the extended date
        at9(2026, 2, 22),  # due-2d
        at9(2026, 2, 24),  # due day
        at9(2026, 2, 25),  # overdue
        at9(2026, 2, 26),
    ]
    texts = [text for _, _, text in nudges.dms()]
    assert texts[1] == "DSAR-0001 (access) is due Tue 24 Feb 2026 (in 7 days)"
    assert not any("extension" in t for t in texts)


async def test_close_cancels_every_pending_nudge(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await nudges.quiet_until(datetime(2025, 12, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 17))
    assert nudges.dm_times() == [at9(2025, 12, 17)]

    clock.current = datetime(2025, 12, 18, 11, 0, tzinfo=UTC)
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=fulfilled")
    rows = await reminders_of(sessions, "DSAR-0001")
    assert [(r.kind, r.state) for r in rows] == [("due-7d", "sent")]

    await nudges.mornings(date(2025, 12, 19), date(2025, 12, 27))
    await nudges.quiet_until(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert nudges.dm_times() == [at9(2025, 12, 17)]
    assert nudges.channel() == []


async def test_close_while_overdue_stops_the_daily_repeat(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA} received=2025-09-24")
    for day in (24, 25, 26):
        await nudges.sweep_at(datetime(2025, 11, day, 11, 0, tzinfo=UTC))
    assert len(nudges.dms()) == 3  # the collapsed first one, then 25 and 26 Nov
    clock.current = datetime(2025, 11, 26, 12, 0, tzinfo=UTC)
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=fulfilled")
    await nudges.mornings(date(2025, 11, 27), date(2025, 12, 3))
    assert len(nudges.dms()) == 3


# --- identity ------------------------------------------------------------------------------------


async def test_identity_chase_once_after_seven_days_and_verify_cancels_it(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await driver.ok(STAFF, '/dsar new erasure name="Bo Peep" email=bo@example.com')
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0001")  # asked Mon 24 Nov
    await driver.ok(PRIVACY, "/dsar ask-id DSAR-0002")
    clock.current = datetime(2025, 11, 28, 10, 0, tzinfo=UTC)
    await driver.ok(PRIVACY, "/dsar verify DSAR-0002 method=document_seen")  # arrived 28 Nov

    await nudges.mornings(date(2025, 11, 29), date(2025, 12, 15))
    [(moment, user, text)] = nudges.dms()
    assert (moment, user) == (at9(2025, 12, 1), DPO)  # 24 Nov + 7 days, 09:00
    assert text == (
        "DSAR-0001 (access): identity asked Mon 24 Nov 2025 and not yet received "
        "— chase the requester"
    )

    kinds = [(r.kind, r.state) for r in await reminders_of(sessions, "DSAR-0001")]
    assert kinds == [("id-chase", "sent")]  # once: no repeat while still waiting
    # DSAR-0002: the chase is gone; its clock runs from 28 Nov (due Mon 29 Dec, after the
    # Sunday 28th), so its countdown starts on 22 Dec.
    second = await reminders_of(sessions, "DSAR-0002")
    assert "id-chase" not in {r.kind for r in second}
    assert min(r.fire_at for r in second) == at9(2025, 12, 22)


# --- breaches ------------------------------------------------------------------------------------


async def test_breach_nudges_until_the_ico_decision(
    driver: Driver, nudges: Nudges, clock: FakeClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="laptop left on a train"')
    aware = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)  # GMT in November

    # Every breach time is on a 4-hour grid (08:00 GMT + 12 h, + 4 h …): 2-hourly steps suffice;
    # the stored fire_at values are checked to the second below.
    await nudges.step(until=datetime(2025, 11, 28, 9, 0, tzinfo=UTC), every=timedelta(hours=2))
    repeats = [aware + timedelta(hours=h) for h in (76, 80, 84, 88, 92, 96)]
    expected = [aware + timedelta(hours=h) for h in (24, 48, 60, 68, 72)] + repeats
    assert nudges.dm_times("BREACH-0001") == expected
    assert {user for _, user, _ in nudges.dms()} == {DPO}
    texts = [text for _, _, text in nudges.dms()]
    assert all(
        t.startswith("BREACH-0001: tell the ICO by Thu 27 Nov 2025 08:00 GMT") for t in texts
    )
    assert "(2 days left to tell the ICO)" in texts[0]
    assert texts[5].endswith("(ICO decision 4 hours overdue)")
    assert all("laptop" not in t for t in texts)

    # Exactly one alarm in the channel, at 72 h, in the breach's thread.
    [(moment, delivery, post)] = nudges.channel()
    assert moment == aware + timedelta(hours=72)
    assert delivery.kind == DeliveryKind.REPLY and delivery.thread == "m1"
    assert (post.ref, post.change) == ("BREACH-0001", "72 hours passed without an ICO decision")

    clock.current = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)
    await driver.ok(DPO, "/breach ico BREACH-0001 case=IC-42")
    await nudges.step(until=datetime(2025, 11, 30, 12, 0, tzinfo=UTC), every=timedelta(hours=4))
    assert nudges.dm_times("BREACH-0001") == expected  # nothing after the decision
    assert len(nudges.channel()) == 1

    rows = await reminders_of(sessions, "BREACH-0001")
    assert [r.state for r in rows] == ["sent"] * len(expected)
    assert [(r.kind, r.fire_at) for r in rows] == [
        *((f"breach-{h}h", aware + timedelta(hours=h)) for h in (24, 48, 60, 68, 72)),
        *(("breach-repeat", when) for when in repeats),
    ]


async def test_assessing_during_the_repeats_keeps_their_rhythm(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')
    await nudges.step(until=datetime(2025, 11, 27, 13, 0, tzinfo=UTC), every=timedelta(hours=2))
    clock.current = datetime(2025, 11, 27, 13, 30, tzinfo=UTC)
    await driver.ok(DPO, "/breach assess BREACH-0001 risk=high")  # still undecided: repeats go on
    await nudges.step(until=datetime(2025, 11, 28, 1, 0, tzinfo=UTC), every=timedelta(hours=2))
    aware = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
    assert nudges.dm_times() == [
        aware + timedelta(hours=h) for h in (24, 48, 60, 68, 72, 76, 80, 84, 88)
    ]
    assert len(nudges.channel()) == 1


async def test_not_reportable_also_stops_breach_nudges(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')
    await nudges.step(until=datetime(2025, 11, 25, 9, 0, tzinfo=UTC), every=timedelta(hours=2))
    assert len(nudges.dms()) == 1  # +24 h
    clock.current = datetime(2025, 11, 25, 9, 30, tzinfo=UTC)
    await driver.ok(DPO, "/breach assess BREACH-0001 risk=none")
    await driver.ok(DPO, '/breach not-reportable BREACH-0001 reason="encrypted disk"')
    await nudges.step(until=datetime(2025, 11, 29, 9, 0, tzinfo=UTC), every=timedelta(hours=4))
    assert len(nudges.dms()) == 1
    assert nudges.channel() == []


async def test_breach_logged_after_80_hours_gets_one_nudge_not_six(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    # Aware Fri 21 Nov 01:30; logged Mon 24 Nov 09:30 = 80 h later: all five alarms and the
    # first 4-hourly repeat (76 h) are already past.
    await driver.ok(STAFF, '/breach new aware="2025-11-21T01:30" summary="x"')
    first = await nudges.sweep()
    dms = [d for d in first if d.kind == DeliveryKind.DIRECT]
    assert len(dms) == 1
    assert isinstance(dms[0].content, Reply)
    assert "ICO decision 8 hours overdue" in dms[0].content.text
    [(_, _, post)] = nudges.channel()  # the 72-hour alarm, once
    assert post.change == "72 hours passed without an ICO decision"

    # The repeat goes on every 4 h of elapsed time from awareness: 84 h = 13:30.
    await nudges.step(until=datetime(2025, 11, 24, 18, 0, tzinfo=UTC), every=timedelta(minutes=30))
    assert nudges.dm_times() == [
        clock_at_open(),
        datetime(2025, 11, 24, 13, 30, tzinfo=UTC),
        datetime(2025, 11, 24, 17, 30, tzinfo=UTC),
    ]
    assert len(nudges.channel()) == 1


# --- configuration -------------------------------------------------------------------------------


async def test_internal_target_brings_the_countdown_forward(
    desk: Desk, driver: Driver, nudges: Nudges, policy: Policy
) -> None:
    target_policy = dataclasses.replace(policy, internal_target_days=20)
    desk.policy = target_policy
    nudges.policy = target_policy
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    # 24 Nov + 20 days = Sun 14 Dec, rolled to Mon 15 Dec: earlier than the legal 24 Dec.
    await nudges.quiet_until(datetime(2025, 12, 7, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 8), date(2025, 12, 26))
    assert nudges.dm_times() == [
        at9(2025, 12, 8),  # 7 days before the internal target
        at9(2025, 12, 13),  # 2 days before
        at9(2025, 12, 15),  # the internal target day
        at9(2025, 12, 21),  # the extension notice still follows the legal date
        at9(2025, 12, 25),  # overdue is measured against the legal deadline
        at9(2025, 12, 26),
    ]
    first = nudges.dms()[0][2]
    assert first == (
        "DSAR-0001 (access) is due Wed 24 Dec 2025 (in 16 days); internal target Mon 15 Dec 2025"
    )


def test_parse_offsets_accepts_every_key() -> None:
    offsets = parse_offsets(
        "request=10d,3d;breach=12h,72h;breach_repeat=2h;overdue=2d;id_chase=5d;extension=4d;"
        "at=08:30"
    )
    assert offsets == ReminderOffsets(
        request_days=(10, 3),
        overdue_every_days=2,
        extension_days_before=4,
        id_chase_days=5,
        breach_hours=(12, 72),
        breach_repeat_hours=2,
        at=time(8, 30),
    )
    assert parse_offsets(None) == ReminderOffsets()
    assert parse_offsets("  ") == ReminderOffsets()
    # Order and duplicates do not matter; spaces around items are allowed; parts are optional.
    assert parse_offsets(" request = 0d, 7d ,2d,7d ").request_days == (7, 2, 0)
    assert parse_offsets("breach=72h,24h").breach_hours == (24, 72)
    assert parse_offsets("extension=0d").extension_days_before == 0
    assert parse_offsets("at=07:15").at == time(7, 15)


@pytest.mark.parametrize(
    "text",
    [
        "request",  # not key=value
        "request=7",  # no unit
        "request=7h",  # wrong unit
        "request=",  # empty
        "request=7d,,2d",  # empty item
        "request=-1d",
        "request=10000d",  # too many digits
        "breach=24d",
        "breach=1.5h",
        "breach_repeat=0h",  # must be positive (it is a period)
        "breach_repeat=2h,4h",  # one value only
        "overdue=0d",
        "overdue=1d,2d",
        "id_chase=0d",
        "extension=3h",
        "at=9am",
        "at=25:00",
        "at=",
        "reminders=7d",  # unknown key
        "request=7d;bogus",  # a bad second part
    ],
)
def test_parse_offsets_rejects_malformed_values(text: str) -> None:
    with pytest.raises(OffsetsError) as info:
        parse_offsets(text)
    assert str(info.value).startswith("REMINDER_OFFSETS")


async def test_configured_offsets_drive_the_schedule(
    driver: Driver, desk: Desk, nudges: Nudges, policy: Policy
) -> None:
    custom = dataclasses.replace(
        policy, reminders=parse_offsets("request=10d;extension=0d;overdue=2d;at=08:30")
    )
    desk.policy = custom
    nudges.policy = custom
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await nudges.quiet_until(datetime(2025, 12, 13, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 14), date(2025, 12, 29), at=time(8, 30))
    half_past_eight = [datetime(2025, 12, d, 8, 30, tzinfo=UTC) for d in (14, 24, 26, 28)]
    # 10 days before; the notice date itself; overdue from due + 2 days, every 2 days.
    assert nudges.dm_times() == half_past_eight


# --- restarts and replicas -----------------------------------------------------------------------


async def test_a_new_sender_mid_way_sends_nothing_twice(
    driver: Driver,
    nudges: Nudges,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await nudges.quiet_until(datetime(2025, 12, 16, 12, 0, tzinfo=UTC))
    await nudges.mornings(date(2025, 12, 17), date(2025, 12, 22))
    assert nudges.dm_times() == [at9(2025, 12, 17), at9(2025, 12, 21), at9(2025, 12, 22)]
    before = len(notifier.deliveries)

    # The process restarts: a new Sender with a new worker id (and a fresh transport).
    replacement = RecordingNotifier()
    restarted = Sender(
        sessions=sessions, clock=clock, notifiers={"slack": replacement}, worker="after-restart"
    )
    later = Nudges(
        sessions=sessions, clock=clock, policy=policy, sender=restarted, notifier=replacement
    )
    await later.mornings(date(2025, 12, 23), date(2025, 12, 23))
    assert replacement.deliveries == []  # nothing already sent is sent again

    # It dies again between queueing a nudge and delivering it: the nudge waits in the outbox.
    clock.current = at9(2025, 12, 24).astimezone(UTC)
    queued, sent = await jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=None)
    assert (queued, sent) == (1, 0)
    assert replacement.deliveries == []
    assert await later.sweep_at(at9(2025, 12, 24) + timedelta(minutes=5)) != []

    await later.mornings(date(2025, 12, 25), date(2025, 12, 27))
    assert later.dm_times() == [
        at9(2025, 12, 24) + timedelta(minutes=5),  # delayed by the crash, not lost
        at9(2025, 12, 25),
        at9(2025, 12, 26),
        at9(2025, 12, 27),
    ]
    assert [p.change for _, _, p in later.channel()] == ["overdue"]
    assert len(notifier.deliveries) == before  # the old sender sent nothing more
    # Every reminder fired exactly once.
    sent_kinds = Counter(
        r.kind for r in await reminders_of(sessions, "DSAR-0001") if r.state == "sent"
    )
    assert sent_kinds == Counter(
        {"due-7d": 1, "extension": 1, "due-2d": 1, "due-0d": 1, "overdue": 3}
    )


async def test_two_replicas_sweeping_together_send_each_nudge_once(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    for n in range(5):
        await driver.ok(STAFF, f'/dsar new access name="P{n}" email=p{n}@example.com')
    other = Sender(sessions=sessions, clock=clock, notifiers={"slack": notifier}, worker="b")
    before = len(notifier.deliveries)
    clock.current = at9(2025, 12, 17).astimezone(UTC)
    results = await asyncio.gather(
        jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=sender),
        jobs.sweep(sessions=sessions, clock=clock, policy=policy, sender=other),
    )
    assert sum(q for q, _ in results) == 5
    new = notifier.deliveries[before:]
    assert sorted(d.content.ref or "" for d in new if isinstance(d.content, Reply)) == [
        f"DSAR-{n:04d}" for n in range(1, 6)
    ]


# --- the weekly summary --------------------------------------------------------------------------


async def test_weekly_summary_once_per_week_with_its_figures(
    driver: Driver,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    sender: Sender,
    notifier: RecordingNotifier,
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA} received=2025-11-18")  # due Thu 18 Dec
    await driver.ok(STAFF, '/dsar new erasure name="B" email=b@example.com received=2025-10-20')
    await driver.ok(STAFF, '/dsar new access name="C" email=c@example.com')  # received today
    await driver.ok(
        STAFF, '/dsar new rectification name="D" email=d@example.com received=2025-11-21'
    )
    await driver.ok(DPO, "/dsar close DSAR-0003 outcome=fulfilled")  # same day: 0 days, on time
    await driver.ok(STAFF, '/dsar new complaint name="E" email=e@example.com received=2025-10-28')
    await driver.ok(DPO, '/dsar extend DSAR-0001 reason="six systems"')  # now due Wed 18 Feb
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00" summary="x"')

    replica = RecordingNotifier()
    second = Sender(sessions=sessions, clock=clock, notifiers={"slack": replica}, worker="b")
    created = await asyncio.gather(
        jobs.weekly_summary(sessions=sessions, clock=clock, policy=policy, sender=sender),
        jobs.weekly_summary(sessions=sessions, clock=clock, policy=policy, sender=second),
    )
    assert sorted(created) == [0, 1]
    clock.current = datetime(2025, 11, 26, 15, 0, tzinfo=UTC)  # Wednesday, same week
    again = await jobs.weekly_summary(sessions=sessions, clock=clock, policy=policy, sender=sender)
    assert again == 0
    [summary] = notifier.summaries + replica.summaries
    [delivery] = [d for d in notifier.deliveries + replica.deliveries if d.content == summary]
    assert (delivery.kind, delivery.target, delivery.thread) == (
        DeliveryKind.POST, COMPLIANCE.external_id, None,
    )  # fmt: skip

    assert summary.week_of == date(2025, 11, 24)
    assert summary.open_by_type_state == (
        ("access", "received", 1),
        ("complaint", "received", 1),
        ("erasure", "received", 1),
        ("rectification", "received", 1),
    )
    # Issue 9 changed the law here: a complaint received before 19 Jun 2026 (DPA 2018 s.164A)
    # has no statutory acknowledgement date, so nothing is due in the next 7 days.
    assert summary.due_next_7_days == 0
    assert summary.overdue == 1  # DSAR-0002, due Thu 20 Nov
    assert summary.received_last_week == 2  # 18 and 21 Nov
    assert summary.closed_last_week == 0
    assert summary.on_time_rate == 1.0
    assert summary.median_days_to_close == 0
    assert summary.extensions_in_use == 1
    [breach] = summary.open_breaches
    assert (breach.ref, breach.state) == ("BREACH-0001", "open")
    assert breach.ico_due == datetime(2025, 11, 27, 8, 0, tzinfo=UTC)
    assert breach.status.endswith("2 days 22 hours left to tell the ICO")

    # The next Monday: a new week, a new summary, with last week's figures.
    clock.current = at9(2025, 12, 1).astimezone(UTC)
    assert (
        await jobs.weekly_summary(sessions=sessions, clock=clock, policy=policy, sender=second)
    ) == 1
    all_summaries: list[WeeklySummary] = notifier.summaries + replica.summaries
    assert [s.week_of for s in all_summaries] == [date(2025, 11, 24), date(2025, 12, 1)]
    following = all_summaries[-1]
    assert following.received_last_week == 1  # DSAR-0003, 24 Nov
    assert following.closed_last_week == 1
    # Issue 9: the complaint (received 2025, before s.164A) has no acknowledgement date to miss.
    assert following.overdue == 1  # DSAR-0002
    assert following.due_next_7_days == 0
    assert following.open_breaches[0].status.startswith("ICO decision")


# --- retention -----------------------------------------------------------------------------------


async def test_retention_erases_personal_data_of_old_closed_requests_only(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    await driver.ok(STAFF, f"/dsar new access {ADA}")
    await driver.ok(PRIVACY, "/dsar note DSAR-0001 Ada phoned about the CCTV footage")
    await driver.ok(DPO, "/dsar close DSAR-0001 outcome=fulfilled")  # closed Mon 24 Nov 2025
    await driver.ok(STAFF, '/dsar new erasure name="Still Open" email=open@example.com')
    before = await request_row(sessions, "DSAR-0001")

    clock.current = datetime(2031, 11, 20, 10, 0, tzinfo=UTC)
    await driver.ok(STAFF, '/dsar new access name="Recent" email=recent@example.com')
    await driver.ok(DPO, "/dsar close DSAR-0003 outcome=no_data_held")  # closed 20 Nov 2031

    # Exactly six years after closing is not yet *more* than six years.
    clock.current = datetime(2031, 11, 24, 12, 0, tzinfo=UTC)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 0

    clock.current = datetime(2031, 11, 25, 12, 0, tzinfo=UTC)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 1
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 0

    erased = await request_row(sessions, "DSAR-0001")
    assert (erased.requester_name, erased.requester_email, erased.details) == (None, None, None)
    assert erased.pii_salt is None
    assert erased.erased_at == clock.now()
    register = ("ref", "type", "state", "via", "received", "due", "closed_on", "outcome")
    assert {f: getattr(erased, f) for f in register} == {f: getattr(before, f) for f in register}
    async with sessions() as session:
        notes = await repo.notes_for(session=session, ref="DSAR-0001")
        events = await repo.events_for(session=session, ref="DSAR-0001")
        report = await audit.verify(session=session)
    assert [n.text for n in notes] == [None]
    assert events[-1].action == "erased" and events[-1].actor == "system:retention"
    assert report.ok, report.problems

    for ref, name in (("DSAR-0002", "Still Open"), ("DSAR-0003", "Recent")):
        untouched = await request_row(sessions, ref)
        assert untouched.requester_name == name and untouched.erased_at is None


# --- the clocks change ---------------------------------------------------------------------------


async def test_overdue_stays_at_nine_local_across_the_clock_change(
    driver: Driver, nudges: Nudges, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 2, 27, 9, 30, tzinfo=UTC)
    await driver.ok(STAFF, f"/dsar new access {ADA}")  # due Fri 27 Mar 2026
    await nudges.sweep_at(datetime(2026, 3, 28, 6, 0, tzinfo=UTC))  # the countdown, collapsed
    await nudges.step(until=datetime(2026, 3, 30, 12, 0, tzinfo=UTC), every=timedelta(hours=1))
    overdue = [m for m, _, text in nudges.dms() if "OVERDUE" in text]
    assert [m.astimezone(LONDON) for m in overdue] == [
        at9(2026, 3, 28),  # GMT
        at9(2026, 3, 29),  # BST from 01:00 UTC that day
        at9(2026, 3, 30),
    ]
