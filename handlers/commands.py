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
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from handlers import command_types as c
from handlers import commands_records, commands_searches
from handlers.arguments import LIMITS, MENTION, Args, Value, did_you_mean
from handlers.deadlines import DeadlineError, normalise_calendar, parse_day
from handlers.forms import STANDALONE, Field, FieldKind, Form, sent_kind
from handlers.usage import USAGE, CommandError, actions_of, help_lines, quote, show, usage_for
from storage.enums import (
    FeeBasis,
    IdMethod,
    LetterFormat,
    LetterKind,
    LetterVia,
    LinkKind,
    Outcome,
    RecipientsTold,
    RefusalBasis,
    RequestType,
    Risk,
    Via,
)
from storage.refs import TicketKind, TicketRef

__all__ = [
    "LIMITS",
    "USAGE",
    "CommandError",
    "action_command",
    "check_field",
    "help_lines",
    "parse",
    "parse_command",
    "parse_form",
    "quote",
    "usage_for",
]

MAX_COMMAND = 12_000
# Smart double quotes work as quotes, and so does a pair of smart single quotes around a value;
# any other single quote, straight or smart, is an apostrophe (O'Brien, O’Brien).
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})
_SINGLE_PAIR = re.compile(r"(?<=[=\s])‘([^‘’\"]*)’(?=\s|$)")
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?$")
FREE_TEXT = ("note", "delay-reason", "find")  # everything after the reference is the text

Builder = Callable[[Args], c.Command]


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
            f"unknown command {show(command.strip())}: use /dsar or /breach", "/dsar help"
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
    typed, tokens = tokens[0], tokens[1:]
    action = typed.lower()
    usage = USAGE.get(f"{group} {action}")
    if usage is None:
        actions = actions_of(group)
        hint = did_you_mean(action, actions)
        raise CommandError(
            f"unknown command /{group} {_echo(typed, hint)}; the /{group} "
            "commands are " + ", ".join(actions),
            usage_for(group),
        )
    args = Args(tokens, usage, free_text=action in FREE_TEXT)
    builder = _builders(group)[action]
    command_obj = builder(args)
    args.done()
    return command_obj


def parse_form(form: Form, *, ref: str | None, values: Mapping[str, Value]) -> c.Command:
    """A form's submission -> the command, through the same builder as the typed line.

    The values are keyed by field, as the platform gave them (no command text in between), so
    a refusal names the field it is about (``CommandError.field``).
    """
    usage = usage_for(form.group, form.action)
    given = {key: value for key, value in values.items() if key in form.keys}
    args = Args.from_values(usage=usage, positional=[ref] if ref else [], named=given)
    if (form.action in STANDALONE or form.action == "edit") and not args.named:
        raise CommandError("the form is empty", usage, field=form.first_key())
    command = _builders(form.group)[form.action](args)
    args.done()
    return command


def check_field(field: Field, value: str) -> str | None:
    """Whether one answer suits its field (shape only: dates, choices, emails, lengths), for
    prompts that check each answer as it is typed. ``None`` when it does; else the reason."""
    args = Args.from_values(usage="", positional=[], named={field.key: value})
    try:
        if field.kind == FieldKind.DATE:
            args.take_day(field.key)
        elif field.kind == FieldKind.DATETIME:
            args.take_moment(field.key)
        elif field.kind == FieldKind.NUMBER:
            args.take_count(field.key)
        elif field.kind == FieldKind.EMAIL:
            args.take_email(field.key, limit=field.max_length)
        elif field.kind == FieldKind.PERSON:
            if MENTION.match(value.strip()) is None and MENTION.match("@" + value.strip()) is None:
                args.fail("that is not a person: use @name", field=field.key)
        else:
            text = args.take(field.key, limit=field.max_length)
            if (
                field.kind == FieldKind.CHOICE
                and text is not None
                and text.lower() not in field.choices
            ):
                choices = "|".join(field.choices)
                args.fail(f"{field.key} must be one of {choices}", field=field.key)
    except CommandError as exc:
        return exc.reason
    return None


