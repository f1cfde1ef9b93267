"""The front door of the core: text or a typed command in, an ``Outcome`` out.

One command is one unit of work. A refusal rolls it back, so bad input changes nothing. Channel
posts, direct messages and the ticket's reminder schedule are written with it (the outbox);
after the commit the ``Sender`` is asked to deliver them. Commands that change tickets go
through the process's group commit (``storage.group_commit``): alone, a command is its own
transaction; under load, the commands waiting share one COMMIT, each in a savepoint of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import (
    breaches,
    corrections,
    finding,
    forms,
    history,
    home,
    reads,
    request_outcomes,
    searches,
    summary,
    systems,
    tickets,
)
from handlers import command_types as c
from handlers import command_types_searches as sc
from handlers.arguments import Value
from handlers.commands import CommandError, action_command, parse, parse_form, usage_for
from handlers.context import Context, Refusal
from handlers.letters import use_cases as letters
from handlers.opening import OPENER, Duplicate, Opening
from handlers.outbox import Sender, enqueue_direct, enqueue_outcome
from handlers.policy import Policy
from handlers.ports import (
    Actor,
    ChatUser,
    Clock,
    DirectMessage,
    Outcome,
    Overview,
    Reply,
    Tone,
    Workspace,
)
from storage import repositories as repo
from storage.db import transaction
from storage.enums import Role, SearchAnswer
from storage.group_commit import GroupCommit, WriterBusy, alone
from storage.refs import TicketRef

log = logging.getLogger(__name__)

UseCase = Callable[[Context, AsyncSession, Any], Awaitable[Outcome]]

MUTATIONS: dict[type[c.Command], UseCase] = {
    c.Verify: tickets.verify,
    c.AskId: tickets.ask_id,
    c.StopProcessing: request_outcomes.processing_stopped,
    c.Clarify: tickets.clarify,
    c.Resume: tickets.resume,
    c.AskFee: tickets.ask_fee,
    c.FeePaid: tickets.fee_paid,
    c.Assign: tickets.assign,
    c.AddNote: tickets.add_note,
    c.Extend: request_outcomes.extend,
    c.CloseRequest: request_outcomes.close,
    c.DraftLetter: letters.draft_letter,
    c.MarkSent: letters.mark_sent,
    c.Link: finding.link,
    c.Assess: breaches.assess,
    c.ReportToIco: breaches.report_to_ico,
    c.NotReportable: breaches.not_reportable,
    c.TellSubjects: breaches.tell_subjects,
    c.DelayReason: breaches.delay_reason,
    c.CloseBreach: breaches.close,
    c.EditRequest: corrections.edit_request,
    c.Reopen: request_outcomes.reopen,
    c.AssignBreach: breaches.assign,
    c.BreachNote: breaches.add_note,
    c.EditBreach: corrections.edit_breach,
    sc.ChangeSystem: systems.change_system,
    sc.StartSearch: searches.start_search,
    sc.AnswerSearch: searches.answer,
    sc.Disclose: searches.disclose,
}

READS: dict[type[c.Command], UseCase] = {
    c.ShowTicket: reads.show,
    c.Find: finding.find,
    c.ListRequests: reads.list_requests,
    c.ListBreaches: reads.list_breaches,
    c.History: history.history,
    sc.ListSystems: systems.list_systems,
    c.Summary: lambda ctx, session, _cmd: summary.summary_command(ctx, session),
}


def error_reply(reason: str, usage: str) -> Reply:
    return Reply(text=reason, lines=(f"Usage: {usage}",), tone=Tone.ERROR)


def usage_of(command: c.Command) -> str:
    key = command.usage_key
    if isinstance(command, c.ShowTicket | c.History) and TicketRef.parse(command.ref).is_breach:
        key = "breach " + key.partition(" ")[2]
    group, _, action = key.partition(" ")
    return usage_for(group, action)


FORM_COMMANDS: dict[type[c.Command], forms.Form] = {
    c.NewRequestForm: forms.NEW_REQUEST,
    c.NewBreachForm: forms.NEW_BREACH,
    c.FindForm: forms.FIND,
    c.EditRequestForm: forms.EDIT_REQUEST,
    c.EditBreachForm: forms.EDIT_BREACH,
}


def _with_errors(
    outcome: Outcome, form: forms.Form, ref: str | None, values: dict[str, str]
) -> Outcome:
    """A refused submission: the same form again, what was typed kept, the reason on its field
    (or on the first field when the reason is about the whole form, e.g. who may submit it)."""
    key = outcome.error_field if outcome.error_field in form.keys else form.first_key()
    assert key is not None
    request = forms.FormRequest(form=form, ref=ref, values=values, errors={key: outcome.reply.text})
    return replace(outcome, form=request)


# Told (command name, result, seconds) after each command: the server's latency metrics.
CommandObserver = Callable[[str, str, float], None]


class Desk:
    """Runs commands for one deployment: its database, clock, policy and notifier."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        policy: Policy,
        sender: Sender | None = None,
        deliver_now: bool = True,
        max_write_wait: float | None = None,
        write_sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """``max_write_wait``: seconds a command may wait for the writer before it is refused
        as not logged (a platform's acknowledgement window); None waits as long as it takes.
        ``write_sessions``: the writer's own pool (``storage.db.writer_engine``); by default
        it shares ``sessions``."""
        self.sessions = sessions
        self.writer = GroupCommit(write_sessions or sessions, max_wait=max_write_wait)
        self.clock = clock
        self.policy = policy
        self.sender = sender
        self.deliver_now = deliver_now
        self.observe: CommandObserver | None = None

    def actor(
        self, user: ChatUser, *, role: Role | None = None, origin: Workspace | None = None
    ) -> Actor:
        """The acting person, with their configured role unless one is given (the console),
        and the workspace they act from when the platform says (``origin``)."""
        return Actor(user=user, role=role or self.policy.role_of(user), origin=origin)

    async def run_text(
        self,
        *,
        actor: Actor,
        text: str,
        delivery_key: str | None = None,
        receipt_to: ChatUser | None = None,
    ) -> Outcome:
        """Parse and run one command line. See ``run`` for the keyword arguments."""
        try:
            command = parse(text)
        except CommandError as exc:
            log.info("rejected command from %s: %s", actor.user, type(exc).__name__)
            return Outcome(reply=error_reply(exc.reason, exc.usage), error_field=exc.field)
        return await self.run(
            actor=actor, command=command, delivery_key=delivery_key, receipt_to=receipt_to
        )

    async def submit(
        self,
        *,
        actor: Actor,
        form: forms.Form,
        ref: str | None,
        values: dict[str, Value],
        delivery_key: str | None = None,
        receipt_to: ChatUser | None = None,
    ) -> Outcome:
        """Run a submitted form. On a refusal the outcome carries the form again (``form``)
        with the reason on the field it is about, and nothing has changed."""
        shown = {key: _as_text(value) for key, value in values.items()}
        try:
            command = parse_form(form, ref=ref, values=values)
        except CommandError as exc:
            log.info("rejected form from %s: %s", actor.user, type(exc).__name__)
            failed = Outcome(reply=error_reply(exc.reason, exc.usage), error_field=exc.field)
            return _with_errors(failed, form, ref, shown)
        outcome = await self.run(
            actor=actor, command=command, delivery_key=delivery_key, receipt_to=receipt_to
        )
        if outcome.reply.tone == Tone.ERROR:
            return _with_errors(outcome, form, ref, shown)
        return outcome

    async def press(
        self, *, actor: Actor, action: str, ref: str, delivery_key: str | None = None
    ) -> Outcome:
        """A ticket button: show the ticket, answer with the form the action needs, or run it.

        The privacy-team check here only spares showing a form the person cannot submit (a
        plain notice instead); the use case refuses too, whatever reaches it.
        """
        try:
            ticket = TicketRef.parse(ref)
        except ValueError:
            return Outcome(
                reply=error_reply(f"{ref[:40]!r} is not a ticket reference", "/dsar help")
            )
        found = forms.find_action(ticket, action)
        if found is None:
            usage = usage_for(ticket.group)
            return Outcome(
                reply=error_reply(f"{action[:40]!r} is not an action on {ticket}", usage)
            )
        if found is forms.SHOW:
            return await self.run(actor=actor, command=c.ShowTicket(ref=str(ticket)))
        if not actor.role.is_privacy_team:
            text = f"Only the privacy team may use {action} on {ticket}; nothing changed."
            return Outcome(reply=Reply(text=text, tone=Tone.ERROR, notice=True, personal=False))
        if found.form is not None:
            request = forms.FormRequest(form=found.form, ref=str(ticket))
            return Outcome(reply=Reply(text=f"{ticket}: {found.label}"), form=request)
        return await self.run(
            actor=actor, command=action_command(ticket, action), delivery_key=delivery_key
        )

    async def answer_search(
        self, *, actor: Actor, task: str, answer: str, delivery_key: str | None = None
    ) -> Outcome:
        """A search task's answer button (``forms.SEARCH_ANSWERS``) pressed by ``actor``; the
        use case checks that they own the task."""
        try:
            chosen = SearchAnswer(answer)
            task_id = int(task)
        except ValueError:
            text = "That button is out of date; nothing changed."
            return Outcome(reply=Reply(text=text, tone=Tone.ERROR, notice=True, personal=False))
        command = sc.AnswerSearch(ref=None, answer=chosen, task_id=task_id)
        return await self.run(actor=actor, command=command, delivery_key=delivery_key)

    async def run(
        self,
        *,
        actor: Actor,
        command: c.Command,
        delivery_key: str | None = None,
        receipt_to: ChatUser | None = None,
    ) -> Outcome:
        """Run one command in one transaction.

        ``delivery_key`` identifies the platform delivery (a Slack trigger_id, an event id): a
        retry of the same delivery changes nothing. ``receipt_to`` also sends the reply to that
        person as a direct message, durably (for forms, which have nowhere to reply in place).
        """
        started = time.perf_counter()  # a duration, not "now": the clock is not involved
        outcome = await self._run(actor, command, delivery_key, receipt_to)
        if self.observe is not None:
            result = "refused" if outcome.reply.tone == Tone.ERROR else "ok"
            self.observe(type(command).__name__, result, time.perf_counter() - started)
        return outcome

    async def _run(
        self,
        actor: Actor,
        command: c.Command,
        delivery_key: str | None,
        receipt_to: ChatUser | None,
    ) -> Outcome:
        ctx = Context(actor=actor, now=self.clock.now().astimezone(UTC), policy=self.policy)
        try:
            outcome = await self._execute(ctx, command, delivery_key, receipt_to)
        except Duplicate as exc:
            log.info("ignored a retried delivery of %s from %s", type(command).__name__, actor.user)
            done = f" as {exc.ref}" if exc.ref else ""
            text = f"Already done{done}: this was a repeat of the same request, so nothing changed."
            return Outcome(reply=Reply(text=text, ref=exc.ref or None, tone=Tone.INFO))
        except Refusal as exc:
            log.info("refused %s from %s", type(command).__name__, actor.user)
            return Outcome(reply=error_reply(str(exc), usage_of(command)), error_field=exc.field)
        except InvalidToken:  # one value no key opens: say so, and let the desk carry on
            log.error("%s: a stored value cannot be decrypted", type(command).__name__)
            reason = (
                "a stored value cannot be read with the data keys given (written behind the "
                "desk's back, or with a key no longer listed): run privacy-desk audit verify"
            )
            return Outcome(reply=error_reply(reason, usage_of(command)))
        except WriterBusy as exc:
            log.warning("%s not applied: %s", type(command).__name__, exc)
            reason = (
                "Not logged: the desk is too busy to record this right now, so nothing changed. "
                "Please send it again in a minute."
            )
            return Outcome(reply=error_reply(reason, usage_of(command)))
        log.info(
            "%s by %s%s",
            type(command).__name__,
            actor.user,
            f" -> {outcome.reply.ref}" if outcome.reply.ref else "",
        )
        if self.sender is not None and (outcome.posts or outcome.direct or outcome.changed):
            if self.deliver_now:
                await self.sender.run_once()
            else:
                self.sender.kick()
        return outcome

    async def overview(self, *, actor: Actor) -> Overview:
        """A person's open tickets (``reads.overview``), read in one transaction."""
        ctx = Context(actor=actor, now=self.clock.now().astimezone(UTC), policy=self.policy)
        async with transaction(self.sessions) as session:
            return await reads.overview(ctx, session)

    async def open_home(self, *, actor: Actor) -> Overview:
        """``overview``, for a home page the actor just opened: remembered, so that later
        changes to what it lists publish it again (``handlers.home``)."""
        ctx = Context(actor=actor, now=self.clock.now().astimezone(UTC), policy=self.policy)
        async with transaction(self.sessions) as session:
            return await home.opened(ctx, session)

    async def tell(self, *, to: ChatUser, reply: Reply) -> None:
        """Send ``reply`` to one person privately, durably (through the outbox)."""
        now = self.clock.now().astimezone(UTC)
        async with transaction(self.sessions) as session:
            await enqueue_direct(
                session=session, platform=to.platform, user=to.external_id, reply=reply, now=now
            )
        if self.sender is not None:
            if self.deliver_now:
                await self.sender.run_once()
            else:
                self.sender.kick()

    async def _execute(
        self, ctx: Context, command: c.Command, key: str | None, receipt_to: ChatUser | None
    ) -> Outcome:
        if isinstance(command, c.Help):
            return reads.help_reply(command.group, privacy_team=ctx.actor.role.is_privacy_team)
        if isinstance(command, c.DeadlineQuery):
            return reads.deadline(ctx, command)
        form = FORM_COMMANDS.get(type(command))
        if form is forms.FIND:
            ctx.require_privacy_team("search for requesters")
        if form is not None:
            ref: str | None = getattr(command, "ref", None)
            if ref is not None:  # a ticket's form: only for those who may submit it
                ctx.require_privacy_team("correct tickets")
            # Platforms that can show the form do; to any other the reply says what to type.
            reason = "this needs the form: give the fields as arguments here"
            reply = error_reply(reason, usage_of(command))
            return Outcome(reply=reply, form=forms.FormRequest(form=form, ref=ref))
        if isinstance(command, c.NewRequest | c.NewBreach):  # many to a statement: opening
            opening = Opening(ctx=ctx, command=command, key=key, receipt_to=receipt_to)
            outcome: Outcome = await self.writer.run_item(OPENER, opening)
            return outcome
        use_case = MUTATIONS.get(type(command)) or READS.get(type(command))
        if use_case is None:  # pragma: no cover - every command type is mapped
            raise Refusal(f"{type(command).__name__} is not supported")

        async def work(session: AsyncSession) -> Outcome:
            # The delivery key is recorded last, with the reference, in one statement; a repeat
            # is found there (or, if the repeat is refused, by looking) and rolled back.
            try:
                outcome = await use_case(ctx, session, command)
            except Refusal:
                if key is not None:
                    first = await repo.delivered(session=session, key=key)
                    if first is not None:
                        raise Duplicate(first) from None
                raise
            if receipt_to is not None and outcome.reply.personal:
                outcome = replace(
                    outcome,
                    direct=(*outcome.direct, DirectMessage(to=receipt_to, reply=outcome.reply)),
                )
            await enqueue_outcome(session=session, policy=ctx.policy, outcome=outcome, now=ctx.now)
            refs = home.changed_refs(outcome)  # home pages that list them are published again
            await home.refresh(session=session, policy=ctx.policy, refs=refs, now=ctx.now)
            if key is not None:
                first = await repo.record_inbound(
                    session=session, key=key, ref=outcome.reply.ref, at=ctx.now
                )
                if first is not None:
                    raise Duplicate(first)
            return outcome

        if type(command) in MUTATIONS:
            return await self.writer.run(work)
        return await alone(self.sessions, work)


def _as_text(value: Value) -> str:
    """A submitted value as a form input shows it again (after a refusal)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
