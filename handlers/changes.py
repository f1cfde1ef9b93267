"""How every change to a ticket ends: one audit event, then its reminders rebuilt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit
from handlers.context import Context
from handlers.ports import Outcome, Reply
from handlers.reminders import reschedule
from storage.models import Breach, Pause, Request


async def note_added(
    ctx: Context, session: AsyncSession, ticket: Request | Breach, text: str
) -> Outcome:
    """A note on a request or a breach: its text in ``notes``, an event that covers it."""
    await audit.record_with_note(
        session=session, ticket=ticket, actor=ctx.who, at=ctx.now, text=text
    )
    return Outcome(reply=Reply(text=f"{ticket.ref}: note added", ref=ticket.ref), changed=True)


async def record_change(
    ctx: Context,
    session: AsyncSession,
    ticket: Request | Breach,
    *,
    action: str,
    facts: dict[str, Any],
    new: bool = False,
    pauses: Sequence[Pause] | None = None,
) -> None:
    """Append the event for ``action`` and reschedule the ticket's nudges from its deadlines.

    ``new`` says the ticket is being opened, so it has no history or reminders to look up;
    ``pauses``: the request's pauses, when the caller has just read them.
    """
    await audit.record(
        session=session,
        ticket=ticket,
        actor=ctx.who,
        action=action,
        at=ctx.now,
        facts=facts,
        new=new,
        pauses=pauses,
    )
    await reschedule(
        session=session,
        ticket=ticket,
        policy=ctx.policy,
        now=ctx.now,
        new=new,
    )
