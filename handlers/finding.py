"""Finding a requester, spotting the same person asking twice, linking tickets (issue 11).

All of it is for the privacy team only: a search result and a duplicate warning name the
requester. Staff who log a request that looks like an earlier one are told nothing; the
privacy team is told, by direct message, which references to compare — references only.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import command_types as c
from handlers import replies
from handlers.context import Context, Refusal
from handlers.ports import ChatUser, DirectMessage, Outcome, Reply, Tone
from storage import repositories as repo
from storage.enums import LinkKind
from storage.models import Request
from storage.refs import TicketRef

FIND_LIMIT = 20
RECENT_DAYS = 90  # a closed request this recent still counts for duplicates


async def find(ctx: Context, session: AsyncSession, cmd: c.Find) -> Outcome:
    ctx.require_privacy_team("search for requesters")
    found = await repo.find_requests(session=session, text=cmd.text, limit=FIND_LIMIT + 1)
    if not found:
        return Outcome(reply=Reply(text="No request matches.", tone=Tone.INFO))
    shown = found[:FIND_LIMIT]
    count = f"{FIND_LIMIT}+" if len(found) > FIND_LIMIT else str(len(shown))
    lines = tuple(find_line(req, ctx) for req in shown)
    if len(found) > FIND_LIMIT:
        lines += ("… more: add a word of the name, or search by email",)
    title = f"{count} request{'s' if len(shown) != 1 else ''} found"
    return Outcome(reply=Reply(text=title, lines=lines, tone=Tone.INFO))


def find_line(req: Request, ctx: Context) -> str:
    name = "[erased]" if req.erased_at is not None else (req.requester_name or "—")
    return f"{replies.request_line(req, ctx.today)}  {name}"


def duplicate_notice(
    ctx: Context, ref: str, others: list[str]
) -> tuple[str | None, tuple[DirectMessage, ...]]:
    """What to say about possible duplicates: a line in the reply for the privacy team, or,
    when staff logged it, a direct message to the privacy team with references only."""
    if not others:
        return None, ()
    text = (
        f"possibly the same person as {', '.join(others)}: compare them, then "
        f"/dsar link {ref} {others[0]} as=duplicate"
    )
    if ctx.actor.role.is_privacy_team:
        return text, ()
    to: list[ChatUser] = sorted(ctx.policy.dpo or ctx.policy.privacy_team)
    note = Reply(text=f"{ref} (logged by staff) is {text}", ref=ref)
    return None, tuple(DirectMessage(to=person, reply=note) for person in to)


async def link(ctx: Context, session: AsyncSession, cmd: c.Link) -> Outcome:
    ctx.require_privacy_team("link requests")
    if cmd.ref == cmd.other:
        raise Refusal("a request cannot be linked to itself")
    for ref in (cmd.ref, cmd.other):
        if TicketRef.parse(ref).is_breach:
            raise Refusal(f"{ref} is a breach: only requests are linked")
    one = await repo.request_by_ref(session=session, ref=cmd.ref, for_update=True)
    other = await repo.request_by_ref(session=session, ref=cmd.other)
    for ref, row in ((cmd.ref, one), (cmd.other, other)):
        if row is None:
            raise Refusal(f"there is no request {ref}")
    assert one is not None
    existing = await repo.link_between(session=session, one=cmd.ref, other=cmd.other)
    if existing is not None:
        raise Refusal(f"{cmd.ref} and {cmd.other} are already linked ({existing.kind})")
    await repo.add_link(
        session=session, ref=cmd.ref, other=cmd.other, kind=cmd.kind, by=ctx.who, at=ctx.now
    )
    from handlers import audit

    await audit.record(
        session=session,
        ticket=one,
        actor=ctx.who,
        action="linked",
        at=ctx.now,
        facts={"other": cmd.other, "kind": cmd.kind},
    )
    hint = ""
    if cmd.kind == LinkKind.DUPLICATE and one.state != "closed":
        hint = f" — close it with /dsar close {cmd.ref} outcome=withdrawn duplicate_of={cmd.other}"
    text = f"{cmd.ref} linked to {cmd.other} as {cmd.kind}{hint}"
    return Outcome(reply=Reply(text=text, ref=cmd.ref, personal=False), changed=True)
