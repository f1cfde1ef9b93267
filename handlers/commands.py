"""The one command grammar (SPEC §5): text from any platform -> a typed command.

``parse`` raises only ``CommandError``, whose message is one line saying what is wrong; the
caller shows it with ``usage_for`` the sub-command. Values are checked for shape here (dates,
enums, references, lengths, stray control characters); rules that need the database or the
clock (is the date in the future? may this person do that?) belong to the handlers.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from handlers import command_types as c
from handlers.deadlines import DeadlineError, normalise_calendar, parse_day, parse_wall_time
from storage.enums import IdMethod, Outcome, RequestType, Risk, Via

LIMITS = {"name": 200, "email": 254, "text": 4000, "short": 200}
MAX_COMMAND = 12_000
_REF = re.compile(r"^(DSAR|BREACH)-0*(\d{1,6})$", re.IGNORECASE)
_MENTION = re.compile(r"^<@([A-Za-z0-9._-]{1,64})(?:\|[^>]{0,200})?>$|^@([A-Za-z0-9._-]{1,64})$")
# Smart double quotes work as quotes, and so does a pair of smart single quotes around a value;
# any other single quote, straight or smart, is an apostrophe (O'Brien, O’Brien).
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})
_SINGLE_PAIR = re.compile(r"(?<=[=\s])‘([^‘’\"]*)’(?=\s|$)")
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?$")
FREE_TEXT = ("note", "delay-reason")  # everything after the reference is the text
E = TypeVar("E", bound=StrEnum)

USAGE: dict[str, str] = {
    "dsar new": '/dsar new <type> name="…" email=… [received=YYYY-MM-DD] '
    '[via=email|phone|letter|web|in_person|social] [details="…"]',
    "dsar show": "/dsar show REF",
    "dsar list": "/dsar list [open|mine|due-soon|overdue|all]",
    "dsar verify": "/dsar verify REF method=<account|email_match|document_seen|knowledge|authority>"
    " [received=YYYY-MM-DD]",
    "dsar ask-id": "/dsar ask-id REF [asked=YYYY-MM-DD]",
    "dsar clarify": "/dsar clarify REF [asked=YYYY-MM-DD]",
    "dsar resume": "/dsar resume REF [received=YYYY-MM-DD]",
    "dsar fee": "/dsar fee REF amount=…",
    "dsar fee-paid": "/dsar fee-paid REF [received=YYYY-MM-DD]",
    "dsar assign": "/dsar assign REF @person",
    "dsar note": '/dsar note REF "…"',
    "dsar extend": '/dsar extend REF reason="…" [told=YYYY-MM-DD]',
    "dsar close": "/dsar close REF outcome=<fulfilled|partially_fulfilled|refused|withdrawn|"
    'no_data_held> [reason="…"] [told=YYYY-MM-DD]',
    "dsar deadline": "/dsar deadline YYYY-MM-DD [calendar=GB-SCT] [extended]",
    "dsar summary": "/dsar summary",
    "dsar help": "/dsar help",
    "breach new": '/breach new aware="YYYY-MM-DDTHH:MM[+HH:MM]" summary="…" [occurred=…] '
    '[data="…"] [people="…"] [subjects=N] [records=N] [consequences="…"] [measures="…"]',
    "breach assess": "/breach assess REF risk=<none|low|high> [subjects=N] [records=N]",
    "breach ico": "/breach ico REF case=… [at=YYYY-MM-DDTHH:MM]",
    "breach not-reportable": '/breach not-reportable REF reason="…"',
    "breach tell-subjects": "/breach tell-subjects REF [at=YYYY-MM-DDTHH:MM]",
    "breach delay-reason": '/breach delay-reason REF "…"',
    "breach close": "/breach close REF",
    "breach show": "/breach show REF",
    "breach list": "/breach list [open|all]",
    "breach help": "/breach help",
}


Builder = Callable[["_Args"], c.Command]


class CommandError(ValueError):
    """Bad input: ``str(error)`` is one line for people; ``usage`` is the line to show with it."""

    def __init__(self, reason: str, usage: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage


def usage_for(group: str, action: str | None = None) -> str:
    key = f"{group} {action}" if action else ""
    return USAGE.get(key) or f"/{group} help lists the {group} commands"


def help_lines(group: str) -> list[str]:
    return [usage for key, usage in USAGE.items() if key.startswith(group + " ")]


class _Args:
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
            self.fail(f"{_show(raw)} is not a {prefix} reference (like {prefix}-0001)")
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
            self.fail(f"{what} must be one of {choices}, not {_show(value)}")
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
            self.fail(f"{key}= must be a whole number, not {_show(value)}")
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
            self.fail(f"unexpected {_show(self.positional[0])}")
        if self.named:
            self.fail(f"unknown argument {next(iter(self.named))}=")


def quote(value: str) -> str:
    """A value as the grammar reads it back: double-quoted, with quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _check_characters(text: str, usage: str) -> None:
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\t\n\r") or category in ("Cf", "Co", "Cs"):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise CommandError(f"the text contains an invisible control character ({name})", usage)


