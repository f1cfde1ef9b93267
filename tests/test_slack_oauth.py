"""Many workspaces: bolt's OAuth flow through real HTTP (``/slack/install``, then Slack's
redirect to ``/slack/oauth_redirect`` with a code the fake ``oauth.v2.access`` exchanges), the
installation in our database with its tokens encrypted, 12-hour tokens refreshed, and
``app_uninstalled`` / ``tokens_revoked`` stopping all sending while the records stay."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import repositories as repo
from tests.slack_harness import CHANNEL, TEAM, SlackServer, slack_server

NEW = 'access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'
OAUTH: dict[str, Any] = {
    "slack_bot_token": None,
    "slack_client_id": "1111.2222",
    "slack_client_secret": "client-secret-for-tests-0123456789",
}


async def install(slack: SlackServer, code: str) -> tuple[int, str]:
    """An admin opens /slack/install, approves on Slack, and Slack redirects back."""
    async with slack.http.get(f"{slack.url}/slack/install", allow_redirects=False) as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"]
    authorize = re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', html)
    assert authorize is not None
    query = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == ["1111.2222"]
    assert "chat:write" in query["scope"][0].split(",")
    state = query["state"][0]
    assert cookie.startswith(f"slack-app-oauth-state={state}")
    back = f"{slack.url}/slack/oauth_redirect?code={code}&state={state}"
    headers = {"Cookie": f"slack-app-oauth-state={state}"}
    async with slack.http.get(back, headers=headers, allow_redirects=False) as answer:
        return answer.status, await answer.text()


async def rows(engine: AsyncEngine, table: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        return [dict(row) for row in result.mappings()]


async def test_install_stores_an_encrypted_installation_that_serves_commands(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url, **OAUTH) as slack:
        slack.fake.grants["code-1"] = (TEAM, None)
        status, body = await install(slack, "code-1")
        assert status == 200, body
        assert "installed" in body
        [exchange] = slack.fake.calls_to("oauth.v2.access")
        assert exchange.params["code"] == "code-1"
        assert exchange.authorization.startswith("Basic ")  # client id and secret

        [bot] = await rows(engine, "slack_bots")
        [installation] = await rows(engine, "slack_installations")
        assert bot["team_id"] == TEAM and installation["team_id"] == TEAM
        for row in (bot, installation):  # tokens are stored encrypted, never in clear
            assert row["bot_token"] and "xoxb" not in row["bot_token"]
            assert row["bot_refresh_token"] and "xoxe-1" not in row["bot_refresh_token"]

        _, ack = await slack.command(f"new {NEW}")
        assert "DSAR-0001 logged" in ack["text"]
        assert await slack.deliver() == 1
        [post] = slack.posts_to(CHANNEL)
        [sent] = slack.fake.calls_to("chat.postMessage")
        assert sent.authorization == "Bearer xoxe.xoxb-1-fake"
        assert "Jane" not in str(post)

        # A state used once cannot be used again; a made-up code installs nothing.
        status, _ = await install(slack, "no-such-code")
        assert status == 400
        assert len(await rows(engine, "slack_bots")) == 1


async def test_a_workspace_outside_the_allow_list_cannot_install(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url, **OAUTH) as slack:
        slack.fake.grants["code-x"] = ("TOTHER", None)
        status, body = await install(slack, "code-x")
        assert status == 403
        assert "may not install" in body
        assert await rows(engine, "slack_bots") == []
        assert await rows(engine, "slack_installations") == []
        status, _ = await slack.command(f"new {NEW}", team="TOTHER")
        assert status != 200 or "logged" not in _.get("text", "")


async def test_expiring_tokens_are_refreshed_for_listeners_and_the_outbox(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url, **OAUTH) as slack:
        slack.fake.grants["code-1"] = (TEAM, None)
        slack.fake.token_seconds[:] = [60, 60]  # expiring within bolt's two-hour margin
        assert (await install(slack, "code-1"))[0] == 200

        _, ack = await slack.command(f"new {NEW}")  # bolt refreshes before the listener runs
        assert "DSAR-0001 logged" in ack["text"]
        refreshes = [
            c for c in slack.fake.calls_to("oauth.v2.access") if c.params.get("grant_type")
        ]
        assert [c.params["refresh_token"] for c in refreshes] == ["xoxe-1-r1"]

        # The refreshed token also expires soon: the outbox refreshes again, then sends.
        assert await slack.deliver() == 1
        [sent] = slack.fake.calls_to("chat.postMessage")
        assert sent.authorization == "Bearer xoxe.xoxb-3-fake"
        [bot] = await rows(engine, "slack_bots")
        assert "xoxe" not in bot["bot_refresh_token"]  # the new pair, still encrypted

        # A long-lived token is used as it is: no refresh per message.
        await slack.slash('new erasure name="Ada" email=ada@example.org')
        assert await slack.deliver() >= 1
        sent_with = {c.authorization for c in slack.fake.calls_to("chat.postMessage")}
        assert sent_with == {"Bearer xoxe.xoxb-3-fake"}
        assert slack.fake.issued == ["xoxe.xoxb-1-fake", "xoxe.xoxb-2-fake", "xoxe.xoxb-3-fake"]


async def test_uninstall_stops_sending_and_keeps_the_records(
    engine: AsyncEngine, db_url: str
) -> None:
    async with slack_server(engine, db_url, **OAUTH) as slack:
        slack.fake.grants["code-1"] = (TEAM, None)
        assert (await install(slack, "code-1"))[0] == 200
        await slack.slash(f"new {NEW}")

        status, _ = await slack.event({"type": "app_uninstalled"}, event_id="EvGone")
        assert status == 200
        [bot] = await rows(engine, "slack_bots")
        [installation] = await rows(engine, "slack_installations")
        assert bot["bot_token"] is None and bot["bot_refresh_token"] is None
        assert installation["bot_token"] is None and installation["team_id"] == TEAM

        assert await slack.deliver() == 0  # the channel post waits: nothing to send with
        assert slack.fake.calls_to("chat.postMessage") == []
        async with slack.core.sessions() as session:  # the ticket is untouched
            assert [r.ref for r in await repo.all_requests(session=session)] == ["DSAR-0001"]

        # Reinstalled: the workspace is served again (the waiting post goes out when its
        # retry falls due, up to NOT_INSTALLED_RETRY later; this test does not wait for it).
        slack.fake.grants["code-2"] = (TEAM, None)
        assert (await install(slack, "code-2"))[0] == 200
        _, ack = await slack.command(f"new {NEW}", trigger="trig-after")
        assert "DSAR-0002 logged" in ack["text"]


async def test_tokens_revoked_erases_the_bot_token(engine: AsyncEngine, db_url: str) -> None:
    async with slack_server(engine, db_url, **OAUTH) as slack:
        slack.fake.grants["code-1"] = (TEAM, None)
        assert (await install(slack, "code-1"))[0] == 200
        event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
        status, _ = await slack.event(event, event_id="EvRevoked")
        assert status == 200
        [bot] = await rows(engine, "slack_bots")
        assert bot["bot_token"] is None
        await slack.slash("help")
        assert await slack.deliver() == 0


def test_our_tables_are_slack_sdks_with_tokens_encrypted() -> None:
    """storage.slack_installs writes slack-sdk's tables out (so the console never imports
    slack-sdk); they must stay what its stores read and write."""
    import sqlalchemy as sa
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    from storage import slack_installs as ours
    from storage.crypto import Encrypted

    scratch, store = sa.MetaData(), SQLAlchemyInstallationStore
    pairs = [
        (store.build_installations_table(scratch, "i"), ours.installations_table),
        (store.build_bots_table(scratch, "b"), ours.bots_table),
        (SQLAlchemyOAuthStateStore.build_oauth_states_table(scratch, "s"), ours.states_table),
    ]
    for theirs, table in pairs:
        assert [c.name for c in table.c] == [c.name for c in theirs.c]
        for column in table.c:
            other = theirs.c[column.name]
            assert column.nullable == other.nullable, column.name
            if column.name in ours.TOKEN_COLUMNS:
                assert isinstance(column.type, Encrypted), column.name
            else:
                assert repr(column.type) == repr(other.type), column.name
        assert sorted(tuple(i.columns.keys()) for i in table.indexes) == sorted(
            tuple(i.columns.keys()) for i in theirs.indexes
        )
    from storage import personal

    assert personal._SLACK_SECRETS == ours.SECRET_COLUMNS  # classified as secrets, not personal


async def test_an_enterprise_grid_org_id_admits_its_workspaces(
    engine: AsyncEngine, db_url: str
) -> None:
    """SLACK_TEAM_IDS may name an org (E…): every workspace of that org is allowed, others not
    (tests/test_deploy.py: the manifest lets an org admin deploy the app org-wide)."""
    async with slack_server(engine, db_url, slack_team_ids=["E0001"]) as slack:
        status, ack = await slack.command(f"new {NEW}", team="T0999", enterprise_id="E0001")
        assert status == 200 and "DSAR-0001 logged" in ack["text"]
        status, _ = await slack.command(f"new {NEW}", team="T0998", enterprise_id="E0002")
        assert status == 403
        status, _ = await slack.command(f"new {NEW}", team="T0997")
        assert status == 403
