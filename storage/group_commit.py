"""Group commit: the writes of one process go through one queue, many commands to a COMMIT.

A command's write is either a ``Work`` (an async function of a session that returns a value or
raises: a refusal, a repeated delivery) or an item of a ``Batch`` kind, whose ``apply`` writes
many items with one statement per table (opening tickets: ``handlers.opening``). ``run`` and
``run_item`` return what the write produced, once it is durable.

- Alone (nothing else waiting or being written), a command runs at once in a transaction of its
  own, in the caller's task: no hand-off, no savepoint.
- While a transaction is being written, later commands queue. When it ends, one drain task takes
  up to ``max_batch`` of them into one transaction: each ``Work`` inside a SAVEPOINT of its own
  (one that raises is rolled back to it and gets its own exception, never taking the others
  down), and the items of each ``Batch`` kind in one ``apply`` inside one savepoint (if it
  raises, its items are retried alone after the commit). A batch of one kind alone (openings
  under load) needs no savepoint: if its ``apply`` raises, the transaction rolls back and each
  is retried alone. One COMMIT makes the batch durable;
  then each caller gets its answer. If the batch as a whole fails (the COMMIT, a dropped
  connection), each of its commands is retried alone.
- After a transaction of several commands the writer lingers (at most ``linger`` seconds)
  until as many are queued again: their senders were answered together and send again
  together, and a transaction costs nearly as much for one command as for thirty. Writing the
  first to arrive alone made every other cycle a one-command transaction under load.
- The queue is bounded twice: ``max_queue`` commands waiting (more are refused at once) and
  ``max_wait`` seconds in the queue (a command still waiting then is refused, not applied). Both
  raise ``WriterBusy``, so a platform with an acknowledgement window can tell the person that
  nothing was logged instead of timing out while the write may still happen.
- A dropped connection is retried once (the pool has no pre-ping, which would cost a round trip
  on every checkout); a repeated platform delivery is then recognised by its delivery key. So
  is a transaction PostgreSQL gave up to break a deadlock between replicas (a command of a
  batch that lost one is tried alone after the batch commits).

Everything here runs on one event loop: the queue and the flags need no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

MAX_BATCH = 64
MAX_QUEUE = 1024
# PostgreSQL gave up the transaction to break a deadlock, or a serialization conflict: nothing
# it did stays, and the same work succeeds once the others have committed.
RETRYABLE = frozenset({"40P01", "40001"})
# After a transaction of several commands, the writer waits until as many are queued again
# (their senders were answered together and are sending their next ones), at most this long,
# rather than writing the first to arrive alone: a transaction costs about as much for one
# command as for thirty. A command to an idle writer is never held back; one arriving in the
# linger after a batch waits for it to end (at most this long). bench.slack_ack at 32
# concurrent: 0 ms 438/366 req/s (SQLite/PostgreSQL), 5 ms 437/479, 15 ms 540/539 with p99
# 128/127 ms, 30 ms 493/504.
LINGER_SECONDS = 0.015


class WriterBusy(Exception):
    """The command was not applied: the write queue is full or it waited past its limit."""


class Batch(Protocol):
    """A kind of command written many at a time. ``apply`` returns, for each item in order,
    its value or the exception it is refused with; an item refused must have written nothing
    (its checks come before the shared statements). If ``apply`` raises, nothing it wrote
    stays and each item is tried again alone."""

    async def apply(self, session: AsyncSession, items: Sequence[Any]) -> list[Any]: ...


@dataclass(eq=False, slots=True)
class _Job:
    future: asyncio.Future[Any]
    queued_at: float
    work: Work[Any] | None = None
    kind: Batch | None = None
    item: Any = None

    def alone(self) -> Work[Any]:
        """This command as a transaction's whole work (its refusal raised, to roll back)."""
        if self.work is not None:
            return self.work
        kind, item = self.kind, self.item
        assert kind is not None

        async def one(session: AsyncSession) -> Any:
            (result,) = await kind.apply(session, [item])
            if isinstance(result, Exception):
                raise result
            return result

        return one


@dataclass(slots=True)
class Stats:
    """What the writer has done, for metrics and benchmarks."""

    alone: int = 0
    batches: int = 0
    batched: int = 0
    largest: int = 0
    expired: int = 0
    refused_full: int = 0
    retried: int = 0
    waited_s: float = 0.0  # seconds the batched commands spent queued, in all


