"""Retention: closed tickets older than ``RETENTION_YEARS`` lose their personal data, and
outgoing messages lose their content ``OUTBOX_KEEP_DAYS`` after they were created.

The register row, its dates and statistics stay; every column ``storage.personal`` lists for a
request (requester, details, every free-text reason) and the notes are erased, and the erasure
is itself an audit event, so ``audit verify`` still passes and shows when and why the data went.

A breach register must keep the facts, effects and remedial action (Art 33(5)): the breach's
category, numbers, consequences, measures and reasons stay, and only the names the privacy team
marked (``[[Jane Doe]]``) in its personal fields (``storage.personal``) are erased.

Outgoing messages are kept only as long as they can be of use: a DM answering ``dsar show``
holds a requester's details, so once delivered (or given up on) its content goes after a short
window (``OUTBOX_KEEP_DAYS``); delivery keys, which only stop a platform's retry from acting
twice, go after a day.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit
from handlers.deadlines import add_months, local_day
from handlers.policy import Policy
from storage import housekeeping
from storage import personal as pii
from storage import repositories as repo
from storage.models import Breach, Request
from storage.repositories import search_tasks as tasks_repo

SYSTEM_ACTOR = "system:retention"
INBOUND_KEEP = timedelta(days=1)  # Slack and Teams retry within minutes
MARKED_NAME = re.compile(r"\[\[[^\[\]]*\]\]")
ERASED_NAME = "[name erased]"


async def scrub_messages(*, session: AsyncSession, keep_days: int, now: datetime) -> int:
    """Erase the content of settled messages older than ``keep_days``; expire inbound keys."""
    scrubbed = await housekeeping.scrub_outbox(
        session=session, created_before=now - timedelta(days=keep_days), now=now
    )
    await housekeeping.expire_inbound(session=session, before=now - INBOUND_KEEP)
    return scrubbed


async def _erase_notes(session: AsyncSession, ref: str) -> None:
    for note in await repo.notes_for(session=session, ref=ref):
        for name in pii.columns("notes"):
            setattr(note, name, None)
        session.add(note)


async def erase_expired(
    *, session: AsyncSession, policy: Policy, years: int, now: datetime
) -> list[str]:
    """Erase what is past retention; returns the references erased (no personal data)."""
    cutoff_day = add_months(local_day(now, policy.timezone), -12 * years)
    cutoff = now - (local_day(now, policy.timezone) - cutoff_day)
    erased: list[str] = []
    for req in await repo.requests_to_erase(session=session, closed_before=cutoff_day):
        _clear(req, pii.columns("requests"))
        req.erased_at = now
        await repo.index_request(session=session, req=req)  # erased: findable by nothing
        erased.append(await _record(session, req, now))
    for breach in await repo.breaches_to_erase(session=session, closed_before=cutoff):
        for name in pii.columns("breaches"):
            setattr(breach, name, erase_marked_names(getattr(breach, name)))
        breach.pii_salt = None
        erased.append(await _record(session, breach, now))
    return erased


def erase_marked_names(text: str | None) -> str | None:
    """``text`` with every ``[[marked name]]`` replaced; unmarked words are the register's."""
    return None if text is None else MARKED_NAME.sub(ERASED_NAME, text)


def _clear(ticket: Request | Breach, fields: tuple[str, ...]) -> None:
    for name in fields:
        setattr(ticket, name, None)
    ticket.pii_salt = None


async def _record(session: AsyncSession, ticket: Request | Breach, now: datetime) -> str:
    await _erase_notes(session, ticket.ref)
    await tasks_repo.erase_search_notes(session=session, ref=ticket.ref)
    await housekeeping.scrub_ticket_messages(session=session, ref=ticket.ref, now=now)
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
