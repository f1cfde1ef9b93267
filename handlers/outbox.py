"""Durable delivery: every outgoing message is a row first, then sent with retries.

``enqueue_outcome`` writes a command's posts and direct messages into the outbox inside the
command's own transaction, so a ticket and its notifications commit together or not at all.
``Sender`` leases deliverable rows (one replica at a time), sends them through the platform's
``Notifier``, and records the platform's message id — or the failure and the next attempt.

The delivery guarantee is *at least once, and exactly once wherever the platform lets us
check*: a row is marked ``sending_since`` when it is claimed (committed before the platform is
called), and the mark is cleared once the outcome is known. A row found still marked — its
sender was killed mid-call, or the call timed out — is *in doubt*: before sending it again
the Sender asks the platform whether the message already exists (a notifier that can look implements
``FindsSent``: Slack looks for the outbox id in message metadata). Only if it is absent, or the
platform cannot be asked, is it sent again. ``stop()`` lets sends in flight finish and hands
unsent claimed rows back, so a restart does not wait out their lease.

A home page (Slack App Home) is queued as a ``HomeDue``: the sender reads the page when it
sends it (``HomePages``, ``handlers.home.Pages``), claims with it every refresh of that person
still waiting, publishes it only if it changed, and settles them all, recording what the page
shows in the same transaction. Publishing a page again only replaces it, so a refresh in doubt
is never looked for: it publishes whatever the page reads then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeGuard, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import stored_messages
from handlers.policy import Policy
from handlers.ports import (
    ChannelPost,
    Clock,
    Delivery,
    DeliveryError,
    DeliveryKind,
    HomeDue,
    Notifier,
    Outcome,
    Overview,
    Reply,
    WeeklySummary,
)
from storage import repositories as repo
from storage.db import transaction
from storage.enums import OutboxState
from storage.models import OutboxMessage
from storage.repositories import home as home_repo

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # attempts after which a pending message counts as failing (metrics, readyz)
# How long a stopping server waits for sends in flight: inside Docker's and Kubernetes' default
# grace periods (10 s and 30 s) before SIGKILL.
SHUTDOWN_SECONDS = 8.0


@runtime_checkable
class FindsSent(Protocol):
    """A notifier that can tell whether a delivery already reached the platform."""

    async def find(self, delivery: Delivery, *, since: datetime) -> str | None:
        """The platform's id of the message carrying ``delivery.key``, sent at or after
        ``since``, or None if there is none. Raises ``DeliveryError`` if it cannot tell."""
        ...


@runtime_checkable
class PublishesHome(Protocol):
    """A notifier for a platform with a per-person home page (Slack App Home)."""

    async def publish_home(self, *, user: str, overview: Overview) -> str:
        """Publish ``overview`` as ``user``'s home page; the platform's id for it. Raises
        ``DeliveryError``. Publishing the same page twice is harmless (it replaces itself)."""
        ...


class HomePages(Protocol):
    """Reads a person's home page for the sender (``handlers.home.Pages``)."""

    async def current(
        self, *, session: AsyncSession, platform: str, user: str, now: datetime, force: bool
    ) -> Overview | None:
        """The page as it reads now, or None if the person has no page or (unless ``force``)
        it would read as last published."""
        ...

    async def shown(
        self, *, session: AsyncSession, platform: str, user: str, page: Overview
    ) -> None:
        """Record that ``page`` is what the person's page now shows."""
        ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 900.0
    lease_seconds: float = 60.0

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_seconds)
        return float(min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds))


def _row(
    *,
    platform: str,
    target: str,
    kind: DeliveryKind,
    content: stored_messages.Content,
    thread_key: str | None,
    now: datetime,
    dedupe_key: str | None = None,
) -> dict[str, object]:
    """An outbox row's column values (``repo.row_values``: rows only ever inserted here)."""
    return repo.row_values(
        OutboxMessage,
        platform=platform,
        target=target,
        kind=kind,
        thread_key=thread_key,
        dedupe_key=dedupe_key,
        payload=stored_messages.encode(content),
        next_attempt_at=now,
        created_at=now,
    )


