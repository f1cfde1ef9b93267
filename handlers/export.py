"""The registers a DPO hands the ICO: the DSAR log and the breach register (Art 33(5)).

Rows hold no personal data unless ``personal=True`` is asked for explicitly. Which columns are
personal is not decided here: ``storage.personal`` lists them (every free-text field, reasons
included), and the personal columns are appended from that list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import export_searches as searches
from handlers import rules
from handlers.deadlines import (
    EXTENSION_MONTHS,
    clarification_pauses,
    counted_pause_days,
    local_day,
)
from handlers.deadlines import Pause as Span
from storage import personal as pii
from storage import repositories as repo
from storage.enums import ExportKind, RequestType
from storage.models import Breach, Pause, Request
from storage.repositories import search_tasks as tasks_repo

REQUEST_COLUMNS = (
    "reference",
    "type",
    "state",
    "received",
    "via",
    "identity_asked",
    "identity_received",
    "identity_method",
    "fee",
    "fee_paid",
    "clock_start",
    "paused",
    "paused_days",
    "deadline",
    "one_month_deadline",
    "extension_notice_by",
    "extended",
    "extended_deadline",
    "extension_told",
    "outcome",
    "refusal_right_to_complain_told",
    "closed",
    "on_time",
    "assignee",
    "fee_basis",
    "refusal_basis",
    "refusal_exemption",
    "refusal_told_late",
    "processing_stopped",
    "recipients_told",
    "extension_told_late",
    "complaint_acknowledged",
    "complaint_acknowledged_late",
    "origin_enterprise",  # issue 15: the Slack workspace (and Grid org) it was logged from
    "origin_team",
)
REQUEST_PERSONAL = tuple(f.export_name for f in pii.REQUEST_FIELDS)
BREACH_COLUMNS = (
    "reference",
    "state",
    "aware_at",
    "occurred_at",
    "ico_due",
    "risk",
    "people_affected",
    "records_affected",
    "ico_decision",
    "ico_case_reference",
    "ico_notified_at",
    "reported_within_72h",
    "subjects_told_at",
    "closed_at",
    "regime",
    "origin_enterprise",
    "origin_team",
)
# A spreadsheet runs a cell starting with any of these as a formula (CSV injection): Excel and
# LibreOffice take = + - @, Excel's DDE also | and %, and a leading tab or CR hides the rest.
FORMULA_START = ("=", "+", "-", "@", "|", "%", "\t", "\r")
BREACH_PERSONAL = tuple(f.export_name for f in pii.BREACH_FIELDS)


def _personal(ticket: Request | Breach, fields: tuple[pii.PersonalField, ...]) -> dict[str, object]:
    return {f.export_name: getattr(ticket, f.column) for f in fields}


def formula_like(text: str) -> bool:
    """Would a spreadsheet run this text as a formula?"""
    return text.startswith(FORMULA_START)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and formula_like(text) else text


def request_row(req: Request, pauses: list[Pause], *, personal: bool) -> dict[str, str]:
    return {key: _cell(value) for key, value in request_values(req, pauses, personal).items()}


def breach_row(breach: Breach, *, personal: bool) -> dict[str, str]:
    return {key: _cell(value) for key, value in breach_values(breach, personal).items()}


def request_values(req: Request, pauses: list[Pause], personal: bool) -> dict[str, object]:
    """One request's export columns as typed values (dates, numbers, booleans, text)."""
    closed = req.closed_on
    on_time = None if closed is None else rules.is_on_time(req)
    counted = (
        counted_pause_days(
            clock_start=req.clock_start,
            pauses=[Span(p.asked_on, p.answered_on) for p in pauses],
            months=EXTENSION_MONTHS if req.extended else 1,
        )
        if req.clock_start is not None and clarification_pauses(req.type)
        else 0
    )
    values: dict[str, object] = {
        "reference": req.ref,
        "type": req.type,
        "state": req.state,
        "received": req.received,
        "via": req.via,
        "identity_asked": req.identity_asked_on,
        "identity_received": req.identity_received_on,
        "identity_method": req.identity_method,
        "fee": None if req.fee_pence is None else f"{req.fee_pence / 100:.2f}",
        "fee_paid": req.fee_paid_on,
        "clock_start": req.clock_start,
        "paused": "; ".join(
            f"{p.asked_on.isoformat()}..{p.answered_on.isoformat()}" for p in pauses
        ),
        "paused_days": counted,  # the paused days that moved the deadline (Art 12A(5))
        "deadline": req.due,
        "one_month_deadline": req.base_due,
        "extension_notice_by": req.extension_notice_by,
        "extended": req.extended,
        "extended_deadline": req.extended_due if req.extended else None,
        "extension_told": req.extension_told_on,
        "outcome": req.outcome,
        "refusal_right_to_complain_told": req.complaint_right_told_on,
        "closed": closed,
        "on_time": on_time,
        "assignee": req.assignee,
        "fee_basis": req.fee_basis,
        "refusal_basis": req.refusal_basis,
        "refusal_exemption": req.refusal_exemption,
        "refusal_told_late": rules.refusal_told_late(req) if req.refusal_basis else None,
        "processing_stopped": req.processing_stopped_on,
        "recipients_told": req.recipients_told,
        # issue 12: the dates letters set (``/dsar sent``)
        "extension_told_late": rules.extension_told_late(req) if req.extended else None,
        "complaint_acknowledged": req.acknowledged_on,
        "complaint_acknowledged_late": rules.complaint_acknowledged_late(req)
        if req.type == RequestType.COMPLAINT
        else None,
        "origin_enterprise": req.origin_enterprise,
        "origin_team": req.origin_team,
    }
    if personal:
        values |= _personal(req, pii.REQUEST_FIELDS)
    return values


