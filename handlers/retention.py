"""Retention: closed tickets older than ``RETENTION_YEARS`` lose their personal data.

The register row, its dates and statistics stay; the requester's name, email and details, the
notes and the breach narrative are erased, and the erasure is itself an audit event, so
``audit verify`` still passes and shows when and why the data went.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit
from handlers.deadlines import add_months, local_day
from handlers.policy import Policy
from storage import repositories as repo
from storage.models import Breach, Request

SYSTEM_ACTOR = "system:retention"


async def _erase_notes(session: AsyncSession, ref: str) -> None:
    for note in await repo.notes_for(session=session, ref=ref):
        note.text = None
        session.add(note)


async def erase_expired(
    *, session: AsyncSession, policy: Policy, years: int, now: datetime
) -> list[str]:
    """Erase what is past retention; returns the references erased (no personal data)."""
    cutoff_day = add_months(local_day(now, policy.timezone), -12 * years)
    cutoff = now - (local_day(now, policy.timezone) - cutoff_day)
    erased: list[str] = []
    for req in await repo.requests_to_erase(session=session, closed_before=cutoff_day):
        _clear(req, Request.PERSONAL_FIELDS)
        req.erased_at = now
        erased.append(await _record(session, req, now))
    for breach in await repo.breaches_to_erase(session=session, closed_before=cutoff):
        _clear(breach, Breach.PERSONAL_FIELDS)
        erased.append(await _record(session, breach, now))
    return erased


def _clear(ticket: Request | Breach, fields: tuple[str, ...]) -> None:
    for name in fields:
        setattr(ticket, name, None)
    ticket.pii_salt = None


async def _record(session: AsyncSession, ticket: Request | Breach, now: datetime) -> str:
    await _erase_notes(session, ticket.ref)
    session.add(ticket)
    await session.flush()
    await audit.record(
        session=session,
        ticket=ticket,
        actor=SYSTEM_ACTOR,
        action="erased",
        at=now,
        facts={"reason": "retention period ended"},
    )
    return ticket.ref
