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

from handlers.commands import quote
from handlers.context import Policy
from handlers.desk import Desk
from handlers.ports import Actor, ChannelPost, ChatUser, Delivery, Outcome, Tone, WeeklySummary
from handlers.summary import render as render_summary
from handlers.views import fmt_day, fmt_moment
from storage.enums import RequestType, Role, Via

CONSOLE = "console"
OPERATOR = ChatUser(CONSOLE, "operator")
CONSOLE_CHANNEL = ChatUser(CONSOLE, "compliance")
PROMPT = "privacy-desk> "
Ask = Callable[[str], str | None]


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


def form_request(ask: Ask) -> str | None:
    """Prompt for the fields of ``/dsar new``; returns the equivalent command line."""
    fields = [
        ("type", f"Type ({'|'.join(t.value for t in RequestType)})", True),
        ("name", "Requester's name", True),
        ("email", "Requester's email", True),
        ("received", "Received (YYYY-MM-DD, blank for today)", False),
        ("via", f"Arrived by ({'|'.join(v.value for v in Via)}, blank for email)", False),
        ("details", "Details (optional)", False),
    ]
    parts = ["/dsar new"]
    for key, label, required in fields:
        value = ask(label)
        if value is None:
            return None
        if not value and not required:
            continue
        parts.append(value if key == "type" else f"{key}={quote(value)}")
    return " ".join(parts)


def form_breach(ask: Ask) -> str | None:
    fields = [
        ("aware", "Became aware (YYYY-MM-DDTHH:MM, local time or with +HH:MM)", True),
        ("summary", "What happened", True),
        ("occurred", "When it happened (optional)", False),
        ("data", "Categories of data (optional)", False),
        ("people", "Categories of people (optional)", False),
        ("subjects", "Approximate number of people (optional)", False),
        ("records", "Approximate number of records (optional)", False),
    ]
    parts = ["/breach new"]
    for key, label, _required in fields:
        value = ask(label)
        if value is None:
            return None
        if value:
            parts.append(f"{key}={quote(value)}")
    return " ".join(parts)


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
            if line.lower().split() in (["/dsar", "new"], ["dsar", "new"]):
                line = await asyncio.to_thread(form_request, self._ask) or ""
            elif line.lower().split() in (["/breach", "new"], ["breach", "new"]):
                line = await asyncio.to_thread(form_breach, self._ask) or ""
            if not line:
                continue
            if head not in ("dsar", "breach"):
                print("! commands start with /dsar or /breach (try /dsar help)", file=self.stdout)
                failures += 1
                continue
            outcome = await self.desk.run_text(actor=self.actor, text=line)
            failures += outcome.reply.tone == Tone.ERROR
            print(render(outcome), file=self.stdout)
            self.stdout.flush()
            await self._sweep()

    async def _sweep(self) -> None:
        """Fire whatever is due now (a back-dated ticket may be overdue at once)."""
        if self.sweep is not None:
            await self.sweep()
