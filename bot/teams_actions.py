"""Adaptive Card Universal Actions: the ``adaptiveCard/action`` invoke, answered in place.

A press of an ``Action.Execute`` arrives as an invoke whose ``value.action`` holds the verb and
the data (the card's inputs merged in). It is translated, like a message, into a press, a form
submission or a search answer for the ``Desk``, and answered with a card that replaces the one
pressed (``application/vnd.microsoft.card.adaptive``) or a line of text
(``application/vnd.microsoft.activity.message``).

The ``refresh`` verb draws a compliance post for whoever asks: the privacy team's view has the
ticket's buttons, everyone else's the state only. The view is chosen from the caller's verified
identity (``from.aadObjectId`` mapped to a role by the policy), never from the card's data.

In a channel nothing personal is answered in place, since a card redrawn there is a shared
card: a personal reply goes to the person's personal chat, and the answer says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from microsoft_agents.activity import AdaptiveCardInvokeValue, ConversationReference, InvokeResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import teams as cards
from handlers import channel_view, conversations, forms
from handlers.policy import Policy
from handlers.ports import Actor, ChatUser, Outcome, Tone

if TYPE_CHECKING:
    from microsoft_agents.hosting.core import TurnContext

    from bot.teams import TeamsAgent

log = logging.getLogger(__name__)
INVOKE_NAME = "adaptiveCard/action"
PRIVATE_NOTE = "Done — I've sent the details to you in a personal chat with privacy-desk."
PRIVATE_FAILED = "That did not work; I've sent you the reason in a personal chat."
OUT_OF_DATE = "That card is out of date; nothing changed."
ENTRA_ONLY = "privacy-desk works with Microsoft Entra accounts only."


def card_response(card: cards.Card) -> InvokeResponse:
    body = {"statusCode": 200, "type": cards.CONTENT_TYPE, "value": card}
    return InvokeResponse(status=200, body=body)


def message_response(text: str) -> InvokeResponse:
    body = {"statusCode": 200, "type": cards.MESSAGE_TYPE, "value": text}
    return InvokeResponse(status=200, body=body)


def _bad_request(message: str) -> InvokeResponse:
    error = {"code": "BadRequest", "message": message}
    body = {"statusCode": 400, "type": "application/vnd.microsoft.error", "value": error}
    return InvokeResponse(status=400, body=body)


def privacy_members(policy: Policy, platform: str) -> list[ChatUser]:
    """The privacy team and DPOs configured for ``platform``, in a stable order."""
    members = {u for u in policy.privacy_team | policy.dpo if u.platform == platform}
    return sorted(members, key=lambda u: u.external_id)


async def refresh_ids(
    *, sessions: async_sessionmaker[AsyncSession], members: Iterable[ChatUser]
) -> tuple[str, ...]:
    """The Teams user ids (``29:…``) of ``members``, for a card's ``refresh.userIds``: taken
    from the personal chat each one has had with the bot (the README asks the privacy team to
    open one). Anyone not listed, or beyond Teams' 60, can still refresh the card by hand."""
    found: list[str] = []
    for member in members:
        stored = await conversations.lookup(
            sessions=sessions, platform=member.platform, key=member.external_id
        )
        if stored is None:
            continue
        user = ConversationReference.model_validate_json(stored).user
        if user is not None and user.id and user.id not in found:
            found.append(user.id)
    if len(found) > cards.MAX_REFRESH_USERS:
        log.warning(
            "%d privacy team members: only the first %d see their buttons without refreshing",
            len(found),
            cards.MAX_REFRESH_USERS,
        )
    return tuple(found[: cards.MAX_REFRESH_USERS])


async def living_post(agent: TeamsAgent, actor: Actor | None, ref: str) -> cards.Card | None:
    """``ref``'s compliance post as it reads now, with the buttons ``actor`` may use (none
    when the caller is not known); None if there is no such ticket."""
    desk = agent.desk
    post = await channel_view.current_post(sessions=desk.sessions, ref=ref)
    if post is None:
        return None
    members = privacy_members(desk.policy, agent.platform)
    return cards.channel_post(
        post,
        desk.policy.timezone,
        refresh_for=await refresh_ids(sessions=desk.sessions, members=members),
        actions=channel_view.post_actions(post, actor) if actor is not None else (),
    )