def action_command(ref: TicketRef, action: str) -> c.Command:
    """The command a ticket button runs at once (one that needs no form)."""
    positional = [str(ref)]
    kind = sent_kind(action)
    if kind is not None:  # "Mark as sent" on a drafted letter: /dsar sent REF KIND
        action, positional = "sent", [str(ref), kind]
    usage = usage_for(ref.group, action)
    builder = _builders(ref.group).get(action)
    if builder is None:
        raise CommandError(f"{show(action)} is not an action on {ref}", usage)
    args = Args.from_values(usage=usage, positional=positional, named={})
    command = builder(args)
    args.done()
    return command


def _builders(group: str) -> dict[str, Builder]:
    return _DSAR if group == "dsar" else _BREACH


_COMMAND_WORD = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


def _echo(word: str, hint: str) -> str:
    """A mistyped sub-command, quoted back only if it looks like one (lower-case, short): a
    capitalised word there is more likely a requester's name, which an error must not repeat."""
    if _COMMAND_WORD.match(word):
        return show(word) + hint
    return "…" + hint  # "Sarah" is near "search": the hint, never the name


# --- /dsar ---------------------------------------------------------------------------------------


def _dsar_new(a: Args) -> c.Command:
    if not a.positional and not a.named:
        return c.NewRequestForm()
    typed = a.take("type") if not a.positional else a.positional.pop(0)
    if typed is None:
        a.fail("the request type is missing", field="type")
    assert typed is not None
    kind = a.enum("the type", RequestType, typed, field="type")
    name = a.take("name", required=True, limit=LIMITS["name"])
    email = a.take_email("email", required=True)
    via = a.take_enum("via", Via) or Via.EMAIL
    details = a.take("details", limit=LIMITS["text"])
    assert name is not None and email is not None
    a.one_line("name", name)
    return c.NewRequest(
        type=kind,
        name=name,
        email=email,
        received=a.take_day("received"),
        via=via,
        details=details,
    )


def _dsar_list(a: Args) -> c.Command:
    which = a.positional.pop(0) if a.positional else "open"
    return c.ListRequests(which=a.enum("the list", c.ListFilter, which))