class GroupCommit:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = MAX_BATCH,
        max_queue: int = MAX_QUEUE,
        max_wait: float | None = None,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.linger = linger
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.max_wait = max_wait
        self.stats = Stats()
        self._queue: deque[_Job] = deque()
        self._busy = False
        self._arrived = asyncio.Event()  # set as each command is queued
        self._drain_task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Commands queued, not yet taken into a transaction."""
        return len(self._queue)

    @property
    def busy(self) -> bool:
        """A transaction of the writer's is open."""
        return self._busy

    async def run(self, work: Work[T]) -> T:
        """Apply ``work`` and return its value once committed (or raise what it raised)."""
        result: T = await self._submit(work=work)
        return result

    async def run_item(self, kind: Batch, item: Any) -> Any:
        """Apply one item of ``kind`` (with any others waiting) and return its value once
        committed, or raise the exception it was refused with."""
        return await self._submit(kind=kind, item=item)

    async def _submit(
        self, *, work: Work[Any] | None = None, kind: Batch | None = None, item: Any = None
    ) -> Any:
        loop = asyncio.get_running_loop()
        job = _Job(future=loop.create_future(), queued_at=loop.time(), work=work, kind=kind)
        job.item = item
        if not self._busy and not self._queue:
            self._busy = True
            self.stats.alone += 1
            try:
                return await alone(self.sessions, job.alone(), self.stats)
            finally:
                self._busy = False
                self._start_drain()
        if len(self._queue) >= self.max_queue:
            self.stats.refused_full += 1
            raise WriterBusy(f"{len(self._queue)} commands are already waiting to be written")
        self._queue.append(job)
        self._arrived.set()
        self._start_drain()
        # The write goes on if the caller gives up: it may already be in the transaction.
        return await asyncio.shield(job.future)

    def _start_drain(self) -> None:
        if self._busy or not self._queue:
            return
        self._busy = True
        self._drain_task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        batch: list[_Job] = []
        answered = (0, 0)  # the sizes of the last two transactions
        try:
            while self._queue:
                batch = self._take()
                if batch:
                    await self._commit(batch)
                answered = (answered[1], len(batch))
                if max(answered) > 1:
                    await self._gather(max(answered))
        except BaseException:  # cancelled (the server stopping): no caller waits forever
            for job in (*batch, *self._queue):
                _settle(job, exc=WriterBusy("the server stopped before this was confirmed"))
            self._queue.clear()
            raise
        finally:
            self._busy = False
            self._drain_task = None

    async def _gather(self, expected: int) -> None:
        """Wait, at most ``linger`` seconds, until ``expected`` commands are queued (as many
        as a transaction just written: their senders were answered together)."""
        want = min(expected, self.max_batch)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.linger):
                while len(self._queue) < want:
                    self._arrived.clear()
                    await self._arrived.wait()

    def _take(self) -> list[_Job]:
        """Up to ``max_batch`` queued commands; those that waited too long are refused."""
        now = asyncio.get_running_loop().time()
        batch: list[_Job] = []
        while self._queue and len(batch) < self.max_batch:
            job = self._queue.popleft()
            if job.future.done():
                continue
            if self.max_wait is not None and now - job.queued_at > self.max_wait:
                self.stats.expired += 1
                waited = now - job.queued_at
                _settle(job, exc=WriterBusy(f"waited {waited:.1f} s to be written"))
                continue
            self.stats.waited_s += now - job.queued_at
            batch.append(job)
        return batch

    async def _commit(self, batch: list[_Job]) -> None:
        if len(batch) == 1:
            await self._each_alone(batch)
            return
        self.stats.batches += 1
        self.stats.batched += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        answers: list[tuple[_Job, Any, Exception | None]] = []
        again: list[_Job] = []  # to try alone after the commit (a kind's failed apply, a deadlock)
        kinds: dict[int, tuple[Batch, list[_Job]]] = {}
        try:
            async with transaction(self.sessions) as session:
                for job in batch:
                    if job.work is None:
                        assert job.kind is not None
                        kinds.setdefault(id(job.kind), (job.kind, []))[1].append(job)
                        continue
                    try:
                        async with session.begin_nested():
                            value = await job.work(session)
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            raise  # the whole transaction is gone: each is retried alone
                        if retryable(exc):
                            again.append(job)  # alone, once this batch has committed
                        else:
                            answers.append((job, None, exc))
                    except Exception as exc:
                        answers.append((job, None, exc))
                    else:
                        answers.append((job, value, None))
                if len(kinds) == 1 and all(job.work is None for job in batch):
                    # Only items of one kind: no savepoint (two more trips). If ``apply``
                    # raises, the whole transaction rolls back and each is tried alone.
                    ((kind, jobs),) = kinds.values()
                    results = await kind.apply(session, [job.item for job in jobs])
                    for job, result in zip(jobs, results, strict=True):
                        error = result if isinstance(result, Exception) else None
                        answers.append((job, None if error else result, error))
                    kinds = {}
                for kind, jobs in kinds.values():
                    try:
                        async with session.begin_nested():
                            results = await kind.apply(session, [job.item for job in jobs])
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            raise
                        again += jobs
                    except Exception as exc:
                        log.warning("%d writes of one kind failed together (%s)", len(jobs), exc)
                        again += jobs
                    else:
                        for job, result in zip(jobs, results, strict=True):
                            error = result if isinstance(result, Exception) else None
                            answers.append((job, None if error else result, error))
        except Exception as exc:
            log.warning("a batch of %d writes failed (%s): retrying each alone", len(batch), exc)
            await self._each_alone(batch)
            return
        for job, value, error in answers:
            if error is None:
                _settle(job, value=value)
            else:
                _settle(job, exc=error)
        await self._each_alone(again)

    async def _each_alone(self, jobs: list[_Job]) -> None:
        for job in jobs:
            try:
                _settle(job, value=await alone(self.sessions, job.alone(), self.stats))
            except Exception as exc:
                _settle(job, exc=exc)


async def alone(
    sessions: async_sessionmaker[AsyncSession], work: Work[T], stats: Stats | None = None
) -> T:
    """``work`` in a transaction of its own, tried once more if the connection was dropped
    (a stale pooled connection: the pool does not ping before each checkout) or PostgreSQL
    broke a deadlock by giving this transaction up (``RETRYABLE``)."""
    try:
        async with transaction(sessions) as session:
            return await work(session)
    except DBAPIError as exc:
        if not (exc.connection_invalidated or retryable(exc)):
            raise
        why = (
            "the database connection was dropped"
            if exc.connection_invalidated
            else "PostgreSQL gave the transaction up to break a deadlock"
        )
        log.warning("%s: trying the write once more", why)
        if stats is not None:
            stats.retried += 1
    async with transaction(sessions) as session:
        return await work(session)


def retryable(exc: DBAPIError) -> bool:
    """Whether the database gave the transaction up so that another could go on."""
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE


def _settle(job: _Job, *, value: Any = None, exc: BaseException | None = None) -> None:
    if job.future.done():
        return
    if exc is not None:
        job.future.set_exception(exc)
    else:
        job.future.set_result(value)
