"""Where the data keys come from: ``PRIVACY_DESK_DATA_KEYS``, or the embedded default's key file.

A real deployment sets ``PRIVACY_DESK_DATA_KEYS`` (newest first, comma-separated) from its
secret store; production refuses to start without it (``bot.safety``). So does any shared
database (PostgreSQL) even in development: replicas must read each other's rows, so a key made
on one machine will not do. Only the embedded SQLite default makes its own key, once, in a file
beside the database (``./privacy-desk.key`` for ``./privacy-desk.db``), readable by its owner
only, and says so once. A database in memory gets a key that lives as long as the process.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Environment, Settings
from storage.crypto import BadKey, DataKeys, new_key
from storage.db import create_engine, is_sqlite

KEY_FILE_SUFFIX = ".key"
log = logging.getLogger(__name__)


class KeysUnavailable(RuntimeError):
    """No usable data key: the message says which setting or file to fix."""


@dataclass(frozen=True, slots=True)
class LoadedKeys:
    keys: DataKeys
    created: Path | None = None  # the key file made just now, to be announced once


def key_file_for(database_url: str) -> Path | None:
    """The key file of an SQLite database file; None for other databases or memory."""
    if not is_sqlite(database_url):
        return None
    database = make_url(database_url).database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).with_suffix(KEY_FILE_SUFFIX)


def load_keys(settings: Settings) -> LoadedKeys:
    """The keys for ``settings``, making the embedded default's key file if it is missing."""
    if settings.data_keys is not None:
        try:
            return LoadedKeys(DataKeys.from_text(settings.data_keys.get_secret_value()))
        except BadKey as exc:
            raise KeysUnavailable(f"PRIVACY_DESK_DATA_KEYS: {exc}") from exc
    if settings.env == Environment.PRODUCTION:
        raise KeysUnavailable(
            "PRIVACY_DESK_DATA_KEYS is not set: production needs the key that encrypts "
            "requester details from its secret store (make one with `privacy-desk new-key`)"
        )
    if not is_sqlite(settings.database_url):
        raise KeysUnavailable(
            "PRIVACY_DESK_DATA_KEYS is not set: a shared database needs the same key on every "
            "replica (make one with `privacy-desk new-key`)"
        )
    path = key_file_for(settings.database_url)
    if path is None:
        return LoadedKeys(DataKeys((new_key(),)))
    return _from_file(path, database=Path(make_url(settings.database_url).database or ""))


class _Database(StrEnum):
    NEW = "new"  # no file yet, or an empty one
    PLAIN = "plain"  # a database never encrypted (an older release's): it needs a key
    ENCRYPTED = "encrypted"  # encrypted under some key (its key check is stored)
    UNREADABLE = "unreadable"  # not an SQLite database at all: opening it will say so


def _database_kind(database: Path) -> _Database:
    if not database.is_file() or database.stat().st_size == 0:
        return _Database.NEW
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            row = None
            if "desk_facts" in tables:
                query = "SELECT 1 FROM desk_facts WHERE key = 'data_key_check'"
                row = connection.execute(query).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return _Database.UNREADABLE
    return _Database.ENCRYPTED if row is not None else _Database.PLAIN


def _from_file(path: Path, *, database: Path) -> LoadedKeys:
    created: Path | None = None
    if path.resolve() == database.resolve():
        raise KeysUnavailable(
            f"{database} ends in {KEY_FILE_SUFFIX}, the name of its own key file: "
            "give the database another name (privacy-desk.db)"
        )
    kind = _database_kind(database) if not path.exists() else None
    if kind == _Database.ENCRYPTED:
        raise KeysUnavailable(
            f"the key file {path} is missing, and {database} was encrypted with it: restore "
            "it from your backup (or set PRIVACY_DESK_DATA_KEYS)"
        )
    if kind == _Database.UNREADABLE:  # make no key for it; opening the file will fail
        return LoadedKeys(DataKeys((new_key(),)))
    if not path.exists():
        if not path.parent.is_dir():
            raise KeysUnavailable(f"cannot make the key file {path}: {path.parent} does not exist")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(new_key() + "\n")
            created = path
    if path.stat().st_mode & 0o077:
        log.warning("the key file %s can be read by other accounts: chmod 600 it", path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeysUnavailable(f"cannot read the key file {path}: {exc.__class__.__name__}") from exc
    try:
        return LoadedKeys(DataKeys.from_text(text), created=created)
    except BadKey as exc:
        raise KeysUnavailable(f"the key file {path} holds no usable key: {exc}") from exc


def announce(loaded: LoadedKeys) -> None:
    """Say once, on standard error, that a key file was made and what it is for."""
    if loaded.created is None:
        return
    sys.stderr.write(
        f"Made {loaded.created}: the key that encrypts requester details in the database. "
        "Back it up apart from the database; without it they cannot be read.\n"
    )


def data_keys(settings: Settings) -> DataKeys:
    """The keys for ``settings``; a key file made now is announced on standard error."""
    loaded = load_keys(settings)
    announce(loaded)
    return loaded.keys


def open_engine(settings: Settings) -> AsyncEngine:
    """An engine for the configured database, holding its data keys."""
    return create_engine(settings.database_url, keys=data_keys(settings))
