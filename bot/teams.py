"""Microsoft Teams through the Microsoft 365 Agents SDK: an ActivityHandler that translates.

Messages (``dsar …`` / ``breach …``, with or without the slash, in a personal chat or with an
@mention in a channel) and Adaptive Card submissions become commands for the same ``Desk`` the
Slack adapter uses. In a channel nothing personal is answered in place: replies go to the
person's personal chat through the outbox. Conversation references are stored on every turn,
so nudges and compliance posts can be sent proactively by any replica.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from typing import Any

from microsoft_agents.activity import Activity, Attachment, ConversationReference, InvokeResponse
from microsoft_agents.hosting.core import (
    ActivityHandler,
    ChannelServiceAdapter,
    MessageFactory,
    TurnContext,
)

from bot import teams_actions as universal
from bot.render import teams as cards
from bot.teams_actions import ENTRA_ONLY, OUT_OF_DATE
from bot.teams_actions import PRIVATE_FAILED as PRIVATE_FAILED  # re-exported: what a channel reads
from bot.teams_actions import PRIVATE_NOTE as PRIVATE_NOTE
from bot.teams_people import Unresolved, resolve_people
from handlers import conversations, forms
from handlers.desk import Desk, error_reply
from handlers.forms import FormRequest
from handlers.ports import ChatUser, Outcome, Tone
from handlers.triage import propose
from handlers.triage.prefill import explain, form_for
from handlers.usage import usage_for

log = logging.getLogger(__name__)
PLATFORM = "teams"
COMMAND = re.compile(r"^/?(dsar|breach)\b(.*)$", re.IGNORECASE | re.DOTALL)


def tenant_of(activity: dict[str, Any] | Activity) -> str | None:
    data = activity if isinstance(activity, dict) else activity.model_dump(by_alias=True)
    tenant = _field(_field(data.get("channelData"), "tenant"), "id")
    found = tenant or _field(data.get("conversation"), "tenantId")
    return found if isinstance(found, str) else None


def _field(value: Any, key: str) -> Any:
    """``value[key]`` when ``value`` is an object, else None (a hostile body may send 1)."""
    return value.get(key) if isinstance(value, dict) else None


def channel_key(activity: Activity) -> str | None:
    """The channel's conversation id (without ``;messageid=``) when the turn is in a channel."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type != "channel":
        return None
    return conversation.id.split(";", 1)[0]


def card_activity(card: cards.Card, fallback: str) -> Activity:
    attachment = Attachment(content_type=cards.CONTENT_TYPE, content=card)
    activity: Activity = MessageFactory.attachment(attachment)
    activity.summary = fallback[:200]
    return activity


