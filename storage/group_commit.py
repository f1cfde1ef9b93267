"""Group commit: the writes of one process go through one queue, many commands to a COMMIT.

A command's write is a ``Work``: an async function of a session that returns a value or raises
(a refusal, a repeated delivery). ``GroupCommit.run`` applies it and returns what it returned,
once it is durable.

- Alone (nothing else waiting or being written), the work runs at once in a transaction of its
  own, in the caller's task: no hand-off, no savepoint, as before group commit.
- While a transaction is being written, later commands queue. When it ends, one drain task takes
  up to ``max_batch`` of them into one transaction, each inside a SAVEPOINT: a command that
  raises is rolled back to its savepoint and gets its own exception, and never takes the others
  down. One COMMIT makes the batch durable; then each caller gets its answer. If the batch as a
  whole fails (the COMMIT, a dropped connection), each of its commands is retried alone.
- The queue is bounded twice: ``max_queue`` commands waiting (more are refused at once) and
  ``max_wait`` seconds in the queue (a command still waiting then is refused, not applied). Both
  raise ``WriterBusy``, so a platform with an acknowledgement window can tell the person that
  nothing was logged instead of timing out while the write may still happen.
- A dropped connection is retried once (the pool has no pre-ping, which would cost a round trip
  on every checkout); a repeated platform delivery is then recognised by its delivery key.

Everything here runs on one event loop: the queue and the flags need no locks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

MAX_BATCH = 64
MAX_QUEUE = 1024


class WriterBusy(Exception):
    """The command was not applied: the write queue is full or it waited past its limit."""


@dataclass(eq=False, slots=True)
class _Job(Generic[T]):
    work: Work[T]
    future: asyncio.Future[T]
    queued_at: float
    attempts: int = field(default=0)


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


class GroupCommit:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = MAX_BATCH,
        max_queue: int = MAX_QUEUE,
        max_wait: float | None = None,
    ) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.max_wait = max_wait
        self.stats = Stats()
        self._queue: deque[_Job[Any]] = deque()
        self._busy = False
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
        if not self._busy and not self._queue:
            self._busy = True
            self.stats.alone += 1
            try:
                return await alone(self.sessions, work, self.stats)
            finally:
                self._busy = False
                self._start_drain()
        if len(self._queue) >= self.max_queue:
            self.stats.refused_full += 1
            raise WriterBusy(f"{len(self._queue)} commands are already waiting to be written")
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(work=work, future=loop.create_future(), queued_at=loop.time())
        self._queue.append(job)
        self._start_drain()
        # The write goes on if the caller gives up: it may already be in the transaction.
        return await asyncio.shield(job.future)

    def _start_drain(self) -> None:
        if self._busy or not self._queue:
            return
        self._busy = True
        self._drain_task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        batch: list[_Job[Any]] = []
        try:
            while self._queue:
                batch = self._take()
                if batch:
                    await self._commit(batch)
        except BaseException:  # cancelled (the server stopping): no caller waits forever
            for job in (*batch, *self._queue):
                _settle(job, exc=WriterBusy("the server stopped before this was confirmed"))
            self._queue.clear()
            raise
        finally:
            self._busy = False
            self._drain_task = None

    def _take(self) -> list[_Job[Any]]:
        """Up to ``max_batch`` queued commands; those that waited too long are refused."""
        now = asyncio.get_running_loop().time()
        batch: list[_Job[Any]] = []
        while self._queue and len(batch) < self.max_batch:
            job = self._queue.popleft()
            if job.future.done():
                continue
            if self.max_wait is not None and now - job.queued_at > self.max_wait:
                self.stats.expired += 1
                waited = now - job.queued_at
                _settle(job, exc=WriterBusy(f"waited {waited:.1f} s to be written"))
                continue
            batch.append(job)
        return batch

    async def _commit(self, batch: list[_Job[Any]]) -> None:
        if len(batch) == 1:
            (job,) = batch
            try:
                _settle(job, value=await alone(self.sessions, job.work, self.stats))
            except Exception as exc:
                _settle(job, exc=exc)
            return
        self.stats.batches += 1
        self.stats.batched += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        answers: list[tuple[_Job[Any], Any, Exception | None]] = []
        try:
            async with transaction(self.sessions) as session:
                for job in batch:
                    try:
                        async with session.begin_nested():
                            value = await job.work(session)
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            raise  # the whole transaction is gone: each is retried alone
                        answers.append((job, None, exc))
                    except Exception as exc:
                        answers.append((job, None, exc))
                    else:
                        answers.append((job, value, None))
        except Exception as exc:
            log.warning("a batch of %d writes failed (%s): retrying each alone", len(batch), exc)
            for job in batch:
                try:
                    _settle(job, value=await alone(self.sessions, job.work, self.stats))
                except Exception as inner:
                    _settle(job, exc=inner)
            return
        for job, value, error in answers:
            if error is None:
                _settle(job, value=value)
            else:
                _settle(job, exc=error)


async def alone(
    sessions: async_sessionmaker[AsyncSession], work: Work[T], stats: Stats | None = None
) -> T:
    """``work`` in a transaction of its own, tried once more if the connection was dropped
    (a stale pooled connection: the pool does not ping before each checkout)."""
    try:
        async with transaction(sessions) as session:
            return await work(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("the database connection was dropped: trying the write once more")
        if stats is not None:
            stats.retried += 1
    async with transaction(sessions) as session:
        return await work(session)


def _settle(job: _Job[Any], *, value: Any = None, exc: BaseException | None = None) -> None:
    if job.future.done():
        return
    if exc is not None:
        job.future.set_exception(exc)
    else:
        job.future.set_result(value)
