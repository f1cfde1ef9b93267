"""The ``privacy-desk`` command line (SPEC §9): one function per sub-command.

Exit codes: 0 success; 1 the command ran and found a problem (a broken audit chain, a failed
scripted console command, a database error); 2 bad usage or configuration. Errors are one line
on stderr. Heavy imports (asyncio too) happen inside the sub-commands, so ``deadline`` loads
only argparse, json and the legal calendar.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storage.enums import Role

if TYPE_CHECKING:
    from bot.config import Settings


_database_url: list[str] = []  # the URL the running sub-command uses, for naming a failure


class CliError(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _settings(db: str | None) -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in first["loc"])
        prefix = f"PRIVACY_DESK_{where.upper()}: " if where else ""
        raise CliError(f"configuration: {prefix}{message}".replace("\n", " ")) from exc
    if db is not None:
        path = Path(db).expanduser().resolve()
        if not path.parent.is_dir():
            raise CliError(f"--db {db}: the folder {path.parent} does not exist")
        if path.is_dir():
            raise CliError(f"--db {db}: is a folder; give a file name inside it")
        settings.database_url = f"sqlite+aiosqlite:///{path}"
    _database_url[:] = [settings.database_url]
    return settings


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import Console, ConsoleNotifier, history_file, operator, operator_policy
    from bot.wiring import build_application, prepare_database
    from storage.db import dispose_engine

    settings = _settings(args.db)
    role = Role(args.role)

    async def run() -> int:
        engine = await prepare_database(settings)
        scheduler = None
        try:
            user = operator(args.user)
            core = build_application(
                settings,
                engine=engine,
                policy=operator_policy(settings.policy(), role, user=user),
                notifiers=lambda policy, _: {
                    "console": ConsoleNotifier(sys.stdout, policy.timezone)
                },
            )
            console = Console(
                core.desk,
                role=role,
                stdin=sys.stdin,
                stdout=sys.stdout,
                sweep=core.sweep,
                history=history_file(settings.database_url),
                user=user,
            )
            if console.interactive:  # nudges and the weekly summary arrive while you type
                scheduler = core.scheduler()
                scheduler.start()
            return await console.run()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await dispose_engine(engine)

    import asyncio

    return asyncio.run(run())


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args.db)  # refuse bad configuration before loading the platforms

    from bot.app import serve
    from bot.logs import configure_logging

    configure_logging(level=settings.log_level, fmt=settings.log_format)
    try:
        import asyncio

        asyncio.run(serve(settings))
    except RuntimeError as exc:
        raise CliError(str(exc), code=1) from exc
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    import asyncio

    from bot.keys import data_keys
    from storage.migrate import upgrade

    settings = _settings(args.db)
    upgrade(settings.database_url, keys=data_keys(settings))
    print("database is up to date")
    moved = asyncio.run(_refresh_deadlines(settings))
    if moved is not None:
        print(f"holiday data changed: {moved} stored deadline(s) moved")
    return 0


async def _refresh_deadlines(settings: Settings) -> int | None:
    """Recompute open requests' deadlines when the ``holidays`` release changed (issue 9)."""
    from bot.keys import open_engine
    from handlers import holiday_data
    from handlers.ports import SystemClock
    from storage.db import dispose_engine, session_factory, transaction

    engine = open_engine(settings)
    try:
        async with transaction(session_factory(engine)) as session:
            return await holiday_data.refresh(
                session=session, policy=settings.policy(), now=SystemClock().now()
            )
    finally:
        await dispose_engine(engine)


def cmd_deadline(args: argparse.Namespace) -> int:
    from handlers import deadlines as d
    from handlers.wording import fmt_moment

    try:
        if args.breach:
            tz = d.zone(args.timezone)
            aware = d.parse_moment(args.breach, tz)
            due = d.breach_ico_due(aware)
            result: dict[str, str | None] = {
                "aware_at": aware.isoformat(),
                "ico_due": due.isoformat(),
            }
            human = (
                f"aware {fmt_moment(aware, tz)}; tell the ICO by {fmt_moment(due, tz)} (72 hours)"
            )
        elif args.complaint or args.type == "complaint":
            result, human = _complaint_deadline(args)
        else:
            result, human = _request_deadline(args)
    except d.DeadlineError as exc:
        raise CliError(str(exc)) from exc
    print(json.dumps(result) if args.json else human)
    return 0


def _complaint_deadline(args: argparse.Namespace) -> tuple[dict[str, str | None], str]:
    from handlers import deadlines as d
    from handlers.wording import fmt_day

    if args.received is None:
        raise CliError("give the date the complaint was received")
    if args.pause or args.clock_start:
        print(
            "privacy-desk: --pause and --clock-start ignored: a complaint's acknowledgement "
            "runs from receipt (DPA 2018 s.164A)",
            file=sys.stderr,
        )
    received = d.parse_day(args.received)
    ack = d.complaint_ack_due(received, d.normalise_calendar(args.calendar))
    shown = None if ack is None else ack.isoformat()
    result = {"received": received.isoformat(), "acknowledge_by": shown, "due": shown}
    if ack is None:
        human = (
            f"received {fmt_day(received)}: no statutory acknowledgement date "
            f"(DPA 2018 s.164A applies to complaints received from "
            f"{fmt_day(d.COMPLAINT_ACK_FROM)})"
        )
    else:
        human = f"received {fmt_day(received)}: acknowledge by {fmt_day(ack)}"
    return result, human