def post_rows(policy: Policy, post: ChannelPost, now: datetime) -> list[dict[str, object]]:
    """A ticket's post on every compliance channel: the opening post, or a reply in its thread."""
    kind = DeliveryKind.POST if post.is_opening else DeliveryKind.REPLY
    return [
        _row(
            platform=channel.platform,
            target=channel.external_id,
            kind=kind,
            content=post,
            thread_key=post.ref,
            now=now,
        )
        for channel in policy.compliance_channels
    ]


def direct_row(*, platform: str, user: str, reply: Reply, now: datetime) -> dict[str, object]:
    """A direct message's outbox row (``enqueue_direct``; the sweep inserts many at once)."""
    return _row(
        platform=platform,
        target=user,
        kind=DeliveryKind.DIRECT,
        content=reply,
        thread_key=None,
        now=now,
    )


HOME_THREAD = home_repo.HOME_THREAD  # orders one person's home refreshes, oldest first


def home_row(*, platform: str, user: str, now: datetime) -> dict[str, object]:
    """The outbox row of a refresh of this person's home page, read when it is sent."""
    return _row(
        platform=platform,
        target=user,
        kind=DeliveryKind.HOME,
        content=HomeDue(),
        thread_key=HOME_THREAD,
        now=now,
    )


async def enqueue_home(*, session: AsyncSession, platform: str, user: str, now: datetime) -> None:
    """Publish this person's home page again, as it reads when sent. A refresh still queued
    and unclaimed answers for this change too (it is locked until this transaction ends, so
    no sender reads the page before the change is committed)."""
    queued = await home_repo.queued_home(session=session, platform=platform, user_id=user, now=now)
    if queued is not None:
        return
    row = home_row(platform=platform, user=user, now=now)
    await repo.insert_values(session=session, model=OutboxMessage, rows=[row])


async def enqueue_post(
    *, session: AsyncSession, policy: Policy, post: ChannelPost, now: datetime
) -> None:
    await repo.insert_values(
        session=session, model=OutboxMessage, rows=post_rows(policy, post, now)
    )


async def enqueue_direct(
    *, session: AsyncSession, platform: str, user: str, reply: Reply, now: datetime
) -> None:
    row = direct_row(platform=platform, user=user, reply=reply, now=now)
    await repo.insert_values(session=session, model=OutboxMessage, rows=[row])


def outcome_rows(policy: Policy, outcome: Outcome, now: datetime) -> list[dict[str, object]]:
    """The outbox rows for every post and direct message of ``outcome``."""
    rows = [row for post in outcome.posts for row in post_rows(policy, post, now)]
    rows += [
        direct_row(
            platform=message.to.platform,
            user=message.to.external_id,
            reply=message.reply,
            now=now,
        )
        for message in outcome.direct
    ]
    return rows


async def enqueue_outcome(
    *, session: AsyncSession, policy: Policy, outcome: Outcome, now: datetime
) -> None:
    """Every post and direct message of ``outcome``, in one statement."""
    rows = outcome_rows(policy, outcome, now)
    await repo.insert_values(session=session, model=OutboxMessage, rows=rows)


async def enqueue_summary(
    *, session: AsyncSession, policy: Policy, summary: WeeklySummary, now: datetime
) -> int:
    """The week's summary on every compliance channel, once per week however often asked."""
    created = 0
    for channel in policy.compliance_channels:
        key = f"summary:{summary.week_of.isoformat()}:{channel}"
        row = _row(
            platform=channel.platform,
            target=channel.external_id,
            kind=DeliveryKind.POST,
            content=summary,
            thread_key=None,
            now=now,
            dedupe_key=key,
        )
        created += await repo.add_outbox_once(session=session, row=row)
    return created


