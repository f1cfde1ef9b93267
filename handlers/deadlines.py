"""The legal calendar of UK GDPR Art 12 / 12A and Art 33: pure functions, no I/O.

Every rule about deadlines lives here and nowhere else (SPEC §4):

* clock start is the latest of receipt, identity received and fee paid;
* one calendar month, clamped to the last day of a shorter month;
* clarification pauses (Art 12A(5), subject access only), both ends included, add a day for
  each paused day *inside the running period*: not before the clock start, not after the
  period has already ended, and a day two pauses cover counts once;
* the result rolls forward over weekends and public holidays, last;
* the extension is three months from clock start (same pauses, same roll);
* complaints (DPA 2018 s.164A, received from 19 Jun 2026): acknowledge within 30 days
  beginning the day after receipt, rolled forward (ICO guidance);
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

from handlers import holiday_import
from storage.enums import RequestType

DEFAULT_CALENDAR = "GB-ENG"
UK_CALENDARS = {"GB-ENG": "ENG", "GB-WLS": "WLS", "GB-SCT": "SCT", "GB-NIR": "NIR"}
BREACH_WINDOW = timedelta(hours=72)
COMPLAINT_ACK_DAYS = 30
# DPA 2018 s.164A (inserted by the Data (Use and Access) Act 2025) applies to complaints
# received on or after this day; earlier complaints carry no statutory acknowledgement date.
COMPLAINT_ACK_FROM = date(2026, 6, 19)
_NOT_A_NATION = (
    "is not one nation's calendar: use GB-ENG, GB-WLS, GB-SCT or GB-NIR "
    "(bank holidays differ between the UK nations)"
)
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
    """Validate a calendar code (``GB-ENG`` … or an ISO country code) and return it upper-cased.

    ``GB``, ``UK``, ``GB-UK`` and the like are refused: the ``holidays`` package reads them as
    the holidays common to all four nations, which silently drops Easter Monday (England, Wales,
    Northern Ireland) and both August bank holidays.
    """
    code = code.strip().upper()
    _holiday_set(code, 2025)
    return code


def holidays_version() -> str:
    """The release of the holiday data every stored deadline was computed with."""
    from importlib.metadata import version

    return version("holidays")


@lru_cache(maxsize=4096)
def _holiday_set(code: str, year: int) -> frozenset[date]:
    code = code.strip().upper()
    if code in UK_CALENDARS:
        country, subdiv = "GB", UK_CALENDARS[code]
    elif code in ("GB", "UK") or code.startswith(("GB-", "UK-")):
        raise DeadlineError(f"unknown holiday calendar {code!r}: {code} {_NOT_A_NATION}")
    elif "-" in code:
        country, subdiv = code.split("-", 1)
        if not country or not subdiv:
            raise DeadlineError(f"unknown holiday calendar {code!r}: use GB-ENG or a code like IE")
    else:
        country, subdiv = code, ""
    if country not in holiday_import.country_codes():  # imports holidays, no country yet
        raise DeadlineError(
            f"unknown holiday calendar {code!r}: use GB-ENG, GB-WLS, GB-SCT, GB-NIR "
            "or an ISO country code such as IE"
        )
    import holidays  # deferred by country_codes(): the lookup loads this one country

    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except (NotImplementedError, KeyError, AttributeError) as exc:
        raise DeadlineError(
            f"unknown holiday calendar {code!r}: use GB-ENG, GB-WLS, GB-SCT, GB-NIR "
            "or an ISO country code such as IE"
        ) from exc
    return frozenset(found.keys())


def is_working_day(day: date, calendar: str = DEFAULT_CALENDAR) -> bool:
    """Monday to Friday and not a public holiday of ``calendar``."""
    return day.weekday() < 5 and day not in _holiday_set(calendar, day.year)


def roll_forward(day: date, calendar: str = DEFAULT_CALENDAR) -> date:
    """``day`` itself if it is a working day, otherwise the next working day."""
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


def working_days_before(day: date, count: int, calendar: str = DEFAULT_CALENDAR) -> date:
    """The working day ``count`` working days before ``day`` (a search task's latest due
    date is three before the request's deadline)."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day, calendar):
            count -= 1
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


def clarification_pauses(request_type: str) -> bool:
    """Whether a clarification stops the clock: only for subject access (Art 12A(3)-(5))."""
    return request_type == RequestType.ACCESS


def _merged(pauses: Iterable[Pause]) -> list[Pause]:
    """The pauses as disjoint runs of days, in order: a day two pauses cover appears once."""
    runs: list[Pause] = []
    for p in sorted(pauses, key=lambda p: p.start):
        if runs and p.start <= runs[-1].end + timedelta(days=1):
            if p.end > runs[-1].end:
                runs[-1] = Pause(runs[-1].start, p.end)
        else:
            runs.append(p)
    return runs


def paused_days(pauses: Iterable[Pause]) -> int:
    """How many distinct days the pauses cover (overlaps once), wherever they fall."""
    return sum(p.days for p in _merged(pauses))


def _period_end(*, start: date, raw_end: date, runs: list[Pause]) -> tuple[date, int]:
    """The last day of a period that begins on ``start`` and would end on ``raw_end``, after
    each paused day inside it is added (Art 12A(5)); and how many days were added.

    A paused day counts only if it falls inside the period as it runs: not before ``start``,
    not after the period (already lengthened by earlier pauses) has ended. A run of paused
    days that begins inside the period is counted whole, because each of its days lengthens
    the period by one.
    """
    end, added = raw_end, 0
    for run in runs:  # disjoint and in order
        if run.end < start:
            continue
        first = max(run.start, start)
        if first > end:
            break  # the period had already ended: the request was late before this pause
        days = (run.end - first).days + 1
        end += timedelta(days=days)
        added += days
    return end, added


def counted_pause_days(*, clock_start: date, pauses: Iterable[Pause], months: int = 1) -> int:
    """How many paused days moved the ``months``-month deadline (0 for pauses outside it)."""
    runs = _merged(pauses)
    return _period_end(start=clock_start, raw_end=add_months(clock_start, months), runs=runs)[1]


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
    runs = _merged(pauses)
    try:
        due, _ = _period_end(start=start, raw_end=add_months(start, 1), runs=runs)
        longer = add_months(start, EXTENSION_MONTHS)
        extended, _ = _period_end(start=start, raw_end=longer, runs=runs)
        due, extended = roll_forward(due, calendar), roll_forward(extended, calendar)
        target = None
        if internal_target_days is not None:
            if internal_target_days < 1:
                raise DeadlineError("the internal target must be at least one day")
            raw = start + timedelta(days=internal_target_days)
            target = roll_forward(_period_end(start=start, raw_end=raw, runs=runs)[0], calendar)
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


def complaint_ack_due(received: date, calendar: str = DEFAULT_CALENDAR) -> date | None:
    """When a complaint must be acknowledged (DPA 2018 s.164A(3)), or None before 19 Jun 2026.

    30 days beginning with the day after receipt (so receipt + 30), rolled forward to the next
    working day as the ICO's complaints guidance says. Complaints received before s.164A came
    into force carry no statutory acknowledgement date.
    """
    if received < COMPLAINT_ACK_FROM:
        return None
    try:
        return roll_forward(received + timedelta(days=COMPLAINT_ACK_DAYS), calendar)
    except OverflowError as exc:
        raise DeadlineError(f"{received.isoformat()} is outside the supported range") from exc


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
