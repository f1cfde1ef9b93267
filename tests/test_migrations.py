"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)
from tests.fakes.keys import TEST_KEYS


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrated_schema_matches_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_migration_seeds_counters_and_chain_head(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        counters = (await connection.execute(text("SELECT name, value FROM counters"))).all()
        head = (await connection.execute(text("SELECT id, seq FROM audit_head"))).all()
    assert sorted(tuple(row) for row in counters) == [("BREACH", 0), ("DSAR", 0)]
    assert [tuple(row) for row in head] == [(1, 0)]


def test_head_read_from_the_version_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, head_revision

    alembic = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head_revision() == alembic


async def test_pending_tells_a_migrated_database_from_a_new_one(
    engine: AsyncEngine, tmp_path: Any
) -> None:
    from storage.db import create_engine
    from storage.migrate import head_revision, pending, schema_revisions

    assert await schema_revisions(engine) == (head_revision(), head_revision())
    assert not await pending(engine)
    empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", keys=TEST_KEYS)
    try:
        assert await schema_revisions(empty) == (None, head_revision())
        assert await pending(empty)
    finally:
        await empty.dispose()


def test_0008_adds_acknowledged_on_to_existing_requests(tmp_path: Any) -> None:
    """Issue 12: a database at 0006 with a request in it upgrades through 0007 to 0008 (the
    column empty), and 0008 comes back down to 0007."""
    import sqlite3

    from alembic import command

    from storage.migrate import alembic_config, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, keys=TEST_KEYS, revision="0006")
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute(
            "INSERT INTO requests (ref, type, state, via, received, calendar, created_by, "
            "created_at, extended) VALUES ('DSAR-0001', 'complaint', 'received', 'email', "
            "'2026-06-25', 'GB-ENG', 'slack:U1', '2026-06-25 09:00:00', 0)"
        )
    upgrade(url, keys=TEST_KEYS, revision="0008")
    with sqlite3.connect(tmp_path / "old.db") as db:
        rows = db.execute("SELECT ref, acknowledged_on FROM requests").fetchall()
    assert rows == [("DSAR-0001", None)]
    command.downgrade(alembic_config(url), "0007")
    with sqlite3.connect(tmp_path / "old.db") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(requests)")]
    assert "acknowledged_on" not in columns and "recipients_told" in columns


def test_0011_adds_ticket_origins_and_home_tabs(tmp_path: Any) -> None:
    """Issue 15: a database at 0010 with a request and a breach upgrades to 0011 with their
    origins empty (so their recorded digests still hold) and a ``home_tabs`` table; 0011 comes
    back down to 0010."""
    import sqlite3

    from alembic import command

    from storage.migrate import alembic_config, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, keys=TEST_KEYS, revision="0010")
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute(
            "INSERT INTO requests (ref, type, state, via, received, calendar, created_by, "
            "created_at, extended) VALUES ('DSAR-0001', 'access', 'received', 'email', "
            "'2026-06-25', 'GB-ENG', 'slack:U1', '2026-06-25 09:00:00', 0)"
        )
        db.execute(
            "INSERT INTO breaches (ref, state, aware_at, ico_due, created_by, created_at, pecr) "
            "VALUES ('BREACH-0001', 'open', '2026-06-25 09:00:00', '2026-06-28 09:00:00', "
            "'slack:U1', '2026-06-25 09:00:00', 0)"
        )
    upgrade(url, keys=TEST_KEYS, revision="0011")
    with sqlite3.connect(tmp_path / "old.db") as db:
        for table in ("requests", "breaches"):
            rows = db.execute(f"SELECT ref, origin_enterprise, origin_team FROM {table}").fetchall()
            assert [row[1:] for row in rows] == [(None, None)]
        assert db.execute("SELECT count(*) FROM home_tabs").fetchone() == (0,)
    command.downgrade(alembic_config(url), "0010")
    with sqlite3.connect(tmp_path / "old.db") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(requests)")]
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert "origin_team" not in columns and "acknowledged_on" in columns
    assert "home_tabs" not in tables
