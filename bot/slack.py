"""slack-bolt listeners: translate a Slack payload into a command, await the desk, render.

No SQL and no legal rules here. Every listener acks inside Slack's 3 seconds with the result
(``process_before_response=True``: the ticket is committed before the receipt is shown);
channel posts and DMs go through the outbox. Each delivery carries a key (trigger id, view id,
action timestamp) so a retried delivery changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render import slack as render
from bot.render import slack_views as views
from bot.slack_people import Unresolved, resolve_people
from bot.slack_workspace import team_guard, workspace_of
from handlers import forms
from handlers.desk import Desk, error_reply
from handlers.forms import FieldValue
from handlers.ports import Actor, ChatUser
from handlers.triage import propose
from handlers.triage.prefill import explain, form_for
from handlers.usage import usage_for

log = logging.getLogger(__name__)
PLATFORM = "slack"
NEW_REQUEST_SHORTCUT = "new_privacy_request"  # the global shortcut (deploy/slack-manifest.yaml)


def _user(user_id: str) -> ChatUser:
    return ChatUser(PLATFORM, user_id)


def _values(view: dict[str, Any]) -> dict[str, FieldValue]:
    """A submitted modal's inputs keyed by block id (= the form's field), empty ones left out;
    the datetime picker's instant is already a moment, so it is passed as one."""
    found: dict[str, FieldValue] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        element = actions.get("value", {})
        value: Any = (
            element.get("value")
            or (element.get("selected_option") or {}).get("value")
            or element.get("selected_date")
            or element.get("selected_user")
            or element.get("selected_date_time")
        )
        if value in (None, ""):
            continue
        if element.get("type") == "datetimepicker":
            try:
                found[block_id] = datetime.fromtimestamp(int(value), tz=UTC)
            except (TypeError, ValueError, OverflowError, OSError):
                found[block_id] = str(value)  # the grammar says what is wrong with it
        else:
            found[block_id] = str(value)
    return found


