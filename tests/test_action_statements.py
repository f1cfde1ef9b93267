"""The statements a ticket action sends, counted on the wire (issue 16): an action reads its
ticket once (a home-page refresh does not read it back), reads the request's pauses once, and
writes reminders only when the schedule changed. Through the Slack server, on both databases;
the reminders that end up pending are the ones the schedule says."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_factory
from storage.enums import ReminderState
from storage.models import Reminder
from tests.conftest import FakeClock
from tests.slack_harness import DPO_ID, PRIVACY_ID, STAFF_ID, slack_server, unique


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement ``engine`` sends inside the block, whitespace collapsed."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


def reads_of(seen: list[str], table: str) -> int:
    return sum(s.startswith("SELECT") and f" FROM {table} " in f"{s} " for s in seen)


def writes_of(seen: list[str], table: str) -> list[str]:
    starts = (f"INSERT INTO {table} ", f"DELETE FROM {table} ", f"UPDATE {table} ")
    return [s for s in seen if s.startswith(starts)]


async def pending(engine: AsyncEngine, ref: str) -> set[tuple[str, object]]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(col(Reminder.kind), col(Reminder.fire_at)).where(
                col(Reminder.ticket_ref) == ref, col(Reminder.state) == ReminderState.PENDING
            )
        )
        return {(kind, fire_at) for kind, fire_at in rows}


async def test_an_assignment_reads_its_ticket_once_and_leaves_the_reminders_alone(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Ada" email=ada@example.org', user=STAFF_ID)
        before = await pending(engine, "DSAR-0001")
        assert before, "a new request has its reminders booked"
        with statements(engine) as seen:
            status, body = await slack.command(
                f"assign DSAR-0001 <@{PRIVACY_ID}>", user=DPO_ID, trigger=unique("trig")
            )
        assert status == 200 and "DSAR-0001: assigned" in body["text"], body
        assert reads_of(seen, "requests") == 1, seen
        assert reads_of(seen, "pauses") == 1, seen
        assert writes_of(seen, "reminders") == [], seen
        assert await pending(engine, "DSAR-0001") == before


async def test_an_extension_replaces_only_the_reminders_whose_time_moved(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock) as slack:
        await slack.slash('new access name="Ada" email=ada@example.org', user=STAFF_ID)
        before = await pending(engine, "DSAR-0001")
        with statements(engine) as seen:
            status, body = await slack.command(
                'extend DSAR-0001 reason="many systems"', user=DPO_ID, trigger=unique("trig")
            )
        assert status == 200 and "deadline extended" in body["text"], body
        after = await pending(engine, "DSAR-0001")
        assert after != before
        # One DELETE for those that moved, one INSERT for their new times; the rest stay.
        written = writes_of(seen, "reminders")
        assert [s.split()[0] for s in written] == ["DELETE", "INSERT"], written
        assert reads_of(seen, "requests") == 1, seen
    # What is pending is the new schedule: each kind once, none in the past.
    kinds = [kind for kind, _ in after]
    assert len(kinds) == len(set(kinds)), after