def breach_values(breach: Breach, personal: bool) -> dict[str, object]:
    """One breach's register columns as typed values."""
    if breach.ico_notified_at is not None:
        decision: str | None = "notified"
    elif breach.not_reportable_reason is not None:
        decision = "not_reportable"
    else:
        decision = None
    within = None if breach.ico_notified_at is None else not rules.is_late(breach)
    values: dict[str, object] = {
        "reference": breach.ref,
        "state": breach.state,
        "aware_at": breach.aware_at,
        "occurred_at": breach.occurred_at,
        "ico_due": breach.ico_due,
        "risk": breach.risk,
        "people_affected": breach.subjects_count,
        "records_affected": breach.records_count,
        "ico_decision": decision,
        "ico_case_reference": breach.ico_case_ref,
        "ico_notified_at": breach.ico_notified_at,
        "reported_within_72h": within,
        "subjects_told_at": breach.subjects_told_at,
        "closed_at": breach.closed_at,
        "regime": "PECR reg 5A" if breach.pecr else "UK GDPR Art 33",
        "origin_enterprise": breach.origin_enterprise,
        "origin_team": breach.origin_team,
    }
    if personal:
        values |= _personal(breach, pii.BREACH_FIELDS)
    return values


def columns(kind: ExportKind, *, personal: bool) -> tuple[str, ...]:
    if kind == ExportKind.REQUESTS:
        searched = searches.LOG_COLUMNS + (searches.LOG_PERSONAL if personal else ())
        return REQUEST_COLUMNS + searched + (REQUEST_PERSONAL if personal else ())
    if kind == ExportKind.SEARCHES:
        return searches.TASK_COLUMNS + (searches.TASK_PERSONAL if personal else ())
    return BREACH_COLUMNS + (BREACH_PERSONAL if personal else ())


async def rows(
    *, session: AsyncSession, kind: ExportKind, personal: bool
) -> Iterator[dict[str, str]]:
    """The CSV rows: every value as text, formula-like text neutralised."""
    found = await records(session=session, kind=kind, personal=personal, now=None)
    return iter([text_row(r) for r in found])


def text_row(record: Record) -> dict[str, str]:
    """A record as CSV text: every value a string, formula-like text neutralised."""
    return {key: _cell(value) for key, value in record.values.items()}


@dataclass(frozen=True, slots=True)
class Record:
    """One exported ticket: its typed column values, and whether it is overdue now."""

    values: dict[str, object]
    overdue: bool


async def records(
    *,
    session: AsyncSession,
    kind: ExportKind,
    personal: bool,
    now: datetime | None,
    tz: ZoneInfo | None = None,
) -> list[Record]:
    """Every ticket of ``kind`` with typed values; ``overdue`` is judged at ``now`` (a request
    open past its deadline on that day in ``tz``, a breach undecided past its 72 hours; never
    when ``now`` is None)."""
    if kind == ExportKind.REQUESTS:
        pauses = await repo.pauses_by_request(session=session)
        tasks = await tasks_repo.tasks_by_ref(session=session)
        disclosed = await tasks_repo.disclosures_by_ref(session=session)
        today = None if now is None else local_day(now, tz or ZoneInfo("UTC"))
        return [
            Record(
                values=request_values(r, pauses.get(r.id or 0, []), personal)
                | searches.log_values(
                    tasks.get(r.ref, []), disclosed.get(r.ref, []), personal=personal
                ),
                overdue=today is not None and rules.is_overdue(r, today=today),
            )
            for r in await repo.all_requests(session=session)
        ]
    if kind == ExportKind.SEARCHES:
        by_ref = {r.ref: r for r in await repo.all_requests(session=session)}
        return [
            Record(
                values=searches.task_values(t, by_ref.get(t.ticket_ref), personal=personal),
                overdue=False,
            )
            for t in await tasks_repo.all_tasks(session=session)
        ]
    return [
        Record(
            values=breach_values(b, personal),
            overdue=now is not None and rules.breach_undecided(b) and b.ico_due < now,
        )
        for b in await repo.all_breaches(session=session)
    ]