class SlackAdapter:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _actor(self, user: ChatUser, body: dict[str, Any]) -> Actor:
        return self.desk.actor(user, origin=workspace_of(body))

    # --- slash commands ---------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        command, text = body.get("command", ""), body.get("text", "").strip()
        user = _user(body["user_id"])
        resolved = await resolve_people(text, client)
        if isinstance(resolved, Unresolved):
            usage = usage_for(command.lstrip("/"), text.split()[0].lower())
            reply_text, blocks = render.reply(error_reply(resolved.reason, usage))
            await ack(response_type="ephemeral", text=reply_text, blocks=blocks)
            return
        text = resolved
        outcome = await self.desk.run_text(
            actor=self._actor(user, body),
            text=f"{command} {text}",
            delivery_key=_key("cmd", body),
        )
        if outcome.form is not None:
            form = views.form_modal(outcome.form)
            usage = f"/{outcome.form.form.group} {outcome.form.form.action}"
            await self._open(ack, client, body["trigger_id"], form, usage)
            return
        reply_text, blocks = render.reply(outcome.reply)
        await ack(response_type="ephemeral", text=reply_text, blocks=blocks)

    async def _open(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        trigger: str,
        view: dict[str, Any],
        usage: str,
        respond: AsyncRespond | None = None,
    ) -> None:
        """Open a modal; if Slack cannot, say so to the person (in the ack for a slash command,
        through ``response_url`` for buttons and shortcuts, whose ack body Slack does not show)."""
        try:
            await client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            text = f"Could not open the form; type the fields instead ({usage} …)."
            if respond is None:
                await ack(response_type="ephemeral", text=text)
                return
            await ack()
            await respond(response_type="ephemeral", replace_original=False, text=text)
            return
        await ack()

    # --- modals -----------------------------------------------------------------------------

    async def on_submission(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Any of the forms: ``dsar_new``, ``breach_new``, or ``ticket_form`` (with the ref and
        action in ``private_metadata``). A refusal goes back onto the input it is about."""
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        ref = meta.get("ref") if isinstance(meta, dict) else None
        action = meta.get("action", "") if isinstance(meta, dict) else ""
        form = forms.find_form(view.get("callback_id", ""), action=str(action), ref=ref)
        if form is None:
            await ack()
            return
        user = _user(body["user"]["id"])
        outcome = await self.desk.submit(
            actor=self._actor(user, body),
            form=form,
            ref=ref,
            values=_values(view),
            delivery_key=f"slack:view:{view['id']}",
            receipt_to=user,
        )
        if outcome.form is not None and outcome.form.errors:
            errors = {key: text[:150] for key, text in outcome.form.errors.items()}
            await ack(response_action="errors", errors=errors)
            return
        await ack()

    # --- buttons and shortcuts --------------------------------------------------------------

    async def on_button(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        action = body["actions"][0]
        name, ref = action["action_id"].removeprefix("ticket_").replace("_", "-"), action["value"]
        user_id = body["user"]["id"]
        outcome = await self.desk.press(
            actor=self._actor(_user(user_id), body),
            action=name,
            ref=ref,
            delivery_key=f"slack:action:{action.get('action_ts', '')}:{user_id}",
        )
        if outcome.form is not None:
            form = views.form_modal(outcome.form)
            usage = f"/{outcome.form.form.group} {name} {ref}"
            await self._open(ack, client, body["trigger_id"], form, usage, respond)
            return
        await ack()
        if not body.get("response_url"):  # pressed on the App Home: nowhere to answer in place
            await self.desk.tell(to=_user(user_id), reply=outcome.reply)
            return
        if outcome.reply.notice:
            await respond(
                response_type="ephemeral", replace_original=False, text=outcome.reply.text
            )
            return
        reply_text, blocks = render.reply(outcome.reply)
        await respond(
            response_type="ephemeral", replace_original=False, text=reply_text, blocks=blocks
        )

    async def on_search_answer(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """A system owner's answer button on a search task (issue 17): recorded, and the
        buttons replaced by what was recorded so the message shows the answer."""
        await ack()
        action = body["actions"][0]
        user_id = body["user"]["id"]
        answer = action["action_id"].removeprefix(render.SEARCH_ACTION).replace("_", "-")
        outcome = await self.desk.answer_search(
            actor=self._actor(_user(user_id), body),
            task=str(action.get("value", "")),
            answer=answer,
            delivery_key=f"slack:action:{action.get('action_ts', '')}:{user_id}",
        )
        reply_text, blocks = render.reply(outcome.reply)
        await respond(
            response_type="ephemeral", replace_original=False, text=reply_text, blocks=blocks
        )

    async def on_message_shortcut(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """ "Log as privacy request" on a message: the request (or breach) form filled in from
        what triage proposes for the message, with the proposal and its evidence shown."""
        message, channel = body.get("message", {}), body.get("channel", {}).get("id", "")
        text = details = message.get("text", "")
        try:
            link = await client.chat_getPermalink(channel=channel, message_ts=message.get("ts", ""))
            details = f"{details}\n\nFrom: {link.get('permalink', '')}".strip()
        except SlackApiError:
            pass
        proposal = propose(text)
        request = form_for(proposal, details)
        form = views.form_modal(request, note=explain(proposal))
        usage = f"/{request.form.group} new"
        await self._open(ack, client, body["trigger_id"], form, usage, respond)

    async def on_global_shortcut(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Log a privacy request" from anywhere: the blank request form."""
        form = views.form_modal(forms.FormRequest(forms.NEW_REQUEST))
        await self._open(ack, client, body["trigger_id"], form, "/dsar new")

    # --- App Home ---------------------------------------------------------------------------

    async def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """The App Home: the person's open tickets with their buttons, remembered so that a
        change to one of them publishes it again (through the outbox, ``handlers.home``)."""
        if event.get("tab") != "home":
            return
        page = await self.desk.open_home(actor=self._actor(_user(event["user"]), body))
        await client.views_publish(user_id=event["user"], view=views.home_view(page))

    async def on_home_find(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """App Home's "Find a requester": the search form (the search itself checks who)."""
        form = views.form_modal(forms.FormRequest(forms.FIND))
        await self._open(ack, client, body["trigger_id"], form, "/dsar find")


def _key(kind: str, body: dict[str, Any]) -> str | None:
    trigger = body.get("trigger_id")
    return f"slack:{kind}:{trigger}" if trigger else None


def build_slack_app(
    *,
    desk: Desk,
    client: AsyncWebClient,
    token: str | None,
    signing_secret: str,
    team_ids: frozenset[str] = frozenset(),
    oauth_flow: AsyncOAuthFlow | None = None,
) -> AsyncApp:
    """The listeners on one bolt app: with one ``token`` (one workspace), or with an
    ``oauth_flow`` whose installation store holds a token per workspace (bot.slack_oauth)."""
    if oauth_flow is not None:
        app = AsyncApp(
            signing_secret=signing_secret,
            client=client,
            oauth_flow=oauth_flow,
            process_before_response=True,
            ignoring_self_events_enabled=False,
        )
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked
    else:

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # One workspace, one bot token: no auth.test round trip on the ack path.
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

        app = AsyncApp(
            signing_secret=signing_secret,
            client=client,
            authorize=authorize,
            process_before_response=True,
            ignoring_self_events_enabled=False,
        )
    adapter = SlackAdapter(desk)
    app.middleware(team_guard(team_ids))
    app.command("/dsar")(adapter.on_command)
    app.command("/breach")(adapter.on_command)
    for callback_id in (views.NEW_REQUEST, views.NEW_BREACH, views.FIND, views.TICKET_FORM):
        app.view(callback_id)(adapter.on_submission)
    app.action(views.HOME_FIND)(adapter.on_home_find)
    app.action(re.compile(r"^ticket_[a-z_]+$"))(adapter.on_button)
    app.action(re.compile(rf"^{render.SEARCH_ACTION}[a-z_]+$"))(adapter.on_search_answer)
    app.shortcut("log_privacy_request")(adapter.on_message_shortcut)
    app.shortcut(NEW_REQUEST_SHORTCUT)(adapter.on_global_shortcut)
    app.event("app_home_opened")(adapter.on_home_opened)
    return app
