"""The closed vocabularies of SPEC §2–§5, shared by the tables and the command grammar."""

from __future__ import annotations

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


class RecipientsTold(StrEnum):
    """Art 19: recipients told of a rectification, erasure or restriction, or why not."""

    TOLD = "told"
    NONE = "none"
    IMPOSSIBLE = "impossible"
    DISPROPORTIONATE = "disproportionate"
