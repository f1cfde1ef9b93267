"""``privacy-desk console``: the same commands in a terminal, scriptable through a pipe.

The person at the console is the local operator (``console:operator``) and acts as DPO unless
``--as`` names another role. Channel posts and direct messages are printed as they would be sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from handlers.arguments import Value
from handlers.commands import check_field
from handlers.desk import Desk
from handlers.forms import Field, FieldKind, FormRequest
from handlers.policy import Policy
from handlers.ports import Actor, ChannelPost, ChatUser, Delivery, Outcome, Tone, WeeklySummary
from handlers.replies import fmt_day, fmt_moment
from handlers.summary import render as render_summary
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
            text = f"[DM → @{delivery.target}] {content.text}"
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
        return f"{post.ref} {what} · {post.ticket_type} · {post.state} · {deadline}"


def operator_policy(policy: Policy, role: Role) -> Policy:
    """The configured policy with the console operator in the role they act in, and the
    console's own compliance channel beside any configured ones."""
    team = policy.privacy_team | {OPERATOR} if role.is_privacy_team else policy.privacy_team
    dpo = policy.dpo | {OPERATOR} if role == Role.DPO else policy.dpo
    channels = (*policy.compliance_channels, CONSOLE_CHANNEL)
    return replace(policy, privacy_team=team, dpo=dpo, compliance_channels=channels)


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


def render(outcome: Outcome) -> str:
    text = outcome.reply.render_text()
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
    ) -> None:
        self.desk = desk
        self.sweep = sweep
        self.actor: Actor = desk.actor(OPERATOR, role=role)
        self.stdin, self.stdout = stdin, stdout
        self.interactive = stdin.isatty()

    def _read(self, prompt: str) -> str | None:
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def _ask(self, label: str) -> str | None:
        value = self._read(f"  {label}: ")
        return None if value is None else value.strip()

    async def run(self) -> int:
        if self.interactive:
            print(
                f"privacy-desk console — acting as {self.actor.role}. "
                "Type /dsar help, /breach help, or quit.",
                file=self.stdout,
            )
        failures = 0
        await self._sweep()
        while True:
            line = await asyncio.to_thread(self._read, PROMPT if self.interactive else "")
            if line is None or line.strip().lower() in ("quit", "exit"):
                return 1 if failures and not self.interactive else 0
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not self.interactive:
                print(f"{PROMPT}{line}", file=self.stdout)
            head = line.split()[0].lower().lstrip("/")
            if head not in ("dsar", "breach"):
                print("! commands start with /dsar or /breach (try /dsar help)", file=self.stdout)
                failures += 1
                continue
            outcome = await self.desk.run_text(actor=self.actor, text=line)
            if outcome.form is not None:
                filled = await self._fill(outcome.form)
                if filled is None:
                    failures += 1
                    continue
                outcome = filled
            failures += outcome.reply.tone == Tone.ERROR
            print(render(outcome), file=self.stdout)
            self.stdout.flush()
            await self._sweep()

    async def _fill(self, request: FormRequest) -> Outcome | None:
        """Ask for each field of the form, checking each answer as it is typed (at a terminal
        a wrong answer is asked again; from a pipe the form stops, nothing logged), then submit
        the answers as the form's values. ``None``: the form was abandoned."""
        values: dict[str, Value] = {}
        for field in request.form.fields:
            while True:
                answer = await asyncio.to_thread(self._ask, prompt_for(field))
                if answer is None:
                    print("! the form was not finished: nothing logged", file=self.stdout)
                    return None
                if not answer and field.required and field.default is None:
                    reason = f"{field.label} is needed"
                elif not answer:
                    break
                else:
                    reason = check_field(field, answer) or ""
                    if not reason:
                        values[field.key] = answer
                        break
                print(f"! {reason}", file=self.stdout)
                if not self.interactive:
                    print("! nothing logged", file=self.stdout)
                    return None
        return await self.desk.submit(
            actor=self.actor, form=request.form, ref=request.ref, values=values
        )

    async def _sweep(self) -> None:
        """Fire whatever is due now (a back-dated ticket may be overdue at once)."""
        if self.sweep is not None:
            await self.sweep()