def _split(text: str) -> list[str]:
    """Shell-like words: double quotes group, backslash escapes, single quotes are literal."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.quotes = '"'
    lexer.escapedquotes = '"'
    return list(lexer)


def parse(line: str) -> c.Command:
    """Parse a whole command line, ``/dsar …`` or ``dsar …`` (the slash is optional)."""
    head, _, rest = line.strip().partition(" ")
    return parse_command(head, rest)


def parse_command(command: str, text: str) -> c.Command:
    """Parse ``text`` given to the slash command ``command`` (``/dsar`` or ``/breach``)."""
    group = command.strip().lstrip("/").lower()
    if group not in ("dsar", "breach"):
        raise CommandError(
            f"unknown command {_show(command.strip())}: use /dsar or /breach", "/dsar help"
        )
    words = text.split(None, 1)
    early_usage = USAGE.get(f"{group} {words[0].lower()}" if words else "") or usage_for(group)
    if len(text) > MAX_COMMAND:
        raise CommandError(f"the command is too long ({len(text)} characters)", early_usage)
    _check_characters(text, early_usage)
    try:
        tokens = _split(_SINGLE_PAIR.sub(r'"\1"', " " + text.translate(_QUOTES)))
    except ValueError as exc:
        raise CommandError(f"cannot read the command: {exc}", early_usage) from exc
    if not tokens:
        return c.Help(group=group)
    action, tokens = tokens[0].lower(), tokens[1:]
    usage = USAGE.get(f"{group} {action}")
    if usage is None:
        raise CommandError(
            f"unknown command /{group} {_show(action)}; /{group} help lists them", usage_for(group)
        )
    args = _Args(tokens, usage, free_text=action in FREE_TEXT)
    builder = _DSAR[action] if group == "dsar" else _BREACH[action]
    command_obj = builder(args)
    args.done()
    return command_obj


# --- /dsar ---------------------------------------------------------------------------------------


def _dsar_new(a: _Args) -> c.Command:
    if not a.positional and not a.named:
        return c.NewRequestForm()
    if not a.positional:
        a.fail("the request type is missing")
    kind = a.enum("the type", RequestType, a.positional.pop(0))
    name = a.take("name", required=True, limit=LIMITS["name"])
    email = _email(a, a.take("email", required=True, limit=LIMITS["email"]))
    via = a.take_enum("via", Via) or Via.EMAIL
    details = a.take("details", limit=LIMITS["text"])
    assert name is not None
    if any(ch in "\r\n\t" or unicodedata.category(ch) in ("Zl", "Zp") for ch in name):
        a.fail("name= must be on one line")
    return c.NewRequest(
        type=kind,
        name=name,
        email=email,
        received=a.take_day("received"),
        via=via,
        details=details,
    )


def _email(a: _Args, value: str | None) -> str:
    assert value is not None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        a.fail(f"email= {_show(value)} is not an email address ({exc})")
    raise AssertionError  # pragma: no cover


def _dsar_list(a: _Args) -> c.Command:
    which = a.positional.pop(0) if a.positional else "open"
    return c.ListRequests(which=a.enum("the list", c.ListFilter, which))


def _dsar_fee(a: _Args) -> c.Command:
    ref = a.ref("DSAR")
    raw = a.take("amount", required=True)
    assert raw is not None
    cleaned = raw.removeprefix("£")
    try:
        amount = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        a.fail(f"amount= {_show(raw)} is not an amount of money (e.g. 10 or 12.50)")
    if _AMOUNT.match(cleaned) is None or not 0 < amount <= 100_000:
        a.fail(f"amount= {_show(raw)} must be a positive amount in pounds and pence, e.g. 12.50")
    return c.AskFee(ref=ref, pence=int(amount * 100))


def _dsar_assign(a: _Args) -> c.Command:
    ref = a.ref("DSAR")
    if not a.positional:
        a.fail("who? give the person as @name")
    raw = a.positional.pop(0)
    match = _MENTION.match(raw)
    if match is None:
        a.fail(f"{_show(raw)} is not a person: use @name")
    assert match is not None
    return c.Assign(ref=ref, person=match.group(1) or match.group(2))


def _dsar_close(a: _Args) -> c.Command:
    ref = a.ref("DSAR")
    outcome = a.take_enum("outcome", Outcome, required=True)
    assert outcome is not None
    reason = a.take("reason", limit=LIMITS["text"])
    if outcome is Outcome.REFUSED and reason is None:
        a.fail("a refusal needs reason= (the requester must be told why)")
    return c.CloseRequest(ref=ref, outcome=outcome, reason=reason, told=a.take_day("told"))


def _dsar_deadline(a: _Args) -> c.Command:
    if not a.positional:
        a.fail("which date was the request received?")
    raw = a.positional.pop(0)
    try:
        received = parse_day(raw)
    except DeadlineError as exc:
        a.fail(str(exc))
    calendar = a.take("calendar")
    if calendar is not None:
        try:
            calendar = normalise_calendar(calendar)
        except DeadlineError as exc:
            a.fail(str(exc))
    extended = bool(a.positional) and a.positional[0].lower() == "extended"
    if extended:
        a.positional.pop(0)
    return c.DeadlineQuery(received=received, calendar=calendar, extended=extended)


def _verify(a: _Args) -> c.Command:
    ref = a.ref("DSAR")
    method = a.take_enum("method", IdMethod, required=True)
    assert method is not None
    return c.Verify(ref=ref, method=method, received=a.take_day("received"))


_DSAR: dict[str, Builder] = {
    "new": _dsar_new,
    "show": lambda a: c.ShowTicket(ref=a.ref("DSAR")),
    "list": _dsar_list,
    "verify": _verify,
    "ask-id": lambda a: c.AskId(ref=a.ref("DSAR"), asked=a.take_day("asked")),
    "clarify": lambda a: c.Clarify(ref=a.ref("DSAR"), asked=a.take_day("asked")),
    "resume": lambda a: c.Resume(ref=a.ref("DSAR"), received=a.take_day("received")),
    "fee": _dsar_fee,
    "fee-paid": lambda a: c.FeePaid(ref=a.ref("DSAR"), received=a.take_day("received")),
    "assign": _dsar_assign,
    "note": lambda a: c.AddNote(ref=a.ref("DSAR"), text=a.rest_text("note")),
    "extend": lambda a: c.Extend(
        ref=a.ref("DSAR"),
        reason=a.take("reason", required=True, limit=LIMITS["text"]) or "",
        told=a.take_day("told"),
    ),
    "close": _dsar_close,
    "deadline": _dsar_deadline,
    "summary": lambda a: c.Summary(),
    "help": lambda a: c.Help(group="dsar"),
}


# --- /breach -------------------------------------------------------------------------------------


def _breach_new(a: _Args) -> c.Command:
    if not a.positional and not a.named:
        return c.NewBreachForm()
    aware = a.take_moment("aware", required=True)
    summary = a.take("summary", required=True, limit=LIMITS["text"])
    assert aware is not None and summary is not None
    return c.NewBreach(
        aware=aware,
        summary=summary,
        occurred=a.take_moment("occurred"),
        data_categories=a.take("data", limit=LIMITS["text"]),
        subject_categories=a.take("people", limit=LIMITS["text"]),
        subjects=a.take_count("subjects"),
        records=a.take_count("records"),
        consequences=a.take("consequences", limit=LIMITS["text"]),
        measures=a.take("measures", limit=LIMITS["text"]),
    )


def _breach_assess(a: _Args) -> c.Command:
    ref = a.ref("BREACH")
    risk = a.take_enum("risk", Risk, required=True)
    assert risk is not None
    return c.Assess(
        ref=ref, risk=risk, subjects=a.take_count("subjects"), records=a.take_count("records")
    )


def _breach_list(a: _Args) -> c.Command:
    which = (a.positional.pop(0) if a.positional else "open").lower()
    if which not in ("open", "all"):
        a.fail(f"the list must be open or all, not {_show(which)}")
    return c.ListBreaches(open_only=which == "open")


_BREACH: dict[str, Builder] = {
    "new": _breach_new,
    "assess": _breach_assess,
    "ico": lambda a: c.ReportToIco(
        ref=a.ref("BREACH"),
        case=a.take("case", required=True, limit=64) or "",
        at=a.take_moment("at"),
    ),
    "not-reportable": lambda a: c.NotReportable(
        ref=a.ref("BREACH"), reason=a.take("reason", required=True, limit=LIMITS["text"]) or ""
    ),
    "tell-subjects": lambda a: c.TellSubjects(ref=a.ref("BREACH"), at=a.take_moment("at")),
    "delay-reason": lambda a: c.DelayReason(ref=a.ref("BREACH"), text=a.rest_text("reason")),
    "close": lambda a: c.CloseBreach(ref=a.ref("BREACH")),
    "show": lambda a: c.ShowTicket(ref=a.ref("BREACH")),
    "list": _breach_list,
    "help": lambda a: c.Help(group="breach"),
}
