"""Stored deadlines follow the holiday data: when the ``holidays`` release changes (a new
one-off bank holiday, a corrected date), every open request's dates are computed again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, request_dates
from handlers.deadlines import DeadlineError, holidays_version
from handlers.policy import Policy
from handlers.reminders import reschedule
from storage import repositories as repo

FACT = "holidays"
ACTOR = "system:holidays"


async def refresh(*, session: AsyncSession, policy: Policy, now: datetime) -> int | None:
    """Recompute open requests if the holiday data changed; how many deadlines moved, or None
    when the data is the release the stored deadlines were already computed with."""
    version = holidays_version()
    stored = await repo.desk_fact(session=session, key=FACT)
    if stored == version:
        return None
    moved = 0
    for req in await repo.open_requests_for_update(session=session):
        assert req.id is not None
        before = (req.due, req.base_due, req.extended_due, req.internal_target)
        pauses = await repo.pauses_for(session=session, request_id=req.id)
        try:
            request_dates.recompute_dates(
                req, pauses, internal_target_days=policy.internal_target_days
            )
        except DeadlineError:
            continue  # a calendar no longer known: keep the dates it has
        if (req.due, req.base_due, req.extended_due, req.internal_target) == before:
            continue
        moved += 1
        session.add(req)
        await session.flush()
        await audit.record(
            session=session,
            ticket=req,
            actor=ACTOR,
            action="deadline_recomputed",
            at=now,
            facts={"holidays": version, "was": before[0], "due": req.due},
        )
        await reschedule(session=session, ticket=req, policy=policy, now=now)
    await repo.set_desk_fact(session=session, key=FACT, value=version)
    return moved
