"""The deployment files say what the code does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.render.slack_views import NEW_BREACH, NEW_REQUEST, TICKET_FORM
from bot.slack import NEW_REQUEST_SHORTCUT

ROOT = Path(__file__).resolve().parent.parent


def test_slack_manifest_matches_the_app() -> None:
    manifest: dict[str, Any] = yaml.safe_load((ROOT / "deploy/slack-manifest.yaml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    commands = {c["command"]: c for c in features["slash_commands"]}
    assert set(commands) == {"/dsar", "/breach"}
    assert all(c["url"].endswith("/slack/events") for c in commands.values())
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert features["app_home"]["home_tab_enabled"] is True
    shortcuts = {(s["type"], s["callback_id"]) for s in features["shortcuts"]}
    assert shortcuts == {("message", "log_privacy_request"), ("global", NEW_REQUEST_SHORTCUT)}
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    from bot.slack_oauth import BOT_SCOPES, REDIRECT_PATH

    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)  # what /slack/install asks
    assert all(url.endswith(REDIRECT_PATH) for url in manifest["oauth_config"]["redirect_urls"])
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert len({NEW_REQUEST, NEW_BREACH, TICKET_FORM}) == 3


def test_slack_manifest_is_org_ready() -> None:
    manifest: dict[str, Any] = yaml.safe_load((ROOT / "deploy/slack-manifest.yaml").read_text())
    assert manifest["settings"]["org_deploy_enabled"] is True


def test_compose_keeps_secrets_out_of_the_file() -> None:
    text = (ROOT / "deploy/compose.yaml").read_text()
    compose: dict[str, Any] = yaml.safe_load(text)
    env = compose["services"]["desk"]["environment"]
    assert env["PRIVACY_DESK_ENV"] == "production"
    assert "xoxb-" not in text and "SIGNING_SECRET: ${" in text


def test_teams_manifest_has_what_teams_requires(tmp_path: Path) -> None:
    import json
    import struct
    import sys
    import zipfile

    manifest: dict[str, Any] = json.loads((ROOT / "deploy/teams/manifest.json").read_text())
    for key in (
        "$schema",
        "manifestVersion",
        "version",
        "id",
        "developer",
        "name",
        "description",
        "icons",
        "accentColor",
        "bots",
    ):
        assert key in manifest, key
    assert set(manifest["developer"]) >= {"name", "websiteUrl", "privacyUrl", "termsOfUseUrl"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    [bot] = manifest["bots"]
    assert bot["botId"] == manifest["id"] and set(bot["scopes"]) == {"personal", "team"}
    for icon, size in (("color", 192), ("outline", 32)):
        data = (ROOT / "deploy/teams" / manifest["icons"][icon]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)
    sys.path.insert(0, str(ROOT / "deploy/teams"))
    try:
        import package  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    app_id = "12345678-1234-1234-1234-1234567890ab"
    out = package.build(app_id, "desk.example.org", tmp_path / "app.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        packaged = json.loads(archive.read("manifest.json"))
    assert packaged["id"] == packaged["bots"][0]["botId"] == app_id
    assert packaged["validDomains"] == ["desk.example.org"]


TEAMS_SCHEMA = ROOT / "tests/data/teams/MicrosoftTeams.schema.v1.30.json"  # MIT: see LICENSE there


def test_teams_manifest_is_valid_against_the_published_schema(tmp_path: Path) -> None:
    """The manifest, and the one package.py writes, against Microsoft's JSON schema for the
    manifest version it names (the newest GA version, vendored: no network in tests)."""
    import json
    import sys
    import zipfile

    import jsonschema

    schema: dict[str, Any] = json.loads(TEAMS_SCHEMA.read_text())
    manifest: dict[str, Any] = json.loads((ROOT / "deploy/teams/manifest.json").read_text())
    version = schema["properties"]["manifestVersion"]["const"]
    assert manifest["manifestVersion"] == version == "1.30"
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    )
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    sys.path.insert(0, str(ROOT / "deploy/teams"))
    try:
        import package
    finally:
        sys.path.pop(0)
    out = package.build("12345678-1234-1234-1234-1234567890ab", "desk.example.org", tmp_path / "a")
    with zipfile.ZipFile(out) as archive:
        packaged = json.loads(archive.read("manifest.json"))
    for checked in (manifest, packaged):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(checked)]
        assert errors == []
    # What the bot relies on survives packaging: the message-extension command on messages.
    [extension] = packaged["composeExtensions"]
    assert extension["botId"] == packaged["id"]
    assert [c["id"] for c in extension["commands"]] == ["logPrivacyRequest"]
    # A manifest the schema refuses is refused (the check can fail).
    broken = packaged | {"bots": [packaged["bots"][0] | {"scopes": ["everywhere"]}]}
    assert list(validator.iter_errors(broken))


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--app-id", "not-a-guid", "--domain", "desk.example.org"],
         "--app-id 'not-a-guid' is not a Microsoft App ID"),
        (["--app-id", "12345678-1234-1234-1234-1234567890ab", "--domain",
          "https://desk.example.org/api/messages"],
         "--domain 'https://desk.example.org/api/messages' is a URL: give the host name only"),
        (["--app-id", "12345678-1234-1234-1234-1234567890ab", "--domain", "desk"],
         "--domain 'desk' is not a host name"),
    ],
)  # fmt: skip
def test_teams_package_refuses_a_bad_app_id_or_a_url_in_one_line(
    args: list[str], reason: str, tmp_path: Path
) -> None:
    out = tmp_path / "app.zip"
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy/teams/package.py"), *args, "--output", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"package.py: {reason}") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_compose_passes_the_data_key_production_needs() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    for service in ("migrate", "desk"):
        env = compose["services"][service]["environment"]
        assert env["PRIVACY_DESK_DATA_KEYS"].startswith("${PRIVACY_DESK_DATA_KEYS:?")
