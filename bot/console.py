"""``privacy-desk console``: the same commands in a terminal, scriptable through a pipe.

The person at the console is the local operator (``console:operator``) and acts as DPO unless
``--as`` names another role. Channel posts and direct messages are printed as they would be sent.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.console_input import Lines, PipeLines, TerminalLines
from handlers.arguments import Value
from handlers.commands import check_field
from handlers.desk import Desk
from handlers.forms import Field, FieldKind, FormRequest
from handlers.policy import Policy
from handlers.ports import (
    Actor,
    ChannelPost,
    ChatUser,
    Delivery,
    Outcome,
    Overview,
    Tone,
    WeeklySummary,
)
from handlers.summary import render as render_summary
from handlers.wording import fmt_day, fmt_moment, state_words
from storage.enums import Role

CONSOLE = "console"
OPERATOR = ChatUser(CONSOLE, "operator")
CONSOLE_CHANNEL = ChatUser(CONSOLE, "compliance")
PROMPT = "privacy-desk> "


class ConsoleNotifier:
    """Prints what the compliance channel and direct messages would receive."""

    platform = CONSOLE

    def __init__(self, out: TextIO, tz: ZoneInfo) -> None:
        self.out = out
        self.tz = tz
        self.count = 0

    async def send(self, delivery: Delivery) -> str:
        self.count += 1
        content = delivery.content
        if isinstance(content, WeeklySummary):
            text = "[#compliance] " + render_summary(content, self.tz).render_text()
        elif isinstance(content, ChannelPost):
            text = "[#compliance] " + self._post_line(content)
        else:
            # A drafted letter, or a search task, is printed whole: its reader needs all of it.
            whole = content.preformatted is not None or content.answers is not None
            body = content.render_text() if whole else content.text
            text = f"[DM → @{delivery.target}] {body}"
        print(text, file=self.out)
        self.out.flush()
        return f"console-{self.count}"

    def _post_line(self, post: ChannelPost) -> str:
        if post.deadline is None:
            deadline = "clock stopped"
        elif isinstance(post.deadline, datetime):
            deadline = "due " + fmt_moment(post.deadline, self.tz)
        else:
            deadline = "due " + fmt_day(post.deadline)
        what = "opened" if post.is_opening else f"↳ {post.change}"
        return f"{post.ref} {what} · {post.ticket_type} · {state_words(post.state)} · {deadline}"


CONSOLE_DPO = ChatUser(CONSOLE, "dpo")


def operator(user: str | None) -> ChatUser:
    """The person at the console: ``console:operator``, or ``console:<name>`` with ``--user``."""
    return OPERATOR if not user else ChatUser(CONSOLE, user.lstrip("@"))


def operator_policy(policy: Policy, role: Role, *, user: ChatUser = OPERATOR) -> Policy:
    """The configured policy with the console operator in the role they act in, and the
    console's own compliance channel beside any configured ones. Acting as staff, a console
    DPO (``@dpo``) stands in, so the direct messages a DPO would get are printed too."""
    team = policy.privacy_team | {user} if role.is_privacy_team else policy.privacy_team
    dpo = policy.dpo | {user} if role == Role.DPO else policy.dpo
    if not role.is_privacy_team:
        team, dpo = team | {CONSOLE_DPO}, dpo | {CONSOLE_DPO}
    channels = (*policy.compliance_channels, CONSOLE_CHANNEL)
    return replace(policy, privacy_team=team, dpo=dpo, compliance_channels=channels)


def history_file(database_url: str) -> Path | None:
    """The console's command history: beside the SQLite database (``privacy-desk.db.history``);
    none for a server database, whose host is no place for one person's typing."""
    prefix, sep, path = database_url.partition(":///")
    if not sep or not prefix.startswith("sqlite") or path in ("", ":memory:"):
        return None
    database = Path(path)
    return database.with_name(database.name + ".history")


