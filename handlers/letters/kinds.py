"""Which letter a ticket supports, and what each kind states (issue 12).

Each kind is declared once: what it is for, and why a ticket may not have it. A letter never
says more than the ticket records, so an extension letter needs a recorded extension (with its
reasons), a refusal letter a recorded refusal (with its reasons and basis), and so on; the
refusal names the command that records the missing fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from handlers import rules
from storage.enums import LetterKind as K
from storage.enums import Outcome, RequestState, RequestType
from storage.models import Request

Check = Callable[[Request, date], str | None]
WAITING = (RequestState.AWAITING_ID, RequestState.AWAITING_CLARIFICATION, RequestState.AWAITING_FEE)


@dataclass(frozen=True, slots=True)
class Letter:
    kind: K
    states: str  # what the letter tells the requester (README, help, the closing note)
    check: Check  # why this ticket may not have it, or None


def _not_complaint(req: Request) -> str | None:
    if req.type == RequestType.COMPLAINT:
        return f"{req.ref} is a complaint: draft complaint-acknowledgement instead"
    return None


def _acknowledgement(req: Request, today: date) -> str | None:
    if req.state == RequestState.CLOSED:
        return f"{req.ref} is closed ({req.outcome}): there is nothing left to acknowledge"
    return _not_complaint(req)


def _id_request(req: Request, today: date) -> str | None:
    if req.state != RequestState.AWAITING_ID:
        return f"{req.ref} is not waiting for identity: record it with /dsar ask-id {req.ref}"
    return None


def _clarification(req: Request, today: date) -> str | None:
    if req.type != RequestType.ACCESS:
        return "clarification letters are for subject access requests only (Art 12A)"
    if req.state != RequestState.AWAITING_CLARIFICATION:
        return f"{req.ref} is not paused for clarification: use /dsar clarify {req.ref} first"
    return None


def _fee(req: Request, today: date) -> str | None:
    if req.fee_pence is None or req.fee_basis is None:
        return (
            f"{req.ref} has no fee recorded: /dsar fee {req.ref} amount=… basis=… first "
            "(a fee only on a lawful basis, Art 12(5) or Art 15(3))"
        )
    if req.fee_paid_on is not None:
        return f"{req.ref}: the fee was already paid"
    return None


def _extension(req: Request, today: date) -> str | None:
    why = _not_complaint(req)
    if why is not None:
        return f"{req.ref} is a complaint: complaints cannot be extended"
    if req.extended:
        return None
    if req.state == RequestState.CLOSED:
        return f"{req.ref} is closed: it cannot be extended"
    if req.state in WAITING or req.extension_notice_by is None:
        return f"{req.ref} is {req.state}: the clock is not running, so it cannot be extended"
    if today > req.extension_notice_by:
        return (
            f"{req.ref} cannot be extended: the requester had to be told by "
            f"{req.extension_notice_by.isoformat()} (Art 12(3))"
        )
    return (
        f"{req.ref} is not extended: record the extension and its reasons first "
        f'(/dsar extend {req.ref} reason="…", by {req.extension_notice_by.isoformat()})'
    )


def _outcome(kind: K, outcome: Outcome) -> Check:
    def check(req: Request, today: date) -> str | None:
        if req.outcome != outcome:
            return (
                f"{req.ref} is not closed as {outcome}: a {kind} letter follows "
                f"/dsar close {req.ref} outcome={outcome} …"
            )
        return None

    return check


def _response(req: Request, today: date) -> str | None:
    why = _not_complaint(req)
    if why is not None:
        return why
    if req.state in WAITING:
        return f"{req.ref} is {req.state}: nothing can be disclosed until that is resolved"
    done = (None, Outcome.FULFILLED, Outcome.PARTIALLY_FULFILLED)
    if req.outcome not in done:
        return f"{req.ref} was closed as {req.outcome}: there is no response to cover"
    return None


def _complaint(req: Request, today: date) -> str | None:
    if req.type != RequestType.COMPLAINT:
        return f"{req.ref} is a {req.type} request, not a complaint"
    return None


def _stopped(kind: RequestType) -> Check:
    def check(req: Request, today: date) -> str | None:
        if req.type != kind:
            return f"{req.ref} is a {req.type} request: this letter is for a {kind} request"
        if req.processing_stopped_on is None:
            return f"record when processing stopped first: /dsar stopped {req.ref} [on=DATE]"
        return None

    return check


LETTERS: dict[K, Letter] = {
    letter.kind: letter
    for letter in (
        Letter(
            K.ACKNOWLEDGEMENT,
            "the request was received (the date), what right it is, and the date the reply is "
            "due by law (one month, Art 12(3))",
            _acknowledgement,
        ),
        Letter(
            K.ID_REQUEST,
            "what proof of identity is needed and why (Art 12(6)); the month starts when it "
            "arrives; no copies of ID documents are kept",
            _id_request,
        ),
        Letter(
            K.CLARIFICATION,
            "what needs clarifying; the time limit is paused from the day of asking until the "
            "answer arrives (Art 12A); subject access only",
            _clarification,
        ),
        Letter(
            K.FEE,
            "the amount, its basis (manifestly unfounded or excessive, Art 12(5), with the "
            "reason; or further copies, Art 15(3)); the month starts when it is paid",
            _fee,
        ),
        Letter(
            K.EXTENSION,
            "the extension by two further months with the reasons (Art 12(3)), the original and "
            "the new date, the right to complain to the ICO and to seek a judicial remedy",
            _extension,
        ),
        Letter(
            K.REFUSAL,
            "the refusal, its reasons and basis (Art 12(5) or the DPA 2018 exemption), whether "
            "it is within the time limit, the right to complain to the ICO (with its contact "
            "details) and to seek a judicial remedy (Art 12(4), 77, 79)",
            _outcome(K.REFUSAL, Outcome.REFUSED),
        ),
        Letter(
            K.PARTIAL_REFUSAL,
            "what is provided and what is withheld, the reasons and basis, whether it is within "
            "the time limit, the ICO complaint right and contact, the judicial remedy",
            _outcome(K.PARTIAL_REFUSAL, Outcome.PARTIALLY_FULFILLED),
        ),
        Letter(
            K.NO_DATA,
            "that a search found no personal data about the requester, within the time limit, "
            "with the ICO complaint right and the judicial remedy",
            _outcome(K.NO_DATA, Outcome.NO_DATA_HELD),
        ),
        Letter(
            K.RESPONSE,
            "cover letter for the disclosure: what is enclosed (for access, the copy and the "
            "Art 15(1)-(2) information), the requester's other rights, the ICO complaint right",
            _response,
        ),
        Letter(
            K.COMPLAINT_ACKNOWLEDGEMENT,
            "the complaint was received (the date) and is being looked into, what happens "
            "next, and the right to complain to the ICO (DPA 2018 s.164A)",
            _complaint,
        ),
        Letter(
            K.CONSENT_WITHDRAWN,
            "consent was withdrawn and the processing based on it stopped (the date), Art 7(3)",
            _stopped(RequestType.CONSENT),
        ),
        Letter(
            K.MARKETING_STOPPED,
            "the objection to direct marketing was received and the marketing stopped (the "
            "date), Art 21(3)",
            _stopped(RequestType.OBJECTION),
        ),
    )
}

# The letters whose sending is the moment the law measures: ``/dsar sent`` sets that date.
TOLD_BY_LETTER = (K.EXTENSION, K.REFUSAL, K.PARTIAL_REFUSAL, K.COMPLAINT_ACKNOWLEDGEMENT)


def why_not(req: Request, kind: K, *, today: date) -> str | None:
    """Why ``req`` does not support a ``kind`` letter on ``today``, or None when it does."""
    return LETTERS[kind].check(req, today)


def told_late(req: Request, kind: K) -> bool:
    """Whether the letter that sets a told date went after the law's date for it."""
    if kind == K.EXTENSION:
        return rules.extension_told_late(req)
    if kind == K.COMPLAINT_ACKNOWLEDGEMENT:
        return rules.complaint_acknowledged_late(req)
    if kind in (K.REFUSAL, K.PARTIAL_REFUSAL):
        return rules.refusal_told_late(req)
    return False
