"""Home pages that follow the tickets (issue 15): a person's page (Slack App Home) is
published again whenever a ticket they can see changes.

Opening the page records that the person has one (``home_tabs``) and which tickets it listed.
A change to a ticket then queues, in the change's own transaction, a refresh for each person
who has opened theirs and who can see the ticket (whoever logged it, its assignee, the privacy
team) or whose page listed it (an assignee it was taken from). The refresh goes through the
outbox like any message, so a restart loses no refresh. The page is read when the refresh is
sent (``Pages``, issue 16), not by the change: reading every open ticket inside the change's
transaction cost each opening tens of milliseconds while it held the reference counter. A
refresh still waiting answers for later changes too, one page read answers every refresh of a
person waiting at that moment, and a page that would read the same is not sent at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import reads, stored_messages
from handlers.context import Context
from handlers.outbox import enqueue_home
from handlers.policy import Policy
from handlers.ports import Actor, ChatUser, Outcome, Overview
from storage import repositories as repo
from storage.refs import TicketRef
from storage.repositories import home as home_repo


def _shown(page: Overview) -> str:
    return " " + "".join(f"{ref} " for ref in page.refs)


def _digest(page: Overview) -> str:
    return hashlib.sha256(stored_messages.encode(page).encode()).hexdigest()


async def opened(ctx: Context, session: AsyncSession) -> Overview:
    """The actor opened their home page: what it shows, remembered for later refreshes."""
    page = await reads.overview(ctx, session)
    user = ctx.actor.user
    await home_repo.save_home_tab(
        session=session,
        platform=user.platform,
        user_id=user.external_id,
        opened_at=ctx.now,
        shown=_shown(page),
        digest=_digest(page),
    )
    return page


def changed_refs(outcome: Outcome) -> tuple[str, ...]:
    """The tickets a command changed: its reply's and its channel posts' references."""
    if not outcome.changed:
        return ()
    refs = {post.ref for post in outcome.posts}
    if outcome.reply.ref is not None:
        refs.add(outcome.reply.ref)
    return tuple(sorted(refs))


async def _involved(session: AsyncSession, refs: Iterable[str]) -> set[ChatUser]:
    """Whoever logged each ticket and whoever it is assigned to now (a ticket the command
    locked is not read again)."""
    people: set[ChatUser] = set()
    for ref in refs:
        ticket = repo.held_ticket(session=session, ref=ref)
        if ticket is None:
            ticket = (
                await repo.breach_by_ref(session=session, ref=ref)
                if TicketRef.parse(ref).is_breach
                else await repo.request_by_ref(session=session, ref=ref)
            )
        if ticket is None:
            continue
        for stored in (ticket.created_by, ticket.assignee):
            if stored is not None:
                try:
                    people.add(ChatUser.parse(stored))
                except ValueError:
                    continue
    return people


def seen_by(policy: Policy, involved: set[ChatUser]) -> set[ChatUser]:
    """Whose home page can list a ticket ``involved`` logged or are assigned: theirs, the
    privacy team's and the DPO's."""
    return involved | policy.privacy_team | policy.dpo


async def refresh(
    *,
    session: AsyncSession,
    policy: Policy,
    refs: Iterable[str],
    now: datetime,
    involved: set[ChatUser] | None = None,
) -> int:
    """Queue a refresh of the home page of each person with one who can see (or was shown)
    ``refs``; returns how many pages. The page itself is read when the refresh is sent
    (``Pages``), not here: here it would read every open ticket inside the change's
    transaction. ``involved``: who logged and is assigned the tickets, when the caller knows
    (new tickets: their loggers), so they need not be read back."""
    refs = tuple(sorted({ref for ref in refs if TicketRef.is_valid(ref)}))
    if not refs:
        return 0
    if involved is None:
        involved = await _involved(session, refs)
    viewers = seen_by(policy, involved)
    tabs = await home_repo.home_tabs_for(
        session=session, users={(u.platform, u.external_id) for u in viewers}, refs=refs
    )
    for tab in tabs:
        await enqueue_home(session=session, platform=tab.platform, user=tab.user_id, now=now)
    return len(tabs)


class Pages:
    """Home pages as the outbox sender reads them, when a refresh is sent
    (``handlers.outbox.HomePages``)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def current(
        self, *, session: AsyncSession, platform: str, user: str, now: datetime, force: bool
    ) -> Overview | None:
        tab = await home_repo.home_tab(session=session, platform=platform, user_id=user)
        if tab is None:
            return None  # no page to refresh
        person = ChatUser(platform, user)
        actor = Actor(user=person, role=self.policy.role_of(person))
        page = await reads.overview(Context(actor=actor, now=now, policy=self.policy), session)
        if not force and _digest(page) == tab.digest:
            return None  # nothing on the page changed
        # Until it is published, a change to a ticket on either page refreshes it again.
        tab.shown = " " + " ".join(sorted({*tab.shown.split(), *page.refs})) + " "
        session.add(tab)
        return page

    async def shown(
        self, *, session: AsyncSession, platform: str, user: str, page: Overview
    ) -> None:
        tab = await home_repo.home_tab(session=session, platform=platform, user_id=user)
        if tab is not None:
            tab.shown, tab.digest = _shown(page), _digest(page)
            session.add(tab)
