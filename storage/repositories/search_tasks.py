"""The systems register, search tasks and disclosures (issue 17): every query, keyword-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.enums import RequestState
from storage.models import Request
from storage.models_searches import Disclosure, SearchTask, System

# --- the register --------------------------------------------------------------------------------


async def systems(*, session: AsyncSession) -> list[System]:
    query = select(System).order_by(col(System.name))
    return list((await session.execute(query)).scalars())


async def system_named(*, session: AsyncSession, name: str) -> System | None:
    """The system called ``name``, whatever its case (``hr system`` is ``HR system``)."""
    for system in await systems(session=session):
        if system.name.casefold() == name.casefold():
            return system
    return None


# --- search tasks --------------------------------------------------------------------------------


async def tasks_for(
    *, session: AsyncSession, ref: str, for_update: bool = False
) -> list[SearchTask]:
    query = select(SearchTask).where(col(SearchTask.ticket_ref) == ref).order_by(col(SearchTask.id))
    if for_update:
        query = query.with_for_update()
    return list((await session.execute(query)).scalars())


async def tasks_by_ref(
    *, session: AsyncSession, refs: Sequence[str] = ()
) -> dict[str, list[SearchTask]]:
    """The tasks of many requests at once (the DSAR log), keyed by reference."""
    query = select(SearchTask).order_by(col(SearchTask.id))
    if refs:
        query = query.where(col(SearchTask.ticket_ref).in_(list(refs)))
    found: dict[str, list[SearchTask]] = {}
    for task in (await session.execute(query)).scalars():
        found.setdefault(task.ticket_ref, []).append(task)
    return found


async def all_tasks(*, session: AsyncSession) -> list[SearchTask]:
    query = select(SearchTask).order_by(col(SearchTask.ticket_ref), col(SearchTask.id))
    return list((await session.execute(query)).scalars())


async def task_by_id(*, session: AsyncSession, task_id: int) -> SearchTask | None:
    query = select(SearchTask).where(col(SearchTask.id) == task_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def late_tasks_by_system(*, session: AsyncSession, today: date) -> list[tuple[str, int]]:
    """Unanswered tasks of open requests past their due date, counted by system (the weekly
    summary: which team holds requests up)."""
    query = (
        select(col(SearchTask.system), func.count())
        .join(Request, col(Request.ref) == col(SearchTask.ticket_ref))
        .where(
            col(SearchTask.answer).is_(None),
            col(SearchTask.due_on) < today,
            col(Request.state) != RequestState.CLOSED,
        )
        .group_by(col(SearchTask.system))
        .order_by(func.count().desc(), col(SearchTask.system))
    )
    return [(system, int(n)) for system, n in (await session.execute(query)).all()]


async def mark_nudged(*, session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    if ids:
        await session.execute(
            update(SearchTask).where(col(SearchTask.id).in_(list(ids))).values(last_nudged_at=at)
        )


async def erase_search_notes(*, session: AsyncSession, ref: str) -> None:
    """Retention: the owners' notes and the redactions of one request go."""
    await session.execute(
        update(SearchTask).where(col(SearchTask.ticket_ref) == ref).values(note=None)
    )
    await session.execute(
        update(Disclosure).where(col(Disclosure.ticket_ref) == ref).values(redactions=None)
    )


# --- disclosures ---------------------------------------------------------------------------------


async def disclosures_for(*, session: AsyncSession, ref: str) -> list[Disclosure]:
    """What went out for ``ref`` and what was withheld, in the order it was recorded (the
    ``response`` letter lists these)."""
    query = select(Disclosure).where(col(Disclosure.ticket_ref) == ref).order_by(col(Disclosure.id))
    return list((await session.execute(query)).scalars())


async def disclosures_by_ref(*, session: AsyncSession) -> dict[str, list[Disclosure]]:
    found: dict[str, list[Disclosure]] = {}
    for row in (await session.execute(select(Disclosure).order_by(col(Disclosure.id)))).scalars():
        found.setdefault(row.ticket_ref, []).append(row)
    return found
