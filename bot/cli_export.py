"""``privacy-desk export``: the DSAR log and the breach register, as CSV or an Excel workbook.

CSV is one register a file (``--kind``), every value text; ``--format xlsx`` writes both
registers as formatted sheets of one workbook (or the one ``--kind`` names). Files written are
readable by their owner only: with ``--include-personal`` they hold requesters' details.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from storage.enums import ExportKind

if TYPE_CHECKING:
    from bot.config import Settings
    from handlers.export import Record

SettingsFor = Callable[[str | None], "Settings"]
SHEET_TITLES = {
    ExportKind.REQUESTS: "DSAR log",
    ExportKind.BREACHES: "Breach register",
    ExportKind.SEARCHES: "Search tasks",
}
NOUNS = {
    ExportKind.REQUESTS: ("request", "requests"),
    ExportKind.BREACHES: ("breach", "breaches"),
    ExportKind.SEARCHES: ("search task", "search tasks"),
}


def cmd_export(args: argparse.Namespace, settings_for: SettingsFor) -> int:
    if args.format == "csv" and args.kind is None:
        choices = "|".join(k.value for k in ExportKind)
        print(f"privacy-desk: export --format csv needs --kind {choices}", file=sys.stderr)
        return 2
    if args.format == "xlsx" and not args.output:
        print("privacy-desk: --format xlsx needs --output FILE.xlsx", file=sys.stderr)
        return 2
    settings = settings_for(args.db)
    kinds = [ExportKind(args.kind)] if args.kind else [ExportKind.REQUESTS, ExportKind.BREACHES]
    found = _collect(settings, kinds, personal=args.include_personal)
    if args.format == "xlsx":
        _write_xlsx(args.output, found, personal=args.include_personal)
    else:
        [(kind, records)] = found.items()
        _write_csv(args.output, kind, records, personal=args.include_personal)
    if args.output:
        for kind, records in found.items():
            noun, many = NOUNS[kind]
            written = f"{len(records)} {noun if len(records) == 1 else many} written"
            print(f"{written} to {args.output}", file=sys.stderr)
    return 0


def _collect(
    settings: Settings, kinds: list[ExportKind], *, personal: bool
) -> dict[ExportKind, list[Record]]:
    import asyncio

    from bot.keys import open_engine
    from handlers import export
    from handlers.ports import SystemClock
    from storage import keycheck
    from storage.db import dispose_engine, session_factory, transaction

    tz = settings.policy().timezone

    async def collect() -> dict[ExportKind, list[Record]]:
        engine = open_engine(settings)
        try:
            await keycheck.check(engine)
            async with transaction(session_factory(engine)) as session:
                now = SystemClock().now()
                return {
                    kind: await export.records(
                        session=session, kind=kind, personal=personal, now=now, tz=tz
                    )
                    for kind in kinds
                }
        finally:
            await dispose_engine(engine)

    return asyncio.run(collect())


def _write_csv(
    path: str | None, kind: ExportKind, records: list[Record], *, personal: bool
) -> None:
    import csv

    from handlers import export

    out = _private_output(path) if path else sys.stdout
    try:
        writer = csv.DictWriter(out, fieldnames=export.columns(kind, personal=personal))
        writer.writeheader()
        writer.writerows(export.text_row(r) for r in records)
    finally:
        if out is not sys.stdout:
            out.close()


def _write_xlsx(path: str, found: dict[ExportKind, list[Record]], *, personal: bool) -> None:
    from bot import spreadsheet
    from handlers import export

    spreadsheet.write(
        path,
        [
            spreadsheet.Sheet(
                title=SHEET_TITLES[kind],
                columns=export.columns(kind, personal=personal),
                records=records,
            )
            for kind, records in found.items()
        ],
    )


def _private_output(path: str) -> TextIO:
    """``path`` opened for writing, readable by its owner only (0600), even if it existed
    before with a wider mode: an export can hold the register's personal data."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return open(fd, "w", newline="", encoding="utf-8")
