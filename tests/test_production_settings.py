"""Production refuses unsafe settings: exit 2 with a one-line reason, before anything starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "4c1e7a9b2d3f5e6a8b0c1d2e3f4a5b6c"
GOOD_TOKEN = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SAFE = {
    "ENV": "production",
    "SLACK_BOT_TOKEN": GOOD_TOKEN,
    "SLACK_SIGNING_SECRET": GOOD_SECRET,
    "SLACK_TEAM_IDS": "T0001",
    "DPO_USERS": "slack:UDPO1",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in SAFE.items():
        monkeypatch.setenv(f"PRIVACY_DESK_{key}", value)
    return monkeypatch


def refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    # audit verify builds Settings first and would touch the database only afterwards.
    code = main(["serve", "--db", str(tmp_path / "never.db")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("privacy-desk: configuration: "), err
    assert not (tmp_path / "never.db").exists()
    return err


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("SLACK_SIGNING_SECRET", "", "needs PRIVACY_DESK_SLACK_SIGNING_SECRET"),
        ("SLACK_SIGNING_SECRET", "changeme", "placeholder"),
        ("SLACK_SIGNING_SECRET", "x", "placeholder"),
        ("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5", "placeholder"),
        ("SLACK_SIGNING_SECRET", "0123456789abcdef", "too short"),
        ("SLACK_BOT_TOKEN", "xoxb-test", "placeholder"),
        ("SLACK_BOT_TOKEN", "xoxp-1234567890-1234567890123-AbCdEfGhIjKlMnOp", "xoxb-"),
        ("SLACK_TEAM_IDS", "", "SLACK_TEAM_IDS"),
        ("SLACK_API_URL", "http://slack.example/api/", "https"),
        ("DPO_USERS", "", "DPO_USERS"),
    ],
)
def test_production_refuses_unsafe_slack_settings(
    production: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    key: str,
    value: str,
    reason: str,
) -> None:
    production.setenv(f"PRIVACY_DESK_{key}", value)
    assert reason in refused(capsys, tmp_path)


def teams_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_TEAM_IDS"):
        monkeypatch.delenv(f"PRIVACY_DESK_{key}")
    monkeypatch.setenv("PRIVACY_DESK_TEAMS_APP_ID", "00000000-0000-0000-0000-0000000000aa")
    monkeypatch.setenv("PRIVACY_DESK_TEAMS_APP_PASSWORD", "Qz8~aB3cD4eF5gH6iJ7kL8mN9oP0qR1s")
    monkeypatch.setenv("PRIVACY_DESK_TEAMS_TENANT_IDS", "11111111-1111-1111-1111-111111111111")
    monkeypatch.setenv("PRIVACY_DESK_DPO_USERS", "teams:aad-dpo")


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("TEAMS_TENANT_IDS", "", "TEAMS_TENANT_IDS"),
        ("TEAMS_APP_PASSWORD", "", "TEAMS_APP_PASSWORD"),
        ("TEAMS_APP_PASSWORD", "changethis", "placeholder"),
        ("TEAMS_ALLOW_ANONYMOUS", "true", "development only"),
        ("TEAMS_SERVICE_URLS", "http://127.0.0.1:9/", "https"),
    ],
)
def test_production_refuses_unsafe_teams_settings(
    production: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    key: str,
    value: str,
    reason: str,
) -> None:
    teams_env(production)
    production.setenv(f"PRIVACY_DESK_{key}", value)
    assert reason in refused(capsys, tmp_path)


def test_an_empty_value_in_the_env_file_counts_as_unset(
    production: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    production.delenv("PRIVACY_DESK_SLACK_SIGNING_SECRET")
    (tmp_path / ".env").write_text("PRIVACY_DESK_SLACK_SIGNING_SECRET=\n")
    assert "needs PRIVACY_DESK_SLACK_SIGNING_SECRET" in refused(capsys, tmp_path)


def test_the_env_file_is_read_as_the_readme_says(
    production: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    production.delenv("PRIVACY_DESK_SLACK_TEAM_IDS")
    (tmp_path / ".env").write_text("PRIVACY_DESK_TIMEZONE=Mars/Olympus\n")
    assert "unknown timezone" in refused(capsys, tmp_path)
    assert "`.env`" in (ROOT / "README.md").read_text()


def test_compose_fails_fast_without_each_required_secret() -> None:
    text = (ROOT / "deploy/compose.yaml").read_text()
    compose: dict[str, Any] = yaml.safe_load(text)
    env = compose["services"]["migrate"]["environment"]
    for name in (
        "PRIVACY_DESK_SLACK_BOT_TOKEN",
        "PRIVACY_DESK_SLACK_SIGNING_SECRET",
        "PRIVACY_DESK_SLACK_TEAM_IDS",
        "PRIVACY_DESK_DPO_USERS",
    ):
        # ${VAR:?message}: compose refuses to start when VAR is unset or empty.
        assert re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", env[name]), env[name]
    assert ":-}" not in text.split("SLACK_SIGNING_SECRET")[1].splitlines()[0]