def prompt_for(field: Field) -> str:
    """The prompt for one field of a form, from the form specification."""
    if field.kind == FieldKind.CHOICE:
        blank = f", blank for {field.default}" if field.default else ""
        return f"{field.label} ({'|'.join(field.choices)}{blank})"
    if field.kind == FieldKind.DATE:
        return f"{field.label} (YYYY-MM-DD{', blank for today' if field.optional else ''})"
    if field.kind == FieldKind.DATETIME:
        optional = ", optional" if field.optional else ""
        return f"{field.label} (YYYY-MM-DDTHH:MM, local time or with +HH:MM{optional})"
    if field.kind == FieldKind.PERSON:
        return f"{field.label} (@name)"
    if field.kind == FieldKind.NUMBER:
        return f"{field.label} (a whole number{', optional' if field.optional else ''})"
    return field.label + (" (optional)" if field.optional else "")


RED, RESET = "\x1b[31m", "\x1b[0m"


def wants_colour(out: TextIO) -> bool:
    """Colour only for a person at a terminal: never into a pipe or a file, never with
    ``NO_COLOR`` set (https://no-color.org)."""
    return out.isatty() and not os.environ.get("NO_COLOR")


def _red(text: str) -> str:
    return f"{RED}{text}{RESET}"


def render(outcome: Outcome, *, colour: bool = False) -> str:
    text = outcome.reply.render_text(_red if colour else None)
    return f"! {text}" if outcome.reply.tone == Tone.ERROR else text


