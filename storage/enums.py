"""The closed vocabularies of SPEC §2–§5, shared by the tables and the command grammar."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED = "automated"
    CONSENT = "consent"
    COMPLAINT = "complaint"


class RequestState(StrEnum):
    RECEIVED = "received"
    AWAITING_ID = "awaiting_id"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    AWAITING_FEE = "awaiting_fee"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Outcome(StrEnum):
    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    NO_DATA_HELD = "no_data_held"


class Via(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    WEB = "web"
    IN_PERSON = "in_person"
    SOCIAL = "social"


class IdMethod(StrEnum):
    ACCOUNT = "account"
    EMAIL_MATCH = "email_match"
    DOCUMENT_SEEN = "document_seen"
    KNOWLEDGE = "knowledge"
    AUTHORITY = "authority"


class Risk(StrEnum):
    NONE = "none"
    LOW = "low"
    HIGH = "high"


class BreachState(StrEnum):
    OPEN = "open"
    ASSESSED = "assessed"
    REPORTED = "reported"
    NOT_REPORTABLE = "not_reportable"
    CLOSED = "closed"


class SearchAnswer(StrEnum):
    """A system owner's answer to a search task (issue 17)."""

    FOUND = "found"
    NOTHING = "nothing"
    NOT_MINE = "not-mine"


class RegisterChange(StrEnum):
    """``/dsar system add|remove|owner``: a change to the systems register."""

    ADD = "add"
    REMOVE = "remove"
    OWNER = "owner"


class Identifier(StrEnum):
    """What the privacy team may share with a system owner so they can search (``share=``)."""

    NAME = "name"
    EMAIL = "email"
    DETAILS = "details"


class ExportKind(StrEnum):
    """What ``privacy-desk export`` writes: the DSAR log or the breach register."""

    REQUESTS = "requests"
    BREACHES = "breaches"
    SEARCHES = "searches"  # every search task with its answer and dates (issue 17)


class DeliveryKind(StrEnum):
    """How an outbox row is delivered (``OutboxMessage.kind``)."""

    POST = "post"  # a new message in a channel (a ticket's opening post, the summary)
    REPLY = "reply"  # a reply in the thread of a ticket's opening post
    DIRECT = "direct"  # a direct message to a person
    HOME = "home"  # a person's home page (Slack App Home) published again after a change


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting to be sent (or retried)
    SENT = "sent"
    FAILED = "failed"  # the platform refused it for good


class ReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SUPERSEDED = "superseded"  # a more urgent nudge for the same ticket fell due with it
    CANCELLED = "cancelled"  # the ticket stopped running before it fired


class ReminderKind(StrEnum):
    """The families of nudge (SPEC §6). ``DUE`` and ``BREACH`` carry an offset in the stored
    kind (``due-7d``: 7 days before the deadline; ``breach-24h``: 24 hours after awareness),
    see ``ReminderSlot``; the others are stored as they are."""

    DUE = "due"
    BREACH = "breach"
    OVERDUE = "overdue"
    BREACH_REPEAT = "breach-repeat"
    ID_CHASE = "id-chase"
    EXTENSION = "extension"
    SEARCH = "search"  # a system owner has not answered a search task (issue 17)


_OFFSET_UNITS = {ReminderKind.DUE: "d", ReminderKind.BREACH: "h"}
_PLAIN = frozenset(kind.value for kind in ReminderKind if kind not in _OFFSET_UNITS)


@dataclass(frozen=True, slots=True)
class ReminderSlot:
    """One stored reminder kind: its family and, for ``DUE``/``BREACH``, the offset."""

    kind: ReminderKind
    offset: int | None = None

    def __str__(self) -> str:
        if self.offset is None:
            return self.kind.value
        return f"{self.kind.value}-{self.offset}{_OFFSET_UNITS[self.kind]}"

    @classmethod
    def parse(cls, text: str) -> ReminderSlot:
        """``due-7d`` -> (DUE, 7); ``overdue`` -> (OVERDUE, None); ValueError otherwise."""
        if text in _PLAIN:
            return cls(ReminderKind(text))
        family, _, rest = text.partition("-")
        for kind, unit in _OFFSET_UNITS.items():
            if family == kind.value and rest.endswith(unit) and rest[:-1].isdigit():
                return cls(kind, int(rest[:-1]))
        raise ValueError(f"{text!r} is not a reminder kind")


class Role(StrEnum):
    STAFF = "staff"
    PRIVACY = "privacy"
    DPO = "dpo"

    @property
    def is_privacy_team(self) -> bool:
        return self in (Role.PRIVACY, Role.DPO)


class FeeBasis(StrEnum):
    """The only grounds for a fee: Art 12(5) (manifestly unfounded or excessive), Art 15(3)."""

    UNFOUNDED = "unfounded"
    EXCESSIVE = "excessive"
    COPIES = "copies"


class RefusalBasis(StrEnum):
    """Art 12(5) manifestly unfounded or excessive, or a named DPA 2018 Sch 2-4 exemption."""

    UNFOUNDED = "unfounded"
    EXCESSIVE = "excessive"
    EXEMPTION = "exemption"


class LinkKind(StrEnum):
    """How two requests are linked: the same person asking twice, or related."""

    DUPLICATE = "duplicate"
    RELATED = "related"


class RecipientsTold(StrEnum):
    """Art 19: recipients told of a rectification, erasure or restriction, or why not."""

    TOLD = "told"
    NONE = "none"
    IMPOSSIBLE = "impossible"
    DISPROPORTIONATE = "disproportionate"


class LetterKind(StrEnum):
    """The letters to a requester the desk drafts (``/dsar letter REF KIND``, issue 12)."""

    ACKNOWLEDGEMENT = "acknowledgement"
    ID_REQUEST = "id-request"
    CLARIFICATION = "clarification"
    FEE = "fee"
    EXTENSION = "extension"
    REFUSAL = "refusal"
    PARTIAL_REFUSAL = "partial-refusal"
    NO_DATA = "no-data"
    RESPONSE = "response"
    COMPLAINT_ACKNOWLEDGEMENT = "complaint-acknowledgement"
    CONSENT_WITHDRAWN = "consent-withdrawn"
    MARKETING_STOPPED = "marketing-stopped"


class LetterFormat(StrEnum):
    """What a drafted letter is written as: chat and the console take text or Markdown; the
    command line can also write a Word document for organisations that post letters."""

    TEXT = "text"
    MARKDOWN = "markdown"
    DOCX = "docx"


class LetterVia(StrEnum):
    """How a letter went to the requester (``/dsar sent … via=``)."""

    EMAIL = "email"
    POST = "post"
    HAND = "hand"
    PORTAL = "portal"
