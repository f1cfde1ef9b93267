"""The legal calendar of UK GDPR Art 12 / 12A and Art 33: pure functions, no I/O.

Every rule about deadlines lives here and nowhere else (SPEC §4):

* clock start is the latest of receipt, identity received and fee paid;
* one calendar month, clamped to the last day of a shorter month;
* clarification pauses, both ends included, are added to the date;
* the result rolls forward over weekends and public holidays, last;
* the extension is three months from clock start (same pauses, same roll);
* breaches: 72 elapsed hours in UTC, never extended.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

DEFAULT_CALENDAR = "GB-ENG"
UK_CALENDARS = {"GB-ENG": "ENG", "GB-WLS": "WLS", "GB-SCT": "SCT", "GB-NIR": "NIR"}
BREACH_WINDOW = timedelta(hours=72)
COMPLAINT_ACK_DAYS = 30
EXTENSION_MONTHS = 3
_MAX_YEAR = 9998
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|[Zz])?", re.ASCII)


class DeadlineError(ValueError):
    """An input the legal calendar cannot work with; the message is shown to people."""


@dataclass(frozen=True, slots=True)
class Pause:
    """A clarification pause: asked on ``start``, answered on ``end``; both days are paused."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DeadlineError(
                f"a pause cannot end ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class RequestDeadlines:
    """Every date a rights request is measured against."""

    clock_start: date
    due: date
    extension_notice_by: date
    extended_due: date
    internal_target: date | None = None


# --- calendars -------------------------------------------------------------------------------


def normalise_calendar(code: str) -> str:
    """Validate a calendar code (``GB-ENG`` … or an ISO country code) and return it upper-cased."""
    code = code.strip().upper()
    _holiday_set(code, 2025)
    return code


@lru_cache(maxsize=4096)
def _holiday_set(code: str, year: int) -> frozenset[date]:
    code = code.strip().upper()
    if code in UK_CALENDARS:
        country, subdiv = "GB", UK_CALENDARS[code]
    elif "-" in code:
        country, subdiv = code.split("-", 1)
        if not country or not subdiv:
            raise DeadlineError(f"unknown holiday calendar {code!r}: use GB-ENG or a code like IE")
    else:
        country, subdiv = code, ""
    if country not in _supported_countries():
        raise DeadlineError(
            f"unknown holiday calendar {code!r}: use GB-ENG, GB-WLS, GB-SCT, GB-NIR "
            "or an ISO country code such as IE"
        )
    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except (NotImplementedError, KeyError, AttributeError) as exc:
        raise DeadlineError(
            f"unknown holiday calendar {code!r}: use GB-ENG, GB-WLS, GB-SCT, GB-NIR "
            "or an ISO country code such as IE"
        ) from exc
    return frozenset(found.keys())


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def is_working_day(day: date, calendar: str = DEFAULT_CALENDAR) -> bool:
    """Monday to Friday and not a public holiday of ``calendar``."""
    return day.weekday() < 5 and day not in _holiday_set(calendar, day.year)


def roll_forward(day: date, calendar: str = DEFAULT_CALENDAR) -> date:
    """``day`` itself if it is a working day, otherwise the next working day."""
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later, or the last day of that month if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not 1 <= year <= _MAX_YEAR:
        raise DeadlineError(f"{day.isoformat()} is outside the supported range of dates")
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


# --- rights requests ---------------------------------------------------------------------------


def clock_start(
    *, received: date, identity_received: date | None = None, fee_paid: date | None = None
) -> date:
    """The latest of receipt, identity information arriving and the fee being paid."""
    return max(d for d in (received, identity_received, fee_paid) if d is not None)


def paused_days(pauses: Iterable[Pause]) -> int:
    return sum(p.days for p in pauses)


