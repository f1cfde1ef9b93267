"""``letter_due``: the letter a ticket waits for, as a pure function for the next-step line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.letters.due import LetterDue, letter_due
from storage.enums import LetterKind as K
from storage.enums import Outcome, RequestState, RequestType
from storage.models import Request

TODAY = date(2026, 3, 20)


def ticket(**facts: object) -> Request:
    values: dict[str, object] = {
        "ref": "DSAR-0007",
        "type": RequestType.ACCESS,
        "state": RequestState.IN_PROGRESS,
        "via": "email",
        "received": date(2026, 3, 3),
        "calendar": "GB-ENG",
        "created_by": "slack:U1",
        "created_at": datetime(2026, 3, 3, tzinfo=UTC),
        "base_due": date(2026, 4, 3),
        "due": date(2026, 4, 3),
        "extension_notice_by": date(2026, 4, 3),
        "extended_due": date(2026, 6, 3),
    }
    return Request.model_validate(values | facts)


def test_an_extended_request_waits_for_its_extension_notice() -> None:
    due = letter_due(ticket(extended=True), today=TODAY)
    assert due == LetterDue(K.EXTENSION, date(2026, 4, 3), "/dsar letter DSAR-0007 extension")
    assert due.hint() == "send the extension notice by Fri 3 Apr"
    assert letter_due(ticket(extended=True), today=TODAY, sent={K.EXTENSION}) is None


def test_a_running_request_with_nothing_to_tell_needs_no_letter() -> None:
    assert letter_due(ticket(), today=TODAY) is None


@pytest.mark.parametrize(
    ("facts", "kind", "by"),
    [
        ({"state": RequestState.AWAITING_ID, "identity_asked_on": date(2026, 3, 4)},
         K.ID_REQUEST, date(2026, 3, 4)),
        ({"state": RequestState.AWAITING_CLARIFICATION,
          "clarification_asked_on": date(2026, 3, 5)}, K.CLARIFICATION, date(2026, 3, 5)),
        ({"state": RequestState.AWAITING_FEE, "fee_asked_on": date(2026, 3, 6)},
         K.FEE, date(2026, 3, 6)),
        ({"state": RequestState.CLOSED, "outcome": Outcome.REFUSED}, K.REFUSAL, date(2026, 4, 3)),
        ({"state": RequestState.CLOSED, "outcome": Outcome.PARTIALLY_FULFILLED},
         K.PARTIAL_REFUSAL, date(2026, 4, 3)),
        ({"state": RequestState.CLOSED, "outcome": Outcome.NO_DATA_HELD},
         K.NO_DATA, date(2026, 4, 3)),
        ({"state": RequestState.CLOSED, "outcome": Outcome.FULFILLED},
         K.RESPONSE, date(2026, 4, 3)),
        ({"type": RequestType.CONSENT, "processing_stopped_on": date(2026, 3, 3)},
         K.CONSENT_WITHDRAWN, date(2026, 4, 3)),
        ({"type": RequestType.OBJECTION, "processing_stopped_on": date(2026, 3, 3)},
         K.MARKETING_STOPPED, date(2026, 4, 3)),
        ({"type": RequestType.COMPLAINT, "base_due": date(2026, 4, 2)},
         K.COMPLAINT_ACKNOWLEDGEMENT, date(2026, 4, 2)),
    ],
)  # fmt: skip
def test_the_letter_each_state_waits_for(facts: dict[str, object], kind: K, by: date) -> None:
    due = letter_due(ticket(**facts), today=TODAY)
    assert due is not None and (due.kind, due.by) == (kind, by)
    assert due.command == f"/dsar letter DSAR-0007 {kind}"
    assert letter_due(ticket(**facts), today=TODAY, sent={kind}) is None


def test_no_letter_for_a_withdrawn_request_or_an_acknowledged_complaint() -> None:
    withdrawn = ticket(state=RequestState.CLOSED, outcome=Outcome.WITHDRAWN)
    assert letter_due(withdrawn, today=TODAY) is None
    acknowledged = ticket(type=RequestType.COMPLAINT, acknowledged_on=date(2026, 3, 4))
    assert letter_due(acknowledged, today=TODAY) is None
    old_complaint = ticket(type=RequestType.COMPLAINT, base_due=None)  # before s.164A
    assert letter_due(old_complaint, today=TODAY) is None
