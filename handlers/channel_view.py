"""A ticket's compliance post as it reads now, and what each person may do from it.

Platforms that redraw a channel post per person (Teams' user-specific views) ask for it here:
the post carries references, types, states and dates only (SPEC §1), and the buttons are the
privacy team's alone. Who is asking is the platform's verified identity turned into an
``Actor``; nothing a card carries decides it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import replies
from handlers.forms import SHOW
from handlers.ports import Actor, ChannelPost
from storage import repositories as repo
from storage.db import transaction
from storage.enums import BreachState, RequestState
from storage.refs import TicketRef


async def current_post(
    *, sessions: async_sessionmaker[AsyncSession], ref: str
) -> ChannelPost | None:
    """The opening post of ``ref`` with its current state and deadline; None if there is no
    such ticket (or ``ref`` is not a reference)."""
    try:
        ticket = TicketRef.parse(ref)
    except ValueError:
        return None
    async with transaction(sessions) as session:
        if ticket.is_breach:
            breach = await repo.breach_by_ref(session=session, ref=str(ticket))
            return None if breach is None else replies.breach_post(breach)
        req = await repo.request_by_ref(session=session, ref=str(ticket))
        return None if req is None else replies.request_post(req)


def post_actions(post: ChannelPost, actor: Actor) -> tuple[str, ...]:
    """The buttons ``actor`` gets on ``post``: none for staff; for the privacy team *Show* and,
    while the ticket is open, the ticket's actions (the same as on ``/dsar show``)."""
    if not actor.role.is_privacy_team:
        return ()
    if post.kind == "breach":
        open_ = post.state != BreachState.CLOSED
        return (SHOW.name, *(replies.BREACH_ACTIONS if open_ else ()))
    open_ = post.state != RequestState.CLOSED
    return (SHOW.name, *(replies.REQUEST_ACTIONS if open_ else ()))
