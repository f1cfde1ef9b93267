"""What `privacy-desk serve` writes to its log when attacked: nothing personal, no forged lines.

One real server process at LOG_LEVEL=DEBUG (the most a misconfiguration could expose) with
LOG_FORMAT=json, Slack and Teams both mounted. It receives hostile unsigned bodies (names,
emails, newline injection, a body over the size limit), a late-signed ``/dsar new``, a Teams
activity that fails validation, and a ``/dsar new`` whose insert the database refuses.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bot.logs import MAX_LINE, SafeFormatter, escape
from storage.migrate import upgrade
from tests.fakes.keys import TEST_KEYS
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeConnector
from tests.slack_harness import SECRET, TEAM, sign
from tests.teams_harness import APP_ID, TENANT
from tests.test_processes import PRIVACY_DESK, _env, _free_port

NAME, EMAIL, DETAILS = "Jane Doe-Smith", "jane.doe@example.com", "her sick note from March"
FORGED = "2026-01-01T00:00:00.000+00:00 INFO bot.app: privacy-desk stopping"


def new_request(*, user: str = "USTAFF1") -> str:
    text = f'new access name="{NAME}" email={EMAIL} details="{DETAILS}"'
    return urlencode(
        {"command": "/dsar", "text": text, "user_id": user, "team_id": TEAM, "trigger_id": "t1"}
    )


async def attack(url: str, teams_token: str, service_url: str) -> list[int]:
    statuses = []
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as http:

        async def post(path: str, body: str | bytes, headers: dict[str, str]) -> None:
            async with http.post(url + path, data=body, headers=headers) as response:
                statuses.append(response.status)

        injected = f"token=x&text={NAME}\n{FORGED}\r\n{EMAIL}&payload={{not json"
        await post("/slack/events", injected, form | {"X-Slack-Signature": "v0=1"})
        await post("/slack/events", new_request(), form)  # unsigned
        big = (f"name={NAME}&email={EMAIL}&" * 40_000).encode()  # over 1 MB
        await post("/slack/events", big, form | sign(big.decode()))
        late = new_request()
        await post("/slack/events", late, form | sign(late, timestamp=int(time.time()) - 600))
        activity = {
            "type": "message",
            "serviceUrl": service_url,
            "from": {"id": "29:x", "name": NAME, "aadObjectId": ["not", EMAIL]},
            "conversation": {"id": "a:x", "tenantId": TENANT},
            "text": f'dsar new access name="{NAME}" email={EMAIL}\n{FORGED}',
        }
        teams = {"Authorization": f"Bearer {teams_token}", "Content-Type": "application/json"}
        await post("/api/messages", json.dumps(activity), teams)
        failing = new_request(user="UDPO1")  # the database refuses this insert
        await post("/slack/events", failing, form | sign(failing))
    return statuses


async def test_an_attacked_server_logs_nothing_personal_and_no_forged_line(
    tmp_path: Path,
) -> None:
    db = tmp_path / "desk.db"
    url = f"sqlite+aiosqlite:///{db}"
    await asyncio.to_thread(upgrade, url, keys=TEST_KEYS)
    with sqlite3.connect(db) as conn:  # a database failure mid-insert, values and all
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON requests "
            "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
        )
    slack, teams = FakeSlack(), FakeConnector()
    await slack.start()
    await teams.start()
    port = _free_port()
    env = _env(url, slack.base_url, port, LOG_LEVEL="DEBUG", LOG_FORMAT="json")
    env |= {
        "PRIVACY_DESK_TEAMS_APP_ID": APP_ID,
        "PRIVACY_DESK_TEAMS_JWKS_URL": teams.jwks_url,
        "PRIVACY_DESK_TEAMS_TENANT_IDS": TENANT,
        "PRIVACY_DESK_SLACK_SIGNING_SECRET": SECRET,
    }
    log_path = tmp_path / "serve.log"
    try:
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                str(PRIVACY_DESK), "serve", env=env, cwd=tmp_path, stderr=log_file,
                stdout=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                await wait_healthy(f"http://127.0.0.1:{port}")
                statuses = await attack(
                    f"http://127.0.0.1:{port}", teams.token(audience=APP_ID), teams.service_url
                )
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 20)
    finally:
        await slack.stop()
        await teams.stop()
    assert statuses[:5] == [401, 401, 413, 401, 400], statuses
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert lines, "the server logged nothing at all"
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    everything = log_path.read_text(encoding="utf-8")
    for secret in (NAME, "Jane", "Smith", EMAIL, "jane.doe", DETAILS, "sick note", SECRET):
        assert secret not in everything, secret
    assert not any(e["message"].startswith(FORGED[:20]) for e in entries)
    assert all(len(line) <= MAX_LINE + 100 for line in lines)
    assert any("refused an unsigned or stale Slack request" in e["message"] for e in entries)

    assert any("constraint" in e.get("exception", "") for e in entries), entries
    assert any(e["message"] == "privacy-desk stopping" for e in entries)


async def wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("serve did not become healthy")


def test_text_lines_are_escaped_bounded_and_masked() -> None:
    import logging

    record = logging.LogRecord(
        "bot.x",
        logging.INFO,
        __file__,
        1,
        "got %s",
        (f"{EMAIL}\n{FORGED}\u2028" + "a" * 9000,),
        None,
    )
    line = SafeFormatter().format(record)
    assert "\n" not in line and "\u2028" not in line and EMAIL not in line
    assert "\\x0a" in line and "\\u2028" in line and "more characters cut" in line
    library = logging.LogRecord(
        "slack_bolt.App",
        logging.WARNING,
        __file__,
        1,
        f"Unhandled request ({{'text': '{NAME}'}})",
        (),
        None,
    )
    assert NAME not in SafeFormatter().format(library)
    assert escape("a\u202eb") == "a\\u202eb"  # a bidi override cannot reorder the line
