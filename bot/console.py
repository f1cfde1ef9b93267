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
from handlers.context import Policy
from handlers.desk import Desk
from handlers.forms import Field, FieldKind, FormRequest
from handlers.ports import Actor, ChannelPost, ChatUser, Delivery, Outcome, Tone, WeeklySummary
from handlers.summary import render as render_summary
from handlers.views import fmt_day, fmt_moment
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
            if " ".join(line.lower().lstrip("/").split()) == "dsar paste":
                outcome = await self._paste()
                if outcome is None:
                    failures += 1
                    continue
                failures += outcome.reply.tone == Tone.ERROR
                print(render(outcome), file=self.stdout)
                self.stdout.flush()
                await self._sweep()
                continue
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

    async def _paste(self) -> Outcome | None:
        """``/dsar paste``: read the requester's words up to a line with a single ``.``, show
        the proposal, then log it (asking only what is missing), edit it, or drop it."""
        from handlers.triage import Kind, propose
        from handlers.triage.prefill import explain, form_for

        print("Paste the text, then a line with a single . to finish.", file=self.stdout)
        lines: list[str] = []
        while (line := await asyncio.to_thread(self._read, "")) is not None:
            if line.strip() == ".":
                break
            lines.append(line)
        else:
            print("! the paste was not finished: nothing logged", file=self.stdout)
            return None
        text = "\n".join(lines)
        proposal = propose(text)
        print(explain(proposal), file=self.stdout)
        request = form_for(proposal, text)
        for key in ("type", "name", "email", "received"):
            if key in request.values:
                print(f"  {key}: {request.values[key]}", file=self.stdout)
        if proposal.kind is Kind.NONE:
            question = "Log it as a request (r), as a breach (b), or drop it (d)?"
        else:
            question = "Log it (l), edit it (e), or drop it (d)?"
        while (choice := await asyncio.to_thread(self._ask, question)) is not None:
            choice = choice.lower()[:1]
            if choice == "d":
                print("dropped: nothing logged", file=self.stdout)
                return None
            if choice in ("r", "b") and proposal.kind is Kind.NONE:
                as_kind = Kind.BREACH if choice == "b" else Kind.REQUEST
                return await self._fill(form_for(proposal, text, as_kind=as_kind), ask_all=True)
            if choice in ("l", "e") and proposal.kind is not Kind.NONE:
                return await self._fill(request, ask_all=choice == "e")
            if not self.interactive:
                break
        print("! nothing logged", file=self.stdout)
        return None

    async def _fill(self, request: FormRequest, *, ask_all: bool = True) -> Outcome | None:
        """Ask for each field of the form, checking each answer as it is typed (at a terminal
        a wrong answer is asked again; from a pipe the form stops, nothing logged), then submit
        the answers as the form's values. Values the request already carries are kept: asked
        again (blank keeps them) with ``ask_all``; without it only what is required and missing
        is asked. ``None``: the form was abandoned."""
        values: dict[str, Value] = {}
        for field in request.form.fields:
            given = request.values.get(field.key)
            if not ask_all and (given or field.optional):
                if given:
                    values[field.key] = given
                continue
            while True:
                prompt = prompt_for(field)
                if given:
                    shown = given if len(given) <= 40 else given[:39] + "…"
                    prompt += f" [{' '.join(shown.split())}]"
                answer = await asyncio.to_thread(self._ask, prompt)
                if answer is None:
                    print("! the form was not finished: nothing logged", file=self.stdout)
                    return None
                if not answer and given:
                    values[field.key] = given
                    break
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