def _dsar_fee(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    raw = a.take("amount", required=True)
    assert raw is not None
    cleaned = raw.removeprefix("£")
    try:
        amount = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        a.fail("amount= is not an amount of money (e.g. 10 or 12.50)", field="amount")
    if _AMOUNT.match(cleaned) is None or not 0 < amount <= 100_000:
        a.fail(
            "amount= must be a positive amount in pounds and pence, e.g. 12.50",
            field="amount",
        )
    return c.AskFee(
        ref=ref,
        pence=int(amount * 100),
        basis=a.take_enum("basis", FeeBasis),
        reason=a.take("reason", limit=LIMITS["text"]),
        late_reason=_late_reason(a),
    )


def _late_reason(a: Args) -> str | None:
    return a.take("late-reason", limit=LIMITS["text"])


def _dsar_assign(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    return c.Assign(ref=ref, person=a.take_person())


def _dsar_close(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    outcome = a.take_enum("outcome", Outcome, required=True)
    assert outcome is not None
    reason = a.take("reason", limit=LIMITS["text"])
    if outcome in (Outcome.REFUSED, Outcome.PARTIALLY_FULFILLED) and reason is None:
        a.fail(
            f"a {'partial ' if outcome is Outcome.PARTIALLY_FULFILLED else ''}refusal needs "
            "reason= (the requester must be told why)",
            field="reason",
        )
    return c.CloseRequest(
        ref=ref,
        outcome=outcome,
        reason=reason,
        told=a.take_day("told"),
        basis=a.take_enum("basis", RefusalBasis),
        exemption=a.take("exemption", limit=LIMITS["text"]),
        recipients=a.take_enum("recipients", RecipientsTold),
        duplicate_of=_duplicate_of(a, ref),
        searches=a.take("searches", limit=LIMITS["text"]),
    )


def _duplicate_of(a: Args, ref: str) -> str | None:
    given = a.take("duplicate_of", limit=32)
    if given is None:
        return None
    try:
        other = str(TicketRef.parse(given, kind=TicketKind.REQUEST))
    except ValueError:
        a.fail("duplicate_of= must be a request reference, like DSAR-0001", field="duplicate_of")
        raise
    if other == ref:
        a.fail("a request cannot be a duplicate of itself", field="duplicate_of")
    return other


def _dsar_find(a: Args) -> c.Command:
    if not a.positional and not a.named:
        return c.FindForm()
    text = str(a.named.pop("text", "")) or " ".join(a.positional).strip()
    a.positional.clear()
    if len(text.replace("@", "").strip()) < 2:
        a.fail("what to find: an email address, or at least two letters of the name")
    if len(text) > LIMITS["name"]:
        a.fail(f"the search is too long ({len(text)} characters; at most {LIMITS['name']})")
    return c.Find(text=text)


def _dsar_link(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    other = a.ref("DSAR")
    return c.Link(ref=ref, other=other, kind=a.take_enum("as", LinkKind) or LinkKind.DUPLICATE)


def _dsar_deadline(a: Args) -> c.Command:
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


_LANG = re.compile(r"^[a-z]{2,3}$")


def _letter_kind(a: Args) -> LetterKind:
    typed = a.positional.pop(0) if a.positional else a.take("kind")
    if typed is None:
        a.fail("which letter? give its kind, e.g. extension", field="kind")
    assert typed is not None
    return a.enum("the letter", LetterKind, typed, field="kind")


def _dsar_letter(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    kind = _letter_kind(a)
    lang = a.take("lang", limit=8)
    if lang is not None and _LANG.match(lang.lower()) is None:
        a.fail("lang= is a language code such as en or cy", field="lang")
    fmt = a.take_enum("format", LetterFormat) or LetterFormat.TEXT
    if fmt == LetterFormat.DOCX:
        a.fail(
            "a Word document is written by the command line: privacy-desk letters draft "
            f"{ref} {kind} --format docx",
            field="format",
        )
    return c.DraftLetter(ref=ref, kind=kind, lang=lang.lower() if lang else None, format=fmt)


def _dsar_sent(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    kind = _letter_kind(a)
    return c.MarkSent(ref=ref, kind=kind, on=a.take_day("on"), via=a.take_enum("via", LetterVia))


def _verify(a: Args) -> c.Command:
    ref = a.ref("DSAR")
    method = a.take_enum("method", IdMethod, required=True)
    assert method is not None
    return c.Verify(ref=ref, method=method, received=a.take_day("received"))


_DSAR: dict[str, Builder] = {
    "new": _dsar_new,
    "show": lambda a: c.ShowTicket(ref=a.ref("DSAR")),
    "list": _dsar_list,
    "verify": _verify,
    "ask-id": lambda a: c.AskId(
        ref=a.ref("DSAR"), asked=a.take_day("asked"), late_reason=_late_reason(a)
    ),
    "clarify": lambda a: c.Clarify(
        ref=a.ref("DSAR"), asked=a.take_day("asked"), late_reason=_late_reason(a)
    ),
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
    "find": _dsar_find,
    "link": _dsar_link,
    "stopped": lambda a: c.StopProcessing(ref=a.ref("DSAR"), on=a.take_day("on")),
    "letter": _dsar_letter,
    "sent": _dsar_sent,
    "deadline": _dsar_deadline,
    "summary": lambda a: c.Summary(),
    "help": lambda a: c.Help(group="dsar"),
    **commands_records.DSAR,
    **commands_searches.DSAR,
}


# --- /breach -------------------------------------------------------------------------------------


def _breach_new(a: Args) -> c.Command:
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
        pecr=a.take_yes_no("pecr"),
    )


def _breach_assess(a: Args) -> c.Command:
    ref = a.ref("BREACH")
    risk = a.take_enum("risk", Risk, required=True)
    assert risk is not None
    return c.Assess(
        ref=ref, risk=risk, subjects=a.take_count("subjects"), records=a.take_count("records")
    )


def _breach_list(a: Args) -> c.Command:
    which = (a.positional.pop(0) if a.positional else "open").lower()
    if which not in ("open", "all"):
        a.fail("the list must be open or all")
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
    **commands_records.BREACH,
}
