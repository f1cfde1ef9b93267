"""Every form and ticket action, declared once (STYLE 11).

A ``Form`` lists its fields: the grammar key, the label people see, the kind of input, whether
it is required, its length limit and, for choices, the values (taken from the enums). Slack
modals, Teams cards and the console prompts are rendered from these declarations, and a
submission comes back as values keyed by field (``handlers.commands.parse_form``), so adding a
field here reaches every platform. ``ACTIONS`` says which buttons a ticket has, their labels and
which of them need a form first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from handlers.arguments import LIMITS
from storage.enums import (
    IdMethod,
    LetterKind,
    Outcome,
    RecipientsTold,
    RefusalBasis,
    RequestType,
    Risk,
    SearchAnswer,
    Via,
)
from storage.refs import TicketKind, TicketRef


class FieldKind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    DATE = "date"
    DATETIME = "datetime"  # a moment: local time, or with an offset
    CHOICE = "choice"
    PERSON = "person"  # a person on the platform (a user picker)
    NUMBER = "number"  # a whole number, 0 or more


# What a platform hands back for one field: text, or a value the platform already typed
# (Slack's datetime picker gives an instant; Teams' date and time inputs a local moment).
FieldValue = str | int | date | datetime


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # the grammar's key (name=, received=): also the block / input id
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    max_length: int = LIMITS["short"]
    choices: tuple[str, ...] = ()
    default: str | None = None
    hint: str | None = None
    multiline: bool = False

    @property
    def optional(self) -> bool:
        return not self.required


YES_NO = ("yes", "no")


def _choice(
    key: str, label: str, kind: type[StrEnum], *, default: str | None = None, required: bool = True
) -> Field:
    return Field(
        key,
        label,
        FieldKind.CHOICE,
        required=required,
        choices=tuple(member.value for member in kind),
        default=default,
    )


def _long(key: str, label: str, *, required: bool = False, hint: str | None = None) -> Field:
    return Field(
        key, label, required=required, max_length=LIMITS["text"], multiline=True, hint=hint
    )


def _count(key: str, label: str) -> Field:
    return Field(key, label, FieldKind.NUMBER, max_length=9)


@dataclass(frozen=True, slots=True)
class Form:
    """One form: the command it submits (``group action``) and its fields in order."""

    group: str  # dsar | breach
    action: str  # new, verify, ...
    title: str
    fields: tuple[Field, ...]
    submit: str = "Submit"
    intro: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def wire_name(self) -> str:
        """The id platforms carry back on submission (modal callback, card data)."""
        return f"{self.group}_{self.action}" if self.action in STANDALONE else TICKET_FORM

    def first_key(self) -> str:
        return self.fields[0].key


@dataclass(frozen=True, slots=True)
class FormRequest:
    """The core's answer "show this form": for a ticket (``ref``) or a new one, with the values
    already given and, after a refused submission, the reason on the field it is about."""

    form: Form
    ref: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


TICKET_FORM = "ticket_form"
STANDALONE = ("new", "find")  # forms not opened for a ticket

NEW_REQUEST = Form(
    "dsar",
    "new",
    "Log a privacy request",
    (
        _choice("type", "Type of request", RequestType, default=RequestType.ACCESS),
        Field("name", "Requester's name", required=True, max_length=LIMITS["name"]),
        Field("email", "Requester's email", FieldKind.EMAIL, True, LIMITS["email"]),
        Field(
            "received",
            "Received on",
            FieldKind.DATE,
            hint="Leave empty for today. The day of receipt counts.",
        ),
        _choice("via", "How it arrived", Via, default=Via.EMAIL, required=False),
        _long("details", "Details"),
    ),
    submit="Log request",
)

NEW_BREACH = Form(
    "breach",
    "new",
    "Log a personal-data breach",
    (
        Field(
            "aware",
            "Became aware (date and time)",
            FieldKind.DATETIME,
            required=True,
            hint="When the organisation became aware: the 72 hours start here.",
        ),
        _long("summary", "What happened", required=True),
        Field("occurred", "When it happened (if known)", FieldKind.DATETIME),
        _long("data", "Categories of personal data"),
        _long("people", "Categories of people"),
        _count("subjects", "Approximate number of people"),
        _count("records", "Approximate number of records"),
        Field("pecr", "Communications provider breach (PECR)?", FieldKind.CHOICE, choices=YES_NO),
        # consequences= and measures= are typed with /breach new or added later; the form
        # stays at what a person knows in the first minutes (the first-hour issue may add them).
    ),
    submit="Log breach",
    intro="The ICO must be told within 72 hours of becoming aware.",
)


FIND = Form(
    "dsar",
    "find",
    "Find a requester",
    (
        Field(
            "text",
            "Name or email",
            required=True,
            max_length=LIMITS["name"],
            hint="An email finds that address; words find names that start with them.",
        ),
    ),
    submit="Find",
    intro="Privacy team only. The results come to you alone.",
)


def _ticket_form(group: str, action: str, title: str, *fields: Field) -> Form:
    return Form(group, action, title, fields)


VERIFY = _ticket_form(
    "dsar",
    "verify",
    "Verify ID",
    _choice("method", "How identity was checked", IdMethod),
    Field("received", "Identity arrived on", FieldKind.DATE),
)
EXTEND = _ticket_form(
    "dsar",
    "extend",
    "Extend",
    _long("reason", "Why the request is complex or numerous", required=True),
    Field("told", "Requester told on", FieldKind.DATE),
)
ASSIGN = _ticket_form(
    "dsar", "assign", "Assign", Field("person", "Assign to", FieldKind.PERSON, required=True)
)
CLOSE_REQUEST = _ticket_form(
    "dsar",
    "close",
    "Close",
    _choice("outcome", "Outcome", Outcome),
    _long("reason", "Reason (required for a refusal)"),
    _choice("basis", "Basis of a refusal", RefusalBasis, required=False),
    _long("exemption", "DPA 2018 exemption relied on"),
    Field("told", "Refusal and right to complain told on", FieldKind.DATE),
    _choice("recipients", "Recipients told (Art 19)", RecipientsTold, required=False),
    _long("searches", "Why close while search tasks are open"),
)
ASSESS = _ticket_form("breach", "assess", "Assess", _choice("risk", "Risk to people", Risk))
ICO = _ticket_form(
    "breach",
    "ico",
    "ICO notified",
    Field("case", "ICO case reference", required=True, max_length=64),
)
NOT_REPORTABLE = _ticket_form(
    "breach",
    "not-reportable",
    "Not reportable",
    _long("reason", "Why it is not reportable", required=True),
)


def _correcting(new: Form, *extra: Field) -> Form:
    """The form that corrects what ``new`` logged: its fields, none required and none filled
    in, so an empty field keeps what is recorded (``/dsar edit REF``, ``/breach edit REF``)."""
    fields = tuple(replace(f, required=False, default=None) for f in (*new.fields, *extra))
    return Form(
        new.group,
        "edit",
        "Correct",
        tuple(f for f in fields if f.key != "pecr"),
        submit="Correct",
        intro="Fill in only what is wrong: an empty field keeps what is recorded.",
    )


EDIT_REQUEST = _correcting(NEW_REQUEST)
EDIT_BREACH = _correcting(
    NEW_BREACH, _long("consequences", "Likely consequences"), _long("measures", "Measures taken")
)
# Ticket forms a command opens (not a button): ``/dsar edit REF`` with nothing to change.
COMMAND_FORMS = {(f.group, f.action): f for f in (EDIT_REQUEST, EDIT_BREACH)}


@dataclass(frozen=True, slots=True)
class Action:
    """A button on a ticket: the sub-command it runs, its label, and the form it needs first
    (``None``: the press runs the command at once)."""

    name: str
    label: str
    form: Form | None = None


ACTIONS: dict[TicketKind, tuple[Action, ...]] = {
    TicketKind.REQUEST: (
        Action("verify", "Verify ID", VERIFY),
        Action("ask-id", "Ask for ID"),
        Action("clarify", "Pause"),
        Action("extend", "Extend", EXTEND),
        Action("assign", "Assign", ASSIGN),
        Action("close", "Close", CLOSE_REQUEST),
    ),
    TicketKind.BREACH: (
        Action("assess", "Assess", ASSESS),
        Action("ico", "ICO notified", ICO),
        Action("not-reportable", "Not reportable", NOT_REPORTABLE),
        Action("tell-subjects", "Subjects told"),
        Action("close", "Close"),
    ),
}
SHOW = Action("show", "Show")
SENT_PREFIX = "sent-"  # "Mark as sent" under a drafted letter: sent-extension, sent-fee, …
MARK_SENT = "Mark as sent"


def sent_action(kind: LetterKind) -> str:
    return f"{SENT_PREFIX}{kind.value}"


def sent_kind(name: str) -> LetterKind | None:
    """The letter a "Mark as sent" button is for (``sent-extension``), else None."""
    if not name.startswith(SENT_PREFIX):
        return None
    try:
        return LetterKind(name.removeprefix(SENT_PREFIX))
    except ValueError:
        return None


# The buttons on a search task's message to its system owner (issue 17); the name is the answer.
SEARCH_ANSWERS: tuple[Action, ...] = (
    Action(SearchAnswer.FOUND, "Found data"),
    Action(SearchAnswer.NOTHING, "Nothing found"),
    Action(SearchAnswer.NOT_MINE, "Not my system"),
)


def action_names(kind: TicketKind) -> tuple[str, ...]:
    return tuple(a.name for a in ACTIONS[kind])


def find_action(ref: TicketRef, name: str) -> Action | None:
    if name == SHOW.name:
        return SHOW
    if ref.kind == TicketKind.REQUEST and sent_kind(name) is not None:
        return Action(name, MARK_SENT)
    return next((a for a in ACTIONS[ref.kind] if a.name == name), None)


def label(name: str) -> str:
    """A button's label, whichever kind of ticket it is on."""
    if sent_kind(name) is not None:
        return MARK_SENT
    for action in (SHOW, *ACTIONS[TicketKind.REQUEST], *ACTIONS[TicketKind.BREACH]):
        if action.name == name:
            return action.label
    return name


def find_form(wire_name: str, *, action: str = "", ref: str | None = None) -> Form | None:
    """The form a platform submission names (``dsar_new``, ``breach_new`` or ``ticket_form``
    with the action and the reference it was opened for)."""
    if wire_name == NEW_REQUEST.wire_name:
        return NEW_REQUEST
    if wire_name == NEW_BREACH.wire_name:
        return NEW_BREACH
    if wire_name == FIND.wire_name:
        return FIND
    if wire_name != TICKET_FORM or ref is None or not TicketRef.is_valid(ref):
        return None
    ticket = TicketRef.parse(ref)
    if (ticket.group, action) in COMMAND_FORMS:
        return COMMAND_FORMS[(ticket.group, action)]
    found = find_action(ticket, action)
    return found.form if found is not None else None