class Console:
    def __init__(
        self,
        desk: Desk,
        *,
        role: Role,
        stdin: TextIO,
        stdout: TextIO,
        sweep: Callable[[], Awaitable[object]] | None = None,
        history: Path | None = None,
        user: ChatUser = OPERATOR,
    ) -> None:
        self.desk = desk
        self.sweep = sweep
        self.actor: Actor = desk.actor(user, role=role)
        self.stdout = stdout
        self.colour = wants_colour(stdout)
        self.interactive = stdin.isatty()
        self.overview: Overview | None = None
        self.lines: Lines = (
            TerminalLines(history=history, refs=self._refs, status=self._status)
            if self.interactive
            else PipeLines(stdin)
        )

    def _refs(self) -> tuple[str, ...]:
        return self.overview.refs if self.overview is not None else ()

    def _status(self) -> str:
        seen = self.overview
        if seen is None:
            return ""
        return (
            f" {len(seen.requests)} open request(s) · {seen.overdue} overdue · "
            f"{seen.due_today} due today · {len(seen.breaches)} open breach(es)"
        )

    def _say(self, text: str) -> None:
        print(text, file=self.stdout)
        self.stdout.flush()

    async def run(self) -> int:
        if self.interactive:
            self._say(
                f"privacy-desk console — @{self.actor.user.external_id} acting as "
                f"{self.actor.role}. "
                "Type /dsar help, /breach help, or quit. Tab completes; Ctrl-D leaves."
            )
        failures = 0
        await self._after_command()
        while True:
            try:
                line = await self.lines.read(PROMPT if self.interactive else "")
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in a shell
            if line is None or line.strip().lower() in ("quit", "exit"):
                if line is None and self.interactive:
                    self._say("")  # leave the terminal on a fresh line
                return 1 if failures and not self.interactive else 0
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not self.interactive:
                self._say(f"{PROMPT}{line}")
            failures += not await self._one(line)
            await self._after_command()

    async def _one(self, line: str) -> bool:
        """Run one line; False when it was refused."""
        if line.lower() in ("help", "?", "/help"):
            for group in ("dsar", "breach"):
                outcome = await self.desk.run_text(actor=self.actor, text=f"/{group} help")
                self._say(render(outcome, colour=self.colour))
            return True
        head = line.split()[0].lower().lstrip("/")
        if " ".join(line.lower().lstrip("/").split()) == "dsar paste":
            try:
                pasted = await self._paste()
            except KeyboardInterrupt:
                self._say("\n! paste cancelled: nothing logged")
                return False
            if pasted is None:
                return False
            self._say(render(pasted, colour=self.colour))
            return pasted.reply.tone != Tone.ERROR
        if head not in ("dsar", "breach"):
            self._say("! commands start with /dsar or /breach (try help)")
            return False
        outcome = await self.desk.run_text(actor=self.actor, text=line)
        if outcome.form is not None:
            if not self.interactive:
                # The lines that follow are commands, not answers: never read them as a form.
                self._say("! give the fields as arguments when reading from a pipe")
                self._say(f"  {outcome.reply.lines[0]}" if outcome.reply.lines else "")
                return False
            filled = await self._fill(outcome.form)
            if filled is None:
                return False
            outcome = filled
        self._say(render(outcome, colour=self.colour))
        return outcome.reply.tone != Tone.ERROR

    async def _paste(self) -> Outcome | None:
        """``/dsar paste``: read the requester's words up to a line with a single ``.``, show
        what triage proposes, then log it (asking only what is missing), edit it, or drop it.
        The answers are read after the text, from a terminal or a pipe alike."""
        from handlers.triage import Kind, propose
        from handlers.triage.prefill import explain, form_for

        self._say("Paste the text, then a line with a single . to finish.")
        lines: list[str] = []
        while (line := await self.lines.read("  ")) is not None and line.strip() != ".":
            lines.append(line)
        if line is None:
            self._say("! the paste was not finished: nothing logged")
            return None
        text = "\n".join(lines)
        proposal = propose(text)
        self._say(explain(proposal))
        request = form_for(proposal, text)
        for key in ("type", "name", "email", "received"):
            if key in request.values:
                self._say(f"  {key}: {request.values[key]}")
        none = proposal.kind is Kind.NONE
        question = (
            "  Log it as a request (r), as a breach (b), or drop it (d)? "
            if none
            else "  Log it (l), edit it (e), or drop it (d)? "
        )
        while (choice := await self.lines.read(question)) is not None:
            choice = choice.strip().lower()[:1]
            if choice == "d":
                self._say("dropped: nothing logged")
                return None
            if none and choice in ("r", "b"):
                as_kind = Kind.BREACH if choice == "b" else Kind.REQUEST
                return await self._fill(form_for(proposal, text, as_kind=as_kind))
            if not none and choice in ("l", "e"):
                return await self._fill(request, ask_all=choice == "e")
            self._say("! answer with one of the letters in brackets")
        self._say("! nothing logged")
        return None

    async def _fill(self, request: FormRequest, *, ask_all: bool = True) -> Outcome | None:
        """Ask for each field of the form, checking each answer as it is typed: a wrong answer
        is asked again with the reason and the choices, and what was typed is kept; Ctrl-C or
        Ctrl-D abandons the form and nothing is logged. Then the answers are submitted as the
        form's values. ``None``: the form was abandoned. Values the request carries (from
        triage) are offered: blank keeps them; without ``ask_all`` only what is required and
        missing is asked."""
        values: dict[str, Value] = {}
        try:
            for field in request.form.fields:
                given = request.values.get(field.key)
                if not ask_all and (given or field.optional):
                    if given:
                        values[field.key] = given
                    continue
                answer = await self._answer(field, given)
                if answer is None:
                    self._say("! form cancelled: nothing logged")
                    return None
                if answer:
                    values[field.key] = answer
        except KeyboardInterrupt:
            self._say("\n! form cancelled: nothing logged")
            return None
        outcome = await self.desk.submit(
            actor=self.actor, form=request.form, ref=request.ref, values=values
        )
        return outcome

    async def _answer(self, field: Field, given: str | None = None) -> str | None:
        """One field's answer, asked until it suits the field ("" for an optional one left
        blank, ``given`` when there is one); ``None`` at the end of input."""
        prompt = prompt_for(field)
        if given:
            prompt += f" [{' '.join(given.split())[:40]}]"
        while True:
            answer = await self.lines.read(f"  {prompt}: ", choices=field.choices)
            if answer is None:
                return None
            answer = answer.strip()
            if not answer and given:
                return given
            if not answer and field.required and field.default is None:
                reason: str | None = f"{field.label} is needed"
            elif not answer:
                return field.default or ""
            else:
                reason = check_field(field, answer)
            if reason is None:
                return answer
            self._say(f"! {reason}")

    async def _after_command(self) -> None:
        """Fire whatever is due now (a back-dated ticket may be overdue at once), and refresh
        what the status bar and completion know."""
        if self.sweep is not None:
            await self.sweep()
        if self.interactive:
            self.overview = await self.desk.overview(actor=self.actor)
