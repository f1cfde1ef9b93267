"""The arguments of one command: positionals in order, ``key=value`` pairs, checked by shape.

Errors name the argument that is wrong, never its value: the value may be a requester's name
or email typed in the wrong place, and an error reply is shown, logged by platforms and
screenshotted. (Only the command word itself is echoed: it is the bot's own vocabulary.)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from handlers.deadlines import DeadlineError, parse_day, parse_wall_time
from handlers.usage import CommandError

LIMITS = {"name": 200, "email": 254, "text": 4000, "short": 200}
_REF = re.compile(r"^(DSAR|BREACH)-0*(\d{1,6})$", re.IGNORECASE)
E = TypeVar("E", bound=StrEnum)


class Args:
    """Tokens of one command: positionals in order, ``key=value`` pairs, each used once."""

    def __init__(self, tokens: list[str], usage: str, *, free_text: bool = False) -> None:
        self.usage = usage
        self.positional: list[str] = []
        self.named: dict[str, str] = {}
        for token in tokens:
            key, sep, value = token.partition("=")
            if sep and not free_text and re.fullmatch(r"[a-z_-]+", key):
                if key in self.named:
                    self.fail(f"{key}= is given twice")
                self.named[key] = value
            else:
                self.positional.append(token)

    def fail(self, reason: str) -> CommandError:
        raise CommandError(reason, self.usage)

    def ref(self, prefix: str) -> str:
        if not self.positional:
            self.fail(f"which ticket? give its reference, e.g. {prefix}-0001")
        raw = self.positional.pop(0)
        match = _REF.match(raw)
        if match is None or match.group(1).upper() != prefix:
            self.fail(f"that is not a {prefix} reference (like {prefix}-0001)")
        assert match is not None
        return f"{prefix}-{int(match.group(2)):04d}"

    def take(self, key: str, *, required: bool = False, limit: int = LIMITS["short"]) -> str | None:
        value = self.named.pop(key, None)
        if value is None:
            if required:
                self.fail(f"{key}= is missing")
            return None
        value = value.strip()
        if not value:
            self.fail(f"{key}= is empty")
        if len(value) > limit:
            self.fail(f"{key}= is too long ({len(value)} characters; at most {limit})")
        return value

    def take_enum(self, key: str, kind: type[E], *, required: bool = False) -> E | None:
        value = self.take(key, required=required)
        return None if value is None else self.enum(key, kind, value)

    def enum(self, what: str, kind: type[E], value: str) -> E:
        try:
            return kind(value.lower())
        except ValueError:
            choices = "|".join(member.value for member in kind)
            self.fail(f"{what} must be one of {choices}")
        raise AssertionError  # pragma: no cover - fail() always raises

    def take_day(self, key: str) -> date | None:
        value = self.take(key)
        if value is None:
            return None
        try:
            return parse_day(value)
        except DeadlineError as exc:
            self.fail(f"{key}= {exc}")
        raise AssertionError  # pragma: no cover

    def take_moment(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.take(key, required=required)
        if value is None:
            return None
        try:
            return parse_wall_time(value)
        except DeadlineError as exc:
            self.fail(f"{key}= {exc}")
        raise AssertionError  # pragma: no cover

    def take_count(self, key: str) -> int | None:
        value = self.take(key)
        if value is None:
            return None
        if not value.isdigit() or not value.isascii() or len(value) > 9:
            self.fail(f"{key}= must be a whole number")
        return int(value)

    def rest_text(self, what: str) -> str:
        text = " ".join(self.positional).strip()
        self.positional.clear()
        if not text:
            self.fail(f"the {what} is missing")
        if len(text) > LIMITS["text"]:
            self.fail(f"the {what} is too long ({len(text)} characters; at most {LIMITS['text']})")
        return text

    def done(self) -> None:
        if self.positional:
            self.fail(
                f"unexpected words after the command ({len(self.positional)}): "
                'a value with spaces needs double quotes, e.g. name="…"'
            )
        if self.named:
            self.fail(f"unknown argument {next(iter(self.named))}=")
