"""The key sub-commands of ``privacy-desk``: ``new-key`` and ``rotate-keys`` (issue 11)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

DbOption = Callable[[argparse.ArgumentParser], None]

ROTATE_HELP = """\
Re-encrypt every stored requester detail, note and message under the newest data key.

Put the new key first in PRIVACY_DESK_DATA_KEYS, keeping the old one after it
(PRIVACY_DESK_DATA_KEYS=NEW,OLD), restart the desk, then run this. It works in batches, each
its own transaction, while the desk runs; if it stops part-way, run it again and it carries
on. When it has finished, remove the old key from PRIVACY_DESK_DATA_KEYS.

example:  PRIVACY_DESK_DATA_KEYS="$NEW,$OLD" privacy-desk rotate-keys
"""


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], db: DbOption) -> None:
    new = sub.add_parser(
        "new-key",
        help="print a new random data key",
        description="Print a new random key for PRIVACY_DESK_DATA_KEYS (keep it secret).",
    )
    new.set_defaults(func=cmd_new_key)
    rotate = sub.add_parser(
        "rotate-keys",
        help="re-encrypt stored personal data under the newest key",
        description=ROTATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    db(rotate)
    rotate.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    rotate.set_defaults(func=cmd_rotate_keys)


def cmd_new_key(_args: argparse.Namespace) -> int:
    from storage.crypto import new_key

    print(new_key())
    return 0


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width if total == 0 else min(width, width * done // total)
    percent = 100 if total == 0 else min(100, 100 * done // total)
    line = f"rotating  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows {percent}%"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    import asyncio

    from bot.cli import _settings
    from bot.keys import open_engine
    from storage import keycheck
    from storage.migrate import compact
    from storage.rotation import rotate

    settings = _settings(args.db)

    async def run() -> tuple[int, int, int, int]:
        engine = open_engine(settings)
        try:
            await keycheck.check(engine)
            report = await rotate(engine, batch=max(1, args.batch), progress=_bar)
        finally:
            await engine.dispose()
        return report.rows, report.rotated, report.already, report.indexed

    rows, rotated, already, indexed = asyncio.run(run())
    compact(settings.database_url)
    print(
        f"{rotated} value(s) re-encrypted under the newest key, {already} already were "
        f"({rows} rows); search digests rebuilt for {indexed} request(s)"
    )
    return 0
