"""The async engine and session factory, with the SQLite settings a multi-writer app needs.

Every engine hides bound parameters (``hide_parameters=True``): SQLAlchemy otherwise puts the
values of a failed statement — requester names, emails, details — into the exception text,
which then reaches logs and terminals. A new SQLite file is created readable by its owner only.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import crypto, sqlite_cursor
from storage.crypto import DataKeys

SQLITE_BUSY_TIMEOUT_MS = 30_000
# The group commit's own pool on PostgreSQL: its writer holds one connection at a time; the
# other is for the retry after a dropped connection while the first is being discarded.
WRITE_POOL_SIZE = 2


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, keys: DataKeys | None, echo: bool = False) -> AsyncEngine:
    """An engine for ``url`` whose personal columns are encrypted with ``keys`` (None: an
    engine that may not touch them, for schema work). On SQLite every transaction is
    ``BEGIN IMMEDIATE``.

    SQLite's default deferred transactions let two writers both read and then fail to upgrade
    their lock; taking the write lock at BEGIN makes writers queue (up to the busy timeout)
    instead, which is what reference numbering and the audit chain rely on.

    On SQLite the pool holds one connection: every transaction of the process queues for it on
    the event loop (no thread blocked, no busy-handler sleeps), and the group commit
    (``storage.group_commit``) puts the waiting commands into one transaction. The busy timeout
    stays for other processes writing the same file (a CLI command while the bot serves). On
    PostgreSQL the pool does not ping before each checkout (a round trip every transaction); a
    write on a connection the server dropped is tried once more instead.
    """
    if is_sqlite(url):
        sqlite_cursor.install()  # one hand-off to aiosqlite's thread a statement, not four
        create_private_file(make_url(url).database)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            pool_reset_on_return=None,  # see _on_reset
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Overwrite what is deleted or replaced, so erased or re-encrypted values do not
            # linger in free pages of the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if make_url(url).database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            # On the DBAPI cursor (one hand-off, storage.sqlite_cursor), not through
            # exec_driver_sql: a statement's execution context is ~0.15 ms of every write.
            cursor = connection.connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except connection.dialect.loaded_dbapi.Error as exc:  # as a statement's would be
                raise DBAPIError.instance(
                    "BEGIN IMMEDIATE",
                    None,
                    exc,
                    connection.dialect.loaded_dbapi.Error,
                    hide_parameters=True,
                    dialect=connection.dialect,
                ) from exc
            finally:
                cursor.close()

        @event.listens_for(engine.sync_engine, "reset")
        def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
            # A connection back in the pool is rolled back only if a transaction is still
            # open (sqlite3 knows without a trip to aiosqlite's thread): the pool's own reset
            # (pool_reset_on_return=None above) cost one such trip after every COMMIT.
            if state.asyncio_safe and record.driver_connection.in_transaction:
                dbapi_connection.rollback()

        return crypto.attach(engine, keys)
    engine = create_async_engine(url, echo=echo, hide_parameters=True)
    return crypto.attach(engine, keys)


def writer_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine the group commit (``storage.group_commit``) writes through, with the keys of
    ``engine``. On PostgreSQL it has a pool of its own (``WRITE_POOL_SIZE`` connections, no
    overflow), so that reads, the sweep and the outbox sender holding every connection of the
    main pool never leave a command waiting for one inside its acknowledgement window. On
    SQLite it is ``engine`` itself: one connection for everything, queued on the event loop
    (see ``create_engine``), since a second writing connection would bring back the busy
    handler's sleeps. Whoever makes it disposes of it when it is not ``engine``."""
    if engine.dialect.name == "sqlite":
        return engine
    writer = create_async_engine(
        engine.url,
        echo=engine.echo,
        hide_parameters=True,
        pool_size=WRITE_POOL_SIZE,
        max_overflow=0,
    )
    return crypto.attach(writer, crypto.keys_or_none(engine))


def create_private_file(path: str | None) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then creates its -wal
    and -shm files with the same mode). The database holds personal data: no other account on
    the machine may read it, whatever the umask."""
    if path in (None, "", ":memory:") or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    except FileNotFoundError:
        return  # the directory is missing: let SQLite report it (describe_error names it)


def describe_error(exc: BaseException, *, url: str | None = None) -> str | None:
    """A database failure's cause in a few words, without its message (which may quote SQL and
    values): "database is read-only", "cannot reach PostgreSQL at host:port"… None when
    ``exc`` is not a database or connection failure this recognises."""
    from sqlalchemy.exc import SQLAlchemyError

    if not isinstance(exc, SQLAlchemyError | OSError):
        return None
    inner: BaseException = getattr(exc, "orig", None) or exc
    text = str(inner).lower()
    kind = type(inner).__name__
    where = _server(url)
    if "readonly" in text or "read-only" in text or kind == "ReadOnlySQLTransactionError":
        return "database is read-only"
    if kind == "InsufficientPrivilegeError" or "permission denied" in text:
        return "the database user may not write"
    if "database is locked" in text:
        return "database is locked by another writer"
    file = _sqlite_file(url)
    if "unable to open database file" in text:
        return f"cannot open the SQLite database{file} (does its folder exist, may you read it?)"
    if "file is not a database" in text:
        return f"the file{file} is not a SQLite database"
    if "disk is full" in text or "no space left" in text:
        return "the disk is full"
    if "no such table" in text or kind == "UndefinedTableError":
        return "the database has no schema yet: run `privacy-desk migrate`"
    if kind in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return f"PostgreSQL{where} refused the user name or password"
    if kind == "InvalidCatalogNameError":
        return f"the database named in DATABASE_URL does not exist{where}"
    if isinstance(inner, OSError | TimeoutError) or "connect call failed" in text:
        return f"cannot reach PostgreSQL{where}" if where else "cannot reach the database server"
    if "integrity" in kind.lower() or "unique" in text:
        return "a database constraint refused the change"
    return None


def _sqlite_file(url: str | None) -> str:
    """`` /path/to/file.db`` for a SQLite URL (a path is not personal data), else ``""``."""
    if not url or not is_sqlite(url):
        return ""
    database = make_url(url).database
    return f" {database}" if database and database != ":memory:" else ""


def _server(url: str | None) -> str:
    if not url or is_sqlite(url):
        return ""
    parsed = make_url(url)
    return f" at {parsed.host or 'localhost'}:{parsed.port or 5432}"


async def dispose_engine(engine: AsyncEngine) -> None:
    """Dispose of ``engine`` at the end of a command-line run, and on SQLite wait (a second at
    most) for aiosqlite's worker threads to end while the event loop still runs. A connection
    that failed to open stops its thread without waiting for it (aiosqlite 0.22); a thread
    that ends after ``asyncio.run`` closed the loop prints a traceback under the one-line
    reason the command gave."""
    await engine.dispose()
    if engine.dialect.name != "sqlite":
        return
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)") and thread.is_alive():
            await asyncio.to_thread(thread.join, 1.0)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed if the block finishes, rolled back if it raises."""
    async with sessions() as session, session.begin():
        yield session
