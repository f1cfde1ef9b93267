"""Which letter a ticket is waiting for, as a pure function for the ticket's next-step line
("send the extension notice by Fri 3 Apr"). No I/O: the caller passes the letters already
recorded as sent (``sent_kinds`` of the ticket's history)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from handlers.wording import DAY_NAMES, MONTH_NAMES
from storage.enums import LetterKind as K
from storage.enums import Outcome, RequestState, RequestType
from storage.models import Request

NAMES = {
    K.ACKNOWLEDGEMENT: "acknowledgement",
    K.ID_REQUEST: "request for proof of identity",
    K.CLARIFICATION: "request for clarification",
    K.FEE: "fee letter",
    K.EXTENSION: "extension notice",
    K.REFUSAL: "refusal letter",
    K.PARTIAL_REFUSAL: "partial refusal letter",
    K.NO_DATA: "no-data letter",
    K.RESPONSE: "response cover letter",
    K.COMPLAINT_ACKNOWLEDGEMENT: "complaint acknowledgement",
    K.CONSENT_WITHDRAWN: "confirmation that consent-based processing stopped",
    K.MARKETING_STOPPED: "confirmation that marketing stopped",
}
_CLOSING = {
    Outcome.REFUSED: K.REFUSAL,
    Outcome.PARTIALLY_FULFILLED: K.PARTIAL_REFUSAL,
    Outcome.NO_DATA_HELD: K.NO_DATA,
    Outcome.FULFILLED: K.RESPONSE,
}
_STOPPED = {RequestType.CONSENT: K.CONSENT_WITHDRAWN, RequestType.OBJECTION: K.MARKETING_STOPPED}


@dataclass(frozen=True, slots=True)
class LetterDue:
    kind: K
    by: date
    command: str  # what to type: /dsar letter DSAR-0001 extension

    def hint(self) -> str:
        """``send the extension notice by Fri 3 Apr``."""
        by = self.by
        day = f"{DAY_NAMES[by.weekday()]} {by.day} {MONTH_NAMES[by.month - 1]}"
        return f"send the {NAMES[self.kind]} by {day}"


def letter_due(req: Request, *, today: date, sent: Collection[K] = ()) -> LetterDue | None:
    """The letter ``req`` is waiting for (the most pressing), or None."""
    found = _due(req, today)
    if found is None or found[0] in sent:
        return None
    kind, by = found
    return LetterDue(kind=kind, by=by, command=f"/dsar letter {req.ref} {kind}")


def _due(req: Request, today: date) -> tuple[K, date] | None:
    if req.type == RequestType.COMPLAINT:
        if req.acknowledged_on is None and req.base_due is not None:
            return K.COMPLAINT_ACKNOWLEDGEMENT, req.base_due
        return None
    if req.state == RequestState.CLOSED:
        kind = _CLOSING.get(Outcome(req.outcome)) if req.outcome else None
        if kind is None:
            return None
        return kind, req.due or req.closed_on or today
    if req.type in _STOPPED and req.processing_stopped_on is not None:
        return _STOPPED[RequestType(req.type)], req.due or today
    if req.state == RequestState.AWAITING_ID:
        return K.ID_REQUEST, req.identity_asked_on or today
    if req.state == RequestState.AWAITING_CLARIFICATION and req.type == RequestType.ACCESS:
        return K.CLARIFICATION, req.clarification_asked_on or today
    if req.state == RequestState.AWAITING_FEE:
        return K.FEE, req.fee_asked_on or today
    if req.extended and req.extension_notice_by is not None:
        return K.EXTENSION, req.extension_notice_by
    return None
