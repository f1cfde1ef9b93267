"""Many workspaces (issue 15 item 4): every message goes out with the installation of the
workspace its channel or person is in, not the newest installation's. The compliance channel is
in one workspace; a ticket logged in another still posts there with the first one's token."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.render.slack_views import new_request_modal
from bot.slack_notifier import SlackNotifier, web_client
from handlers.outbox import RetryPolicy, Sender, enqueue_post
from handlers.policy import Policy
from handlers.ports import Workspace
from storage import repositories as repo
from storage.db import transaction
from tests.conftest import FakeClock
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import CHANNEL, DPO_ID, PRIVACY_ID, STAFF_ID, TEAM, slack_server, unique
from tests.test_outbox_in_doubt import LEASE, crash_mid_send, post
from tests.test_outbox_in_doubt import rows as outbox_rows
from tests.test_slack_oauth import OAUTH, install, rows

OTHER_TEAM, OTHER_STAFF = "T0002", "USTAFF9"
FIRST, SECOND = "Bearer xoxe.xoxb-1-fake", "Bearer xoxe.xoxb-2-fake"  # in install order
CONSENT = 'new consent name="Jane Doe" email=jane@example.com received=2025-11-03'


async def test_each_message_goes_with_the_installation_of_its_workspace(
    engine: AsyncEngine, db_url: str
) -> None:
    allowed = [TEAM, OTHER_TEAM]
    async with slack_server(engine, db_url, **OAUTH, slack_team_ids=allowed) as slack:
        slack.fake.grants |= {"code-1": (TEAM, None), "code-2": (OTHER_TEAM, None)}
        assert (await install(slack, "code-1"))[0] == 200  # the compliance channel's workspace
        assert (await install(slack, "code-2"))[0] == 200  # newer, elsewhere
        slack.fake.workspaces = {
            FIRST.removeprefix("Bearer "): {CHANNEL, STAFF_ID, PRIVACY_ID, DPO_ID},
            SECOND.removeprefix("Bearer "): {OTHER_STAFF},
        }

        # Logged in the second workspace: the channel post and the DPO's DM (consent takes
        # effect at once) are for the first workspace, so they go with its token.
        status, ack = await slack.command(
            CONSENT, user=OTHER_STAFF, team=OTHER_TEAM, trigger=unique("trig")
        )
        assert status == 200 and "DSAR-0001 logged" in ack["text"]
        assert await slack.deliver() == 2
        [post] = [
            c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL
        ]
        [dm] = [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == DPO_ID]
        assert post.authorization == FIRST and dm.authorization == FIRST
        # Found by asking: the newest installation's token was refused first, posting nothing.
        assert {(c.params["channel"], c.authorization) for c in slack.fake.refused} == {
            (CHANNEL, SECOND),
            (DPO_ID, SECOND),
        }

        # A receipt to the person in the second workspace goes with its own token.
        form = {**new_request_modal(), "callback_id": "dsar_new"}
        values = {"name": "Ada Lovelace", "email": "ada@example.org"}
        status, _ = await slack.submit(form, values, user=OTHER_STAFF, team=OTHER_TEAM)
        assert status == 200
        await slack.deliver()
        [receipt] = [
            c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == OTHER_STAFF
        ]
        assert receipt.authorization == SECOND

        # Once found, a target's workspace is used at once: the thread reply and the update
        # of the opening post go with the first token, and nothing more is refused.
        refused = len(slack.fake.refused)
        await slack.slash("stopped DSAR-0001", user=PRIVACY_ID)
        await slack.deliver()
        thread = [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
        [update] = slack.fake.calls_to("chat.update")
        assert thread and {c.authorization for c in thread} == {FIRST}
        assert update.authorization == FIRST
        assert len(slack.fake.refused) == refused
        posts = [
            c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL
        ]
        assert {c.authorization for c in posts} == {FIRST}


async def test_an_org_wide_install_serves_and_sends_for_every_workspace_of_its_org(
    engine: AsyncEngine, db_url: str
) -> None:
    """An Enterprise Grid org admin installs once for the org (no team id): commands from any
    of its workspaces are authorised with that installation, tickets record the workspace, and
    the outbox sends with the org's token."""
    async with slack_server(engine, db_url, **OAUTH, slack_team_ids=["E0001"]) as slack:
        slack.fake.grants["code-org"] = (None, "E0001")
        assert (await install(slack, "code-org"))[0] == 200
        [bot] = await rows(engine, "slack_bots")
        assert (bot["enterprise_id"], bot["team_id"], bot["is_enterprise_install"]) == (
            "E0001", None, True,
        )  # fmt: skip
        status, ack = await slack.command(
            CONSENT, team="T0999", trigger=unique("trig"), enterprise_id="E0001",
            is_enterprise_install="true",
        )  # fmt: skip
        assert status == 200 and "DSAR-0001 logged" in ack["text"]
        assert await slack.deliver() == 2
        assert {c.authorization for c in slack.fake.calls_to("chat.postMessage")} == {FIRST}
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None and (req.origin_enterprise, req.origin_team) == ("E0001", "T0999")


class TwoInstallations:
    """A TokenSource with two installations, the newer one in another workspace."""

    async def workspaces(self) -> list[Workspace]:
        return [Workspace(team=OTHER_TEAM), Workspace(team=TEAM)]

    async def token(self, where: Workspace) -> str | None:
        return {TEAM: FIRST, OTHER_TEAM: SECOND}[where.team or ""].removeprefix("Bearer ")


async def test_a_post_in_doubt_is_looked_for_in_its_own_workspace(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    """A sender killed after Slack accepted the post: the next one, knowing no route yet, looks
    for it with each installation in turn, finds it in the channel's workspace, and does not
    post it again."""
    fake = FakeSlack()
    await fake.start()

    def sender() -> Sender:
        client = web_client(token=None, base_url=fake.base_url)
        notifier = SlackNotifier(client, ZoneInfo("Europe/London"), tokens=TwoInstallations())
        return Sender(
            sessions=sessions,
            clock=clock,
            notifiers={"slack": notifier},
            retry=RetryPolicy(lease_seconds=LEASE),
        )

    try:
        fake.workspaces = {
            FIRST.removeprefix("Bearer "): {CHANNEL},
            SECOND.removeprefix("Bearer "): {OTHER_STAFF},
        }
        async with transaction(sessions) as session:
            await enqueue_post(session=session, policy=policy, post=post(), now=clock.now())
        fake.hold_after_accept["chat.postMessage"] = 30
        await crash_mid_send(sender(), fake)
        fake.hold_after_accept.clear()
        assert [c.authorization for c in fake.calls_to("chat.postMessage")] == [FIRST]

        clock.advance(seconds=LEASE + 1)  # another replica, with nothing remembered
        assert await sender().run_once() == 1
        assert len(fake.calls_to("chat.postMessage")) == 1  # found, not posted again
        [looked] = fake.calls_to("conversations.history")
        assert looked.authorization == FIRST
        assert ("conversations.history", SECOND) in {
            (c.method, c.authorization) for c in fake.refused
        }
        assert {r.state for r in await outbox_rows(sessions)} == {"sent"}
    finally:
        await fake.stop()
