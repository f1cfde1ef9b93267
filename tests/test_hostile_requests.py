"""Malformed and hostile requests: 401 unsigned, 400 signed garbage, never a 5xx or a traceback.

The named cases come from the security review; the hypothesis test throws random bodies and
headers at both endpoints of one served app (Slack and Teams together) and checks that nothing
answers 5xx and nothing unauthenticated is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_server
from bot.config import Settings
from bot.teams_notifier import StaticConnections
from storage.db import create_engine
from tests.fakes.keys import TEST_KEYS
from tests.fakes.loopback import serve
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeConnector
from tests.slack_harness import SECRET, TEAM, sign, slack_server
from tests.teams_harness import APP_ID, TENANT, teams_server

STORED = ("requests", "breaches", "outbox", "inbound", "conversation_refs", "events")


async def stored(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            t: int((await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one())
            for t in STORED
        }


DEEP = "[" * 50_000 + "]" * 50_000
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        ("payload={not json", FORM, None),
        ('[{"type": "block_actions"}]', "application/json", None),
        (DEEP, "application/json", None),
        ("command=/dsar&text=help", FORM, {"X-Slack-Request-Timestamp": "abc"}),
        ("command=/dsar&text=help", FORM, {"X-Slack-Signature": "v0=00"}),
    ],
)
async def test_unsigned_garbage_is_401(
    engine: AsyncEngine,
    db_url: str,
    body: str,
    content_type: str,
    headers: dict[str, str] | None,
) -> None:
    async with slack_server(engine, db_url) as slack:
        sent = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=1"}
        status, answer = await slack.post(body, content_type, headers=sent | (headers or {}))
        assert status == 401, answer
        assert "Traceback" not in answer
        assert sum((await stored(engine)).values()) == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload={not json", FORM),
        ('[{"type": "block_actions"}]', "application/json"),
        (DEEP, "application/json"),
        ("payload=" + json.dumps({"type": "block_actions", "user": "U1", "actions": 3}), FORM),
        ("payload=" + json.dumps({"type": "view_submission", "user": {"id": 7}}), FORM),
        ("payload=" + json.dumps({"type": "block_actions", "actions": [None]}), FORM),
        ("command=/dsar&text=new&team_id=" + TEAM, FORM),  # no user, no trigger
        ('{"type": "event_callback", "event": "x", "team_id": "T0001"}', "application/json"),
    ],
)
async def test_signed_garbage_is_400(
    engine: AsyncEngine, db_url: str, body: str, content_type: str
) -> None:
    async with slack_server(engine, db_url) as slack:
        status, answer = await slack.post(body, content_type, headers=sign(body))
        assert status == 400, answer
        assert sum((await stored(engine)).values()) == 0


async def test_teams_garbage_is_400_and_unsigned_is_401(engine: AsyncEngine, db_url: str) -> None:
    async with teams_server(engine, db_url) as teams:
        token = {"Authorization": f"Bearer {teams.fake.token(audience=APP_ID)}"}
        activity = teams.activity(text="dsar help")
        cases: list[tuple[str, dict[str, str], int]] = [
            ("{not json", token, 400),
            ("[1, 2]", token, 400),
            (DEEP, token, 400),
            (json.dumps(activity | {"conversation": "x"}), token, 400),
            (json.dumps(activity | {"from": [1]}), token, 400),
            (json.dumps(activity), {}, 401),
            (DEEP, {}, 401),
        ]
        for body, headers, expected in cases:
            async with teams.http.post(
                f"{teams.url}/api/messages",
                data=body,
                headers=headers | {"Content-Type": "application/json"},
            ) as response:
                assert response.status == expected, (body[:80], await response.text())
        assert teams.fake.sent == []
        assert sum((await stored(engine)).values()) == 0


# --- random bodies and headers ------------------------------------------------------------------


@dataclass
class Served:
    url: str
    token: str
    service_url: str
    engine: AsyncEngine
    loop: asyncio.AbstractEventLoop


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """Slack and Teams on one app, in a thread of its own so hypothesis can drive it."""
    path = tmp_path_factory.mktemp("hostile") / "desk.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    stop = asyncio.Event()

    async def run() -> None:
        fake_slack, fake_teams = FakeSlack(), FakeConnector()
        await fake_slack.start()
        await fake_teams.start()
        settings = Settings(
            _env_file=None,
            database_url=url,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=fake_slack.base_url,
            slack_team_ids=[TEAM],
            teams_app_id=APP_ID,
            teams_jwks_url=fake_teams.jwks_url,
            teams_tenant_ids=[TENANT],
            dpo_users=["slack:UDPO1"],
        )
        engine = create_engine(url, keys=TEST_KEYS)
        server = build_server(
            settings, engine=engine, teams_connections=StaticConnections("bot-token")
        )
        runner, port = await serve(server.web)
        ready["served"] = Served(
            f"http://127.0.0.1:{port}",
            fake_teams.token(audience=APP_ID),
            fake_teams.service_url,
            engine,
            loop,
        )
        ready["fakes"] = (fake_slack, fake_teams)
        await stop.wait()
        await runner.cleanup()
        await engine.dispose()
        await fake_slack.stop()
        await fake_teams.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    for _ in range(200):
        if "served" in ready:
            break
        time.sleep(0.05)
    yield ready["served"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
slack_keys = st.sampled_from(
    ["payload", "command", "text", "user_id", "trigger_id", "team_id", "type", "view", "user"]
)
form_bodies = st.dictionaries(
    slack_keys, st.one_of(st.text(max_size=30), json_values.map(json.dumps)), max_size=5
).map(lambda d: "&".join(f"{k}={urllib.parse.quote(v)}" for k, v in d.items()))
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    form_bodies.map(str.encode),
)
content_types = st.sampled_from(["application/json", FORM, "text/plain", "multipart/form-data", ""])


def stored_now(served: Served) -> dict[str, int]:
    return asyncio.run_coroutine_threadsafe(stored(served.engine), served.loop).result(30)


HEADER = st.characters(min_codepoint=0x20, max_codepoint=0x7E)  # what HTTP lets a header hold
HOSTILE = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HOSTILE
@given(
    body=bodies,
    content_type=content_types,
    timestamp=st.one_of(st.text(HEADER, max_size=12), st.just("now")),
    signature=st.one_of(st.text(HEADER, max_size=70), st.just("sign")),
)
def test_random_slack_requests_never_5xx_and_unsigned_store_nothing(
    served: Served, body: bytes, content_type: str, timestamp: str, signature: str
) -> None:
    raw = body
    headers = {"Content-Type": content_type}
    signed = timestamp == "now" and signature == "sign"
    if signed:
        ts = str(int(time.time()))
        mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
        headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={mac.hexdigest()}"}
    else:
        ts = str(int(time.time())) if timestamp == "now" else timestamp
        headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    before = stored_now(served)
    status = http_post(f"{served.url}/slack/events", raw, headers)
    assert status < 500, (status, raw[:200])
    if not signed:
        assert status == 401
        assert stored_now(served) == before
    assert stored_now(served)["requests"] == 0


activity_fields = st.sampled_from(
    ["type", "id", "serviceUrl", "from", "conversation", "recipient", "channelData", "text",
     "value", "entities", "timestamp", "channelId"]
)  # fmt: skip


@HOSTILE
@given(
    body=st.one_of(bodies, st.dictionaries(activity_fields, json_values, max_size=6)),
    auth=st.one_of(st.none(), st.text(HEADER, max_size=40), st.just("valid")),
)
@example(body={"channelData": 1}, auth="valid")  # found once at random: a 500 in tenant_of
@example(body={"conversation": "x", "channelData": {"tenant": 7}}, auth="valid")
def test_random_teams_requests_never_5xx_and_unsigned_store_nothing(
    served: Served, body: bytes | dict[str, Any], auth: str | None
) -> None:
    if isinstance(body, dict):  # an activity with random fields over a real one's
        base = {
            "type": "message",
            "id": "a1",
            "channelId": "msteams",
            "serviceUrl": served.service_url,
            "from": {"id": "29:x", "aadObjectId": "aad-x"},
            "conversation": {"id": "a:x", "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": f"28:{APP_ID}"},
            "channelData": {"tenant": {"id": TENANT}},
        }
        body = json.dumps(base | body).encode()
    headers = {"Content-Type": "application/json"}
    if auth == "valid":
        headers["Authorization"] = f"Bearer {served.token}"
    elif auth is not None:
        headers["Authorization"] = auth
    before = stored_now(served)
    status = http_post(f"{served.url}/api/messages", body, headers)
    assert status < 500, (status, body[:200])
    if auth != "valid":
        assert status == 401
        assert stored_now(served) == before
    assert stored_now(served)["requests"] == 0
