"""What every use case is given: who acts, when, under which policy; and how it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.deadlines import DEFAULT_CALENDAR, DeadlineError, local_day, resolve_local
from handlers.offsets import ReminderOffsets
from handlers.ports import Actor, ChatUser
from storage.enums import Role

LONDON = ZoneInfo("Europe/London")
DEFAULT_OFFSETS = ReminderOffsets()


class Refusal(Exception):
    """The command is understood but may not happen; the message is one line for people."""


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

    def role_of(self, user: ChatUser) -> Role:
        if user in self.dpo:
            return Role.DPO
        if user in self.privacy_team:
            return Role.PRIVACY
        return Role.STAFF


@dataclass(frozen=True, slots=True)
class Context:
    actor: Actor
    now: datetime
    policy: Policy

    @property
    def today(self) -> date:
        return local_day(self.now, self.policy.timezone)

    @property
    def who(self) -> str:
        return str(self.actor.user)

    def require_privacy_team(self, doing: str) -> None:
        if not self.actor.role.is_privacy_team:
            raise Refusal(f"only the privacy team may {doing}")

    def day_or_today(
        self, value: date | None, what: str, *, not_before: date | None = None
    ) -> date:
        """An action's date: today by default, never in the future, never before the ticket."""
        day = value or self.today
        if day > self.today:
            raise Refusal(f"{what} {day.isoformat()} is in the future")
        if not_before is not None and day < not_before:
            raise Refusal(f"{what} {day.isoformat()} is before {not_before.isoformat()}")
        return day

    def moment_or_now(
        self, value: datetime | None, what: str, *, not_before: datetime | None = None
    ) -> datetime:
        try:
            moment = self.now if value is None else resolve_local(value, self.policy.timezone)
        except DeadlineError as exc:
            raise Refusal(f"{what}: {exc}") from exc
        if moment > self.now:
            raise Refusal(f"{what} {moment.isoformat()} is in the future")
        if not_before is not None and moment < not_before:
            raise Refusal(f"{what} is before the organisation became aware of the breach")
        return moment