def request_deadlines(
    *,
    received: date,
    identity_received: date | None = None,
    fee_paid: date | None = None,
    pauses: Iterable[Pause] = (),
    calendar: str = DEFAULT_CALENDAR,
    internal_target_days: int | None = None,
) -> RequestDeadlines:
    """The one-month deadline, its three-month extension and the optional internal target."""
    start = clock_start(received=received, identity_received=identity_received, fee_paid=fee_paid)
    extra = timedelta(days=paused_days(pauses))
    try:
        due = roll_forward(add_months(start, 1) + extra, calendar)
        extended = roll_forward(add_months(start, EXTENSION_MONTHS) + extra, calendar)
        target = None
        if internal_target_days is not None:
            if internal_target_days < 1:
                raise DeadlineError("the internal target must be at least one day")
            target = roll_forward(start + timedelta(days=internal_target_days) + extra, calendar)
    except OverflowError as exc:
        raise DeadlineError(f"{start.isoformat()} is outside the supported range of dates") from exc
    # The requester must be told of an extension within the first month (Art 12(3)).
    return RequestDeadlines(
        clock_start=start,
        due=due,
        extension_notice_by=due,
        extended_due=extended,
        internal_target=target,
    )


def complaint_ack_due(received: date) -> date:
    """Acknowledge a complaint within 30 days *beginning with* the day it was received.

    The day of receipt is day 1, so the last day is receipt + 29 days. No roll forward: the
    period is a plain count of days and rolling it would make the promise later, not safer.
    """
    return received + timedelta(days=COMPLAINT_ACK_DAYS - 1)


# --- breaches ----------------------------------------------------------------------------------


def breach_ico_due(aware_at: datetime) -> datetime:
    """72 elapsed hours after awareness, in UTC: weekends, holidays and clock changes ignored."""
    if aware_at.tzinfo is None or aware_at.utcoffset() is None:
        raise DeadlineError("the time the organisation became aware needs a UTC offset")
    try:
        return aware_at.astimezone(UTC) + BREACH_WINDOW
    except OverflowError as exc:
        raise DeadlineError("that time is outside the supported range of dates") from exc


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DeadlineError(f"unknown timezone {name!r}") from exc


def resolve_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time, refusing the hour a clock change skips or repeats.

    A time that already carries an offset is returned unchanged (converted to UTC).
    """
    try:
        return _resolve_local(moment, tz)
    except OverflowError as exc:
        raise DeadlineError("that time is outside the supported range of dates") from exc


def _resolve_local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is not None:
        if moment.utcoffset() is None:
            raise DeadlineError("that time has an unusable timezone")
        return moment.astimezone(UTC)
    early = moment.replace(tzinfo=tz, fold=0)
    late = moment.replace(tzinfo=tz, fold=1)
    shown = moment.strftime("%Y-%m-%d %H:%M")
    if early.utcoffset() != late.utcoffset():
        roundtrip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != moment:
            raise DeadlineError(
                f"{shown} does not exist in {tz.key} (the clocks went forward); "
                "give the time with its UTC offset, e.g. +01:00"
            )
        raise DeadlineError(
            f"{shown} happened twice in {tz.key} (the clocks went back); "
            "give the time with its UTC offset, e.g. +01:00 or +00:00"
        )
    return early.astimezone(UTC)


def parse_wall_time(text: str) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z]`` strictly; naive when no offset is given."""
    cleaned = text.strip()
    if _MOMENT.fullmatch(cleaned) is None:
        raise DeadlineError(f"{text!r} is not a date and time: use YYYY-MM-DDTHH:MM[+HH:MM]")
    if cleaned.endswith(("z", "Z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise DeadlineError(
            f"{text!r} is not a date and time: use YYYY-MM-DDTHH:MM[+HH:MM]"
        ) from exc


def parse_moment(text: str, tz: ZoneInfo) -> datetime:
    """Parse a date and time; local times are read in ``tz``. Returns UTC."""
    return resolve_local(parse_wall_time(text), tz)


def parse_day(text: str) -> date:
    """Parse an ISO ``YYYY-MM-DD`` date, with a message people can act on."""
    cleaned = text.strip()
    if _DAY.fullmatch(cleaned) is None:
        raise DeadlineError(f"{text!r} is not a date: use YYYY-MM-DD")
    try:
        return date.fromisoformat(cleaned)
    except ValueError as exc:
        raise DeadlineError(f"{text!r} is not a date: use YYYY-MM-DD") from exc


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day ``moment`` falls on in ``tz`` (what 'today' means to the desk)."""
    return moment.astimezone(tz).date()
