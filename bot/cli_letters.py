"""``privacy-desk letters …``: check the letter templates, or draft one letter to a file.

``check`` renders every template (the shipped ones and the DPO's, in every language folder)
against a sample ticket and lists what fails, so a typo is found before a letter is drafted.
``draft`` writes one ticket's letter as text, Markdown or a Word document (for posting); the
file is created readable by its owner only, since a letter is personal data.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from storage.enums import LetterFormat, LetterKind, Role

if TYPE_CHECKING:
    from bot.config import Settings

SettingsFor = Callable[[str | None], "Settings"]


def cmd_check(args: argparse.Namespace, settings_for: SettingsFor) -> int:
    from handlers.letters import templates

    policy = settings_for(None).policy()
    problems = templates.check(policy)
    languages = ", ".join(templates.languages(policy.templates_dir))
    where = policy.templates_dir or "the shipped templates only"
    if problems:
        for problem in problems:
            print(f"ERROR: {problem}", file=sys.stderr)
        print(f"letters check: {len(problems)} problem(s) ({where})", file=sys.stderr)
        return 1
    print(f"letters check: every template renders ({languages}; {where})")
    if policy.org_name == "Your organisation":
        print("note: PRIVACY_DESK_ORG_NAME is not set; letters say 'Your organisation'")
    return 0


def cmd_draft(args: argparse.Namespace, settings_for: SettingsFor) -> int:
    import asyncio
    from datetime import UTC, datetime

    from bot.console import operator
    from bot.keys import open_engine
    from handlers.context import Context, Refusal
    from handlers.letters import formats, use_cases
    from handlers.ports import Actor
    from storage import keycheck
    from storage.db import dispose_engine, session_factory, transaction

    settings = settings_for(args.db)
    policy = settings.policy()
    user = operator(args.user)
    kind, fmt = LetterKind(args.kind), LetterFormat(args.format)
    if fmt == LetterFormat.DOCX and not args.output:
        print("privacy-desk: --format docx needs --output FILE.docx", file=sys.stderr)
        return 2

    async def run() -> str | bytes:
        engine = open_engine(settings)
        ctx = Context(actor=Actor(user, Role.DPO), now=datetime.now(UTC), policy=policy)
        try:
            await keycheck.check(engine)
            async with transaction(session_factory(engine)) as session:
                letter = await use_cases.draft(
                    ctx, session, ref=args.ref.upper(), kind=kind, lang=args.lang
                )
        finally:
            await dispose_engine(engine)
        if letter.fallback_note:
            print(f"note: {letter.fallback_note}", file=sys.stderr)
        if fmt == LetterFormat.DOCX:
            return formats.docx(letter.markdown, title=f"{args.ref.upper()} {kind}")
        return formats.as_text(letter.markdown, fmt)

    try:
        content = asyncio.run(run())
    except Refusal as exc:
        print(f"privacy-desk: {exc}", file=sys.stderr)
        return 1
    if not args.output:
        assert isinstance(content, str)
        sys.stdout.write(content)
        return 0
    data = content.encode() if isinstance(content, str) else content
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "wb") as out:
        out.write(data)
    print(f"{kind} letter for {args.ref.upper()} written to {args.output}", file=sys.stderr)
    return 0


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    db_option: Callable[[argparse.ArgumentParser], None],
    settings_for: SettingsFor,
) -> None:
    from bot.cli_keys import parser_for

    letters = parser_for(sub, "letters")
    letters_sub = letters.add_subparsers(dest="letters_command", required=True, metavar="COMMAND")
    check = parser_for(letters_sub, "check")
    check.set_defaults(func=lambda args: cmd_check(args, settings_for))
    draft = parser_for(letters_sub, "draft")
    db_option(draft)
    draft.add_argument("ref", help="the request, e.g. DSAR-0001")
    draft.add_argument(
        "kind", choices=[k.value for k in LetterKind], help="which letter (see the README)"
    )
    draft.add_argument("--lang", help="language folder (default PRIVACY_DESK_LETTER_LANGUAGE)")
    draft.add_argument(
        "--format",
        choices=[f.value for f in LetterFormat],
        default=LetterFormat.TEXT.value,
        help="text (default), markdown, or docx (a Word document, needs --output)",
    )
    draft.add_argument("--output", help="file to write (needed for docx)")
    draft.add_argument("--user", help="who is drafting (default: operator), for the history")
    draft.set_defaults(func=lambda args: cmd_draft(args, settings_for))