class Sender:
    """Claims and delivers outbox rows for the platforms this process can reach."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        notifiers: dict[str, Notifier],
        retry: RetryPolicy | None = None,
        batch: int = 50,
        worker: str | None = None,
        pages: HomePages | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.notifiers = notifiers
        self.pages = pages
        self.retry = retry or RetryPolicy()
        self.batch = batch
        self.worker = worker or uuid.uuid4().hex[:16]
        self._kick = asyncio.Event()
        self._stopping = False
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def kick(self) -> None:
        """Ask a running ``serve_forever`` loop to look now rather than at its next sweep."""
        self._kick.set()

    def begin_stop(self) -> None:
        """Claim nothing more from now on (safe to call from a signal handler)."""
        self._stopping = True
        self._kick.set()

    async def stop(self, *, grace: float) -> bool:
        """Stop claiming; let sends in flight finish (up to ``grace`` seconds) and hand the
        rest of each claimed batch back. True if everything in flight settled in time."""
        self.begin_stop()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("outbox: sends still in flight at shutdown; they are left in doubt")
            return False
        return True

    async def serve_forever(self, *, idle_seconds: float) -> None:
        """Deliver whenever kicked (a command just committed) or every ``idle_seconds``."""
        while not self._stopping:
            try:
                await self.run_once()
            except Exception:  # the loop must outlive a database hiccup
                log.exception("outbox delivery pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=idle_seconds)
            self._kick.clear()

    async def run_once(self) -> int:
        """Deliver everything deliverable now; returns how many messages were sent."""
        if not self.notifiers or self._stopping:
            return 0
        self._active += 1
        self._idle.clear()
        try:
            return await self._deliver()
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def _deliver(self) -> int:
        sent = 0
        while not self._stopping:
            now = self.clock.now()
            async with transaction(self.sessions) as session:
                rows = await repo.claim_outbox(
                    session=session,
                    now=now,
                    platforms=sorted(self.notifiers),
                    worker=self.worker,
                    limit=self.batch,
                    lease_until=now + timedelta(seconds=self.retry.lease_seconds),
                )
                threads = {
                    row.id: await self._parent(session, row)
                    for row in rows
                    if row.kind == DeliveryKind.REPLY
                }
                # Rows already marked were claimed before and never settled: in doubt. The
                # rest are marked now, in the claim's own transaction (no extra round trip
                # per message); a row handed back unsent, or refused by the platform, is
                # unmarked again.
                doubtful = {row.id for row in rows if row.sending_since is not None}
                for row in rows:
                    row.sending_since = row.sending_since or now
                    session.add(row)
            if not rows:
                return sent
            results: list[bool] = []
            for index, row in enumerate(rows):
                if self._stopping or not self._lease_left(row):
                    # Too slow to finish the batch inside the lease: hand the rest back rather
                    # than risk another replica sending them too.
                    await self._release([r.id for r in rows[index:] if r.id is not None])
                    break
                results.append(
                    await self._send(row, threads.get(row.id), in_doubt=row.id in doubtful)
                )
            sent += sum(results)
            if not any(results):
                return sent  # everything claimed failed: let the backoff run
        return sent

    def _lease_left(self, row: OutboxMessage) -> bool:
        """Whether enough of the lease remains to send ``row`` (a quarter of it, at least)."""
        assert row.lease_until is not None
        margin = timedelta(seconds=self.retry.lease_seconds / 4)
        return self.clock.now() + margin < row.lease_until

    async def _release(self, ids: list[int]) -> None:
        async with transaction(self.sessions) as session:
            for row_id in ids:
                row = await repo.outbox_by_id(session=session, message_id=row_id)
                if (
                    row is not None
                    and row.state == OutboxState.PENDING
                    and row.leased_by == self.worker
                ):
                    row.lease_until = row.leased_by = row.sending_since = None
                    session.add(row)

    async def _parent(self, session: AsyncSession, row: OutboxMessage) -> str | None:
        assert row.thread_key is not None
        return await repo.thread_parent_id(
            session=session, platform=row.platform, target=row.target, thread_key=row.thread_key
        )

    async def _send(self, row: OutboxMessage, thread: str | None, *, in_doubt: bool) -> bool:
        assert row.id is not None
        notifier = self.notifiers[row.platform]
        kind = DeliveryKind(row.kind)
        if kind == DeliveryKind.REPLY and thread is None:
            kind = DeliveryKind.POST  # the opening post was lost for good: post at top level
        content = stored_messages.decode(row.payload)
        if isinstance(content, HomeDue) or (isinstance(content, Overview) and self.pages):
            # Read now (one written before pages were read when sent is read again too).
            return await self._publish_due_home(row, notifier, in_doubt=in_doubt)
        if isinstance(content, Overview):  # a home page replaces itself: never in doubt
            return await self._publish_home(row, notifier, content)
        delivery = Delivery(
            kind=kind,
            target=row.target,
            content=content,
            thread=thread,
            key=f"outbox-{row.id}",
        )
        if in_doubt and row.sending_since is not None:
            found = await self._look_for(row, notifier, delivery, row.sending_since)
            if found is None:
                return False  # could not tell: try again later rather than risk a duplicate
            if found:
                log.info("outbox %s had reached %s before; not sent again", row.id, row.platform)
                await self._sent(row.id, found)
                return True
        try:
            message_id = await notifier.send(delivery)
        except DeliveryError as exc:
            await self._failed(row.id, exc)
            return False
        except Exception as exc:  # a bug or an unexpected transport error: retry, loudly
            log.exception("outbox %s: unexpected error sending via %s", row.id, row.platform)
            await self._failed(row.id, DeliveryError(type(exc).__name__, in_doubt=True))
            return False
        await self._sent(row.id, message_id)
        return True

    async def _publish_due_home(
        self, row: OutboxMessage, notifier: Notifier, *, in_doubt: bool
    ) -> bool:
        """A home refresh: the page is read now, after every change that queued one has
        committed, and answers all the refreshes of that person still waiting (claimed here
        with it); a page that reads as last published is not sent again, and refreshes that
        published nothing are deleted rather than kept. What the page shows is recorded in the
        transaction that settles them, so the next refresh compares against it; a refresh
        claimed before and never settled (its sender died) publishes whatever the page reads,
        since what it published may not have been recorded."""
        assert row.id is not None
        if self.pages is None:
            await self._failed(row.id, DeliveryError("no reader of home pages", permanent=True))
            return False
        now = self.clock.now()
        try:
            async with transaction(self.sessions) as session:
                claimed = await home_repo.claim_home_refreshes(
                    session=session,
                    platform=row.platform,
                    user_id=row.target,
                    now=now,
                    worker=self.worker,
                    lease_until=now + timedelta(seconds=self.retry.lease_seconds),
                )
                # A row written before pages were read when sent carries its page, whose
                # digest was recorded as if published: publish whatever the page reads.
                force = in_doubt or any(
                    payload != stored_messages.HOME_DUE
                    for payload in (row.payload, *(payload for _, payload in claimed))
                )
                page = await self.pages.current(
                    session=session, platform=row.platform, user=row.target, now=now, force=force
                )
        except Exception as exc:  # a page that cannot be read fails this row, not the outbox
            log.exception("outbox %s: reading the home page failed", row.id)
            await self._failed(row.id, DeliveryError(type(exc).__name__, in_doubt=in_doubt))
            return False
        others = [other for other, _ in claimed if other != row.id]
        if page is None:  # it would read as it does: nothing to publish
            await self._settle_home(row, None, others, None)
            return True
        try:
            if not isinstance(notifier, PublishesHome):
                raise DeliveryError(f"{row.platform} has no home page", permanent=True)
            page_id = await notifier.publish_home(user=row.target, overview=page)
        except Exception as exc:
            # Publishing again only replaces the page, but one that may have reached the
            # platform (a timeout) stays in doubt: its retry publishes whatever the page reads
            # then, rather than trusting the record of what it shows.
            if isinstance(exc, DeliveryError):
                error = DeliveryError(
                    exc.reason,
                    retry_after=exc.retry_after,
                    permanent=exc.permanent,
                    in_doubt=in_doubt or exc.in_doubt,
                )
            else:  # a bug or an unexpected transport error: retry, loudly
                log.exception("outbox %s: unexpected error publishing a home page", row.id)
                error = DeliveryError(type(exc).__name__, in_doubt=True)
            await self._failed(row.id, error)
            await self._release(others)
            return False
        await self._settle_home(row, page_id, others, page)
        return True

    async def _settle_home(
        self,
        row: OutboxMessage,
        page_id: str | None,
        answered: Sequence[int],
        page: Overview | None,
    ) -> None:
        """In one transaction: ``row`` sent as ``page_id`` (deleted if nothing was published),
        the refreshes it ``answered`` deleted, and ``page`` recorded as what the person's page
        shows."""
        assert self.pages is not None and row.id is not None
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            record = False  # only while the refresh is still this sender's to settle
            for settled in (row.id, *answered):
                found = await repo.outbox_by_id(session=session, message_id=settled)
                if not self._settleable(found, settled):
                    continue
                record = record or (settled == row.id and found.leased_by == self.worker)
                if settled != row.id or page_id is None:
                    await session.delete(found)  # a marker that published nothing of its own
                    continue
                _mark_sent(found, page_id, now)
                session.add(found)
            if page is not None and record:  # else a later sender's page may be newer
                await self.pages.shown(
                    session=session, platform=row.platform, user=row.target, page=page
                )

    async def _publish_home(self, row: OutboxMessage, notifier: Notifier, page: Overview) -> bool:
        assert row.id is not None
        try:
            if not isinstance(notifier, PublishesHome):
                raise DeliveryError(f"{row.platform} has no home page", permanent=True)
            page_id = await notifier.publish_home(user=row.target, overview=page)
        except DeliveryError as exc:
            # Never in doubt: publishing again only replaces the page, so a refresh waiting to
            # be retried may be brought up to date by a later change (``enqueue_home``).
            retry = DeliveryError(exc.reason, retry_after=exc.retry_after, permanent=exc.permanent)
            await self._failed(row.id, retry)
            return False
        except Exception as exc:  # a bug or an unexpected transport error: retry, loudly
            log.exception("outbox %s: unexpected error publishing a home page", row.id)
            await self._failed(row.id, DeliveryError(type(exc).__name__))
            return False
        await self._sent(row.id, page_id)
        return True

    async def _look_for(
        self, row: OutboxMessage, notifier: Notifier, delivery: Delivery, since: datetime
    ) -> str | None:
        """For an in-doubt row: the platform id if it was delivered, "" if it was not (or the
        platform cannot be asked: then it is sent again, at least once beating never), None
        if the platform could not answer now."""
        assert row.id is not None
        if not isinstance(notifier, FindsSent):
            return ""
        try:
            return await notifier.find(delivery, since=since) or ""
        except DeliveryError as exc:
            if exc.permanent:
                log.warning("outbox %s: cannot look on %s (%s); sending again", row.id,
                            row.platform, exc.reason[:100])  # fmt: skip
                return ""
            await self._failed(row.id, DeliveryError(exc.reason, retry_after=exc.retry_after,
                                                     in_doubt=True))  # fmt: skip
            return None

    async def _sent(self, row_id: int, message_id: str) -> None:
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            row = await repo.outbox_by_id(session=session, message_id=row_id)
            if not self._settleable(row, row_id):
                return
            _mark_sent(row, message_id, now)
            session.add(row)

    def _settleable(self, row: OutboxMessage | None, row_id: int) -> TypeGuard[OutboxMessage]:
        """Whether ``row`` (row ``row_id`` read back to settle it) is still pending; says so
        when another sender settled it, or when the lease ran out while it was being sent."""
        if row is None or row.state != OutboxState.PENDING:
            log.warning("outbox %s was already settled by another sender", row_id)
            return False
        if row.leased_by != self.worker:
            log.warning("outbox %s: the lease ran out while it was being sent", row_id)
        return True

    async def _failed(self, row_id: int, error: DeliveryError) -> None:
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            row = await repo.outbox_by_id(session=session, message_id=row_id)
            if row is None or row.state != OutboxState.PENDING:
                return
            row.attempts += 1
            row.last_error = error.reason[:200]
            row.lease_until = row.leased_by = None
            if not error.in_doubt:  # the platform said no: nothing of it exists there
                row.sending_since = None
            if error.permanent:
                row.state = OutboxState.FAILED
                log.error(
                    "outbox %s to %s failed for good: %s", row_id, row.platform, row.last_error
                )
            else:
                delay = self.retry.backoff(row.attempts, error.retry_after)
                row.next_attempt_at = now + timedelta(seconds=delay)
                log.warning(
                    "outbox %s to %s: attempt %s failed (%s); retry in %.0f s",
                    row_id,
                    row.platform,
                    row.attempts,
                    row.last_error,
                    delay,
                )
            session.add(row)


def _mark_sent(row: OutboxMessage, message_id: str, now: datetime) -> None:
    """``row`` delivered as the platform's ``message_id``: settled, its lease let go."""
    row.state, row.sent_at, row.platform_message_id = OutboxState.SENT, now, message_id
    row.lease_until = row.leased_by = row.sending_since = None
    row.attempts += 1
