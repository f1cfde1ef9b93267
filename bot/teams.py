"""Microsoft Teams through the Microsoft 365 Agents SDK: an ActivityHandler that translates.

Messages (``dsar …`` / ``breach …``, with or without the slash, in a personal chat or with an
@mention in a channel) and Adaptive Card submissions become commands for the same ``Desk`` the
Slack adapter uses. In a channel nothing personal is answered in place: replies go to the
person's personal chat through the outbox. Conversation references are stored on every turn,
so nudges and compliance posts can be sent proactively by any replica.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from microsoft_agents.activity import Activity, Attachment, ConversationReference
from microsoft_agents.hosting.core import (
    ActivityHandler,
    ChannelServiceAdapter,
    MessageFactory,
    TurnContext,
)

from bot.forms import breach_text, field_errors, needs_form, request_text, ticket_text
from bot.render import teams as cards
from handlers import conversations
from handlers.desk import Desk
from handlers.ports import ChatUser, Reply, Tone

log = logging.getLogger(__name__)
PLATFORM = "teams"
COMMAND = re.compile(r"^/?(dsar|breach)\b(.*)$", re.IGNORECASE | re.DOTALL)
PUBLIC_ACTIONS = ("help", "deadline")  # nothing personal: fine to answer in a channel
PRIVATE_NOTE = "Done — I've sent the details to you in a personal chat with privacy-desk."
PRIVATE_FAILED = "That did not work; I've sent you the reason in a personal chat."


def tenant_of(activity: dict[str, Any] | Activity) -> str | None:
    data = activity if isinstance(activity, dict) else activity.model_dump(by_alias=True)
    channel_data = data.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}).get("id")
    return tenant or (data.get("conversation") or {}).get("tenantId")


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

    def _user(self, activity: Activity) -> ChatUser | None:
        sender = activity.from_property
        if sender is None or not sender.aad_object_id:
            return None
        return ChatUser(PLATFORM, sender.aad_object_id)

    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        user = self._user(activity)
        if user is None:
            await turn_context.send_activity(
                "privacy-desk works with Microsoft Entra accounts only."
            )
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
        if rest.lower() == "new":
            form = cards.request_form() if group == "dsar" else cards.breach_form()
            await self._answer(turn_context, user, card=form, fallback=f"{group} new form")
            return
        await self._run(turn_context, user, f"/{group} {rest}")

    async def _run(self, turn_context: TurnContext, user: ChatUser, text: str) -> Reply:
        activity = turn_context.activity
        words = text.split()
        public = len(words) > 1 and words[1].lower() in PUBLIC_ACTIONS
        private = channel_key(activity) is not None and not public
        outcome = await self.desk.run_text(
            actor=self.desk.actor(user),
            text=text,
            delivery_key=f"teams:{activity.id}",
            receipt_to=user if private else None,
        )
        if private and outcome.reply.tone == Tone.ERROR:
            await self.desk.tell(to=user, reply=outcome.reply)
        if private:
            failed = outcome.reply.tone == Tone.ERROR
            await turn_context.send_activity(PRIVATE_FAILED if failed else PRIVATE_NOTE)
        else:
            await turn_context.send_activity(
                card_activity(cards.reply(outcome.reply), outcome.reply.text)
            )
        return outcome.reply

    async def _answer(
        self, turn_context: TurnContext, user: ChatUser, *, card: cards.Card, fallback: str
    ) -> None:
        """Send a card to this person only (forms may be filled in with personal data)."""
        if channel_key(turn_context.activity) is None:
            await turn_context.send_activity(card_activity(card, fallback))
            return
        stored = await conversations.lookup(
            sessions=self.desk.sessions, platform=PLATFORM, key=user.external_id
        )
        if stored is None or self.adapter is None:
            await turn_context.send_activity(
                "Forms can hold personal data, so I only show them in a personal chat: open a "
                "chat with privacy-desk and type the command there."
            )
            return
        reference = ConversationReference.model_validate_json(stored)

        async def send_form(context: TurnContext) -> None:
            await context.send_activity(card_activity(card, fallback))

        await self.adapter.continue_conversation(
            self.app_id, reference.get_continuation_activity(), send_form
        )
        await turn_context.send_activity("I've sent you the form in a personal chat.")

    async def _on_card(
        self, turn_context: TurnContext, user: ChatUser, value: dict[str, Any]
    ) -> None:
        kind = value.get(cards.MARK)
        fields = {
            k: str(v)
            for k, v in value.items()
            if k not in (cards.MARK, "form", "action", "ref") and str(v).strip()
        }
        if kind == "action":
            await self._on_action(
                turn_context, user, str(value.get("action", "")), str(value.get("ref", ""))
            )
        elif value.get("form") == cards.REQUEST_FORM:
            await self._submit(
                turn_context,
                user,
                request_text(fields),
                fields,
                lambda v, e: cards.request_form(v, e),
                ("type", "name", "email", "received", "via", "details"),
            )
        elif value.get("form") == cards.BREACH_FORM:
            if "aware" not in fields and "aware_date" in fields and "aware_time" in fields:
                fields["aware"] = cards.local_moment(fields["aware_date"], fields["aware_time"])
            command_fields = {
                k: v for k, v in fields.items() if k not in ("aware_date", "aware_time")
            }
            await self._submit(
                turn_context,
                user,
                breach_text(command_fields),
                fields,
                lambda v, e: cards.breach_form(v, e),
                ("aware", "summary", "data", "people", "subjects", "records"),
            )
        elif value.get("form") == cards.TICKET_FORM:
            action, ref = str(value.get("action", "")), str(value.get("ref", ""))
            await self._submit(
                turn_context,
                user,
                ticket_text(action, ref, fields),
                fields,
                lambda v, e: cards.ticket_form(action, ref, v, e) or {},
                tuple(fields) or ("reason",),
            )

    async def _submit(
        self,
        turn_context: TurnContext,
        user: ChatUser,
        text: str,
        values: dict[str, str],
        rebuild: Any,
        blocks: tuple[str, ...],
    ) -> None:
        activity = turn_context.activity
        outcome = await self.desk.run_text(
            actor=self.desk.actor(user), text=text, delivery_key=f"teams:{activity.id}"
        )
        if outcome.reply.tone == Tone.ERROR:
            errors = field_errors(outcome.reply.text, blocks)
            if "aware" in errors:
                errors["aware_date"] = errors.pop("aware")
            card = rebuild(values, errors)
            if activity.reply_to_id:
                updated = card_activity(card, outcome.reply.text)
                updated.id = activity.reply_to_id
                await turn_context.update_activity(updated)
            else:
                await turn_context.send_activity(card_activity(card, outcome.reply.text))
            return
        await turn_context.send_activity(
            card_activity(cards.reply(outcome.reply), outcome.reply.text)
        )

    async def _on_action(
        self, turn_context: TurnContext, user: ChatUser, action: str, ref: str
    ) -> None:
        group = "breach" if ref.startswith("BREACH-") else "dsar"
        if action == "show":
            await self._run(turn_context, user, f"/{group} show {ref}")
            return
        if not self.desk.actor(user).role.is_privacy_team:
            # The core refuses too; this spares showing a form the person cannot submit.
            await turn_context.send_activity(
                f"Only the privacy team may use {action} on {ref}; nothing changed."
            )
            return
        if needs_form(action, ref):
            form = cards.ticket_form(action, ref)
            assert form is not None
            await self._answer(turn_context, user, card=form, fallback=f"{ref}: {action}")
            return
        await self._run(turn_context, user, f"/{group} {action} {ref}")
