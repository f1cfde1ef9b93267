"""The search record in the registers (issue 17): what the DSAR log gains (systems searched,
their answers, items disclosed and withheld, exemptions) and ``--kind searches``, one row per
search task. No personal data unless asked for: the owners' notes and the redactions are listed
in ``storage.personal`` and only appended with ``--include-personal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from handlers.deadlines import local_day
from handlers.policy import LONDON
from storage import personal as pii
from storage.models import Request
from storage.models_searches import Disclosure, SearchTask

LOG_COLUMNS = (
    "systems_searched",
    "search_answers",
    "searches_open",
    "items_disclosed",
    "items_withheld",
    "exemptions",
)
LOG_PERSONAL = ("search_notes", "redactions")
TASK_COLUMNS = (
    "reference",
    "request_type",
    "system",
    "owner",
    "identifiers_shared",
    "sent_by",
    "sent_at",
    "due",
    "answer",
    "items",
    "answered_at",
    "answered_by",
    "answered_by_owner",
    "answered_on_time",
)
TASK_PERSONAL = tuple(f.export_name for f in pii.SEARCH_FIELDS)


def _day(moment: datetime | None) -> date | None:
    """A moment as the day it was in the register's timezone (the DSAR log's dates)."""
    return None if moment is None else local_day(moment, LONDON)


def log_values(
    tasks: Sequence[SearchTask], disclosures: Sequence[Disclosure], *, personal: bool
) -> dict[str, object]:
    """The DSAR log's search columns for one request."""
    answers = [f"{t.system}: {t.answer or 'open'}" + (f" ({t.items})" if t.items else "")
               for t in tasks]  # fmt: skip
    exemptions = dict.fromkeys(d.exemption for d in disclosures if d.exemption)
    values: dict[str, object] = {
        "systems_searched": len(tasks) if tasks else None,
        "search_answers": "; ".join(answers),
        "searches_open": sum(t.answer is None for t in tasks) if tasks else None,
        "items_disclosed": sum(d.items for d in disclosures) if disclosures else None,
        "items_withheld": sum(d.withheld for d in disclosures) if disclosures else None,
        "exemptions": "; ".join(exemptions),
    }
    if personal:
        values["search_notes"] = "; ".join(f"{t.system}: {t.note}" for t in tasks if t.note)
        values["redactions"] = "; ".join(d.redactions for d in disclosures if d.redactions)
    return values


def task_values(task: SearchTask, req: Request | None, *, personal: bool) -> dict[str, object]:
    answered = _day(task.answered_at)
    values: dict[str, object] = {
        "reference": task.ticket_ref,
        "request_type": req.type if req is not None else None,
        "system": task.system,
        "owner": task.owner,
        "identifiers_shared": task.shared.replace(",", " "),
        "sent_by": task.sent_by,
        "sent_at": task.sent_at,
        "due": task.due_on,
        "answer": task.answer,
        "items": task.items,
        "answered_at": task.answered_at,
        "answered_by": task.answered_by,
        "answered_by_owner": None if task.answered_by is None else task.answered_by == task.owner,
        "answered_on_time": None if answered is None else answered <= task.due_on,
    }
    if personal:
        values |= {f.export_name: getattr(task, f.column) for f in pii.SEARCH_FIELDS}
    return values
