"""Home pages that follow the tickets (issue 15): a person's page (Slack App Home) is
published again whenever a ticket they can see changes.

Opening the page records that the person has one (``home_tabs``) and which tickets it listed.
A change to a ticket then queues, in the change's own transaction, a fresh page for each person
who has opened theirs and who can see the ticket (whoever logged it, its assignee, the privacy
team) or whose page listed it (an assignee it was taken from). The page goes through the outbox
like any message, so a restart loses no refresh; a refresh still queued is replaced by the newer
page rather than joined by a second, and a page that would read the same is not sent at all.
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
    """Queue a fresh home page for each person with one who can see (or was shown) ``refs``;
    returns how many were queued. ``involved``: who logged and is assigned the tickets, when
    the caller knows (new tickets: their loggers), so they need not be read back."""
    refs = tuple(sorted({ref for ref in refs if TicketRef.is_valid(ref)}))
    if not refs:
        return 0
    if involved is None:
        involved = await _involved(session, refs)
    viewers = seen_by(policy, involved)
    tabs = await home_repo.home_tabs_for(
        session=session, users={(u.platform, u.external_id) for u in viewers}, refs=refs
    )
    team_page: Overview | None = None  # every member of the privacy team sees the same page
    queued = 0
    for tab in tabs:
        user = ChatUser(tab.platform, tab.user_id)
        role = policy.role_of(user)
        if role.is_privacy_team and team_page is not None:
            page = team_page
        else:
            ctx = Context(actor=Actor(user=user, role=role), now=now, policy=policy)
            page = await reads.overview(ctx, session)
            team_page = page if role.is_privacy_team else team_page
        digest = _digest(page)
        if digest == tab.digest:
            continue  # nothing on their page changed
        await enqueue_home(
            session=session, platform=tab.platform, user=tab.user_id, overview=page, now=now
        )
        tab.shown, tab.digest = _shown(page), digest
        session.add(tab)
        queued += 1
    return queued
