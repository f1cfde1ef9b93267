"""Where the console's lines come from: a line editor at a terminal, plain lines from a pipe.

At a terminal, prompt_toolkit gives arrow keys, history (kept in a file beside the database),
completion of commands, types, outcomes, calendars and references, and a bottom bar with what
is due today. prompt_toolkit is imported only when stdin is a terminal, so scripted runs start
as fast as before. Ctrl-C raises ``KeyboardInterrupt`` to the caller (a form is abandoned);
Ctrl-D, like the end of a pipe, reads as ``None``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.console_history import redact, scrub_file
from handlers.deadlines import UK_CALENDARS
from handlers.usage import USAGE, actions_of
from storage.enums import IdMethod, Outcome, RequestType, Risk, Via

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import CompleteEvent, Completion
    from prompt_toolkit.document import Document

CALENDARS = tuple(UK_CALENDARS)
# Values a key takes, for completion (the same enums the grammar checks against).
KEY_VALUES: dict[str, tuple[str, ...]] = {
    "method": tuple(m.value for m in IdMethod),
    "outcome": tuple(o.value for o in Outcome),
    "via": tuple(v.value for v in Via),
    "risk": tuple(r.value for r in Risk),
    "calendar": CALENDARS,
}
_KEYS = re.compile(r"\b([a-z][a-z_-]*)=")


class Lines(Protocol):
    async def read(self, prompt: str, *, choices: tuple[str, ...] = ()) -> str | None:
        """The next line, or ``None`` at the end of input."""
        ...


class PipeLines:
    """Lines from a pipe or a file: no editing, no echo of the prompt."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin

    async def read(self, prompt: str, *, choices: tuple[str, ...] = ()) -> str | None:
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\n")


def suggestions(before: str, refs: Iterable[str]) -> list[str]:
    """What may come next after ``before`` (the text left of the cursor): pure, so testable."""
    words = before.split()
    ending = before.endswith(" ") or not words
    current = "" if ending else words[-1]
    done = words if ending else words[:-1]
    if not done:
        options = ["/dsar", "/breach", "help", "quit"]
    else:
        group = done[0].lstrip("/").lower()
        actions = actions_of(group)
        if len(done) == 1:
            options = actions
        elif "=" in current:
            key, _, _ = current.partition("=")
            options = [f"{key}={value}" for value in KEY_VALUES.get(key, ())]
        else:
            usage = USAGE.get(f"{group} {done[1].lower()}", "")
            options = [f"{key}=" for key in _KEYS.findall(usage)]
            if done[1].lower() == "new" and group == "dsar" and len(done) == 2:
                options = [t.value for t in RequestType]
            elif "REF" in usage and len(done) == 2:
                prefix = "BREACH-" if group == "breach" else "DSAR-"
                options = [ref for ref in refs if ref.startswith(prefix)]
    return [o for o in options if o.lower().startswith(current.lower())]


class TerminalLines:
    """A prompt_toolkit line editor with history, completion and a status bar."""

    def __init__(
        self,
        *,
        history: Path | None,
        refs: Callable[[], Iterable[str]],
        status: Callable[[], str],
    ) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import Completer, Completion, WordCompleter
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        class CommandCompleter(Completer):
            def get_completions(
                self, document: Document, complete_event: CompleteEvent
            ) -> Iterable[Completion]:
                before = document.text_before_cursor
                current = "" if before.endswith(" ") or not before else before.split()[-1]
                for option in suggestions(before, refs()):
                    yield Completion(option, start_position=-len(current))

        class RedactedFileHistory(FileHistory):
            """The file keeps each line without its personal values (bot.console_history)."""

            def store_string(self, string: str) -> None:
                super().store_string(redact(string))

        self._word_completer = WordCompleter
        if history is not None:
            scrub_file(history)  # private, and nothing an earlier release kept in clear
        kept = RedactedFileHistory(str(history)) if history is not None else InMemoryHistory()
        self.commands: PromptSession[str] = PromptSession(
            history=kept,
            completer=CommandCompleter(),
            bottom_toolbar=status,
            complete_while_typing=False,
        )
        self._answers: PromptSession[str] | None = None  # made at the first form: see answers

    @property
    def answers(self) -> PromptSession[str]:
        """The editor for a form's answers (no command history): made when first needed, as
        a second editor costs the console's start ~10 ms."""
        if self._answers is None:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import InMemoryHistory

            self._answers = PromptSession(history=InMemoryHistory())
        return self._answers

    async def read(self, prompt: str, *, choices: tuple[str, ...] = ()) -> str | None:
        try:
            if choices:
                completer = self._word_completer(list(choices), ignore_case=True)
                return await self.answers.prompt_async(prompt, completer=completer)
            if prompt.startswith("  "):  # a form's question: no command history or completion
                return await self.answers.prompt_async(prompt)
            return await self.commands.prompt_async(prompt)
        except EOFError:
            return None
