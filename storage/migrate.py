"""Apply Alembic migrations programmatically (``privacy-desk migrate`` and the console).

Alembic is imported only when a migration runs: ``pending`` compares the database's revision
with the head read from the version files, so an up-to-date database starts without it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

    from storage.crypto import DataKeys

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"$', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, *, keys: DataKeys | None, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; ``keys`` encrypt the rows a migration
    writes (0007 encrypts a plain-text database). Runs its own event loop: call it from a
    thread (``upgrade_async``) when one is already running."""
    from alembic import command

    config = alembic_config(url)
    config.attributes["data_keys"] = keys
    command.upgrade(config, revision)
    if config.attributes.get("encrypted"):
        compact(url)


def compact(url: str) -> None:
    """Rewrite the database so values that were replaced (plain text just encrypted, tokens
    just rotated) survive nowhere in its files: SQLite is vacuumed and its WAL emptied;
    PostgreSQL's tables that hold tokens get ``VACUUM FULL`` (a brief exclusive lock each)."""
    from sqlalchemy.engine import make_url

    from storage.db import is_sqlite

    database = make_url(url).database
    if not is_sqlite(url):
        asyncio.run(_vacuum_postgres(url))
        return
    if database in (None, "", ":memory:"):
        return
    import sqlite3

    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def _vacuum_postgres(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage import personal

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for table in personal.encrypted_tables():
                found = await connection.execute(text("SELECT to_regclass(:t)"), {"t": table})
                if found.scalar_one() is not None:
                    await connection.execute(text(f"VACUUM FULL {table}"))
    finally:
        await engine.dispose()


async def upgrade_async(url: str, *, keys: DataKeys | None, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, keys=keys, revision=revision)


def head_revision() -> str | None:
    """This code's head revision, from the ``revision``/``down_revision`` lines of the version
    files; Alembic itself answers when they are not one simple chain (a merge, a branch)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            return _alembic_head()
        revisions.add(revision.group(1))
        if down.group(1) is not None:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's Alembic revision; None for a database never migrated."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no alembic_version table yet
            return None
        return result.scalar_one_or_none()


async def schema_revisions(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """(the database's Alembic revision, this code's head revision)."""
    return await current_revision(engine), head_revision()


async def pending(engine: AsyncEngine) -> bool:
    """Whether the database behind ``engine`` is behind this code's migrations."""
    current, head = await schema_revisions(engine)
    return current != head
