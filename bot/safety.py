"""What production refuses to start with (SPEC §8, issue 8 item 3).

Each rule names the setting and why, in one line, because the operator reads it as the only
output of a failed start. The rules are deliberately strict, as a bank's would be: a secret
that looks like documentation, a placeholder or a test value is refused rather than guessed
at, and a platform without an allow-list of workspaces or tenants is refused, because then
anyone's workspace could open tickets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from bot.config import Settings

# Values seen in templates, tutorials and tests. Slack's documentation example signing secret
# is among them: copying it from the docs is the most likely mistake of all.
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "password",
        "example",
        "placeholder",
        "test",
        "todo",
        "dummy",
        "none",
        "null",
        "x",
        "xxx",
        "8f742231b10e8888abcd99yyyzzz85a5",
    }
)
MIN_SIGNING_SECRET = 32  # Slack signing secrets are 32 hex characters
MIN_TOKEN = 32  # real xoxb-/xapp- tokens are 50+ characters
MIN_PASSWORD = 16  # Entra client secrets are about 40


def _placeholder(value: str) -> bool:
    plain = value.strip().lower()
    for prefix in ("xoxb-", "xapp-"):
        plain = plain.removeprefix(prefix)
    return (
        plain in PLACEHOLDERS
        or len(set(plain)) <= 2  # "xxxxxxxx…", "00000000…"
        or any(word in plain for word in ("changeme", "changethis", "your-", "your_", "<", "..."))
    )


def _secret_problem(
    name: str, secret: SecretStr | None, *, minimum: int, prefix: str = ""
) -> str | None:
    if secret is None:
        return f"production needs PRIVACY_DESK_{name}"
    value = secret.get_secret_value()
    if _placeholder(value):
        return f"PRIVACY_DESK_{name} is a placeholder or example value, not a real secret"
    if prefix and not value.startswith(prefix):
        return f"PRIVACY_DESK_{name} must start with {prefix}"
    if len(value) < minimum:
        return f"PRIVACY_DESK_{name} is too short to be real (at least {minimum} characters)"
    return None


def _https(name: str, url: str) -> str | None:
    if urlsplit(url).scheme != "https":
        return f"PRIVACY_DESK_{name} must be an https:// URL in production (it carries tokens)"
    return None


def _data_keys_problem(keys: SecretStr | None) -> str | None:
    from storage.crypto import BadKey, parse_keys

    if keys is None:
        return (
            "production needs PRIVACY_DESK_DATA_KEYS, the key that encrypts requester details "
            "(make one with `privacy-desk new-key`)"
        )
    try:
        parse_keys(keys.get_secret_value())
    except BadKey as exc:
        return f"PRIVACY_DESK_DATA_KEYS: {exc}"
    return None


def production_problems(settings: Settings) -> list[str]:
    """Every reason ``settings`` is unsafe for production, most important first."""
    found: list[str | None] = []
    if settings.teams_allow_anonymous:
        found.append("TEAMS_ALLOW_ANONYMOUS is for development only, not production")
    slack = settings.slack_enabled or settings.slack_app_token is not None
    if slack:
        if settings.slack_bot_token is None and settings.slack_oauth:  # many workspaces
            found.append(
                _secret_problem(
                    "SLACK_CLIENT_SECRET", settings.slack_client_secret, minimum=MIN_TOKEN
                )
            )
        else:
            found.append(
                _secret_problem(
                    "SLACK_BOT_TOKEN", settings.slack_bot_token, minimum=MIN_TOKEN, prefix="xoxb-"
                )
            )
        found.append(
            _secret_problem(
                "SLACK_SIGNING_SECRET", settings.slack_signing_secret, minimum=MIN_SIGNING_SECRET
            )
        )
        if settings.slack_app_token is not None:
            found.append(
                _secret_problem(
                    "SLACK_APP_TOKEN", settings.slack_app_token, minimum=MIN_TOKEN, prefix="xapp-"
                )
            )
        if not settings.slack_team_ids:
            found.append(
                "production Slack needs PRIVACY_DESK_SLACK_TEAM_IDS (otherwise any workspace "
                "that installs the app can open tickets)"
            )
        found.append(_https("SLACK_API_URL", settings.slack_api_url))
    if settings.teams_enabled:
        if settings.teams_app_id is None:
            found.append("production Teams needs PRIVACY_DESK_TEAMS_APP_ID (JWT validation)")
        if settings.teams_auth_type == "ClientSecret":
            found.append(
                _secret_problem(
                    "TEAMS_APP_PASSWORD", settings.teams_app_password, minimum=MIN_PASSWORD
                )
            )
        if not settings.teams_tenant_ids:
            found.append(
                "production Teams needs PRIVACY_DESK_TEAMS_TENANT_IDS (otherwise any tenant "
                "that installs the app can open tickets)"
            )
        if not settings.teams_service_urls:
            found.append("production Teams needs PRIVACY_DESK_TEAMS_SERVICE_URLS")
        found.append(_https("TEAMS_JWKS_URL", settings.teams_jwks_url))
        found += [_https("TEAMS_SERVICE_URLS", url) for url in settings.teams_service_urls]
    if not settings.dpo_users:
        found.append("production needs at least one PRIVACY_DESK_DPO_USERS entry")
    found.append(_data_keys_problem(settings.data_keys))
    return [problem for problem in found if problem is not None]