async def on_action(
    agent: TeamsAgent, turn_context: TurnContext, *, in_channel: bool
) -> InvokeResponse:
    """Answer one ``adaptiveCard/action`` invoke."""
    activity = turn_context.activity
    try:
        value = AdaptiveCardInvokeValue.model_validate(activity.value)
    except ValidationError:
        return _bad_request("the invoke carries no Action.Execute")
    if value.action.type != "Action.Execute":
        return _bad_request(f"{value.action.type[:40]!r} is not an Action.Execute")
    data: dict[str, Any] = dict(value.action.data)
    verb = value.action.verb or ""
    user = agent.user_of(activity)
    if verb == cards.REFRESH:
        actor = agent.desk.actor(user) if user is not None else None
        card = await living_post(agent, actor, str(data.get("ref", "")))
        return message_response(OUT_OF_DATE) if card is None else card_response(card)
    if user is None:
        return message_response(ENTRA_ONLY)
    desk, actor = agent.desk, agent.desk.actor(user)
    key = f"teams:{activity.id}" if activity.id else None  # a retried invoke changes nothing
    ref = str(data.get("ref", ""))
    if verb == cards.ACTION:
        action = str(data.get("action", ""))
        outcome = await desk.press(actor=actor, action=action, ref=ref, delivery_key=key)
        return await _answer(agent, user, outcome, in_channel=in_channel, ref=ref)
    if verb == cards.SEARCH:
        outcome = await desk.answer_search(
            actor=actor,
            task=str(data.get("task", "")),
            answer=str(data.get("answer", "")),
            delivery_key=key,
        )
        return await _answer(agent, user, outcome, in_channel=in_channel)
    if verb == cards.FORM:
        wire, action = str(data.get("form", "")), str(data.get("action", ""))
        form = forms.find_form(wire, action=action, ref=ref or None)
        if form is None:
            return message_response(OUT_OF_DATE)
        values, typed = cards.read_form(form, data)
        outcome = await desk.submit(
            actor=actor,
            form=form,
            ref=ref or None,
            values=values,
            delivery_key=key,
            receipt_to=user if in_channel else None,
        )
        if outcome.form is not None:  # refused: the same card, what was typed kept
            outcome = replace(outcome, form=replace(outcome.form, values=typed))
        return await _answer(agent, user, outcome, in_channel=in_channel, told=True)
    return message_response(OUT_OF_DATE)


async def _answer(
    agent: TeamsAgent,
    user: ChatUser,
    outcome: Outcome,
    *,
    in_channel: bool,
    ref: str = "",
    told: bool = False,
) -> InvokeResponse:
    """The invoke's answer. In a personal chat: the reply's card (or the form) in place of the
    card pressed. Anywhere else (a channel): nothing personal — the form and any personal reply go
    to the personal chat (``told``: the core already queued the reply as a receipt), and a
    change redraws the compliance post with its new state."""
    reply = outcome.reply
    if outcome.form is not None:
        if not in_channel:
            return card_response(cards.form_card(outcome.form))
        return message_response(await agent.form_privately(user, outcome.form, reply.text))
    if reply.notice:
        return message_response(reply.text)
    if not in_channel:
        return card_response(cards.reply(reply))
    if reply.tone == Tone.ERROR:
        if not reply.personal:
            return message_response(reply.text)
        await agent.desk.tell(to=user, reply=reply)
        return message_response(PRIVATE_FAILED)
    if reply.personal and not told:
        await agent.desk.tell(to=user, reply=reply)
    if outcome.changed and ref:
        card = await living_post(agent, agent.desk.actor(user), ref)
        if card is not None:
            return card_response(card)
    return message_response(PRIVATE_NOTE if reply.personal else reply.text)
