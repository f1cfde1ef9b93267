"""Issue 12: one letter of each kind, drafted through the Desk for a realistic ticket, with the
content the law requires; and what ``/dsar sent`` records.

The clock is Monday 2025-11-24 09:30 UTC (tests/conftest.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from storage.db import transaction
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock, database_state

ORG, CONTACT = "Acme Training Ltd", "dpo@acme.example, 1 High Street, Leeds LS1 1AA"
NEW = '/dsar new {kind} name="Jane Doe" email=jane@example.com received={received}'
ICO = (
    "Information Commissioner's Office",
    "Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF",
    "0303 123 1113",
    "ico.org.uk/make-a-complaint",
)
JUDICIAL = ("judicial remedy", "Article 79")


@pytest.fixture
def letters(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, sender: Sender, policy: Policy
) -> Driver:
    org = replace(policy, org_name=ORG, org_contact=CONTACT)
    return Driver(Desk(sessions=sessions, clock=clock, policy=org, sender=sender))


async def open_request(driver: Driver, kind: str = "access", received: str = "2025-11-20") -> None:
    await driver.ok(STAFF, NEW.format(kind=kind, received=received))


async def draft(driver: Driver, line: str, *, by: object = DPO) -> str:
    """The letter ``line`` drafts: it reaches the drafter only, as a direct message."""
    outcome = await driver.ok(by, line)  # type: ignore[arg-type]
    assert "Jane" not in outcome.reply.render_text() and not outcome.reply.personal
    assert not outcome.posts
    [dm] = outcome.direct
    assert dm.to == by and dm.reply.preformatted is not None
    text = dm.reply.preformatted
    has_all(text, "Dear Jane Doe", "DSAR-0001", ORG, CONTACT, "Monday 24 November 2025")
    return text


def has_all(text: str, *parts: str) -> None:
    flat = " ".join(text.split())  # plain text is wrapped: compare words, not lines
    missing = [p for p in parts if " ".join(p.split()) not in flat]
    assert not missing, (missing, text)


async def test_acknowledgement_gives_receipt_right_and_due_date(letters: Driver) -> None:
    await open_request(letters)
    text = await draft(letters, "/dsar letter DSAR-0001 acknowledgement")
    has_all(
        text,
        "Thursday 20 November 2025",
        "the right of access, Article 15 UK GDPR",
        "within one month",
        "Monday 22 December 2025",  # 20 Dec 2025 is a Saturday
    )


async def test_id_request_explains_why_and_when_the_clock_starts(letters: Driver) -> None:
    await open_request(letters)
    refused = await letters.refused(DPO, "/dsar letter DSAR-0001 id-request")
    assert "/dsar ask-id DSAR-0001" in refused.reply.text
    await letters.ok(PRIVACY, "/dsar ask-id DSAR-0001")
    text = await draft(letters, "/dsar letter DSAR-0001 id-request")
    has_all(text, "Article 12(6)", "we do not keep a copy", "begins on the day we receive")


async def test_clarification_is_for_subject_access_only_and_pauses(letters: Driver) -> None:
    await open_request(letters)
    await open_request(letters, "erasure")
    await letters.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-21")
    await letters.ok(PRIVACY, "/dsar clarify DSAR-0002 asked=2025-11-21")
    text = await draft(letters, "/dsar letter DSAR-0001 clarification")
    has_all(text, "Article 12A", "from Friday 21 November 2025 until the day we receive")
    refused = await letters.refused(DPO, "/dsar letter DSAR-0002 clarification")
    assert "subject access requests only" in refused.reply.text


async def test_fee_states_amount_basis_reason_and_clock(letters: Driver) -> None:
    await open_request(letters)
    await letters.refused(DPO, "/dsar letter DSAR-0001 fee")
    await letters.ok(
        PRIVACY,
        '/dsar fee DSAR-0001 amount=25 basis=excessive reason="The fifth identical request"',
    )
    text = await draft(letters, "/dsar letter DSAR-0001 fee")
    has_all(
        text,
        "£25.00",
        "manifestly excessive (Article 12(5) UK GDPR)",
        "The fifth identical request",
        "begins on the day we receive payment",
        *ICO,
    )


async def test_extension_gives_reasons_both_dates_and_the_complaint_rights(
    letters: Driver,
) -> None:
    await open_request(letters)
    refused = await letters.refused(DPO, "/dsar letter DSAR-0001 extension")
    assert "/dsar extend DSAR-0001" in refused.reply.text
    await letters.ok(PRIVACY, '/dsar extend DSAR-0001 reason="Ten years of records in 4 systems"')
    text = await draft(letters, "/dsar letter DSAR-0001 extension")
    has_all(
        text,
        "Article 12(3)",
        "Ten years of records in 4 systems",
        "Monday 22 December 2025",
        "respond by Friday 20 February 2026",
        *ICO,
        *JUDICIAL,
    )


async def test_no_extension_letter_for_a_ticket_that_cannot_be_extended(
    letters: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await open_request(letters, received="2025-10-01")  # notice was due Mon 3 Nov 2025
    await open_request(letters, "complaint")
    before = await database_state(sessions)
    refused = await letters.refused(DPO, "/dsar letter DSAR-0001 extension")
    assert "cannot be extended" in refused.reply.text and "2025-11-03" in refused.reply.text
    refused = await letters.refused(DPO, "/dsar letter DSAR-0002 extension")
    assert "complaints cannot be extended" in refused.reply.text
    assert await database_state(sessions) == before


CLOSE_REFUSED = (
    '/dsar close DSAR-0001 outcome=refused reason="You have asked for the same records three '
    'times this month" basis=excessive'
)


async def test_refusal_states_reasons_basis_ico_judicial_remedy_and_time(
    letters: Driver,
) -> None:
    await open_request(letters)
    await letters.refused(DPO, "/dsar letter DSAR-0001 refusal")
    await letters.ok(PRIVACY, CLOSE_REFUSED)
    text = await draft(letters, "/dsar letter DSAR-0001 refusal")
    has_all(
        text,
        "not able to comply",
        "the same records three times this month",
        "manifestly excessive (Article 12(5) UK GDPR)",
        "within the time limit the law allows, which ends on Monday 22 December 2025",
        *ICO,
        *JUDICIAL,
        "Article 77",
    )


async def test_a_late_refusal_letter_does_not_claim_to_be_in_time(letters: Driver) -> None:
    await open_request(letters, received="2025-10-01")  # due Mon 3 Nov 2025: overdue
    await letters.ok(PRIVACY, CLOSE_REFUSED)
    text = await draft(letters, "/dsar letter DSAR-0001 refusal")
    has_all(text, "later than the law allows: it was due by Monday 3 November 2025", *ICO)
    assert "within the time limit" not in text


async def test_partial_refusal_names_the_exemption(letters: Driver) -> None:
    await open_request(letters)
    await letters.ok(
        PRIVACY,
        '/dsar close DSAR-0001 outcome=partially_fulfilled reason="Some records name other '
        'pupils" basis=exemption exemption="DPA 2018 Sch 2 para 16"',
    )
    text = await draft(letters, "/dsar letter DSAR-0001 partial-refusal")
    has_all(
        text,
        "We enclose the information we are able to give you",
        "Some records name other pupils",
        "an exemption in the Data Protection Act 2018 applies (DPA 2018 Sch 2 para 16)",
        "within the time limit",
        *ICO,
        *JUDICIAL,
    )


async def test_no_data_letter(letters: Driver) -> None:
    await open_request(letters)
    await letters.ok(PRIVACY, "/dsar close DSAR-0001 outcome=no_data_held")
    text = await draft(letters, "/dsar letter DSAR-0001 no-data")
    has_all(text, "we do not hold any personal data about you", "within the time limit", *ICO)


async def test_response_lists_the_enclosures_and_rights(letters: Driver) -> None:
    await open_request(letters)
    await open_request(letters, "erasure")
    await letters.ok(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled")
    text = await draft(letters, "/dsar letter DSAR-0001 response")
    has_all(
        text,
        "We enclose",
        "a copy of the personal data about you that we hold (Article 15(3) UK GDPR)",
        "how long we will keep it",
        "Article 15(1) and (2)",
        "to erase it (Article 17)",
        *ICO,
    )
    await letters.ok(PRIVACY, "/dsar close DSAR-0002 outcome=fulfilled recipients=told")
    outcome = await letters.ok(DPO, "/dsar letter DSAR-0002 response")
    erasure = outcome.direct[0].reply.preformatted or ""
    has_all(erasure, "Article 17 UK GDPR", "Article 19 UK GDPR")
    assert "We enclose" not in erasure


async def test_complaint_acknowledgement_cites_s164a_for_complaints_after_19_june_2026(
    letters: Driver, clock: FakeClock
) -> None:
    await open_request(letters, "complaint")  # 2025: before s.164A, no statutory date
    old = await draft(letters, "/dsar letter DSAR-0001 complaint-acknowledgement")
    has_all(old, "received on Thursday 20 November 2025", *ICO[:3])
    assert "164A" not in old
    refused = await letters.refused(DPO, "/dsar letter DSAR-0001 acknowledgement")
    assert "complaint-acknowledgement" in refused.reply.text
    clock.current = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    await open_request(letters, "complaint", received="2026-06-25")
    outcome = await letters.ok(DPO, "/dsar letter DSAR-0002 complaint-acknowledgement")
    # 30 days beginning the day after receipt: Sat 25 Jul 2026, rolled to Mon 27 Jul 2026
    has_all(
        outcome.direct[0].reply.preformatted or "",
        "received on Thursday 25 June 2026",
        "section 164A of the Data Protection Act 2018",
        "within 30 days (by Monday 27 July 2026)",
    )


async def test_consent_withdrawn_and_marketing_stopped_give_the_date(letters: Driver) -> None:
    await open_request(letters, "consent")
    await open_request(letters, "objection")
    refused = await letters.refused(DPO, "/dsar letter DSAR-0001 consent-withdrawn")
    assert "/dsar stopped DSAR-0001" in refused.reply.text
    await letters.refused(DPO, "/dsar letter DSAR-0001 marketing-stopped")
    await letters.ok(PRIVACY, "/dsar stopped DSAR-0001 on=2025-11-21")
    await letters.ok(PRIVACY, "/dsar stopped DSAR-0002 on=2025-11-20")
    text = await draft(letters, "/dsar letter DSAR-0001 consent-withdrawn")
    has_all(text, "stopped", "on Friday 21 November 2025", "Article 7(3)")
    outcome = await letters.ok(DPO, "/dsar letter DSAR-0002 marketing-stopped")
    has_all(
        outcome.direct[0].reply.preformatted or "",
        "direct marketing on Thursday 20 November 2025",
        "Article 21(3)",
        "suppression list",
    )


async def test_staff_may_not_draft_and_nothing_is_sent(letters: Driver) -> None:
    await open_request(letters)
    refused = await letters.refused(STAFF, "/dsar letter DSAR-0001 acknowledgement")
    assert "only the privacy team" in refused.reply.text


async def test_markdown_format_and_the_audit_chain(
    letters: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await open_request(letters)
    outcome = await letters.ok(DPO, "/dsar letter DSAR-0001 acknowledgement format=markdown")
    text = outcome.direct[0].reply.preformatted or ""
    assert "## Your request" in text and "**Our reference: DSAR-0001**" in text
    await letters.refused(DPO, "/dsar letter DSAR-0001 acknowledgement format=docx")
    async with transaction(sessions) as session:
        assert (await audit.verify(session=session)).ok


async def test_no_letter_text_reaches_the_logs(
    letters: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for ours in ("bot", "handlers", "storage"):
        caplog.set_level(logging.DEBUG, logger=ours)
    await open_request(letters)
    await letters.ok(DPO, "/dsar letter DSAR-0001 acknowledgement")
    await letters.ok(DPO, "/dsar sent DSAR-0001 acknowledgement via=post")
    logged = [r.getMessage() for r in caplog.records if r.name.split(".")[0] != "aiosqlite"]
    assert any("DraftLetter" in line for line in logged)
    assert not any("Jane" in line or "Dear" in line for line in logged)
