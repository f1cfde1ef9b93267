"""Durable delivery (SPEC §6): retries with Retry-After and backoff, thread order, permanent
failures, leases, and two senders sharing one database — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col, select

from handlers.outbox import (
    FAILING_AFTER,
    RetryPolicy,
    Sender,
    enqueue_direct,
    enqueue_post,
)
from handlers.policy import Policy
from handlers.ports import ChannelPost, Delivery, DeliveryError, DeliveryKind, Notifier, Reply
from storage import repositories as repo
from storage.db import create_engine, session_factory, transaction
from storage.models import OutboxMessage
from tests.conftest import COMPLIANCE, DPO, FakeClock
from tests.fakes.keys import TEST_KEYS

T0 = datetime(2025, 11, 24, 9, 30, tzinfo=UTC)  # the clock fixture's start


class FlakyNotifier:
    """Fails with the scripted errors, one per call, then succeeds; keeps every attempt."""

    platform = "slack"

    def __init__(self, clock: FakeClock, errors: Iterable[DeliveryError] = ()) -> None:
        self.clock = clock
        self.errors = list(errors)
        self.attempts: list[tuple[datetime, Delivery]] = []
        self.delivered: list[Delivery] = []

    async def send(self, delivery: Delivery) -> str:
        self.attempts.append((self.clock.now(), delivery))
        if self.errors:
            raise self.errors.pop(0)
        self.delivered.append(delivery)
        return f"ts-{len(self.delivered)}"


class TargetedNotifier:
    """Fails every send to the given targets with the given error."""

    platform = "slack"

    def __init__(self, failures: dict[str, DeliveryError]) -> None:
        self.failures = failures
        self.delivered: list[Delivery] = []

    async def send(self, delivery: Delivery) -> str:
        if delivery.target in self.failures:
            raise self.failures[delivery.target]
        self.delivered.append(delivery)
        return f"ts-{len(self.delivered)}"


class YieldingNotifier:
    """Yields to the event loop inside every send, so two senders really interleave.

    The first send of each waits (briefly) until the other sender is sending too, so the
    run is concurrent however quickly one replica's connection happens to open.
    """

    platform = "slack"

    def __init__(
        self, name: str, log: list[tuple[str, str]], started: set[str], both: asyncio.Event
    ) -> None:
        self.name = name
        self.log = log
        self.started = started
        self.both = both

    async def send(self, delivery: Delivery) -> str:
        self.started.add(self.name)
        if len(self.started) == 2:
            self.both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.both.wait(), timeout=5)
        await asyncio.sleep(0)
        assert isinstance(delivery.content, Reply)
        self.log.append((self.name, delivery.content.text))
        message_id = f"{self.name}-{len(self.log)}"
        await asyncio.sleep(0)
        return message_id


def text_of(delivery: Delivery) -> str:
    assert isinstance(delivery.content, Reply)
    return delivery.content.text


async def queue_dm(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, text: str, to: str = "UDPO1"
) -> None:
    async with transaction(sessions) as session:
        await enqueue_direct(
            session=session, platform="slack", user=to, reply=Reply(text=text), now=clock.now()
        )


def post(ref: str, change: str | None = None) -> ChannelPost:
    return ChannelPost(
        ref=ref,
        kind="request",
        ticket_type="access",
        state="received",
        deadline=date(2025, 12, 24),
        change=change,
    )


async def queue_posts(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    policy: Policy,
    posts: Iterable[ChannelPost],
) -> None:
    async with transaction(sessions) as session:
        for item in posts:
            await enqueue_post(session=session, policy=policy, post=item, now=clock.now())


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.execute(query)).scalars())


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await repo.outbox_counts(session=session, failing_after=FAILING_AFTER)


def sender_for(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    notifier: Notifier,
    *,
    batch: int = 50,
    worker: str | None = None,
) -> Sender:
    return Sender(
        sessions=sessions, clock=clock, notifiers={"slack": notifier}, batch=batch, worker=worker
    )


# --- retries -------------------------------------------------------------------------------------


def test_backoff_honours_retry_after_then_doubles_up_to_the_cap() -> None:
    retry = RetryPolicy()
    assert [retry.backoff(n, None) for n in range(1, 7)] == [2, 4, 8, 16, 32, 64]
    assert retry.backoff(20, None) == 900  # capped
    assert retry.backoff(1, 30) == 30  # the platform said when
    assert retry.backoff(5, 30) == 30  # Retry-After wins over the attempt count
    assert retry.backoff(1, 5000) == 900  # but never beyond the cap
    assert retry.backoff(1, -3) == 0  # a nonsense negative header means "now"
    assert RetryPolicy(base_seconds=1, max_seconds=10).backoff(5, None) == 10


async def test_flaky_platform_delivers_exactly_once_after_retry_after_and_backoff(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    flaky = FlakyNotifier(
        clock, [DeliveryError("rate_limited", retry_after=30), DeliveryError("http_500")]
    )
    sender = sender_for(sessions, clock, flaky)
    await queue_dm(sessions, clock, "DSAR-0001 is due in 7 days")

    assert await sender.run_once() == 0
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "rate_limited")
    assert row.next_attempt_at == T0 + timedelta(seconds=30)  # Retry-After: 30
    assert (row.lease_until, row.leased_by) == (None, None)  # the lease is given back

    clock.advance(seconds=29)
    assert await sender.run_once() == 0
    assert len(flaky.attempts) == 1  # not retried before Retry-After ran out

    clock.advance(seconds=1)
    assert await sender.run_once() == 0
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_error) == ("pending", 2, "http_500")
    assert row.next_attempt_at == T0 + timedelta(seconds=30 + 4)  # 2 s doubled: 2nd attempt

    clock.advance(seconds=3)
    assert await sender.run_once() == 0
    assert len(flaky.attempts) == 2
    clock.advance(seconds=1)
    assert await sender.run_once() == 1

    assert [moment for moment, _ in flaky.attempts] == [
        T0,
        T0 + timedelta(seconds=30),
        T0 + timedelta(seconds=34),
    ]
    assert [text_of(d) for d in flaky.delivered] == ["DSAR-0001 is due in 7 days"]
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.platform_message_id) == ("sent", 3, "ts-1")
    assert row.sent_at == T0 + timedelta(seconds=34)
    assert (row.lease_until, row.leased_by) == (None, None)

    clock.advance(hours=1)
    assert await sender.run_once() == 0
    assert len(flaky.delivered) == 1  # exactly once
    assert await counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}


async def test_repeated_failures_back_off_exponentially(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    flaky = FlakyNotifier(clock, [DeliveryError("http_502") for _ in range(5)])
    sender = sender_for(sessions, clock, flaky)
    await queue_dm(sessions, clock, "hello")
    delays = []
    for _ in range(5):
        await sender.run_once()
        [row] = await rows(sessions)
        delay = row.next_attempt_at - clock.now()
        delays.append(delay.total_seconds())
        clock.advance(seconds=delay.total_seconds())
    assert delays == [2, 4, 8, 16, 32]
    assert await sender.run_once() == 1


async def test_an_unexpected_exception_is_retried_not_lost(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    class Broken:
        platform = "slack"
        calls = 0

        async def send(self, delivery: Delivery) -> str:
            Broken.calls += 1
            if Broken.calls == 1:
                raise RuntimeError("connection reset")
            return "ts-ok"

    sender = Sender(sessions=sessions, clock=clock, notifiers={"slack": Broken()})
    await queue_dm(sessions, clock, "hello")
    assert await sender.run_once() == 0
    [row] = await rows(sessions)
    assert (row.state, row.last_error) == ("pending", "RuntimeError")
    clock.advance(seconds=2)
    assert await sender.run_once() == 1


# --- threads -------------------------------------------------------------------------------------


async def test_thread_stays_in_order_when_the_opening_post_first_fails(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    flaky = FlakyNotifier(clock, [DeliveryError("http_503", retry_after=10)])
    sender = sender_for(sessions, clock, flaky)
    await queue_posts(
        sessions,
        clock,
        policy,
        [
            post("DSAR-0001"),  # the opening post; its first attempt fails
            post("DSAR-0002"),
            post("DSAR-0001", "assigned"),
            post("DSAR-0002", "assigned"),
            post("DSAR-0001", "closed: fulfilled"),
        ],
    )

    # The other ticket's thread is not held up; DSAR-0001's replies wait for their opening post.
    assert await sender.run_once() == 2
    assert [(d.content, d.kind, d.thread) for d in flaky.delivered] == [
        (post("DSAR-0002"), DeliveryKind.POST, None),
        (post("DSAR-0002", "assigned"), DeliveryKind.REPLY, "ts-1"),
    ]
    assert [d.content for _, d in flaky.attempts] == [
        post("DSAR-0001"),
        post("DSAR-0002"),
        post("DSAR-0002", "assigned"),
    ]

    clock.advance(seconds=10)
    assert await sender.run_once() == 3
    mine = [d for d in flaky.delivered if isinstance(d.content, ChannelPost)][2:]
    assert [(d.content, d.kind, d.thread, d.target) for d in mine] == [
        (post("DSAR-0001"), DeliveryKind.POST, None, COMPLIANCE.external_id),
        (post("DSAR-0001", "assigned"), DeliveryKind.REPLY, "ts-3", COMPLIANCE.external_id),
        (
            post("DSAR-0001", "closed: fulfilled"),
            DeliveryKind.REPLY,
            "ts-3",
            COMPLIANCE.external_id,
        ),
    ]
    assert all(r.state == "sent" for r in await rows(sessions))


async def test_a_permanent_error_fails_the_row_and_the_thread_goes_on_top_level(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    flaky = FlakyNotifier(clock, [DeliveryError("channel_not_found", permanent=True)])
    sender = sender_for(sessions, clock, flaky)
    await queue_posts(
        sessions,
        clock,
        policy,
        [post("DSAR-0001"), post("DSAR-0001", "assigned"), post("DSAR-0001", "closed")],
    )

    await sender.run_once()
    opening, *_ = await rows(sessions)
    assert (opening.state, opening.attempts, opening.last_error) == (
        "failed", 1, "channel_not_found",
    )  # fmt: skip
    # The replies are no longer blocked (a failed post is not pending): they go out as
    # top-level posts, in order, since there is no parent to thread them under. They may need
    # the next pass: run_once stops when everything it claimed in a round failed.
    await sender.run_once()
    assert [(d.content, d.kind, d.thread) for d in flaky.delivered] == [
        (post("DSAR-0001", "assigned"), DeliveryKind.POST, None),
        (post("DSAR-0001", "closed"), DeliveryKind.POST, None),
    ]
    assert len(flaky.attempts) == 3  # the failed post is never tried again
    clock.advance(days=1)
    await sender.run_once()
    assert len(flaky.attempts) == 3
    assert await counts(sessions) == {"pending": 0, "failing": 0, "failed": 1}


# --- replicas and leases -------------------------------------------------------------------------


async def test_two_senders_claiming_concurrently_never_deliver_a_row_twice(
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    db_url: str,
    clock: FakeClock,
) -> None:
    for n in range(50):
        await queue_dm(sessions, clock, f"message {n}")
    log: list[tuple[str, str]] = []
    started: set[str] = set()
    both = asyncio.Event()
    second_engine = create_engine(db_url, keys=TEST_KEYS)  # another replica, with its own pool
    try:
        senders = [
            sender_for(
                sessions, clock, YieldingNotifier("a", log, started, both), batch=5, worker="a"
            ),
            sender_for(
                session_factory(second_engine),
                clock,
                YieldingNotifier("b", log, started, both),
                batch=5,
                worker="b",
            ),
        ]
        sent = await asyncio.gather(*(s.run_once() for s in senders), senders[0].run_once())
    finally:
        await second_engine.dispose()

    assert sum(sent) == 50
    texts = Counter(text for _, text in log)
    assert texts == Counter(f"message {n}" for n in range(50))  # each exactly once
    assert {name for name, _ in log} == {"a", "b"}  # both replicas did some of the work
    found = await rows(sessions)
    assert len(found) == 50
    assert all(r.state == "sent" and r.attempts == 1 and r.leased_by is None for r in found)
    assert len({r.platform_message_id for r in found}) == 50


async def test_a_dead_senders_lease_is_reclaimed_after_lease_seconds(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await queue_dm(sessions, clock, "orphaned")
    lease = RetryPolicy().lease_seconds
    async with transaction(sessions) as session:
        claimed = await repo.claim_outbox(
            session=session,
            now=clock.now(),
            platforms=["slack"],
            worker="dead-replica",
            lease_until=clock.now() + timedelta(seconds=lease),
            limit=10,
        )
    assert len(claimed) == 1  # … and the replica dies without settling it

    flaky = FlakyNotifier(clock)
    sender = sender_for(sessions, clock, flaky, worker="survivor")
    assert await sender.run_once() == 0  # leased by someone else
    clock.advance(seconds=lease)
    assert await sender.run_once() == 0  # the lease runs until lease_until itself
    clock.advance(seconds=1)
    assert await sender.run_once() == 1
    assert [text_of(d) for d in flaky.delivered] == ["orphaned"]
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.leased_by, row.lease_until) == ("sent", 1, None, None)


async def test_a_live_lease_is_not_taken_over(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await queue_dm(sessions, clock, "mine")
    async with transaction(sessions) as session:
        [claimed] = await repo.claim_outbox(
            session=session,
            now=clock.now(),
            platforms=["slack"],
            worker="first",
            lease_until=clock.now() + timedelta(seconds=60),
            limit=10,
        )
    async with transaction(sessions) as session:
        again = await repo.claim_outbox(
            session=session,
            now=clock.now() + timedelta(seconds=30),
            platforms=["slack"],
            worker="second",
            lease_until=clock.now() + timedelta(seconds=90),
            limit=10,
        )
    assert again == []
    [stored] = await rows(sessions)
    assert stored.id == claimed.id and stored.leased_by == "first"


async def test_messages_for_a_platform_without_a_notifier_wait(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with transaction(sessions) as session:
        await enqueue_direct(
            session=session, platform="teams", user="aad-1", reply=Reply(text="x"), now=clock.now()
        )
    flaky = FlakyNotifier(clock)
    assert await sender_for(sessions, clock, flaky).run_once() == 0
    assert await Sender(sessions=sessions, clock=clock, notifiers={}).run_once() == 0
    assert flaky.attempts == []
    assert await counts(sessions) == {"pending": 1, "failing": 0, "failed": 0}


# --- metrics -------------------------------------------------------------------------------------


async def test_outbox_counts_show_pending_failing_and_failed(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    notifier = TargetedNotifier(
        {
            "UFLAKY": DeliveryError("http_500"),
            "UGONE": DeliveryError("user_not_found", permanent=True),
        }
    )
    sender = sender_for(sessions, clock, notifier)
    assert await counts(sessions) == {"pending": 0, "failing": 0, "failed": 0}
    await queue_dm(sessions, clock, "retrying", to="UFLAKY")
    await queue_dm(sessions, clock, "undeliverable", to="UGONE")
    await queue_dm(sessions, clock, "fine", to=DPO.external_id)
    assert await counts(sessions) == {"pending": 3, "failing": 0, "failed": 0}

    assert await sender.run_once() == 1
    assert await counts(sessions) == {"pending": 1, "failing": 0, "failed": 1}
    for wait in (2, 4):  # attempts 2 and 3
        clock.advance(seconds=wait)
        await sender.run_once()
        expected_failing = 1 if wait == 4 else 0
        assert await counts(sessions) == {
            "pending": 1,
            "failing": expected_failing,
            "failed": 1,
        }
    await queue_dm(sessions, clock, "new", to="UNEW")
    assert await counts(sessions) == {"pending": 2, "failing": 1, "failed": 1}
    assert [text_of(d) for d in notifier.delivered] == ["fine"]


@pytest.mark.parametrize("attempts_before", [0, FAILING_AFTER - 1])
async def test_failing_threshold(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, attempts_before: int
) -> None:
    notifier = TargetedNotifier({"UFLAKY": DeliveryError("http_500")})
    sender = sender_for(sessions, clock, notifier)
    await queue_dm(sessions, clock, "x", to="UFLAKY")
    async with transaction(sessions) as session:
        row = await repo.outbox_by_id(session=session, message_id=1)
        assert row is not None
        row.attempts = attempts_before
        session.add(row)
    await sender.run_once()
    failing = 1 if attempts_before + 1 >= FAILING_AFTER else 0
    assert await counts(sessions) == {"pending": 1, "failing": failing, "failed": 0}


async def test_a_message_no_key_opens_is_failed_and_the_others_still_go(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    """One row written behind the desk's back (or with a key since dropped) must not stop every
    nudge: it is failed for good, with the reason, and the rest are delivered."""
    from sqlalchemy import text

    notifier = FlakyNotifier(clock)
    sender = Sender(sessions=sessions, clock=clock, notifiers={"slack": notifier})
    for words in ("first", "second", "third"):
        await queue_dm(sessions, clock, words, to=f"U{words}")
    async with transaction(sessions) as session:
        await session.execute(text("UPDATE outbox SET payload = 'not a token' WHERE id = 2"))
    assert await sender.run_once() == 2
    assert sorted(text_of(d) for d in notifier.delivered) == ["first", "third"]
    async with sessions() as session:
        states = (
            await session.execute(text("SELECT id, state, last_error FROM outbox ORDER BY id"))
        ).all()
    assert [tuple(s) for s in states] == [
        (1, "sent", None),
        (2, "failed", "unreadable: no data key opens this message"),
        (3, "sent", None),
    ]
    assert await sender.run_once() == 0  # and it is not tried again
