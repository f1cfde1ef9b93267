"""The organisation's settings that the core needs: timezone, calendar, who is on the privacy
team and who is a DPO, where compliance posts go, and the reminder offsets. Built once from
configuration (``bot.config.Settings.policy``) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.deadlines import DEFAULT_CALENDAR
from handlers.offsets import ReminderOffsets
from handlers.ports import ChatUser
from storage.enums import Role

LONDON = ZoneInfo("Europe/London")
DEFAULT_OFFSETS = ReminderOffsets()


@dataclass(frozen=True, slots=True)
class SeedSystem:
    """A system the register starts with (``SYSTEMS_FILE``): its name and owner."""

    name: str
    owner: ChatUser


@dataclass(frozen=True, slots=True)
class Policy:
    """The organisation's settings that the core needs (built once from configuration)."""

    timezone: ZoneInfo = LONDON
    calendar: str = DEFAULT_CALENDAR
    internal_target_days: int | None = None
    privacy_team: frozenset[ChatUser] = frozenset()
    dpo: frozenset[ChatUser] = frozenset()
    # Where compliance posts go, one entry per platform: ChatUser(platform, channel id).
    compliance_channels: tuple[ChatUser, ...] = ()
    reminders: ReminderOffsets = DEFAULT_OFFSETS
    # Asking for identity, clarification or a fee later than this after receipt needs a reason.
    late_action_days: int = 7
    # A public electronic communications service provider: breaches default to PECR.
    pecr_provider: bool = False
    # Letters to requesters (issue 12): who writes them, where a DPO's own templates are (one
    # folder per language, overriding the shipped ones kind by kind) and the default language.
    org_name: str = "Your organisation"
    org_contact: str = "privacy@example.org"
    templates_dir: str | None = None
    letter_language: str = "en"
    # Issue 17: a search task is due this many days after it is sent (never later than three
    # working days before the request's deadline), and the register's first systems.
    search_due_days: int = 7
    default_systems: tuple[SeedSystem, ...] = ()

    def role_of(self, user: ChatUser) -> Role:
        if user in self.dpo:
            return Role.DPO
        if user in self.privacy_team:
            return Role.PRIVACY
        return Role.STAFF
