"""``handlers.next_step``: what is due next on a ticket and the command for it (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.next_step import next_step
from storage.enums import BreachState, RequestState, RequestType
from storage.models import Breach, Request

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _request(**changes: Any) -> Request:
    values: dict[str, Any] = {
        "ref": "DSAR-0007",
        "type": RequestType.ACCESS,
        "state": RequestState.IN_PROGRESS,
        "via": "email",
        "received": date(2026, 3, 1),
        "calendar": "GB-ENG",
        "created_by": "console:operator",
        "created_at": NOW,
        "due": date(2026, 4, 1),
        **changes,
    }
    return Request(**values)


def _breach(**changes: Any) -> Breach:
    aware = NOW - timedelta(hours=10)
    values: dict[str, Any] = {
        "ref": "BREACH-0003",
        "state": BreachState.OPEN,
        "aware_at": aware,
        "ico_due": aware + timedelta(hours=72),
        "created_by": "console:operator",
        "created_at": aware,
        **changes,
    }
    return Breach(**values)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "send the reply by Wed 1 Apr 2026: /dsar close DSAR-0007 outcome=…"),
        (
            {"internal_target": date(2026, 3, 27)},
            "send the reply by Fri 27 Mar 2026: /dsar close DSAR-0007 outcome=…",
        ),
        (
            {"due": date(2026, 2, 27)},
            "send the reply (overdue) by Fri 27 Feb 2026: /dsar close DSAR-0007 outcome=…",
        ),
        (
            {"state": RequestState.AWAITING_ID, "due": None},
            "record the ID check when it arrives: /dsar verify DSAR-0007 method=…",
        ),
        (
            {"state": RequestState.AWAITING_FEE},
            "record the fee when it is paid: /dsar fee-paid DSAR-0007",
        ),
        (
            {"state": RequestState.AWAITING_CLARIFICATION},
            "record the requester's answer: /dsar resume DSAR-0007",
        ),
        (
            {"type": RequestType.CONSENT},
            "stop the processing by Mon 2 Mar 2026: /dsar stopped DSAR-0007",
        ),
        (  # the letters issue: the acknowledgement is a letter, recorded as sent
            {"type": RequestType.COMPLAINT},
            "send the complaint acknowledgement by Wed 1 Apr 2026: /dsar letter DSAR-0007 "
            "complaint-acknowledgement, then /dsar sent DSAR-0007 complaint-acknowledgement",
        ),
        (  # once sent, the outcome is what is due, without a statutory date
            {"type": RequestType.COMPLAINT, "acknowledged_on": NOW.date()},
            "tell the complainant the outcome: /dsar close DSAR-0007 outcome=…",
        ),
    ],
)  # fmt: skip
def test_request_next_steps(changes: dict[str, Any], expected: str) -> None:
    step = next_step(_request(**changes), NOW, TZ)
    assert step is not None and step.text(TZ) == expected


def test_a_closed_ticket_has_no_next_step() -> None:
    assert next_step(_request(state=RequestState.CLOSED), NOW, TZ) is None
    assert next_step(_breach(state=BreachState.CLOSED), NOW, TZ) is None


def test_breach_steps_in_order() -> None:
    breach = _breach()
    step = next_step(breach, NOW, TZ)
    assert step is not None and step.text(TZ).startswith(
        "assess the risk by Thu 5 Mar 2026 00:00 GMT: /breach assess BREACH-0003"
    )
    breach.risk = "none"
    step = next_step(breach, NOW, TZ)
    assert step is not None and "or /breach not-reportable BREACH-0003" in step.command
    breach.risk, breach.ico_notified_at = "high", breach.ico_due + timedelta(hours=1)
    breach.state = BreachState.REPORTED
    step = next_step(breach, NOW, TZ)
    assert step is not None and step.command == '/breach delay-reason BREACH-0003 "…"'
    breach.delay_reason = "x"
    step = next_step(breach, NOW, TZ)
    assert step is not None and step.command == "/breach tell-subjects BREACH-0003"
    breach.subjects_told_at = NOW
    step = next_step(breach, NOW, TZ)
    assert step is not None and step.command == "/breach close BREACH-0003"
