"""The ``privacy-desk`` argument parser: every sub-command and option, with the help from
``bot.cli_help``. Kept apart from ``bot.cli`` so that module is the sub-commands alone."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from storage.enums import ExportKind, RequestType, Role

Handler = Callable[[argparse.Namespace], int]
DbOption = Callable[[argparse.ArgumentParser], None]
# Adds sub-commands that live in their own module: (the sub-parsers, the --db option).
AddCommands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]", DbOption], None]


def _pause(text: str) -> tuple[date, date]:
    start, sep, end = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: use FROM:TO, e.g. 2025-09-10:2025-09-12")
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: dates are YYYY-MM-DD") from exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("privacy-desk")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build(
    run: Mapping[str, Handler], *, more: Sequence[AddCommands] = ()
) -> argparse.ArgumentParser:
    """The parser; ``run`` maps each sub-command to the function that runs it, and each of
    ``more`` adds sub-commands of its own (letters, keys)."""
    from bot.cli_help import COMMANDS, DB, TOP

    raw = argparse.RawDescriptionHelpFormatter
    top = argparse.ArgumentParser(
        prog="privacy-desk", description=TOP.text, epilog=TOP.epilog, formatter_class=raw
    )
    top.add_argument(
        "--version", action="version", version=f"privacy-desk {_version()}", help="show the version"
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, on: Any = None) -> argparse.ArgumentParser:
        text = COMMANDS[name]
        p: argparse.ArgumentParser = (on or sub).add_parser(
            name,
            help=text.summary,
            description=text.text,
            epilog=text.epilog,
            formatter_class=raw,
        )
        p.set_defaults(func=run[name])
        return p

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="FILE", help=DB)

    console = command("console")
    db_option(console)
    console.add_argument(
        "--as",
        dest="role",
        choices=[r.value for r in Role],
        default=Role.DPO.value,
        help="the role to act in (default dpo); staff see only the tickets they logged",
    )
    console.add_argument(
        "--user",
        metavar="NAME",
        help="who you are at the console (default: operator), e.g. --as staff --user alice",
    )

    db_option(command("serve"))
    db_option(command("migrate"))

    deadline = command("deadline")
    deadline.add_argument(
        "received", nargs="?", metavar="DATE", help="the day the request was received, YYYY-MM-DD"
    )
    deadline.add_argument(
        "--calendar",
        default="GB-ENG",
        help="bank holidays: GB-ENG (default), GB-WLS, GB-SCT, GB-NIR, or a country code (IE)",
    )
    deadline.add_argument(
        "--clock-start",
        metavar="DATE",
        help="the day the identity documents or the fee arrived, if later than receipt",
    )
    deadline.add_argument(
        "--pause",
        type=_pause,
        action="append",
        default=[],
        metavar="FROM:TO",
        help="days waiting for a clarification, both included (repeatable; access requests)",
    )
    deadline.add_argument(
        "--type",
        default="access",
        choices=[t.value for t in RequestType],
        metavar="TYPE",
        help=(
            f"the right asked for: {', '.join(RequestType)} (default access); a pause counts "
            "for access only"
        ),
    )
    deadline.add_argument(
        "--complaint", action="store_true", help="when to acknowledge a complaint instead"
    )
    deadline.add_argument(
        "--breach",
        metavar="TIME",
        help="a breach: when the organisation became aware, YYYY-MM-DDTHH:MM[+HH:MM]",
    )
    deadline.add_argument(
        "--timezone",
        default="Europe/London",
        help="how to read a breach time without an offset (default Europe/London)",
    )
    deadline.add_argument(
        "--json", action="store_true", help="print one JSON object with ISO dates"
    )

    export = command("export")
    db_option(export)
    export.add_argument(
        "--kind",
        choices=[k.value for k in ExportKind],
        help=(
            "requests: the DSAR log; breaches: the breach register (needed for csv; xlsx "
            "writes both sheets unless one is named)"
        ),
    )
    export.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        default="csv",
        help="csv (default), or xlsx: an Excel workbook with formatted sheets (needs --output)",
    )
    export.add_argument("--output", metavar="FILE", help="file to write (default: standard output)")
    export.add_argument(
        "--include-personal",
        action="store_true",
        help="add requester details and breach narratives (handle with care)",
    )

    triage = command("triage")
    triage.add_argument("files", nargs="+", metavar="FILE", help="a text file, or - for stdin")
    triage.add_argument("--json", action="store_true", help="one JSON object per text")

    audit = sub.add_parser(
        "audit",
        help=COMMANDS["audit"].summary,
        description=COMMANDS["audit"].text,
        epilog=COMMANDS["audit"].epilog,
        formatter_class=raw,
    )
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    db_option(command("verify", on=audit_sub))
    for add in more:
        add(sub, db_option)
    return top
