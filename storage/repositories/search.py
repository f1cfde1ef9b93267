"""Finding requests by their blind indexes, and the links recorded between tickets.

The digests are made here, from the keys of the session's own engine (``storage.crypto``), so
no handler ever holds a key; the queries compare digests only and decrypt nothing but the rows
they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage import blind_index
from storage.crypto import DataKeys, dialect_keys
from storage.models import Request, SearchTerm, TicketLink
from storage.repositories.rows import table_of


def session_keys(session: AsyncSession) -> DataKeys:
    return dialect_keys(session.sync_session.get_bind().dialect)


def identity_of(req: Request) -> blind_index.Identity:
    return blind_index.Identity(
        name=req.requester_name, email=req.requester_email, details=req.details
    )


async def index_request(*, session: AsyncSession, req: Request, new: bool = False) -> None:
    """Store the digests ``req`` is found by (replacing any it had): call after every change
    to its name, email or details, and after erasing them (it then has none). ``new``: the
    request is being opened, so it has none to replace."""
    table = table_of(SearchTerm)
    if not new:
        await session.execute(delete(table).where(table.c.ticket_ref == req.ref))
    if req.erased_at is not None:
        return
    terms = blind_index.terms_for(session_keys(session), identity_of(req))
    rows = [{"term": term, "ticket_ref": req.ref} for term in sorted(terms)]
    if rows:
        await session.execute(insert(table), rows)


async def _refs_matching(session: AsyncSession, groups: Sequence[Sequence[str]]) -> set[str]:
    """References having at least one digest of every group."""
    found: set[str] | None = None
    for group in groups:
        query = select(col(SearchTerm.ticket_ref)).where(col(SearchTerm.term).in_(list(group)))
        refs = set((await session.execute(query)).scalars())
        found = refs if found is None else found & refs
        if not found:
            return set()
    return found or set()


async def find_requests(*, session: AsyncSession, text: str, limit: int) -> list[Request]:
    """Requests whose email is ``text``, or whose name has words starting with its words."""
    groups = blind_index.query_groups(session_keys(session), text)
    if not groups:
        return []
    refs = await _refs_matching(session, groups)
    if not refs:
        return []
    query = (
        select(Request).where(col(Request.ref).in_(sorted(refs))).order_by(col(Request.id).desc())
    )
    return list((await session.execute(query.limit(limit))).scalars())


async def link_between(*, session: AsyncSession, one: str, other: str) -> TicketLink | None:
    query = select(TicketLink).where(
        or_(
            (col(TicketLink.ticket_ref) == one) & (col(TicketLink.other_ref) == other),
            (col(TicketLink.ticket_ref) == other) & (col(TicketLink.other_ref) == one),
        )
    )
    return (await session.execute(query)).scalars().first()


async def add_link(
    *, session: AsyncSession, ref: str, other: str, kind: str, by: str, at: datetime
) -> TicketLink:
    link = TicketLink(ticket_ref=ref, other_ref=other, kind=kind, linked_by=by, at=at)
    session.add(link)
    await session.flush()
    return link


async def links_for(*, session: AsyncSession, ref: str) -> list[TicketLink]:
    query = (
        select(TicketLink)
        .where(or_(col(TicketLink.ticket_ref) == ref, col(TicketLink.other_ref) == ref))
        .order_by(col(TicketLink.id))
    )
    return list((await session.execute(query)).scalars())
