"""Enterprise Grid (issue 15 item 2): an org-wide install's payloads are admitted by an org id
in SLACK_TEAM_IDS, and every ticket records the workspace and org it was logged from, shown to
the privacy team and exported. The payload shapes are Slack's, as bolt-python's own tests
capture them (``tests/slack_bolt/request/test_request.py``: block_actions and view_submission
of an org-wide install, ``team`` null; ``tests/scenario_tests_async/test_events_org_apps.py``:
an event whose ``authorizations[0].team_id`` is null)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.render.slack_views import new_request_modal
from handlers import audit, export
from storage import repositories as repo
from storage.enums import ExportKind
from tests.conftest import FakeClock
from tests.slack_harness import PRIVACY_ID, STAFF_ID, SlackServer, slack_server, unique

ORG, WORKSPACE, OTHER_WORKSPACE = "E0001", "T0999", "T0998"
NEW = 'new access name="Jane Doe" email=jane@example.com received=2025-11-20'


def org_wide(payload: dict[str, Any], *, team: str, enterprise: str = ORG) -> dict[str, Any]:
    """An interactivity payload as an org-wide install sends it: ``team`` null, the person's
    workspace in ``user.team_id``, the org in ``enterprise``, ``is_enterprise_install``."""
    payload = dict(payload)
    payload["team"] = None
    payload["user"] = {**payload["user"], "team_id": team}
    payload["enterprise"] = {"id": enterprise, "name": "Example Org"}
    payload["is_enterprise_install"] = True
    if "view" in payload:
        payload["view"] = {**payload["view"], "team_id": team, "app_installed_team_id": team}
    return payload


async def grid_command(slack: SlackServer, line: str, *, user: str = STAFF_ID) -> dict[str, Any]:
    status, body = await slack.command(
        line,
        user=user,
        team=WORKSPACE,
        trigger=unique("trig"),
        enterprise_id=ORG,
        enterprise_name="Example Org",
        is_enterprise_install="true",
    )
    assert status == 200, (status, body)
    return body


async def test_a_ticket_records_the_workspace_and_org_it_was_logged_from(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    async with slack_server(engine, db_url, clock=clock, slack_team_ids=[ORG]) as slack:
        ack = await grid_command(slack, NEW)
        assert "DSAR-0001 logged" in ack["text"]
        status, body = await slack.command(
            'new aware="2025-11-24T08:00+00:00" summary="Laptop lost"',
            command="/breach",
            team=WORKSPACE,
            trigger=unique("trig"),
            enterprise_id=ORG,
        )
        assert status == 200 and "BREACH-0001 logged" in body["text"]
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
            breach = await repo.breach_by_ref(session=session, ref="BREACH-0001")
        assert req is not None and breach is not None
        assert (req.origin_enterprise, req.origin_team) == (ORG, WORKSPACE)
        assert (breach.origin_enterprise, breach.origin_team) == (ORG, WORKSPACE)

        # The privacy team sees where it came from; staff are not shown it.
        shown = await grid_command(slack, "show DSAR-0001", user=PRIVACY_ID)
        where = f"*Logged from:* @{STAFF_ID}, workspace {WORKSPACE} of org {ORG}"
        assert where in json.dumps(shown["blocks"])
        status, body = await slack.command(
            "show BREACH-0001", command="/breach", user=PRIVACY_ID, trigger=unique("trig"),
            team=WORKSPACE, enterprise_id=ORG,
        )  # fmt: skip
        assert f"workspace {WORKSPACE} of org {ORG}" in body["text"]
        staff = await grid_command(slack, "show DSAR-0001", user=STAFF_ID)
        assert "Logged from" not in staff["text"] and WORKSPACE not in staff["text"]

        # The DSAR log and the breach register carry both ids.
        async with slack.core.sessions() as session:
            for kind in (ExportKind.REQUESTS, ExportKind.BREACHES):
                [row] = list(await export.rows(session=session, kind=kind, personal=False))
                assert (row["origin_enterprise"], row["origin_team"]) == (ORG, WORKSPACE)
            report = await audit.verify(session=session)
        assert report.ok, report.problems


async def test_an_org_wide_install_is_admitted_by_its_org_id_and_records_the_workspace(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """Interactivity from an org-wide install has ``team`` null: the workspace is the person's
    ``user.team_id``, and an org id in SLACK_TEAM_IDS admits it; another org stays out."""
    async with slack_server(engine, db_url, clock=clock, slack_team_ids=[ORG]) as slack:
        form = {**new_request_modal(), "callback_id": "dsar_new"}
        values = {"name": "Ada Lovelace", "email": "ada@example.org"}
        slack.reshape = lambda payload: org_wide(payload, team=OTHER_WORKSPACE)
        assert await slack.submit(form, values) == (200, "")
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None
        assert (req.origin_enterprise, req.origin_team) == (ORG, OTHER_WORKSPACE)

        # A button pressed in an org-wide install (team null) is admitted and acts.
        slack.reshape = lambda payload: org_wide(payload, team=WORKSPACE)
        assert (await slack.press("ask-id", "DSAR-0001", user=PRIVACY_ID))[0] == 200
        async with slack.core.sessions() as session:
            req = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
        assert req is not None and req.state == "awaiting_id"

        # The same from another org is refused, and changes nothing.
        slack.reshape = lambda payload: org_wide(payload, team=WORKSPACE, enterprise="E0002")
        assert (await slack.press("clarify", "DSAR-0001", user=PRIVACY_ID))[0] == 403
        slack.reshape = None

        # An event from the org-wide install: authorizations[0].team_id is null.
        envelope: dict[str, Any] = {
            "token": "legacy",
            "team_id": WORKSPACE,
            "enterprise_id": ORG,
            "api_app_id": "A123456",
            "event": {
                "type": "app_home_opened", "user": PRIVACY_ID, "channel": "D0HOME1",
                "tab": "home", "event_ts": "1700000000.000300",
            },
            "type": "event_callback",
            "event_id": "EvGrid1",
            "event_time": 1700000000,
            "authorizations": [
                {"enterprise_id": ORG, "team_id": None, "user_id": "UBOT", "is_bot": True,
                 "is_enterprise_install": True},
            ],
            "is_ext_shared_channel": False,
        }  # fmt: skip
        status, _ = await slack.post(json.dumps(envelope), "application/json")
        assert status == 200
        [published] = slack.fake.calls_to("views.publish")
        assert published.params["user_id"] == PRIVACY_ID
        authorization = {**envelope["authorizations"][0], "enterprise_id": "E0002"}
        other = {**envelope, "enterprise_id": "E0002", "event_id": "EvGrid2"}
        other["authorizations"] = [authorization]
        status, _ = await slack.post(json.dumps(other), "application/json")
        assert status == 403


async def test_tickets_logged_before_0011_still_verify(
    engine: AsyncEngine, db_url: str, clock: FakeClock
) -> None:
    """A ticket with no origin (logged before, or from the console) keeps its digest; one
    with an origin is covered by it, so changing the origin behind the desk's back shows."""
    allowed = [ORG, "T0001"]
    async with slack_server(engine, db_url, clock=clock, slack_team_ids=allowed) as slack:
        await slack.command(NEW, team="T0001", trigger=unique("trig"))  # not Grid: no org
        await grid_command(slack, NEW)
        async with slack.core.sessions() as session:
            plain = await repo.request_by_ref(session=session, ref="DSAR-0001", for_update=False)
            assert plain is not None and plain.origin_enterprise is None
            assert (await audit.verify(session=session)).ok
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE requests SET origin_team = 'T0666' WHERE ref = 'DSAR-0002'")
            )
        async with slack.core.sessions() as session:
            report = await audit.verify(session=session)
        assert report.problems == ["DSAR-0002 has been changed outside the history"]
