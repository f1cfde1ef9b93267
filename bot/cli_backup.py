"""``privacy-desk backup FILE`` and ``restore FILE``: the embedded SQLite database, copied with
SQLite's online backup API, so a copy taken while the desk is serving is one consistent
snapshot (the copy is read in one step under a read transaction; in WAL mode writers carry on).

The key is not in the backup. The database's requester details are encrypted with
``PRIVACY_DESK_DATA_KEYS`` or the key file beside it (``<db>.key``); keep that apart from the
backups, or a stolen backup is readable. PostgreSQL is backed up with ``pg_dump`` instead.

``restore`` writes into a database that does not exist yet, or with ``--force`` into an existing
one (through the backup API, so SQLite's locks and WAL are respected: stop the desk first, or it
carries on from the restored state), then checks the file and runs ``audit verify`` on it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

SettingsFor = Callable[[str | None], "Settings"]
Audit = Callable[[argparse.Namespace], int]


class BackupError(Exception):
    """A refusal, said in one line (exit 2)."""


def cmd_backup(args: argparse.Namespace, settings_for: SettingsFor) -> int:
    try:
        source = _sqlite_path(settings_for(args.db))
        if not source.exists():
            raise BackupError(f"there is no database at {source} to back up")
        target = Path(args.file)
        _refuse_existing(target, force=args.force, what="backup")
        pages = _copy(source, target, single_file=True)
    except BackupError as exc:
        print(f"privacy-desk: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {source} to {target} ({pages} pages, integrity ok)")
    print(
        "the data key is not in the backup: keep PRIVACY_DESK_DATA_KEYS or "
        f"{source.with_suffix('.key')} safe, apart from it",
        file=sys.stderr,
    )
    return 0


def cmd_restore(args: argparse.Namespace, settings_for: SettingsFor, audit: Audit) -> int:
    try:
        settings = settings_for(args.db)
        target = _sqlite_path(settings)
        source = Path(args.file)
        if not source.is_file():
            raise BackupError(f"{source}: no such backup file")
        _refuse_existing(target, force=args.force, what="database")
        key_file = target.with_suffix(".key")
        if settings.data_keys is None and not key_file.exists():
            raise BackupError(
                f"no key for the restored database: put the key file it was encrypted with at "
                f"{key_file}, or set PRIVACY_DESK_DATA_KEYS (the key is not in the backup)"
            )
        pages = _copy(source, target)
    except BackupError as exc:
        print(f"privacy-desk: {exc}", file=sys.stderr)
        return 2
    print(f"restored {source} to {target} ({pages} pages, integrity ok)")
    return audit(argparse.Namespace(db=str(target)))


def _sqlite_path(settings: Settings) -> Path:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "backup and restore are for the embedded SQLite database; back up PostgreSQL "
            "with pg_dump (see the README)"
        )
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        raise BackupError("the database is not a file")
    return Path(url.database).resolve()


def _refuse_existing(path: Path, *, force: bool, what: str) -> None:
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise BackupError(f"{path} exists: give another file, or --force to overwrite the {what}")


def _copy(source: Path, target: Path, *, single_file: bool = False) -> int:
    """Copy ``source`` into ``target`` (made 0600) with the online backup API, in one step so
    the copy is a single snapshot; then check it. Returns the number of pages copied.
    ``single_file`` leaves the copy out of WAL mode, so the backup is one file to keep."""
    from storage.db import create_private_file

    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: cannot be opened ({type(exc).__name__})") from exc
    try:
        _check(src, source)
        create_private_file(str(target))
        os.chmod(target, 0o600)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            if single_file:
                dst.execute("PRAGMA journal_mode=DELETE")
            _check(dst, target)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a SQLite database ({type(exc).__name__})") from exc
    finally:
        src.close()
    return pages


def _check(connection: sqlite3.Connection, path: Path) -> None:
    found = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if found != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    db_option: Callable[[argparse.ArgumentParser], None],
    *,
    backup: Callable[[argparse.Namespace], int],
    restore: Callable[[argparse.Namespace], int],
) -> None:
    from bot.cli_help import COMMANDS

    raw = argparse.RawDescriptionHelpFormatter
    for name, run, file_help in (
        ("backup", backup, "the backup file to write (it must not exist, unless --force)"),
        ("restore", restore, "the backup file to restore from"),
    ):
        text = COMMANDS[name]
        p = sub.add_parser(
            name,
            help=text.summary,
            description=text.text,
            epilog=text.epilog,
            formatter_class=raw,
        )
        p.set_defaults(func=run)
        p.add_argument("file", metavar="FILE", help=file_help)
        db_option(p)
        p.add_argument(
            "--force",
            action="store_true",
            help=(
                "overwrite an existing backup file"
                if name == "backup"
                else "restore over an existing database (stop the desk first)"
            ),
        )
