"""Settings: environment variables prefixed ``PRIVACY_DESK_`` (or a ``.env`` file), SPEC §8.

Built once at start-up and passed down; unsafe combinations refuse to start in production.
A ``.env`` file in the working directory is read as well as the environment (the environment
wins); an empty value counts as unset everywhere, so ``PRIVACY_DESK_SLACK_SIGNING_SECRET=`` in a
compose file cannot pass for a secret.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.safety import production_problems
from bot.systems_file import read_systems_file
from handlers.deadlines import DeadlineError, normalise_calendar, zone
from handlers.offsets import OffsetsError, parse_offsets
from handlers.policy import Policy
from handlers.ports import ChatUser

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./privacy-desk.db"

CsvList = Annotated[list[str], NoDecode]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


# Where the Bot Framework sends activities from in the public cloud. Teams service URLs are
# regional paths under this host (…/emea/, …/amer/, …/teams/); sovereign clouds set their own.
PUBLIC_CLOUD_SERVICE_URLS = ["https://smba.trafficmanager.net/"]


class TeamsAuthType(StrEnum):
    """How the bot proves itself to Teams (the Agents SDK's AuthTypes)."""

    CLIENT_SECRET = "ClientSecret"
    CERTIFICATE = "certificate"
    USER_MANAGED_IDENTITY = "UserManagedIdentity"
    SYSTEM_MANAGED_IDENTITY = "SystemManagedIdentity"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRIVACY_DESK_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    database_url: str = DEFAULT_DATABASE_URL
    # Keys that encrypt personal data at rest, newest first (storage.crypto, bot.keys).
    data_keys: SecretStr | None = None
    timezone: str = "Europe/London"
    holidays: str = "GB-ENG"
    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Many workspaces (bolt's OAuth flow) instead of one SLACK_BOT_TOKEN: see bot.slack_oauth.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_redirect_uri: str | None = None  # when the app has several redirect URLs
    # Seconds between posts to one Slack channel (Slack allows about one a second); 0: none.
    slack_channel_interval: float = Field(default=1.0, ge=0, le=10)
    slack_team_ids: CsvList = []
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_ids: CsvList = []
    teams_allow_anonymous: bool = False
    teams_app_tenant_id: str | None = None  # single-tenant registrations
    teams_auth_type: TeamsAuthType = TeamsAuthType.CLIENT_SECRET
    teams_certificate_file: str | None = None  # PFX, with teams_auth_type=certificate
    teams_certificate_password: SecretStr | None = None  # the PFX's password, if it has one
    # Entra ID authority for the bot's token (default https://login.microsoftonline.com/<tenant>)
    teams_authority: str | None = None
    teams_jwks_url: str = "https://login.botframework.com/v1/.well-known/keys"
    # Prefixes an activity's serviceUrl must start with (checked in production; in
    # development the token's serviceurl claim is still checked).
    teams_service_urls: CsvList = PUBLIC_CLOUD_SERVICE_URLS

    compliance_channel: CsvList = []
    dpo_users: CsvList = []
    privacy_team: CsvList = []
    internal_target_days: int | None = Field(default=None, ge=1, le=365)
    reminder_offsets: str | None = None
    summary_cron: str = "0 9 * * mon"
    sweep_seconds: int = Field(default=30, ge=1, le=3600)
    # How long a replica may hold an outgoing message before another may take it over.
    outbox_lease_seconds: int = Field(default=60, ge=2, le=3600)
    # How long a command may wait for the database writer before it is refused as not logged
    # (Slack shows the person an error after 3 s without an acknowledgement).
    write_wait_seconds: float = Field(default=2.0, gt=0, le=60)
    retention_years: int = Field(default=6, ge=1, le=100)
    late_action_days: int = Field(default=7, ge=0, le=365)
    pecr_provider: bool = False
    org_name: str = Field(default="Your organisation", min_length=1, max_length=200)
    org_contact: str = Field(default="privacy@example.org", min_length=1, max_length=500)
    templates_dir: str | None = None  # the DPO's letter templates, <dir>/<lang>/<kind>.md
    letter_language: str = Field(default="en", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    # Issue 17: how long a system owner has to search, and the register's first systems.
    search_due_days: int = Field(default=7, ge=1, le=60)
    systems_file: Path | None = None
    # Delivered and failed outgoing messages keep their content this long, then it is erased.
    outbox_keep_days: int = Field(default=7, ge=1, le=365)
    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT

    @field_validator(
        "slack_team_ids",
        "teams_tenant_ids",
        "teams_service_urls",
        "compliance_channel",
        "dpo_users",
        "privacy_team",
        mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("dpo_users", "privacy_team", "compliance_channel")
    @classmethod
    def _platform_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            ChatUser.parse(item)  # raises ValueError: "x is not platform:id"
        return value

    @field_validator("systems_file")
    @classmethod
    def _systems_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_systems_file(value)  # raises ValueError with the reason: refused at start
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zone(value)
        except DeadlineError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("holidays")
    @classmethod
    def _calendar(cls, value: str) -> str:
        try:
            return normalise_calendar(value)
        except DeadlineError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.env != Environment.PRODUCTION:
            return self
        problems = production_problems(self)
        if problems:
            raise ValueError(problems[0])
        return self

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str | None) -> str | None:
        try:
            parse_offsets(value)
        except OffsetsError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("summary_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"SUMMARY_CRON {value!r} is not a crontab line: {exc}") from exc
        return value

    @property
    def slack_oauth(self) -> bool:
        """Installed in many workspaces through OAuth (tokens in the database)."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None or self.slack_oauth

    @property
    def teams_enabled(self) -> bool:
        return self.teams_app_id is not None or self.teams_allow_anonymous

    def policy(self) -> Policy:
        dpo = frozenset(ChatUser.parse(u) for u in self.dpo_users)
        team = frozenset(ChatUser.parse(u) for u in self.privacy_team) | dpo
        return Policy(
            timezone=ZoneInfo(self.timezone),
            calendar=self.holidays,
            internal_target_days=self.internal_target_days,
            privacy_team=team,
            dpo=dpo,
            compliance_channels=tuple(ChatUser.parse(c) for c in self.compliance_channel),
            reminders=parse_offsets(self.reminder_offsets),
            late_action_days=self.late_action_days,
            pecr_provider=self.pecr_provider,
            org_name=self.org_name,
            org_contact=self.org_contact,
            templates_dir=self.templates_dir,
            letter_language=self.letter_language,
            search_due_days=self.search_due_days,
            default_systems=read_systems_file(self.systems_file) if self.systems_file else (),
        )
