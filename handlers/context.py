"""What every use case is given (who acts, when, under which policy) and how it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from handlers.deadlines import DeadlineError, local_day, resolve_local
from handlers.policy import Policy
from handlers.ports import Actor, Workspace


class Refusal(Exception):
    """The command is understood but may not happen; the message is one line for people.

    ``field`` names the argument it is about (``received``), so a form can mark that input.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


def _field(what: str) -> str | None:
    """``received=`` -> ``received``: the argument an action's date came from."""
    return what[:-1] if what.endswith("=") else None


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

    @property
    def origin(self) -> Workspace:
        """The workspace the actor acts from (empty when the platform does not say)."""
        return self.actor.origin or Workspace()

    def require_privacy_team(self, doing: str) -> None:
        if not self.actor.role.is_privacy_team:
            raise Refusal(f"only the privacy team may {doing}")

    def day_or_today(
        self, value: date | None, what: str, *, not_before: date | None = None
    ) -> date:
        """An action's date: today by default, never in the future, never before the ticket."""
        day = value or self.today
        if day > self.today:
            raise Refusal(f"{what} {day.isoformat()} is in the future", field=_field(what))
        if not_before is not None and day < not_before:
            raise Refusal(
                f"{what} {day.isoformat()} is before {not_before.isoformat()}", field=_field(what)
            )
        return day

    def moment_or_now(
        self, value: datetime | None, what: str, *, not_before: datetime | None = None
    ) -> datetime:
        try:
            moment = self.now if value is None else resolve_local(value, self.policy.timezone)
        except DeadlineError as exc:
            raise Refusal(f"{what}: {exc}", field=_field(what)) from exc
        if moment > self.now:
            raise Refusal(f"{what} {moment.isoformat()} is in the future", field=_field(what))
        if not_before is not None and moment < not_before:
            raise Refusal(
                f"{what} is before the organisation became aware of the breach",
                field=_field(what),
            )
        return moment
