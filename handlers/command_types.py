"""The typed commands the grammar produces; each names its usage line for error replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

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


class ListFilter(StrEnum):
    OPEN = "open"
    MINE = "mine"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Command:
    usage_key: ClassVar[str] = "dsar help"


@dataclass(frozen=True, slots=True)
class Help(Command):
    group: str = "dsar"


@dataclass(frozen=True, slots=True)
class NewRequestForm(Command):
    """``/dsar new`` with no arguments: the platform asks for the fields."""

    usage_key: ClassVar[str] = "dsar new"


@dataclass(frozen=True, slots=True)
class NewRequest(Command):
    usage_key: ClassVar[str] = "dsar new"
    type: RequestType
    name: str
    email: str
    received: date | None = None
    via: Via = Via.EMAIL
    details: str | None = None


@dataclass(frozen=True, slots=True)
class ShowTicket(Command):
    usage_key: ClassVar[str] = "dsar show"
    ref: str


@dataclass(frozen=True, slots=True)
class ListRequests(Command):
    usage_key: ClassVar[str] = "dsar list"
    which: ListFilter = ListFilter.OPEN


@dataclass(frozen=True, slots=True)
class Verify(Command):
    usage_key: ClassVar[str] = "dsar verify"
    ref: str
    method: IdMethod
    received: date | None = None


@dataclass(frozen=True, slots=True)
class AskId(Command):
    usage_key: ClassVar[str] = "dsar ask-id"
    ref: str
    asked: date | None = None
    late_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Clarify(Command):
    usage_key: ClassVar[str] = "dsar clarify"
    ref: str
    asked: date | None = None
    late_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Resume(Command):
    usage_key: ClassVar[str] = "dsar resume"
    ref: str
    received: date | None = None


@dataclass(frozen=True, slots=True)
class AskFee(Command):
    usage_key: ClassVar[str] = "dsar fee"
    ref: str
    pence: int
    basis: FeeBasis | None = None
    reason: str | None = None
    late_reason: str | None = None


@dataclass(frozen=True, slots=True)
class FeePaid(Command):
    usage_key: ClassVar[str] = "dsar fee-paid"
    ref: str
    received: date | None = None


@dataclass(frozen=True, slots=True)
class Assign(Command):
    usage_key: ClassVar[str] = "dsar assign"
    ref: str
    person: str


@dataclass(frozen=True, slots=True)
class AddNote(Command):
    usage_key: ClassVar[str] = "dsar note"
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class Extend(Command):
    usage_key: ClassVar[str] = "dsar extend"
    ref: str
    reason: str
    told: date | None = None


@dataclass(frozen=True, slots=True)
class CloseRequest(Command):
    usage_key: ClassVar[str] = "dsar close"
    ref: str
    outcome: Outcome
    reason: str | None = None
    told: date | None = None
    basis: RefusalBasis | None = None
    exemption: str | None = None
    recipients: RecipientsTold | None = None
    duplicate_of: str | None = None
    searches: str | None = None  # why it closes with search tasks still open (issue 17)


@dataclass(frozen=True, slots=True)
class FindForm(Command):
    """``/dsar find`` with nothing to find: the search form, where a platform has one."""

    usage_key: ClassVar[str] = "dsar find"


@dataclass(frozen=True, slots=True)
class Find(Command):
    """Search requesters by email or name (privacy team only)."""

    usage_key: ClassVar[str] = "dsar find"
    text: str


@dataclass(frozen=True, slots=True)
class Link(Command):
    usage_key: ClassVar[str] = "dsar link"
    ref: str
    other: str
    kind: LinkKind = LinkKind.DUPLICATE


@dataclass(frozen=True, slots=True)
class StopProcessing(Command):
    """Consent withdrawn or direct-marketing objection: the day processing actually stopped."""

    usage_key: ClassVar[str] = "dsar stopped"
    ref: str
    on: date | None = None


@dataclass(frozen=True, slots=True)
class DraftLetter(Command):
    """A letter to the requester, drafted from the ticket (issue 12)."""

    usage_key: ClassVar[str] = "dsar letter"
    ref: str
    kind: LetterKind
    lang: str | None = None  # None: the organisation's LETTER_LANGUAGE
    format: LetterFormat = LetterFormat.TEXT


@dataclass(frozen=True, slots=True)
class MarkSent(Command):
    """A letter went to the requester: on that day, by that channel."""

    usage_key: ClassVar[str] = "dsar sent"
    ref: str
    kind: LetterKind
    on: date | None = None
    via: LetterVia | None = None


@dataclass(frozen=True, slots=True)
class DeadlineQuery(Command):
    usage_key: ClassVar[str] = "dsar deadline"
    received: date
    calendar: str | None = None
    extended: bool = False


@dataclass(frozen=True, slots=True)
class Summary(Command):
    usage_key: ClassVar[str] = "dsar summary"


@dataclass(frozen=True, slots=True)
class NewBreachForm(Command):
    usage_key: ClassVar[str] = "breach new"


@dataclass(frozen=True, slots=True)
class NewBreach(Command):
    usage_key: ClassVar[str] = "breach new"
    aware: datetime
    summary: str
    occurred: datetime | None = None
    data_categories: str | None = None
    subject_categories: str | None = None
    subjects: int | None = None
    records: int | None = None
    consequences: str | None = None
    measures: str | None = None
    pecr: bool | None = None  # None: the organisation's default (PECR_PROVIDER)


@dataclass(frozen=True, slots=True)
class Assess(Command):
    usage_key: ClassVar[str] = "breach assess"
    ref: str
    risk: Risk
    subjects: int | None = None
    records: int | None = None


@dataclass(frozen=True, slots=True)
class ReportToIco(Command):
    usage_key: ClassVar[str] = "breach ico"
    ref: str
    case: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NotReportable(Command):
    usage_key: ClassVar[str] = "breach not-reportable"
    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class TellSubjects(Command):
    usage_key: ClassVar[str] = "breach tell-subjects"
    ref: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DelayReason(Command):
    usage_key: ClassVar[str] = "breach delay-reason"
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class CloseBreach(Command):
    usage_key: ClassVar[str] = "breach close"
    ref: str


@dataclass(frozen=True, slots=True)
class ListBreaches(Command):
    usage_key: ClassVar[str] = "breach list"
    open_only: bool = True


# --- issue 11: correcting, reopening and the history of a ticket ---------------------------------


@dataclass(frozen=True, slots=True)
class EditRequest(Command):
    """``/dsar edit``: only the fields given change; at least one is given."""

    usage_key: ClassVar[str] = "dsar edit"
    ref: str
    type: RequestType | None = None
    name: str | None = None
    email: str | None = None
    received: date | None = None
    via: Via | None = None
    details: str | None = None


@dataclass(frozen=True, slots=True)
class EditRequestForm(Command):
    """``/dsar edit REF`` with nothing to change: the platform shows the correction form."""

    usage_key: ClassVar[str] = "dsar edit"
    ref: str


@dataclass(frozen=True, slots=True)
class EditBreachForm(Command):
    usage_key: ClassVar[str] = "breach edit"
    ref: str


@dataclass(frozen=True, slots=True)
class Reopen(Command):
    usage_key: ClassVar[str] = "dsar reopen"
    ref: str
    reason: str
    new_request: bool = False  # new=yes: the reason is a new request, so the clock restarts


@dataclass(frozen=True, slots=True)
class History(Command):
    """``/dsar history`` or ``/breach history``: the reference says which."""

    usage_key: ClassVar[str] = "dsar history"
    ref: str


@dataclass(frozen=True, slots=True)
class AssignBreach(Command):
    usage_key: ClassVar[str] = "breach assign"
    ref: str
    person: str


@dataclass(frozen=True, slots=True)
class BreachNote(Command):
    usage_key: ClassVar[str] = "breach note"
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class EditBreach(Command):
    """``/breach edit``: the keys of ``/breach new``; only the fields given change."""

    usage_key: ClassVar[str] = "breach edit"
    ref: str
    aware: datetime | None = None
    summary: str | None = None
    occurred: datetime | None = None
    data_categories: str | None = None
    subject_categories: str | None = None
    subjects: int | None = None
    records: int | None = None
    consequences: str | None = None
    measures: str | None = None
