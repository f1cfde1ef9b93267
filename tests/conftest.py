"""Shared fixtures: a migrated database per test on SQLite and PostgreSQL, a fake clock, a desk.

PostgreSQL tests use a database of their own (created and dropped here, never ``test`` itself);
they are skipped, loudly, only when ``PRIVACY_DESK_TEST_POSTGRES=skip`` says the server could not
be started (scripts/postgres.sh).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import Actor, ChatUser, Outcome
from storage.db import create_engine, session_factory
from storage.enums import Role
from storage.migrate import upgrade
from tests.fakes.clock import FakeClock as FakeClock  # tests import it from here
from tests.fakes.keys import TEST_KEY, TEST_KEYS
from tests.fakes.notifier import RecordingNotifier

# Every engine, CLI and server a test starts encrypts with the same fixed test key (tests that
# check the key file or a missing key remove it with monkeypatch).
os.environ["PRIVACY_DESK_DATA_KEYS"] = TEST_KEY

POSTGRES_URL = os.environ.get(
    "PRIVACY_DESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
SKIP_POSTGRES = os.environ.get("PRIVACY_DESK_TEST_POSTGRES") == "skip"
TABLES = (
    "pauses",
    "notes",
    "events",
    "requests",
    "breaches",
    "counters",
    "audit_head",
    "reminders",
    "outbox",
    "inbound",
    "conversation_refs",
    "desk_facts",
    "systems",
    "search_tasks",
    "disclosures",
    "search_terms",
    "ticket_links",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
    "home_tabs",
)

STAFF = ChatUser("slack", "USTAFF1")
OTHER_STAFF = ChatUser("slack", "USTAFF2")
PRIVACY = ChatUser("slack", "UPRIV1")
DPO = ChatUser("slack", "UDPO1")
COMPLIANCE = ChatUser("slack", "CCOMPLIANCE")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}", keys=TEST_KEYS)
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if SKIP_POSTGRES:
        pytest.skip("PostgreSQL unavailable (PRIVACY_DESK_TEST_POSTGRES=skip)")
    import asyncio

    import asyncpg

    base = make_url(POSTGRES_URL)
    name = f"privacy_desk_test_{uuid.uuid4().hex[:10]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, keys=TEST_KEYS)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_postgres(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        await conn.execute(
            text("INSERT INTO counters (name, value) VALUES ('DSAR', 0), ('BREACH', 0)")
        )
        await conn.execute(
            text(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "privacy-desk.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url, keys=TEST_KEYS)
    if engine.dialect.name == "postgresql":
        await reset_postgres(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning in winter (GMT): 2025-11-24 09:30 UTC.
    return FakeClock(datetime(2025, 11, 24, 9, 30, tzinfo=UTC))


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def policy() -> Policy:
    return Policy(
        privacy_team=frozenset({PRIVACY, DPO}),
        dpo=frozenset({DPO}),
        compliance_channels=(COMPLIANCE,),
    )


@pytest.fixture
def sender(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, notifier: RecordingNotifier
) -> Sender:
    return Sender(sessions=sessions, clock=clock, notifiers={"slack": notifier})


@pytest.fixture
def desk(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, sender: Sender, policy: Policy
) -> Desk:
    return Desk(sessions=sessions, clock=clock, policy=policy, sender=sender)


@dataclass
class Driver:
    """Types commands as a given person and keeps what came back."""

    desk: Desk
    outcomes: list[Outcome] = field(default_factory=list)

    async def say(self, user: ChatUser, line: str) -> Outcome:
        actor: Actor = self.desk.actor(user)
        outcome = await self.desk.run_text(actor=actor, text=line)
        self.outcomes.append(outcome)
        return outcome

    async def ok(self, user: ChatUser, line: str) -> Outcome:
        outcome = await self.say(user, line)
        assert outcome.reply.tone != "error", outcome.reply.render_text()
        return outcome

    async def refused(self, user: ChatUser, line: str) -> Outcome:
        outcome = await self.say(user, line)
        assert outcome.reply.tone == "error", outcome.reply.render_text()
        assert not outcome.changed and not outcome.posts and not outcome.direct
        assert any(line.startswith("Usage: ") for line in outcome.reply.lines)
        return outcome


@pytest.fixture
def driver(desk: Desk) -> Driver:
    return Driver(desk)


def role_of(user: ChatUser) -> Role:
    return {DPO: Role.DPO, PRIVACY: Role.PRIVACY}.get(user, Role.STAFF)


async def database_state(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, for asserting that a refused command changed nothing."""
    state: dict[str, list[tuple[object, ...]]] = {}
    async with sessions() as session:
        for table in TABLES:
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            state[table] = sorted((tuple(row) for row in rows), key=repr)
    return state


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to aiosqlite's thread."""
    sent: list[str] = []
    original = cast(Callable[..., Awaitable[Any]], aiosqlite.Connection._execute)

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent
