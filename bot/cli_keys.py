"""The key sub-commands of ``privacy-desk``: ``new-key`` and ``rotate-keys`` (issue 11)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

DbOption = Callable[[argparse.ArgumentParser], None]


def parser_for(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str
) -> argparse.ArgumentParser:
    from bot.cli_help import COMMANDS

    text = COMMANDS[name]
    return sub.add_parser(
        name,
        help=text.summary,
        description=text.text,
        epilog=text.epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], db: DbOption) -> None:
    parser_for(sub, "new-key").set_defaults(func=cmd_new_key)
    rotate = parser_for(sub, "rotate-keys")
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
    from storage.db import dispose_engine
    from storage.migrate import compact
    from storage.rotation import rotate

    settings = _settings(args.db)

    async def run() -> tuple[int, int, int, int]:
        engine = open_engine(settings)
        try:
            await keycheck.check(engine)
            report = await rotate(engine, batch=max(1, args.batch), progress=_bar)
        finally:
            await dispose_engine(engine)
        return report.rows, report.rotated, report.already, report.indexed

    rows, rotated, already, indexed = asyncio.run(run())
    compact(settings.database_url)
    print(
        f"{rotated} value(s) re-encrypted under the newest key, {already} already were "
        f"({rows} rows); search digests rebuilt for {indexed} request(s)"
    )
    return 0
