"""The arguments of one command: positionals in order, ``key=value`` pairs, checked by shape.

Errors name the argument that is wrong, never its value: the value may be a requester's name
or email typed in the wrong place, and an error reply is shown, logged by platforms and
screenshotted. (Only the command word itself is echoed: it is the bot's own vocabulary.)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from handlers.deadlines import DeadlineError, parse_day, parse_wall_time
from handlers.usage import CommandError, show
from storage.refs import TicketKind, TicketRef

LIMITS = {"name": 200, "email": 254, "text": 4000, "short": 200}
E = TypeVar("E", bound=StrEnum)
# A named value: text from a command line, or a value a form input already typed.
Value = str | int | date | datetime
# A person: a Slack mention (<@U123|name>) or @name.
MENTION = re.compile(r"^<@([A-Za-z0-9._-]{1,64})(?:\|[^>]{0,200})?>$|^@([A-Za-z0-9._-]{1,64})$")


class Args:
    """Tokens of one command: positionals in order, ``key=value`` pairs, each used once.

    A form's submission arrives here too (``from_values``), keyed by field, with no text in
    between; every check below then applies to it, and a failure names its field.
    """

    def __init__(self, tokens: list[str], usage: str, *, free_text: bool = False) -> None:
        self.usage = usage
        self.positional: list[str] = []
        self.named: dict[str, Value] = {}
        # word -> the key=value just before it: a stray word there is usually an unquoted value
        self._after_key: dict[str, str] = {}
        previous: str | None = None
        for token in tokens:
            key, sep, value = token.partition("=")
            if sep and not free_text and re.fullmatch(r"[a-z_-]+", key):
                if key in self.named:
                    self.fail(f"{key}= is given twice")
                self.named[key] = value
                previous = key
            else:
                self.positional.append(token)
                if previous is not None:
                    self._after_key.setdefault(token, previous)

    @classmethod
    def from_values(cls, *, usage: str, positional: list[str], named: Mapping[str, Value]) -> Args:
        """A form's submission: the reference (if any) and the fields, values as given."""
        args = cls([], usage)
        args.positional = list(positional)
        # An empty input is not given; one of only spaces is given, and refused as empty.
        args.named = {key: value for key, value in named.items() if value != ""}
        return args

    def fail(self, reason: str, *, field: str | None = None) -> CommandError:
        raise CommandError(reason, self.usage, field=field)

    def ref(self, prefix: str) -> str:
        kind = TicketKind(prefix)
        if not self.positional:
            self.fail(f"which ticket? give its reference, e.g. {prefix}-0001")
        raw = self.positional.pop(0)
        try:
            return str(TicketRef.parse(raw, kind=kind))
        except ValueError:
            self.fail(f"that is not a {prefix} reference (like {prefix}-0001)")
        raise AssertionError  # pragma: no cover - fail() always raises

    def _pop(self, key: str, *, required: bool) -> Value | None:
        value = self.named.pop(key, None)
        if value is None and required:
            self.fail(f"{key}= is missing", field=key)
        return value

    def take(self, key: str, *, required: bool = False, limit: int = LIMITS["short"]) -> str | None:
        value = self._pop(key, required=required)
        if value is None:
            return None
        value = str(value).strip()
        if not value:
            self.fail(f"{key}= is empty", field=key)
        if len(value) > limit:
            self.fail(f"{key}= is too long ({len(value)} characters; at most {limit})", field=key)
        return value

    def take_enum(self, key: str, kind: type[E], *, required: bool = False) -> E | None:
        value = self.take(key, required=required)
        return None if value is None else self.enum(key, kind, value, field=key)

    def enum(self, what: str, kind: type[E], value: str, *, field: str | None = None) -> E:
        try:
            return kind(value.lower())
        except ValueError:
            values = [member.value for member in kind]
            hint = did_you_mean(value, values)
            # Echo the value only when it is a near miss of our own vocabulary (a typo of
            # "erasure"); otherwise it may be a name typed in the wrong place.
            typed = f", not {show(value)}{hint}" if hint else ""
            self.fail(f"{what} must be one of {'|'.join(values)}{typed}", field=field)
        raise AssertionError  # pragma: no cover - fail() always raises

    def take_day(self, key: str) -> date | None:
        given = self.named.get(key)
        if isinstance(given, date) and not isinstance(given, datetime):
            del self.named[key]
            return given
        value = self.take(key)
        if value is None:
            return None
        try:
            return parse_day(value)
        except DeadlineError as exc:
            self.fail(f"{key}= {exc}{_iso_hint(value)}", field=key)
        raise AssertionError  # pragma: no cover

    def take_moment(self, key: str, *, required: bool = False) -> datetime | None:
        given = self.named.get(key)
        if isinstance(given, datetime):
            del self.named[key]
            return given
        value = self.take(key, required=required)
        if value is None:
            return None
        try:
            return parse_wall_time(value)
        except DeadlineError as exc:
            self.fail(f"{key}= {exc}", field=key)
        raise AssertionError  # pragma: no cover

    def take_count(self, key: str) -> int | None:
        given = self.named.get(key)
        if isinstance(given, int) and not isinstance(given, bool):
            del self.named[key]
            if not 0 <= given <= 999_999_999:
                self.fail(f"{key}= must be a whole number, not {given}", field=key)
            return given
        value = self.take(key)
        if value is None:
            return None
        if not value.isdigit() or not value.isascii() or len(value) > 9:
            self.fail(f"{key}= must be a whole number", field=key)
        return int(value)

    def take_name(self, key: str, *, required: bool = False) -> str | None:
        """A person's name: on one line (it heads letters and lists)."""
        name = self.take(key, required=required, limit=LIMITS["name"])
        if name is not None:
            self.one_line(key, name)
        return name

    def one_line(self, key: str, value: str) -> None:
        if any(ch in "\r\n\t" or unicodedata.category(ch) in ("Zl", "Zp") for ch in value):
            self.fail(f"{key}= must be on one line", field=key)

    def take_email(
        self, key: str, *, required: bool = False, limit: int = LIMITS["email"]
    ) -> str | None:
        """An email address, normalised (never checked for deliverability)."""
        value = self.take(key, required=required, limit=limit)
        if value is None:
            return None
        from email_validator import EmailNotValidError, validate_email  # ~15 ms: when used

        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            self.fail(f"{key}= is not an email address", field=key)
        raise AssertionError  # pragma: no cover

    def take_person(self, key: str = "person") -> str:
        """``@name`` or a Slack mention, as a positional or ``person=`` (a form's user picker
        gives the id itself); the platform's id of that person."""
        picked = self.take(key, limit=300)
        if picked is not None and MENTION.match(picked) is None:
            picked = f"@{picked}"
        if picked is None and not self.positional:
            self.fail("who? give the person as @name", field=key)
        raw = picked if picked is not None else self.positional.pop(0)
        match = MENTION.match(raw)
        if match is None:
            self.fail("that is not a person: use @name", field=key)
        assert match is not None
        return match.group(1) or match.group(2)

    def take_yes_no(self, key: str) -> bool | None:
        value = self.take(key)
        if value is None:
            return None
        if value.lower() not in ("yes", "no"):
            self.fail(f"{key}= must be yes or no, not {show(value)}")
        return value.lower() == "yes"

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
            word = self.positional[0]
            key = self._after_key.get(word)
            if key is not None:  # not echoed: the word is likely part of a name
                quoted = f'{key}="…"'
                self.fail(
                    f"unexpected word after {key}=: values with spaces need double quotes, "
                    f"e.g. {quoted}",
                    field=key,
                )
            self.fail(
                f"unexpected words after the command ({len(self.positional)}): "
                'a value with spaces needs double quotes, e.g. name="…"'
            )
        if self.named:
            key = next(iter(self.named))
            self.fail(f"unknown argument {key}=", field=key)


def _normal(word: str) -> str:
    return re.sub(r"[\s_-]", "", word.lower())


def did_you_mean(typed: str, choices: Iterable[str]) -> str:
    """``: did you mean erasure?`` for a near miss (``erase``, ``duesoon``), else nothing."""
    options = {_normal(choice): choice for choice in choices}
    wanted = _normal(typed)
    if wanted in options:
        return f": did you mean {options[wanted]}?"
    close = difflib.get_close_matches(wanted, list(options), n=1, cutoff=0.6)
    if not close:
        prefixed = [o for key, o in options.items() if key.startswith(wanted) and len(wanted) >= 3]
        return f": did you mean {prefixed[0]}?" if len(prefixed) == 1 else ""
    return f": did you mean {options[close[0]]}?"


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _iso_hint(value: str) -> str:
    """``24/11/2026`` -> ``: did you mean 2026-11-24?`` (UK dates are day first)."""
    match = _DAY_FIRST.match(value.strip())
    if match is None:
        return ""
    day, month, year = (int(part) for part in match.groups())
    try:
        return f": did you mean {date(year, month, day).isoformat()}?"
    except ValueError:
        return ""
