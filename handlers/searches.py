"""Proof of a reasonable search (issue 17): search tasks for system owners, their answers,
the close rules that depend on them, and the disclosure log.

The privacy team sends a request's search to every system (or some); each owner gets a direct
message and answers ``found`` / ``nothing`` / ``not-mine``. Only that owner answers by button;
the privacy team may also record an answer by command (an owner who replied by email), and the
record says who recorded it. Every step is an event on the request's history; the events carry
system names, answers and counts, never the notes.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, replies, search_nudges, search_record, systems, tickets
from handlers import command_types as c
from handlers import command_types_searches as sc
from handlers.context import Context, Refusal
from handlers.ports import ChatUser, DirectMessage, Outcome, Reply
from storage import repositories as repo
from storage.enums import Outcome as Ending
from storage.enums import RequestState, SearchAnswer
from storage.models import Request
from storage.models_searches import Disclosure, SearchTask
from storage.repositories import search_tasks as tasks_repo


async def start_search(ctx: Context, session: AsyncSession, cmd: sc.StartSearch) -> Outcome:
    ctx.require_privacy_team("send searches to system owners")
    req = await tickets.load(ctx, session, cmd.ref, for_update=True)
    if req.state == RequestState.CLOSED:
        raise Refusal(f"{req.ref} is closed: reopen it before searching again")
    register = await systems.register(ctx, session)
    if not register:
        raise Refusal('the systems register is empty: /dsar system add name="…" owner=@person')
    chosen = register
    if cmd.systems is not None:
        by_name = {s.name.casefold(): s for s in register}
        unknown = [name for name in cmd.systems if name.casefold() not in by_name]
        if unknown:
            raise Refusal(
                f"not in the register: {', '.join(unknown)} (/dsar systems lists them)",
                field="systems",
            )
        chosen = [by_name[name.casefold()] for name in cmd.systems]
    asked = {t.system.casefold() for t in await tasks_repo.tasks_for(session=session, ref=req.ref)}
    chosen = [s for s in chosen if s.name.casefold() not in asked]
    if not chosen:
        raise Refusal(f"{req.ref}: every system named was already asked (/dsar show {req.ref})")
    due = search_record.task_due(req, ctx.today, ctx.policy)
    shared = ",".join(cmd.share)
    created: list[SearchTask] = []
    for system in chosen:
        task = SearchTask(
            ticket_ref=req.ref,
            system=system.name,
            owner=system.owner,
            shared=shared,
            sent_by=ctx.who,
            sent_at=ctx.now,
            due_on=due,
        )
        session.add(task)
        created.append(task)
    await session.flush()
    await audit.record(
        session=session,
        ticket=req,
        actor=ctx.who,
        action="search_sent",
        at=ctx.now,
        facts={"systems": [t.system for t in created], "shared": list(cmd.share), "due": due},
    )
    await search_nudges.book(session=session, ref=req.ref, policy=ctx.policy)
    direct = tuple(
        DirectMessage(
            to=ChatUser.parse(t.owner),
            reply=search_record.task_message(req, t, today=ctx.today),
        )
        for t in created
    )
    reply = Reply(
        text=f"{req.ref}: search sent to {len(created)} system owner(s), answers due "
        f"{replies.fmt_day(due)}",
        lines=tuple(f"{t.system}  {replies.person(t.owner)}" for t in created),
        ref=req.ref,
    )
    post = replies.request_post(req, f"search sent to {len(created)} system(s)")
    return Outcome(reply=reply, posts=(post,), direct=direct, changed=True)


async def _task(ctx: Context, session: AsyncSession, cmd: sc.AnswerSearch) -> SearchTask:
    if cmd.task_id is not None:
        task = await tasks_repo.task_by_id(session=session, task_id=cmd.task_id)
        if task is None:
            raise Refusal("that search task no longer exists; nothing changed")
        return task
    assert cmd.ref is not None and cmd.system is not None
    for task in await tasks_repo.tasks_for(session=session, ref=cmd.ref, for_update=True):
        if task.system.casefold() == cmd.system.casefold():
            return task
    raise Refusal(f"there is no search of {cmd.system!r} for {cmd.ref} that you can answer")


async def answer(ctx: Context, session: AsyncSession, cmd: sc.AnswerSearch) -> Outcome:
    task = await _task(ctx, session, cmd)
    owner = ctx.who == task.owner
    if not owner and not (ctx.actor.role.is_privacy_team and cmd.task_id is None):
        raise Refusal(
            f"only {replies.person(task.owner)}, who owns {task.system}, may answer this search"
        )
    req = await repo.request_by_ref(session=session, ref=task.ticket_ref, for_update=True)
    assert req is not None
    changed = task.answer is not None
    task.answer, task.answered_at, task.answered_by = cmd.answer, ctx.now, ctx.who
    task.items = cmd.items if cmd.answer == SearchAnswer.FOUND else None
    if cmd.note is not None or changed:
        task.note = cmd.note
    session.add(task)
    await session.flush()
    await audit.record(
        session=session,
        ticket=req,
        actor=ctx.who,
        action="search_answered",
        at=ctx.now,
        facts={
            "system": task.system,
            "answer": cmd.answer,
            "items": task.items,
            "note": task.note is not None,
            "changed": changed,
            "for_owner": None if owner else task.owner,
        },
    )
    await search_nudges.book(session=session, ref=req.ref, policy=ctx.policy)
    tasks = await tasks_repo.tasks_for(session=session, ref=req.ref)
    answered = sum(t.answer is not None for t in tasks)
    words = search_record.ANSWER_WORDS[cmd.answer]
    reply = Reply(
        text=f"Recorded: {task.system} for {req.ref} — {words}. Thank you.",
        ref=req.ref,
        personal=False,
    )
    direct: tuple[DirectMessage, ...] = ()
    if answered == len(tasks) and not changed:
        done = Reply(text=f"{req.ref}: every system owner has answered the search", ref=req.ref)
        people = {ChatUser.parse(req.assignee)} if req.assignee else set(ctx.policy.dpo)
        direct = tuple(DirectMessage(to=p, reply=done) for p in sorted(people))
    post = replies.request_post(req, f"search answered: {answered} of {len(tasks)} systems")
    return Outcome(reply=reply, posts=(post,), direct=direct, changed=True)


async def close_check(session: AsyncSession, req: Request, cmd: c.CloseRequest) -> None:
    """The search record's rules for closing (raises ``Refusal``): fulfilled and
    no_data_held wait for every answer unless ``searches=`` says why not, and no_data_held
    needs every answer to be nothing found or not my system."""
    tasks = await tasks_repo.tasks_for(session=session, ref=req.ref)
    still_open = [t.system for t in tasks if t.answer is None]
    if cmd.searches is not None and not still_open:
        raise Refusal("searches= is for closing while search tasks are open", field="searches")
    if cmd.outcome == Ending.NO_DATA_HELD:
        found = [t.system for t in tasks if t.answer == SearchAnswer.FOUND]
        if found:
            raise Refusal(
                f"{req.ref}: {', '.join(found)} found data, so the outcome is not no_data_held",
                field="outcome",
            )
    if cmd.outcome in (Ending.FULFILLED, Ending.NO_DATA_HELD) and still_open and not cmd.searches:
        raise Refusal(
            f"{req.ref}: {len(still_open)} search task(s) still open ({', '.join(still_open)}): "
            'wait for the answers, or say why with searches="…"',
            field="searches",
        )


async def disclose(ctx: Context, session: AsyncSession, cmd: sc.Disclose) -> Outcome:
    ctx.require_privacy_team("record disclosures")
    req = await tickets.load(ctx, session, cmd.ref, for_update=True)
    on = ctx.day_or_today(cmd.on, "on=", not_before=req.received)
    row = Disclosure(
        ticket_ref=req.ref,
        items=cmd.items,
        withheld=cmd.withheld,
        exemption=cmd.exemption,
        redactions=cmd.redactions,
        recorded_by=ctx.who,
        at=ctx.now,
        on=on,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session=session,
        ticket=req,
        actor=ctx.who,
        action="disclosed",
        at=ctx.now,
        facts={
            "items": cmd.items,
            "withheld": cmd.withheld,
            "exemption": cmd.exemption is not None,
            "redactions": cmd.redactions is not None,
            "on": on,
        },
    )
    withheld = f", {cmd.withheld} withheld ({cmd.exemption})" if cmd.withheld else ""
    reply = Reply(text=f"{req.ref}: disclosure recorded — {cmd.items} items{withheld}", ref=req.ref)
    return Outcome(
        reply=reply, posts=(replies.request_post(req, "disclosure recorded"),), changed=True
    )
