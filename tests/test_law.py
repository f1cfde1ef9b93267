"""Issue 9's workflow rules, as stories through the Desk (the console drives the same Desk).

The clock is Monday 2025-11-24 09:30 UTC (tests/conftest.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import audit, export, jobs
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from storage.db import transaction
from storage.enums import ExportKind
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock, database_state

ACCESS = '/dsar new access name="Ann" email=ann@example.com received={}'
ERASURE = '/dsar new erasure name="Ben" email=ben@example.com received={}'


async def _rows(
    sessions: async_sessionmaker[AsyncSession], kind: ExportKind = ExportKind.REQUESTS
) -> list[dict[str, str]]:
    async with transaction(sessions) as session:
        return list(await export.rows(session=session, kind=kind, personal=False))


async def _text(driver: Driver, line: str) -> str:
    return (await driver.ok(DPO, line)).reply.render_text()


# --- 2. clarification stops the clock only for subject access --------------------------------


async def test_clarification_pauses_access_but_not_erasure(driver: Driver) -> None:
    await driver.ok(STAFF, ACCESS.format("2025-11-20"))
    await driver.ok(STAFF, ERASURE.format("2025-11-20"))
    await driver.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-21")
    said = await driver.ok(PRIVACY, "/dsar clarify DSAR-0002 asked=2025-11-21")
    text = said.reply.render_text()
    assert "the deadline does not move" in text and "Art 12A" in text
    assert "still due Mon 22 Dec 2025" in text  # 20 Dec is a Saturday
    await driver.ok(PRIVACY, "/dsar resume DSAR-0001 received=2025-11-24")
    await driver.ok(PRIVACY, "/dsar resume DSAR-0002 received=2025-11-24")
    # access: 21-24 Nov paused (4 days): 20 Dec + 4 = Wed 24 Dec; erasure: unmoved
    assert "due Wed 24 Dec 2025" in await _text(driver, "/dsar show DSAR-0001")
    erasure = await _text(driver, "/dsar show DSAR-0002")
    assert "due Mon 22 Dec 2025" in erasure and "Clarification (clock ran on)" in erasure


async def test_erasure_awaiting_clarification_still_counts_down(driver: Driver) -> None:
    await driver.ok(STAFF, ERASURE.format("2025-10-20"))  # due Thu 20 Nov: overdue
    await driver.ok(PRIVACY, '/dsar clarify DSAR-0001 late-reason="missed it"')
    assert "DSAR-0001" in await _text(driver, "/dsar list overdue")


# --- 3. a fee only on a lawful basis ---------------------------------------------------------


async def test_fee_needs_a_lawful_basis(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, ACCESS.format("2025-11-20"))
    await driver.ok(STAFF, ERASURE.format("2025-11-20"))
    before = await database_state(sessions)
    refused = await driver.refused(PRIVACY, "/dsar fee DSAR-0001 amount=10")
    assert "Art 12(5)" in refused.reply.text and "Art 15(3)" in refused.reply.text
    refused = await driver.refused(PRIVACY, "/dsar fee DSAR-0001 amount=10 basis=excessive")
    assert 'reason="…"' in refused.reply.text
    refused = await driver.refused(PRIVACY, "/dsar fee DSAR-0002 amount=10 basis=copies")
    assert "further copies" in refused.reply.text
    await driver.refused(PRIVACY, "/dsar fee DSAR-0001 amount=10 basis=cheap")
    assert await database_state(sessions) == before
    await driver.ok(PRIVACY, "/dsar fee DSAR-0001 amount=10 basis=copies")
    await driver.ok(PRIVACY, '/dsar fee DSAR-0002 amount=25 basis=unfounded reason="10th copy"')
    assert "£10.00 (copies)" in await _text(driver, "/dsar show DSAR-0001")
    row = {r["reference"]: r for r in await _rows(sessions)}
    assert (row["DSAR-0001"]["fee_basis"], row["DSAR-0002"]["fee_basis"]) == ("copies", "unfounded")


# --- 6. late actions are flagged, never rewarded -----------------------------------------------


async def test_asking_for_identity_after_the_deadline_keeps_the_request_overdue(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, ACCESS.format("2025-10-01"))  # due Mon 3 Nov (1 Nov a Saturday)
    before = await database_state(sessions)
    refused = await driver.refused(PRIVACY, "/dsar ask-id DSAR-0001")
    assert "late (the deadline 2025-11-03 had already passed)" in refused.reply.text
    assert 'late-reason="…"' in refused.reply.text
    assert await database_state(sessions) == before
    await driver.ok(PRIVACY, '/dsar ask-id DSAR-0001 late-reason="no ID on file"')
    assert "DSAR-0001" in await _text(driver, "/dsar list overdue")
    shown = await _text(driver, "/dsar show DSAR-0001")
    assert "Late action" in shown and "no ID on file" in shown
    summary = await _text(driver, "/dsar summary")
    assert "Overdue                          1" in summary
    assert "Late actions flagged             1" in summary
    # Identity arrives: a fresh clock start would be 24 Dec, but the request was already late.
    await driver.ok(PRIVACY, "/dsar verify DSAR-0001 method=document_seen")
    assert "DSAR-0001" in await _text(driver, "/dsar list overdue")
    assert "due Mon 3 Nov 2025 (21 days overdue)" in await _text(driver, "/dsar show DSAR-0001")
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled")
    [row] = await _rows(sessions)
    assert (row["on_time"], row["deadline"]) == ("no", "2025-11-03")
    assert "On time (closed, last 365 days)  0%" in await _text(driver, "/dsar summary")


async def test_clarification_long_after_receipt_needs_a_reason(driver: Driver) -> None:
    await driver.ok(STAFF, ACCESS.format("2025-11-10"))  # due 10 Dec: not yet late
    refused = await driver.refused(PRIVACY, "/dsar clarify DSAR-0001")
    assert "14 days after receipt (more than 7)" in refused.reply.text
    await driver.ok(PRIVACY, "/dsar clarify DSAR-0001 asked=2025-11-17")  # day 7: in time
    assert "Late action" not in await _text(driver, "/dsar show DSAR-0001")


async def test_late_action_days_is_configurable(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, sender: Sender, policy: Policy
) -> None:
    lenient = Driver(
        Desk(
            sessions=sessions,
            clock=clock,
            policy=replace(policy, late_action_days=20),
            sender=sender,
        )
    )
    await lenient.ok(STAFF, ACCESS.format("2025-11-10"))
    await lenient.ok(PRIVACY, "/dsar ask-id DSAR-0001")  # 14 days: within 20


# --- 7. refusals --------------------------------------------------------------------------------


async def test_refusal_records_basis_and_the_right_to_complain(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, ACCESS.format("2025-11-20"))
    await driver.ok(STAFF, ACCESS.format("2025-10-01"))  # due 3 Nov
    refused = await driver.refused(PRIVACY, '/dsar close DSAR-0001 outcome=refused reason="x"')
    assert "basis=unfounded|excessive|exemption" in refused.reply.text
    refused = await driver.refused(
        PRIVACY, '/dsar close DSAR-0001 outcome=partially_fulfilled reason="x" basis=exemption'
    )
    assert 'exemption="…"' in refused.reply.text
    await driver.refused(PRIVACY, "/dsar close DSAR-0001 outcome=partially_fulfilled")
    await driver.refused(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled basis=unfounded")
    done = await driver.ok(
        PRIVACY,
        '/dsar close DSAR-0001 outcome=partially_fulfilled reason="third-party data withheld" '
        'basis=exemption exemption="DPA 2018 Sch 2 para 16" told=2025-11-21',
    )
    text = done.reply.render_text()
    assert "exemption (DPA 2018 Sch 2 para 16)" in text and "Fri 21 Nov 2025" in text
    assert "recorded as late" not in text
    late = await driver.ok(
        PRIVACY,
        '/dsar close DSAR-0002 outcome=refused reason="repeat" basis=excessive told=2025-11-20',
    )
    assert "after the deadline (Mon 3 Nov 2025): recorded as late" in late.reply.render_text()
    rows = {r["reference"]: r for r in await _rows(sessions)}
    assert (rows["DSAR-0001"]["refusal_basis"], rows["DSAR-0001"]["refusal_told_late"]) == (
        "exemption", "no",
    )  # fmt: skip
    assert rows["DSAR-0001"]["refusal_exemption"] == "DPA 2018 Sch 2 para 16"
    assert (rows["DSAR-0002"]["refusal_told_late"], rows["DSAR-0002"]["on_time"]) == ("yes", "no")


# --- 8. act-at-once rights ------------------------------------------------------------------------


async def test_consent_withdrawal_takes_effect_at_once(driver: Driver) -> None:
    opened = await driver.ok(STAFF, '/dsar new consent name="C" email=c@example.com')
    receipt = opened.reply.render_text()
    assert "takes effect at once: stop the processing today" in receipt
    assert "the reply is still due Wed 24 Dec 2025" in receipt
    assert [m.to for m in opened.direct] == [DPO]  # the DPO is nudged the same day
    assert "Withdrawal of consent" in opened.direct[0].reply.text
    await driver.refused(PRIVACY, "/dsar stopped DSAR-0001 on=2025-11-25")  # in the future
    await driver.ok(PRIVACY, "/dsar stopped DSAR-0001")
    shown = await _text(driver, "/dsar show DSAR-0001")
    assert "processing stopped Mon 24 Nov 2025" in shown and "due Wed 24 Dec 2025" in shown
    await driver.refused(PRIVACY, "/dsar stopped DSAR-0001")  # already recorded


async def test_marketing_objection_is_act_at_once_but_access_is_not(driver: Driver) -> None:
    opened = await driver.ok(STAFF, '/dsar new objection name="D" email=d@example.com')
    assert "objection to direct marketing takes effect at once" in opened.reply.render_text()
    plain = await driver.ok(STAFF, ACCESS.format("2025-11-20"))
    assert "at once" not in plain.reply.render_text() and not plain.direct
    refused = await driver.refused(PRIVACY, "/dsar stopped DSAR-0002")
    assert "consent withdrawal" in refused.reply.text


# --- 9. recipients told (Art 19) ----------------------------------------------------------------


async def test_closing_an_erasure_asks_whether_recipients_were_told(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, ERASURE.format("2025-11-20"))
    await driver.ok(STAFF, ACCESS.format("2025-11-20"))
    refused = await driver.refused(PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled")
    assert "Art 19" in refused.reply.text and "recipients=told|none" in refused.reply.text
    await driver.refused(PRIVACY, "/dsar close DSAR-0002 outcome=fulfilled recipients=told")
    done = await driver.ok(
        PRIVACY, "/dsar close DSAR-0001 outcome=fulfilled recipients=disproportionate"
    )
    assert "disproportionate" in done.reply.render_text()
    await driver.ok(PRIVACY, "/dsar close DSAR-0002 outcome=fulfilled")
    rows = {r["reference"]: r for r in await _rows(sessions)}
    assert rows["DSAR-0001"]["recipients_told"] == "disproportionate"
    assert rows["DSAR-0002"]["recipients_told"] == ""


# --- 10. PECR breaches --------------------------------------------------------------------------

BREACH = '/breach new aware="2025-11-24T08:00" summary="misdirected bill"'


async def test_a_pecr_breach_is_always_notified(
    driver: Driver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await driver.ok(STAFF, BREACH + " pecr=yes")
    await driver.ok(STAFF, BREACH)
    await driver.refused(STAFF, BREACH + " pecr=maybe")
    assessed = await driver.ok(PRIVACY, "/breach assess BREACH-0001 risk=low")
    assert "PECR: tell the subscribers" in assessed.reply.render_text()
    await driver.ok(PRIVACY, "/breach assess BREACH-0001 risk=none")
    refused = await driver.refused(PRIVACY, '/breach not-reportable BREACH-0001 reason="x"')
    assert "PECR reg 5A" in refused.reply.text and "whatever the risk" in refused.reply.text
    await driver.ok(PRIVACY, "/breach assess BREACH-0002 risk=none")
    await driver.ok(PRIVACY, '/breach not-reportable BREACH-0002 reason="encrypted"')
    assert "Thu 27 Nov 2025 08:00 GMT" in await _text(driver, "/breach show BREACH-0001")
    assert "PECR reg 5A" in await _text(driver, "/breach show BREACH-0001")
    await driver.ok(PRIVACY, "/breach ico BREACH-0001 case=IC-7")
    rows = {r["reference"]: r for r in await _rows(sessions, ExportKind.BREACHES)}
    assert rows["BREACH-0001"]["regime"] == "PECR reg 5A"
    assert rows["BREACH-0002"]["regime"] == "UK GDPR Art 33"


async def test_pecr_provider_makes_pecr_the_default(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, sender: Sender, policy: Policy
) -> None:
    telco = Driver(
        Desk(
            sessions=sessions,
            clock=clock,
            policy=replace(policy, pecr_provider=True),
            sender=sender,
        )
    )
    await telco.ok(STAFF, BREACH)
    await telco.ok(STAFF, BREACH + " pecr=no")
    rows = {r["reference"]: r["regime"] for r in await _rows(sessions, ExportKind.BREACHES)}
    assert rows == {"BREACH-0001": "PECR reg 5A", "BREACH-0002": "UK GDPR Art 33"}


# --- 11. the breach register survives retention (Art 33(5)) ----------------------------------


async def test_retention_keeps_the_breach_register_and_erases_only_marked_names(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    await driver.ok(
        STAFF,
        '/breach new aware="2025-11-24T08:00" summary="[[Jane Doe]] emailed the payroll file to '
        '[[J. Smith]] at a supplier" data="salary, bank details" people="employees" subjects=40 '
        'consequences="fraud risk" measures="recall requested, file deleted by recipient"',
    )
    await driver.ok(PRIVACY, "/breach assess BREACH-0001 risk=low")
    await driver.ok(PRIVACY, "/breach ico BREACH-0001 case=IC-1 at=2025-11-24T09:00")
    await driver.ok(PRIVACY, "/breach close BREACH-0001")
    clock.current = datetime(2031, 11, 26, 12, 0, tzinfo=UTC)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 1
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 0
    async with transaction(sessions) as session:
        [row] = list(await export.rows(session=session, kind=ExportKind.BREACHES, personal=True))
        report = await audit.verify(session=session)
    assert row["summary"] == (
        "[name erased] emailed the payroll file to [name erased] at a supplier"
    )
    assert (row["data_categories"], row["people_categories"]) == (
        "salary, bank details",
        "employees",
    )
    assert (row["consequences"], row["people_affected"]) == ("fraud risk", "40")
    assert row["measures"] == "recall requested, file deleted by recipient"
    assert "Jane" not in str(row) and "Smith" not in str(row)
    assert report.ok, report.problems