class TeamsAgent(ActivityHandler):
    platform = PLATFORM

    def __init__(
        self, desk: Desk, *, adapter: ChannelServiceAdapter | None = None, app_id: str = ""
    ) -> None:
        self.desk = desk
        self.adapter = adapter  # for forms asked for in a channel: sent to the personal chat
        self.app_id = app_id

    async def on_turn(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        await self._remember(turn_context.activity)
        await super().on_turn(turn_context)

    async def _remember(self, activity: Activity) -> None:
        """Store where to write to this person (personal chat) or this channel, for later."""
        reference = activity.get_conversation_reference().model_dump_json(
            by_alias=True, exclude_none=True
        )
        tenant, sender = tenant_of(activity), activity.from_property
        key = channel_key(activity)
        conversation_type = (
            activity.conversation.conversation_type if activity.conversation else None
        )
        if key is None and conversation_type == "personal" and sender and sender.aad_object_id:
            key = sender.aad_object_id
        if key is not None:
            await conversations.remember(
                sessions=self.desk.sessions,
                platform=PLATFORM,
                key=key,
                tenant=tenant,
                reference=reference,
                now=self.desk.clock.now(),
            )

    def user_of(self, activity: Activity) -> ChatUser | None:
        sender = activity.from_property
        if sender is None or not sender.aad_object_id:
            return None
        return ChatUser(PLATFORM, sender.aad_object_id)

    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        user = self.user_of(activity)
        if user is None:
            await turn_context.send_activity(ENTRA_ONLY)
            return
        if isinstance(activity.value, dict) and activity.value.get(cards.MARK):
            await self._on_card(turn_context, user, activity.value)
            return
        text = TurnContext.remove_recipient_mention(activity) or activity.text or ""
        match = COMMAND.match(text.strip())
        if match is None:
            await turn_context.send_activity("Try `dsar help` or `breach help`.")
            return
        group, rest = match.group(1).lower(), match.group(2).strip()
        policy = self.desk.policy
        known = {u.external_id for u in policy.privacy_team | policy.dpo if u.platform == PLATFORM}
        people = resolve_people(rest, activity, known=known)
        if isinstance(people, Unresolved):
            action = rest.split()[0].lower()
            reply = error_reply(people.reason, usage_for(group, action))
            await self._answer(turn_context, user, Outcome(reply=reply))
            return
        rest = people
        in_channel = channel_key(activity) is not None
        outcome = await self.desk.run_text(
            actor=self.desk.actor(user),
            text=f"/{group} {rest}",
            delivery_key=f"teams:{activity.id}",
            receipt_to=user if in_channel else None,
        )
        await self._answer(turn_context, user, outcome)

    async def _answer(
        self, turn_context: TurnContext, user: ChatUser, outcome: Outcome, *, told: bool = True
    ) -> None:
        """Show an outcome where it belongs: a form or anything personal only to this person.
        In a channel a personal reply goes to their personal chat: through the outbox as a
        receipt when ``told``, else sent here (a button press carries no receipt)."""
        if outcome.form is not None:
            await self._send_form(turn_context, user, outcome.form, outcome.reply.text)
            return
        reply = outcome.reply
        if reply.notice:
            await turn_context.send_activity(reply.text)
            return
        if channel_key(turn_context.activity) is not None and reply.personal:
            failed = reply.tone == Tone.ERROR
            if failed or not told:
                await self.desk.tell(to=user, reply=reply)
            await turn_context.send_activity(PRIVATE_FAILED if failed else PRIVATE_NOTE)
            return
        await turn_context.send_activity(card_activity(cards.reply(reply), reply.text))

    async def _send_form(
        self,
        turn_context: TurnContext,
        user: ChatUser,
        request: FormRequest,
        fallback: str,
        *,
        replace_id: str | None = None,
    ) -> None:
        """Send a form to this person only (forms may be filled in with personal data): in a
        channel it goes to their personal chat, and is never drawn (or redrawn) in the channel.
        ``replace_id`` updates the card the person submitted instead of sending a new one."""
        if channel_key(turn_context.activity) is None:
            card = card_activity(cards.form_card(request), fallback)
            if replace_id:
                card.id = replace_id
                await turn_context.update_activity(card)
            else:
                await turn_context.send_activity(card)
            return
        await turn_context.send_activity(await self.form_privately(user, request, fallback))

    async def form_privately(self, user: ChatUser, request: FormRequest, fallback: str) -> str:
        """Send a form asked for in a channel to the person's personal chat; what to tell them
        in the channel."""
        card = card_activity(cards.form_card(request), fallback)
        stored = await conversations.lookup(
            sessions=self.desk.sessions, platform=PLATFORM, key=user.external_id
        )
        if stored is None or self.adapter is None:
            return (
                "Forms can hold personal data, so I only show them in a personal chat: open a "
                "chat with privacy-desk and type the command there."
            )
        reference = ConversationReference.model_validate_json(stored)

        async def send_form(context: TurnContext) -> None:
            await context.send_activity(card)

        await self.adapter.continue_conversation(
            self.app_id, reference.get_continuation_activity(), send_form
        )
        return "I've sent you the form in a personal chat."

    async def _on_card(
        self, turn_context: TurnContext, user: ChatUser, value: dict[str, Any]
    ) -> None:
        activity = turn_context.activity
        actor = self.desk.actor(user)
        ref = str(value.get("ref", "")) or None
        action = str(value.get("action", ""))
        if value.get(cards.MARK) == "search":  # a system owner's answer (issue 17)
            outcome = await self.desk.answer_search(
                actor=actor,
                task=str(value.get("task", "")),
                answer=str(value.get("answer", "")),
                delivery_key=f"teams:{activity.id}",
            )
            await self._answer(turn_context, user, outcome, told=False)
            return
        if value.get(cards.MARK) == "action":
            outcome = await self.desk.press(
                actor=actor, action=action, ref=ref or "", delivery_key=f"teams:{activity.id}"
            )
            await self._answer(turn_context, user, outcome, told=False)
            return
        form = forms.find_form(str(value.get("form", "")), action=action, ref=ref)
        if form is None:
            await turn_context.send_activity(OUT_OF_DATE)
            return
        values, typed = cards.read_form(form, value)
        in_channel = channel_key(activity) is not None
        outcome = await self.desk.submit(
            actor=actor,
            form=form,
            ref=ref,
            values=values,
            delivery_key=f"teams:{activity.id}",
            receipt_to=user if in_channel else None,
        )
        if outcome.form is not None:
            # Refused: the same card again, what was typed kept, the reason under its input.
            again = replace(outcome.form, values=typed)
            await self._send_form(
                turn_context, user, again, outcome.reply.text, replace_id=activity.reply_to_id
            )
            return
        await self._answer(turn_context, user, outcome)

    # --- message extension: "Log as privacy request" on a message ---------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:  # type: ignore[override]
        name = turn_context.activity.name
        if name == "composeExtension/fetchTask":
            return await self._fetch_task(turn_context)
        if name == "composeExtension/submitAction":
            return await self._submit_action(turn_context)
        if name == universal.INVOKE_NAME:
            # Anything but a personal chat is shared: nothing personal is answered in place.
            conversation = turn_context.activity.conversation
            shared = conversation is None or conversation.conversation_type != "personal"
            return await universal.on_action(self, turn_context, in_channel=shared)
        return await super().on_invoke_activity(turn_context)

    async def _fetch_task(self, turn_context: TurnContext) -> InvokeResponse:
        """The action command on a message: the form triage proposes, filled in, as a dialog."""
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        text = message_text(value.get("messagePayload") or {})
        proposal = propose(text)
        request = form_for(proposal, text)
        card = cards.form_card(request, note=explain(proposal), dialog=True)
        return _task(card, request.form.title)

    async def _submit_action(self, turn_context: TurnContext) -> InvokeResponse:
        """The dialog's form submitted: log it, or show it again with the reason on its field."""
        activity = turn_context.activity
        user = self.user_of(activity)
        value = activity.value if isinstance(activity.value, dict) else {}
        raw = value.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        form = forms.find_form(str(data.get("form", "")), action="", ref=None)
        if user is None or form is None:
            return _task_message("That form is out of date; nothing was logged.")
        values, typed = cards.read_form(form, data)
        outcome = await self.desk.submit(
            actor=self.desk.actor(user),
            form=form,
            ref=None,
            values=values,
            delivery_key=f"teams:{activity.id}",
        )
        if outcome.form is not None:
            again = replace(outcome.form, values=typed)
            return _task(cards.form_card(again, dialog=True), form.title)
        return _task_message(outcome.reply.text)


def message_text(payload: dict[str, Any]) -> str:
    """The words of the message an action command was run on (Teams sends HTML)."""
    body = payload.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "")).lower() == "html":
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return content.strip()


def _task(card: cards.Card, title: str) -> InvokeResponse:
    attachment = {"contentType": cards.CONTENT_TYPE, "content": card}
    value = {"title": title, "card": attachment}
    return InvokeResponse(status=200, body={"task": {"type": "continue", "value": value}})


def _task_message(text: str) -> InvokeResponse:
    return InvokeResponse(status=200, body={"task": {"type": "message", "value": text}})