def _request_deadline(args: argparse.Namespace) -> tuple[dict[str, str | None], str]:
    from handlers import deadlines as d
    from handlers.wording import fmt_day

    if args.received is None:
        raise CliError("give the date the request was received, or --breach TIME")
    received = d.parse_day(args.received)
    start = d.parse_day(args.clock_start) if args.clock_start else None
    if start is not None and start < received:
        raise CliError("--clock-start cannot be before the date received")
    pauses = [d.Pause(a, b) for a, b in args.pause]
    ignored = bool(pauses) and not d.clarification_pauses(args.type)
    dates = d.request_deadlines(
        received=received,
        identity_received=start,
        pauses=[] if ignored else pauses,
        calendar=d.normalise_calendar(args.calendar),
    )
    result: dict[str, str | None] = {
        "clock_start": dates.clock_start.isoformat(),
        "due": dates.due.isoformat(),
        "extension_notice_by": dates.extension_notice_by.isoformat(),
        "extended_due": dates.extended_due.isoformat(),
    }
    shown = (
        ("clock start", dates.clock_start),
        ("due", dates.due),
        ("extension notice by", dates.extension_notice_by),
        ("extended due", dates.extended_due),
    )
    human = "\n".join(f"{label:<20} {fmt_day(day)}" for label, day in shown)
    if ignored:
        # On stderr so the JSON on stdout keeps its shape; a person sees it either way.
        print(
            f"privacy-desk: --pause ignored: a clarification stops the clock only for subject "
            f"access requests (Art 12A(5)), not {args.type}",
            file=sys.stderr,
        )
    return result, human


def cmd_audit(args: argparse.Namespace) -> int:
    from bot.keys import open_engine
    from handlers import audit
    from storage import keycheck
    from storage.db import dispose_engine, session_factory, transaction

    settings = _settings(args.db)

    async def check() -> audit.AuditReport:
        engine = open_engine(settings)
        try:
            await keycheck.check(engine)
            async with transaction(session_factory(engine)) as session:
                return await audit.verify(session=session)
        finally:
            await dispose_engine(engine)

    import asyncio

    report = asyncio.run(check())
    if report.ok:
        print(f"audit chain intact: {report.events} events, {report.tickets} tickets")
        return 0
    for problem in report.problems:
        print(f"TAMPERED: {problem}", file=sys.stderr)
    print(
        f"audit chain broken: {len(report.problems)} problem(s) in {report.events} events",
        file=sys.stderr,
    )
    return 1


def _triage_summary(source: str, found: dict[str, object]) -> str:
    kind = found["kind"]
    types = ", ".join(found["types"]) if found["types"] else ""  # type: ignore[arg-type]
    head = f"{source}: {kind}{' - ' + types if types else ''} (confidence {found['confidence']})"
    lines = [head]
    who = [f"{key} {found[key]}" for key in ("name", "email", "received") if found[key]]
    if who:
        lines.append("  " + "; ".join(who))
    if found["evidence"]:
        lines.append("  because: " + ", ".join(f'"{e}"' for e in found["evidence"]))  # type: ignore[attr-defined]
    if found.get("reason"):
        lines.append(f"  not a request: {found['reason']}")
    return "\n".join(lines)


def cmd_triage(args: argparse.Namespace) -> int:
    """Propose a ticket for each text; nothing leaves the machine and no text is logged."""
    from handlers.triage import propose

    failed = 0
    for source in args.files:
        try:
            if source == "-":
                text = sys.stdin.read()
            else:
                text = Path(source).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            print(f"privacy-desk: {source}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
            failed += 1
            continue
        found: dict[str, object] = {"source": source, **propose(text).as_json()}
        print(
            json.dumps(found, ensure_ascii=False) if args.json else _triage_summary(source, found)
        )
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    from bot import cli_backup, cli_export, cli_keys, cli_letters
    from bot.cli_parser import build

    return build(
        {
            "console": cmd_console,
            "serve": cmd_serve,
            "migrate": cmd_migrate,
            "deadline": cmd_deadline,
            "export": lambda args: cli_export.cmd_export(args, _settings),
            "triage": cmd_triage,
            "verify": cmd_audit,
        },
        more=(
            lambda sub, db: cli_letters.add_parser(sub, db, _settings),
            cli_keys.add_commands,
            lambda sub, db: cli_backup.add_commands(
                sub,
                db,
                backup=lambda args: cli_backup.cmd_backup(args, _settings),
                restore=lambda args: cli_backup.cmd_restore(args, _settings, cmd_audit),
            ),
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import configure_logging

    configure_logging(level="WARNING")
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CliError as exc:
        print(f"privacy-desk: {exc}", file=sys.stderr)
        return exc.code

    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_after_broken_pipe()
    except Exception as exc:  # one line, never a traceback full of values
        from cryptography.fernet import InvalidToken
        from sqlalchemy.exc import SQLAlchemyError

        from bot.keys import KeysUnavailable
        from storage.keycheck import WrongKeys

        if isinstance(exc, KeysUnavailable | WrongKeys | InvalidToken):
            print(f"privacy-desk: {exc}", file=sys.stderr)
            return 2

        from storage.db import describe_error

        if isinstance(exc, SQLAlchemyError | OSError):
            url = _database_url[0] if _database_url else None
            cause = describe_error(exc, url=url) or f"database error ({type(exc).__name__})"
            print(f"privacy-desk: {cause}", file=sys.stderr)
            return 1
        raise


def _quiet_after_broken_pipe() -> int:
    """The reader went away (``privacy-desk … | head -1``): stop quietly, as ``cat`` does.
    Standard output is pointed at /dev/null so Python's flush at exit raises nothing more."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
