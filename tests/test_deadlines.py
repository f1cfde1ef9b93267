"""Tables for the legal calendar in handlers/deadlines.py (UK GDPR Art 12 / 33, ICO guidance).

Every expected value below was worked out by hand from the rules (one calendar month clamped to
the month end, pauses added with both ends counted, roll forward last over weekends and the
public holidays of the calendar) and the holidays were checked against the published UK bank
holiday lists; none of them was copied from what the code returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest

from handlers.deadlines import (
    DEFAULT_CALENDAR,
    DeadlineError,
    Pause,
    RequestDeadlines,
    add_months,
    breach_ico_due,
    clarification_pauses,
    clock_start,
    complaint_ack_due,
    counted_pause_days,
    is_working_day,
    local_day,
    normalise_calendar,
    parse_day,
    parse_moment,
    paused_days,
    request_deadlines,
    resolve_local,
    roll_forward,
    zone,
)

LONDON = zone("Europe/London")


def d(text: str) -> date:
    return date.fromisoformat(text)


def utc(text: str) -> datetime:
    """A UTC instant written as ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def naive(text: str) -> datetime:
    """A wall-clock time with no offset (what a person types)."""
    return datetime.fromisoformat(text)


def due(received: str, calendar: str = DEFAULT_CALENDAR, pauses: Iterable[Pause] = ()) -> date:
    return request_deadlines(received=d(received), calendar=calendar, pauses=pauses).due


# --- 1. the SPEC examples (England & Wales) -------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2025-09-03", "2025-10-03"),  # Wed -> Fri, nothing to roll
        ("2025-03-31", "2025-04-30"),  # no 31 April: last day of April
        ("2028-01-31", "2028-02-29"),  # leap year: 29 Feb 2028 is a Tuesday
        ("2025-11-25", "2025-12-29"),  # Christmas (Thu), Boxing Day (Fri), weekend -> Mon 29
    ],
)
@pytest.mark.parametrize("calendar", ["GB-ENG", "GB-WLS"])
def test_spec_examples_england_and_wales(received: str, expected: str, calendar: str) -> None:
    result = request_deadlines(received=d(received), calendar=calendar)
    assert result.clock_start == d(received)
    assert result.due == d(expected)
    assert result.extension_notice_by == d(expected)


def test_spec_example_default_calendar_is_england() -> None:
    assert DEFAULT_CALENDAR == "GB-ENG"
    assert request_deadlines(received=d("2025-11-25")).due == d("2025-12-29")


def test_spec_example_breach_over_the_autumn_clock_change() -> None:
    aware = parse_moment("2025-10-24T16:00", zone("Europe/London"))  # Friday 16:00 BST
    assert aware == utc("2025-10-24T15:00")
    deadline = breach_ico_due(aware)
    assert deadline == utc("2025-10-27T15:00")
    assert deadline.utcoffset() == timedelta(0)
    assert deadline.date().weekday() == 0  # Monday: weekends are not skipped or added
    # The clocks went back on Sun 26 Oct: the deadline is 15:00 GMT, one wall-hour "earlier".
    assert deadline.astimezone(LONDON).replace(tzinfo=None) == naive("2025-10-27T15:00")


# --- 2. every kind of UK bank holiday ---------------------------------------------------------

# (day, calendar, is a working day?) -- weekdays that are bank holidays in that nation or not.
HOLIDAY_FACTS: list[tuple[str, str, bool]] = [
    # New Year, with substitute days when 1 January falls at a weekend
    ("2025-01-01", "GB-ENG", False),
    ("2022-01-03", "GB-ENG", False),  # 1 Jan 2022 was a Saturday
    ("2022-01-04", "GB-ENG", True),
    ("2022-01-04", "GB-SCT", False),  # 2 Jan (Sunday) substitute in Scotland
    ("2028-01-03", "GB-ENG", False),  # 1 Jan 2028 is a Saturday
    ("2028-01-03", "GB-NIR", False),
    ("2028-01-04", "GB-ENG", True),
    ("2028-01-04", "GB-SCT", False),
    ("2023-01-02", "GB-ENG", False),  # 1 Jan 2023 was a Sunday
    ("2023-01-03", "GB-ENG", True),
    ("2023-01-03", "GB-SCT", False),
    # 2 January, Scotland only
    ("2025-01-02", "GB-SCT", False),
    ("2025-01-02", "GB-ENG", True),
    ("2025-01-02", "GB-WLS", True),
    ("2025-01-02", "GB-NIR", True),
    ("2027-01-04", "GB-SCT", False),  # 2 Jan 2027 is a Saturday: substitute Monday
    ("2027-01-04", "GB-ENG", True),
    # Easter
    ("2025-04-18", "GB-ENG", False),  # Good Friday
    ("2025-04-18", "GB-SCT", False),
    ("2025-04-18", "GB-NIR", False),
    ("2025-04-21", "GB-ENG", False),  # Easter Monday
    ("2025-04-21", "GB-WLS", False),
    ("2025-04-21", "GB-NIR", False),
    ("2025-04-21", "GB-SCT", True),  # not a bank holiday in Scotland
    ("2024-03-29", "GB-ENG", False),  # Good Friday 2024
    ("2024-04-01", "GB-ENG", False),  # Easter Monday 2024
    ("2024-04-01", "GB-SCT", True),
    # May
    ("2025-05-05", "GB-ENG", False),  # Early May: first Monday
    ("2025-05-05", "GB-SCT", False),
    ("2020-05-08", "GB-ENG", False),  # Early May moved to Friday for VE Day 75
    ("2020-05-04", "GB-ENG", True),  # ... so the first Monday was a working day
    ("2025-05-26", "GB-ENG", False),  # Spring: last Monday of May
    ("2025-05-26", "GB-SCT", False),
    ("2022-05-30", "GB-ENG", True),  # Spring 2022 moved to Thu 2 June
    # Summer
    ("2025-08-25", "GB-ENG", False),  # last Monday of August
    ("2025-08-25", "GB-NIR", False),
    ("2025-08-25", "GB-SCT", True),
    ("2025-08-04", "GB-SCT", False),  # first Monday of August in Scotland
    ("2025-08-04", "GB-ENG", True),
    # Christmas and Boxing Day, with substitutes
    ("2025-12-25", "GB-ENG", False),
    ("2025-12-26", "GB-ENG", False),
    ("2025-12-26", "GB-SCT", False),
    ("2026-12-28", "GB-ENG", False),  # Boxing Day (Sat) observed on Monday
    ("2026-12-28", "GB-SCT", False),
    ("2026-12-29", "GB-ENG", True),
    ("2027-12-27", "GB-ENG", False),  # Christmas (Sat) observed Monday
    ("2027-12-28", "GB-ENG", False),  # Boxing Day (Sun) observed Tuesday
    ("2027-12-29", "GB-ENG", True),
    # St Andrew's Day, Scotland only
    ("2026-11-30", "GB-SCT", False),
    ("2026-11-30", "GB-ENG", True),
    ("2025-12-01", "GB-SCT", False),  # 30 Nov 2025 is a Sunday: substitute Monday
    ("2025-12-01", "GB-ENG", True),
    ("2024-12-02", "GB-SCT", False),  # 30 Nov 2024 was a Saturday
    # Northern Ireland
    ("2025-03-17", "GB-NIR", False),  # St Patrick's Day
    ("2025-03-17", "GB-ENG", True),
    ("2025-03-17", "GB-SCT", True),
    ("2024-03-18", "GB-NIR", False),  # 17 Mar 2024 was a Sunday
    ("2024-03-18", "GB-ENG", True),
    ("2024-07-12", "GB-NIR", False),  # Battle of the Boyne
    ("2024-07-12", "GB-ENG", True),
    ("2025-07-14", "GB-NIR", False),  # 12 Jul 2025 is a Saturday: substitute Monday
    ("2025-07-14", "GB-ENG", True),
    ("2026-07-13", "GB-NIR", False),  # 12 Jul 2026 is a Sunday
    # One-off days
    ("2022-06-02", "GB-ENG", False),  # Spring bank holiday moved for the Platinum Jubilee
    ("2022-06-03", "GB-ENG", False),  # Platinum Jubilee
    ("2022-06-03", "GB-SCT", False),
    ("2022-09-19", "GB-ENG", False),  # State Funeral of Queen Elizabeth II
    ("2022-09-19", "GB-SCT", False),
    ("2022-09-19", "GB-NIR", False),
    ("2023-05-08", "GB-ENG", False),  # Coronation of King Charles III
    ("2023-05-08", "GB-WLS", False),
    ("2011-04-29", "GB-ENG", False),  # Royal Wedding
    # Weekends are never working days; an ordinary weekday is
    ("2025-10-04", "GB-ENG", False),
    ("2025-10-05", "GB-ENG", False),
    ("2025-10-06", "GB-ENG", True),
    ("2025-10-04", "IE", False),
    # Other countries' calendars
    ("2025-03-17", "IE", False),  # St Patrick's Day in Ireland
    ("2025-02-03", "IE", False),  # St Brigid's Day (first Monday of February)
    ("2025-02-03", "GB-ENG", True),
    ("2025-10-03", "DE", False),  # Day of German Unity
    ("2025-10-03", "GB-ENG", True),
    ("2025-07-14", "FR", False),  # Bastille Day
]


@pytest.mark.parametrize(("day", "calendar", "working"), HOLIDAY_FACTS)
def test_is_working_day(day: str, calendar: str, working: bool) -> None:
    assert is_working_day(d(day), calendar) is working


# (received, calendar, the one-month date that lands on a holiday/weekend, the rolled due date)
HOLIDAY_DEADLINES: list[tuple[str, str, str, str]] = [
    # New Year
    ("2025-12-01", "GB-ENG", "2026-01-01", "2026-01-02"),
    ("2025-12-01", "GB-SCT", "2026-01-01", "2026-01-05"),  # 1 and 2 Jan, then the weekend
    ("2021-12-03", "GB-ENG", "2022-01-03", "2022-01-04"),  # substitute for Sat 1 Jan
    ("2021-12-03", "GB-SCT", "2022-01-03", "2022-01-05"),  # substitutes for 1 and 2 Jan
    ("2021-12-01", "GB-ENG", "2022-01-01", "2022-01-04"),  # Sat, Sun, substitute Mon
    ("2027-12-03", "GB-ENG", "2028-01-03", "2028-01-04"),
    ("2027-12-03", "GB-NIR", "2028-01-03", "2028-01-04"),
    ("2027-12-03", "GB-SCT", "2028-01-03", "2028-01-05"),
    ("2027-12-01", "GB-WLS", "2028-01-01", "2028-01-04"),
    # 2 January (Scotland)
    ("2024-12-02", "GB-SCT", "2025-01-02", "2025-01-03"),
    ("2026-12-04", "GB-SCT", "2027-01-04", "2027-01-05"),  # substitute for Sat 2 Jan 2027
    # Good Friday / Easter Monday
    ("2025-03-18", "GB-ENG", "2025-04-18", "2025-04-22"),  # Fri, Sat, Sun, Easter Monday
    ("2025-03-18", "GB-WLS", "2025-04-18", "2025-04-22"),
    ("2025-03-18", "GB-NIR", "2025-04-18", "2025-04-22"),
    ("2025-03-18", "GB-SCT", "2025-04-18", "2025-04-21"),  # no Easter Monday in Scotland
    ("2025-03-21", "GB-ENG", "2025-04-21", "2025-04-22"),
    ("2025-03-21", "GB-NIR", "2025-04-21", "2025-04-22"),
    # Early May, Spring
    ("2025-04-05", "GB-ENG", "2025-05-05", "2025-05-06"),
    ("2025-04-05", "GB-SCT", "2025-05-05", "2025-05-06"),
    ("2020-04-08", "GB-ENG", "2020-05-08", "2020-05-11"),  # VE Day Friday, then weekend
    ("2025-04-26", "GB-ENG", "2025-05-26", "2025-05-27"),  # received on a Saturday
    ("2025-04-26", "GB-NIR", "2025-05-26", "2025-05-27"),
    # Summer
    ("2025-07-25", "GB-ENG", "2025-08-25", "2025-08-26"),
    ("2025-07-04", "GB-SCT", "2025-08-04", "2025-08-05"),
    # Christmas and Boxing Day
    ("2025-11-25", "GB-SCT", "2025-12-25", "2025-12-29"),
    ("2026-11-25", "GB-ENG", "2026-12-25", "2026-12-29"),  # Fri, Sat, Sun, Boxing Day (obs)
    ("2026-11-28", "GB-ENG", "2026-12-28", "2026-12-29"),  # received Sat; lands on substitute
    ("2027-11-27", "GB-ENG", "2027-12-27", "2027-12-29"),  # both substitutes
    ("2027-11-28", "GB-ENG", "2027-12-28", "2027-12-29"),
    ("2027-11-25", "GB-NIR", "2027-12-25", "2027-12-29"),
    # St Andrew's Day (Scotland)
    ("2026-10-30", "GB-SCT", "2026-11-30", "2026-12-01"),
    ("2025-10-30", "GB-SCT", "2025-11-30", "2025-12-02"),  # Sun, then substitute Monday
    ("2024-11-02", "GB-SCT", "2024-12-02", "2024-12-03"),
    # St Patrick's Day and Battle of the Boyne (Northern Ireland)
    ("2025-02-17", "GB-NIR", "2025-03-17", "2025-03-18"),
    ("2024-02-18", "GB-NIR", "2024-03-18", "2024-03-19"),  # substitute for Sun 17 Mar
    ("2024-06-12", "GB-NIR", "2024-07-12", "2024-07-15"),
    ("2025-06-12", "GB-NIR", "2025-07-12", "2025-07-15"),  # Sat, Sun, substitute Mon
    ("2026-06-13", "GB-NIR", "2026-07-13", "2026-07-14"),
    # One-off bank holidays
    ("2022-08-19", "GB-ENG", "2022-09-19", "2022-09-20"),  # State Funeral
    ("2022-08-19", "GB-SCT", "2022-09-19", "2022-09-20"),
    ("2022-08-19", "GB-NIR", "2022-09-19", "2022-09-20"),
    ("2023-04-08", "GB-ENG", "2023-05-08", "2023-05-09"),  # Coronation
    ("2022-05-02", "GB-ENG", "2022-06-02", "2022-06-06"),  # Jubilee Thu + Fri, then weekend
    ("2022-05-03", "GB-WLS", "2022-06-03", "2022-06-06"),
    ("2011-03-29", "GB-ENG", "2011-04-29", "2011-05-03"),  # Royal Wedding, weekend, May Day
    # Other countries
    ("2025-02-17", "IE", "2025-03-17", "2025-03-18"),
    ("2025-09-03", "DE", "2025-10-03", "2025-10-06"),
    ("2025-06-14", "FR", "2025-07-14", "2025-07-15"),
]


@pytest.mark.parametrize(("received", "calendar", "lands_on", "expected"), HOLIDAY_DEADLINES)
def test_deadline_landing_on_a_holiday_rolls_forward(
    received: str, calendar: str, lands_on: str, expected: str
) -> None:
    assert add_months(d(received), 1) == d(lands_on)
    assert not is_working_day(d(lands_on), calendar)
    assert is_working_day(d(expected), calendar)
    assert roll_forward(d(lands_on), calendar) == d(expected)
    assert due(received, calendar) == d(expected)


@pytest.mark.parametrize(
    ("received", "calendar", "expected"),
    [
        ("2020-04-04", "GB-ENG", "2020-05-04"),  # the usual Early May Monday was not a holiday
        ("2022-04-30", "GB-ENG", "2022-05-30"),  # nor the usual Spring Monday in 2022
        ("2025-03-21", "GB-SCT", "2025-04-21"),  # Easter Monday is a Scottish working day
        ("2025-07-25", "GB-SCT", "2025-08-25"),  # late August is a Scottish working day
        ("2025-07-04", "GB-ENG", "2025-08-04"),
        ("2024-12-02", "GB-ENG", "2025-01-02"),
        ("2025-02-17", "GB-ENG", "2025-03-17"),
        ("2024-06-12", "GB-SCT", "2024-07-12"),
        ("2025-06-14", "GB-ENG", "2025-07-14"),
    ],
)
def test_day_that_is_a_holiday_elsewhere_does_not_roll(
    received: str, calendar: str, expected: str
) -> None:
    assert is_working_day(d(expected), calendar)
    assert due(received, calendar) == d(expected)


def test_roll_forward_leaves_a_working_day_alone() -> None:
    assert roll_forward(d("2025-10-03")) == d("2025-10-03")
    assert roll_forward(d("2025-10-04")) == d("2025-10-06")
    assert roll_forward(d("2025-12-24")) == d("2025-12-24")
    assert roll_forward(d("2025-12-25")) == d("2025-12-29")


# --- 3. month ends, leap years, the three-month extension -----------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-09-03", 1, "2025-10-03"),
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-01-30", 1, "2024-02-29"),
        ("2024-01-29", 1, "2024-02-29"),
        ("2025-01-29", 1, "2025-02-28"),
        ("2024-02-29", 1, "2024-03-29"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-05-31", 1, "2025-06-30"),
        ("2025-08-31", 1, "2025-09-30"),
        ("2025-10-31", 1, "2025-11-30"),
        ("2025-12-31", 1, "2026-01-31"),  # across the year end
        ("2025-12-15", 1, "2026-01-15"),
        ("2000-01-31", 1, "2000-02-29"),  # 2000 is a leap year (divisible by 400)
        ("2100-01-31", 1, "2100-02-28"),  # 2100 is not (divisible by 100)
        ("2025-11-30", 3, "2026-02-28"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2099-11-30", 3, "2100-02-28"),
        ("2025-01-31", 3, "2025-04-30"),
        ("2025-10-31", 3, "2026-01-31"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2025-03-31", -1, "2025-02-28"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2025-09-03", 0, "2025-09-03"),
        ("2025-09-03", 24, "2027-09-03"),
    ],
)
def test_add_months(start: str, months: int, expected: str) -> None:
    assert add_months(d(start), months) == d(expected)


@pytest.mark.parametrize(
    ("received", "calendar", "expected_due", "expected_extended"),
    [
        ("2025-09-03", "GB-ENG", "2025-10-03", "2025-12-03"),
        ("2024-02-29", "GB-ENG", "2024-04-02", "2024-05-29"),  # 29 Mar = Good Friday, Easter Mon
        ("2024-02-29", "GB-SCT", "2024-04-01", "2024-05-29"),  # no Easter Monday in Scotland
        ("2024-01-31", "GB-ENG", "2024-02-29", "2024-04-30"),  # Thursday 29 Feb
        ("2025-01-31", "GB-ENG", "2025-02-28", "2025-04-30"),  # Friday 28 Feb
        ("2028-01-31", "GB-ENG", "2028-02-29", "2028-05-02"),  # 30 Apr Sun, 1 May bank holiday
        ("2000-01-31", "GB-ENG", "2000-02-29", "2000-05-02"),  # 30 Apr Sun, 1 May bank holiday
        ("2100-01-31", "GB-ENG", "2100-03-01", "2100-04-30"),  # 28 Feb 2100 is a Sunday
        ("2099-11-30", "GB-ENG", "2099-12-30", "2100-03-01"),  # 28 Feb 2100 (Sun) -> Mon 1 Mar
        ("2025-11-30", "GB-ENG", "2025-12-30", "2026-03-02"),  # 28 Feb 2026 is a Saturday
        ("2023-11-30", "GB-ENG", "2024-01-02", "2024-02-29"),  # Sat 30, Sun 31, 1 Jan holiday
        ("2023-11-30", "GB-SCT", "2024-01-03", "2024-02-29"),  # ... and 2 Jan in Scotland
        ("2025-08-31", "GB-ENG", "2025-09-30", "2025-12-01"),  # 30 Nov 2025 is a Sunday
        ("2025-08-31", "GB-SCT", "2025-09-30", "2025-12-02"),  # ... then St Andrew's substitute
        ("2025-09-25", "GB-ENG", "2025-10-27", "2025-12-29"),  # Sat 25 Oct; Christmas Day
        ("2025-05-31", "GB-ENG", "2025-06-30", "2025-09-01"),  # 31 Aug 2025 is a Sunday
        ("2024-05-31", "GB-ENG", "2024-07-01", "2024-09-02"),  # Sun 30 Jun; Sat 31 Aug
        ("2025-12-31", "GB-ENG", "2026-02-02", "2026-03-31"),  # 31 Jan 2026 is a Saturday
    ],
)
def test_due_and_extension(
    received: str, calendar: str, expected_due: str, expected_extended: str
) -> None:
    result = request_deadlines(received=d(received), calendar=calendar)
    assert result == RequestDeadlines(
        clock_start=d(received),
        due=d(expected_due),
        extension_notice_by=d(expected_due),
        extended_due=d(expected_extended),
        internal_target=None,
    )


def test_extension_with_pauses_then_roll() -> None:
    # 3 Sep + 3 months = Wed 3 Dec; + 3 paused days = Sat 6 Dec -> Mon 8 Dec.
    result = request_deadlines(
        received=d("2025-09-03"), pauses=[Pause(d("2025-09-10"), d("2025-09-12"))]
    )
    assert result.due == d("2025-10-06")
    assert result.extension_notice_by == d("2025-10-06")
    assert result.extended_due == d("2025-12-08")


# --- 4. the four UK nations for the same received date ---------------------------------------


@pytest.mark.parametrize(
    ("received", "eng", "wls", "sct", "nir"),
    [
        ("2025-09-03", "2025-10-03", "2025-10-03", "2025-10-03", "2025-10-03"),
        ("2025-03-21", "2025-04-22", "2025-04-22", "2025-04-21", "2025-04-22"),  # Easter Mon
        ("2025-03-18", "2025-04-22", "2025-04-22", "2025-04-21", "2025-04-22"),  # Good Friday
        ("2025-07-25", "2025-08-26", "2025-08-26", "2025-08-25", "2025-08-26"),  # late August
        ("2025-07-04", "2025-08-04", "2025-08-04", "2025-08-05", "2025-08-04"),  # early August
        ("2024-12-02", "2025-01-02", "2025-01-02", "2025-01-03", "2025-01-02"),  # 2 January
        ("2025-12-01", "2026-01-02", "2026-01-02", "2026-01-05", "2026-01-02"),  # New Year
        ("2025-10-30", "2025-12-01", "2025-12-01", "2025-12-02", "2025-12-01"),  # St Andrew
        ("2026-10-30", "2026-11-30", "2026-11-30", "2026-12-01", "2026-11-30"),  # St Andrew
        ("2025-02-17", "2025-03-17", "2025-03-17", "2025-03-17", "2025-03-18"),  # St Patrick
        ("2025-06-12", "2025-07-14", "2025-07-14", "2025-07-14", "2025-07-15"),  # Boyne (obs)
        ("2024-06-12", "2024-07-12", "2024-07-12", "2024-07-12", "2024-07-15"),  # Boyne
        ("2022-08-19", "2022-09-20", "2022-09-20", "2022-09-20", "2022-09-20"),  # State Funeral
    ],
)
def test_nations_compared(received: str, eng: str, wls: str, sct: str, nir: str) -> None:
    got = {cal: due(received, cal) for cal in ("GB-ENG", "GB-WLS", "GB-SCT", "GB-NIR")}
    assert got == {"GB-ENG": d(eng), "GB-WLS": d(wls), "GB-SCT": d(sct), "GB-NIR": d(nir)}


# --- 5. clarification pauses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2025-09-10", "2025-09-12", 3),  # both ends included
        ("2025-09-10", "2025-09-10", 1),  # asked and answered the same day
        ("2025-09-28", "2025-10-02", 5),  # across a month end
        ("2024-02-28", "2024-03-01", 3),  # across 29 Feb
        ("2025-12-24", "2025-12-26", 3),  # holidays inside the pause still count
    ],
)
def test_pause_days_are_inclusive(start: str, end: str, days: int) -> None:
    assert Pause(d(start), d(end)).days == days


def test_paused_days_sums_several_pauses() -> None:
    pauses = [Pause(d("2025-09-10"), d("2025-09-12")), Pause(d("2025-09-20"), d("2025-09-20"))]
    assert paused_days(pauses) == 4
    assert paused_days([]) == 0


@pytest.mark.parametrize(
    ("received", "pauses", "calendar", "expected"),
    [
        # 3 Oct (Fri) + 3 days = Mon 6 Oct
        ("2025-09-03", [("2025-09-10", "2025-09-12")], "GB-ENG", "2025-10-06"),
        # several pauses: 3 + 1 = 4 days -> Tue 7 Oct
        (
            "2025-09-03",
            [("2025-09-10", "2025-09-12"), ("2025-09-20", "2025-09-20")],
            "GB-ENG",
            "2025-10-07",
        ),
        # pause ending on Boxing Day (a holiday) still counts all 3 days:
        # 1 Jan 2026 + 3 = Sun 4 Jan -> Mon 5 Jan
        ("2025-12-01", [("2025-12-24", "2025-12-26")], "GB-ENG", "2026-01-05"),
        ("2025-12-01", [("2025-12-24", "2025-12-26")], "GB-SCT", "2026-01-05"),
        # add first, then roll: Sat 4 Oct + 2 = Mon 6 Oct (rolling first would give Wed 8 Oct)
        ("2025-09-04", [("2025-09-08", "2025-09-09")], "GB-ENG", "2025-10-06"),
        # add first, then roll: Thu 25 Dec + 1 = Boxing Day -> Mon 29 Dec (not Tue 30)
        ("2025-11-25", [("2025-11-27", "2025-11-27")], "GB-ENG", "2025-12-29"),
        # the pause pushes a working day onto a holiday: Thu 17 Apr + 1 = Good Friday
        # -> Sat, Sun, Easter Monday -> Tue 22 Apr (Scotland: Mon 21 Apr)
        ("2025-03-17", [("2025-03-20", "2025-03-20")], "GB-ENG", "2025-04-22"),
        ("2025-03-17", [("2025-03-20", "2025-03-20")], "GB-SCT", "2025-04-21"),
        # a pause that moves the date off a holiday: 25 Dec + 5 = Tue 30 Dec
        ("2025-11-25", [("2025-12-01", "2025-12-05")], "GB-ENG", "2025-12-30"),
        # a pause across the month end clamp: 28 Feb 2025 + 2 = Sun 2 Mar -> Mon 3 Mar
        ("2025-01-31", [("2025-02-10", "2025-02-11")], "GB-ENG", "2025-03-03"),
    ],
)
def test_pauses_are_added_before_rolling_forward(
    received: str, pauses: list[tuple[str, str]], calendar: str, expected: str
) -> None:
    paused = [Pause(d(a), d(b)) for a, b in pauses]
    assert due(received, calendar, pauses=paused) == d(expected)


def test_pauses_may_be_any_iterable() -> None:
    def gen() -> Iterator[Pause]:
        yield Pause(d("2025-09-10"), d("2025-09-12"))

    result = request_deadlines(received=d("2025-09-03"), pauses=gen())
    assert result.due == d("2025-10-06")
    assert result.extended_due == d("2025-12-08")  # the generator was only needed once


def test_pause_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(DeadlineError, match=r"2025-09-09.*2025-09-10"):
        Pause(d("2025-09-10"), d("2025-09-09"))


# --- 6. clock start ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "identity", "fee", "expected"),
    [
        ("2025-09-03", None, None, "2025-09-03"),
        ("2025-09-03", "2025-09-10", None, "2025-09-10"),
        ("2025-09-03", None, "2025-09-15", "2025-09-15"),
        ("2025-09-03", "2025-09-10", "2025-09-15", "2025-09-15"),
        ("2025-09-03", "2025-09-20", "2025-09-15", "2025-09-20"),
        ("2025-09-03", "2025-08-01", None, "2025-09-03"),  # ID already held
        ("2025-09-03", "2025-08-01", "2025-08-02", "2025-09-03"),
        ("2025-09-03", "2025-09-03", "2025-09-03", "2025-09-03"),
    ],
)
def test_clock_start_is_the_latest(
    received: str, identity: str | None, fee: str | None, expected: str
) -> None:
    ident = d(identity) if identity else None
    paid = d(fee) if fee else None
    assert clock_start(received=d(received), identity_received=ident, fee_paid=paid) == d(expected)
    result = request_deadlines(received=d(received), identity_received=ident, fee_paid=paid)
    assert result.clock_start == d(expected)


@pytest.mark.parametrize(
    ("received", "identity", "fee", "expected_due"),
    [
        ("2025-09-03", "2025-09-10", None, "2025-10-10"),  # Fri
        ("2025-09-03", None, "2025-09-15", "2025-10-15"),  # Wed
        ("2025-09-03", "2025-09-10", "2025-09-15", "2025-10-15"),
        ("2025-09-03", "2025-09-04", None, "2025-10-06"),  # Sat 4 Oct -> Mon 6 Oct
        ("2025-10-20", "2025-10-25", None, "2025-11-25"),  # ID on a Saturday still counts
        ("2025-10-31", "2025-11-25", None, "2025-12-29"),  # ID late -> Christmas roll
    ],
)
def test_identity_and_fee_move_the_due_date(
    received: str, identity: str | None, fee: str | None, expected_due: str
) -> None:
    result = request_deadlines(
        received=d(received),
        identity_received=d(identity) if identity else None,
        fee_paid=d(fee) if fee else None,
    )
    assert result.due == d(expected_due)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2025-09-06", "2025-10-06"),  # received Saturday: Mon 6 Oct
        ("2025-09-07", "2025-10-07"),  # received Sunday: Tue 7 Oct
        ("2025-08-31", "2025-09-30"),  # received Sunday 31 Aug: Tue 30 Sep
        ("2025-12-25", "2026-01-26"),  # received on Christmas Day: Sun 25 Jan -> Mon 26 Jan
        ("2025-12-26", "2026-01-26"),  # received on Boxing Day: Mon 26 Jan
    ],
)
def test_weekend_or_holiday_receipt_counts_as_day_one(received: str, expected: str) -> None:
    result = request_deadlines(received=d(received))
    assert result.clock_start == d(received)
    assert result.due == d(expected)


# --- 7. internal target -----------------------------------------------------------------------


ONE_PAUSE = [Pause(d("2025-09-10"), d("2025-09-12"))]  # 3 days


@pytest.mark.parametrize(
    ("received", "days", "identity", "pauses", "calendar", "expected"),
    [
        ("2025-09-03", 20, None, [], "GB-ENG", "2025-09-23"),
        ("2025-09-03", 1, None, [], "GB-ENG", "2025-09-04"),
        ("2025-09-03", 10, None, [], "GB-ENG", "2025-09-15"),  # Sat 13 Sep -> Mon 15 Sep
        ("2025-12-15", 10, None, [], "GB-ENG", "2025-12-29"),  # Christmas Day -> Mon 29 Dec
        ("2025-07-25", 10, None, [], "GB-ENG", "2025-08-04"),
        ("2025-07-25", 10, None, [], "GB-SCT", "2025-08-05"),  # Scottish summer bank holiday
        ("2025-09-03", 20, "2025-09-10", [], "GB-ENG", "2025-09-30"),  # from the clock start
        ("2025-09-03", 20, None, ONE_PAUSE, "GB-ENG", "2025-09-26"),  # 23 Sep + 3
        # Sun 21 Sep + 1 = Mon 22 Sep (rolling before the pause would give Tue 23 Sep)
        ("2025-09-03", 18, None, [Pause(d("2025-09-10"), d("2025-09-10"))], "GB-ENG", "2025-09-22"),
    ],
)
def test_internal_target(
    received: str,
    days: int,
    identity: str | None,
    pauses: list[Pause],
    calendar: str,
    expected: str,
) -> None:
    result = request_deadlines(
        received=d(received),
        identity_received=d(identity) if identity else None,
        pauses=pauses,
        calendar=calendar,
        internal_target_days=days,
    )
    assert result.internal_target == d(expected)


def test_no_internal_target_by_default() -> None:
    assert request_deadlines(received=d("2025-09-03")).internal_target is None


@pytest.mark.parametrize("days", [0, -1, -30])
def test_internal_target_below_one_day_is_refused(days: int) -> None:
    with pytest.raises(DeadlineError, match="at least one day"):
        request_deadlines(received=d("2025-09-03"), internal_target_days=days)


def test_internal_target_out_of_range_is_a_deadline_error() -> None:
    with pytest.raises(DeadlineError, match="outside the supported range"):
        request_deadlines(received=d("2025-09-03"), internal_target_days=10**7)


# --- 8. complaint acknowledgement (DPA 2018 s.164A, from 19 Jun 2026) -------------------------
# Issue 9 changed the law here: 30 days beginning the day AFTER receipt, rolled forward to the
# next working day (ICO guidance); complaints received before 19 Jun 2026 carry no date.


@pytest.mark.parametrize(
    ("received", "calendar", "expected"),
    [
        ("2026-11-26", "GB-ENG", "2026-12-29"),  # Sat 26 Dec, Sun, Mon 28 (Boxing Day obs.)
        ("2026-06-19", "GB-ENG", "2026-07-20"),  # first day in force; Sun 19 Jul -> Mon
        ("2026-09-01", "GB-ENG", "2026-10-01"),  # Thu 1 Oct: a working day, no roll
        ("2026-07-02", "GB-ENG", "2026-08-03"),  # Sat 1 Aug -> Mon 3 Aug in England ...
        ("2026-07-02", "GB-SCT", "2026-08-04"),  # ... Scotland's August bank holiday -> Tue
        ("2026-07-03", "GB-ENG", "2026-08-03"),  # received on a Friday: day 1 is the Saturday
        ("2026-12-02", "GB-ENG", "2027-01-04"),  # Fri 1 Jan 2027 -> Mon 4 Jan
        ("2026-12-02", "GB-SCT", "2027-01-05"),  # ... 4 Jan is Scotland's 2 January (obs.)
        ("2027-01-30", "GB-ENG", "2027-03-01"),  # across February: 30 days, not "a month"
    ],
)
def test_complaint_ack_due(received: str, calendar: str, expected: str) -> None:
    ack = complaint_ack_due(d(received), calendar)
    assert ack == d(expected)
    assert is_working_day(ack, calendar)


@pytest.mark.parametrize("received", ["2025-09-03", "2026-06-18", "2020-01-01"])
def test_complaint_before_section_164a_has_no_acknowledgement_date(received: str) -> None:
    assert complaint_ack_due(d(received)) is None


# --- 9. breaches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "aware_utc", "due_utc"),
    [
        # spring forward: Fri 12:00 GMT; the clocks change on Sun 30 Mar
        ("2025-03-28T12:00", "2025-03-28T12:00", "2025-03-31T12:00"),
        # autumn: Fri 16:00 BST; the clocks change on Sun 26 Oct
        ("2025-10-24T16:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        # just either side of the gap and of the repeated hour
        ("2025-03-30T00:59", "2025-03-30T00:59", "2025-04-02T00:59"),
        ("2025-03-30T02:00", "2025-03-30T01:00", "2025-04-02T01:00"),
        ("2025-10-26T00:59", "2025-10-25T23:59", "2025-10-28T23:59"),
        ("2025-10-26T02:00", "2025-10-26T02:00", "2025-10-29T02:00"),
        # explicit offsets and Z (the zone is then irrelevant)
        ("2025-10-24T16:00+01:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T15:00+00:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T15:00Z", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T15:00z", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T17:00+02:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T11:00-04:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T20:30+05:30", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24T16:00:00+01:00", "2025-10-24T15:00", "2025-10-27T15:00"),
        ("2025-10-24 16:00", "2025-10-24T15:00", "2025-10-27T15:00"),  # space separator
        (" 2025-10-24T16:00 ", "2025-10-24T15:00", "2025-10-27T15:00"),
        # inside the repeated hour, disambiguated by the offset
        ("2025-10-26T01:30+00:00", "2025-10-26T01:30", "2025-10-29T01:30"),
        ("2025-10-26T01:30+01:00", "2025-10-26T00:30", "2025-10-29T00:30"),
        ("2025-03-30T01:30+00:00", "2025-03-30T01:30", "2025-04-02T01:30"),
        # year end / leap day
        ("2024-02-27T09:00", "2024-02-27T09:00", "2024-03-01T09:00"),
        ("2025-12-31T23:00", "2025-12-31T23:00", "2026-01-03T23:00"),
    ],
)
def test_breach_ico_due(text: str, aware_utc: str, due_utc: str) -> None:
    aware = parse_moment(text, LONDON)
    assert aware == utc(aware_utc)
    assert aware.utcoffset() == timedelta(0)
    deadline = breach_ico_due(aware)
    assert deadline == utc(due_utc)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline - aware == timedelta(hours=72)


def test_breach_spring_forward_is_13_00_bst() -> None:
    deadline = breach_ico_due(parse_moment("2025-03-28T12:00", LONDON))
    assert deadline == utc("2025-03-31T12:00")
    assert deadline.astimezone(LONDON).replace(tzinfo=None) == naive("2025-03-31T13:00")


def test_breach_with_an_offset_ignores_the_desk_zone() -> None:
    new_york = zone("America/New_York")
    assert parse_moment("2025-10-24T15:00Z", new_york) == utc("2025-10-24T15:00")
    assert parse_moment("2025-10-24T11:00", new_york) == utc("2025-10-24T15:00")  # EDT


def test_breach_accepts_any_aware_datetime() -> None:
    london_time = datetime(2025, 10, 24, 16, 0, tzinfo=LONDON)
    assert breach_ico_due(london_time) == utc("2025-10-27T15:00")
    ist = datetime(2025, 10, 24, 20, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert breach_ico_due(ist) == utc("2025-10-27T15:00")


def test_breach_refuses_a_naive_datetime() -> None:
    with pytest.raises(DeadlineError, match="UTC offset"):
        breach_ico_due(naive("2025-10-24T16:00"))


class _NoOffset(tzinfo):
    """A tzinfo that is attached but cannot say what its offset is."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_breach_refuses_a_timezone_without_an_offset() -> None:
    moment = naive("2025-10-24T16:00").replace(tzinfo=_NoOffset())
    with pytest.raises(DeadlineError, match="UTC offset"):
        breach_ico_due(moment)
    with pytest.raises(DeadlineError, match="unusable timezone"):
        resolve_local(moment, LONDON)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2025-03-30T01:30", "does not exist"),  # clocks went forward at 01:00 GMT
        ("2025-03-30T01:00", "does not exist"),
        ("2025-03-30T01:59", "does not exist"),
        ("2025-10-26T01:30", "happened twice"),  # clocks went back at 02:00 BST
        ("2025-10-26T01:00", "happened twice"),
        ("2025-10-26T01:59", "happened twice"),
        ("2024-03-31T01:15", "does not exist"),
        ("2024-10-27T01:15", "happened twice"),
    ],
)
def test_clock_change_hour_is_refused(text: str, why: str) -> None:
    with pytest.raises(DeadlineError, match=why) as caught:
        parse_moment(text, LONDON)
    message = str(caught.value)
    assert "offset" in message
    assert "+01:00" in message
    assert "Europe/London" in message
    with pytest.raises(DeadlineError, match="offset"):
        resolve_local(naive(text), LONDON)


def test_resolve_local_converts_an_aware_time_to_utc() -> None:
    aware = datetime(2025, 10, 26, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    assert resolve_local(aware, LONDON) == utc("2025-10-26T00:30")
    assert resolve_local(aware, LONDON).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2025-10-24T22:30+00:00", "2025-10-24"),
        ("2025-10-24T23:30+00:00", "2025-10-25"),  # already Saturday in BST
        ("2025-12-31T23:30+00:00", "2025-12-31"),  # GMT in winter
    ],
)
def test_local_day(moment: str, expected: str) -> None:
    assert local_day(datetime.fromisoformat(moment), LONDON) == d(expected)


# --- 10. bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-13-01",
        "2025-02-30",
        "2023-02-29",
        "2100-02-29",  # 2100 is not a leap year
        "2025-00-10",
        "2025-09-00",
        "tomorrow",
        "",
        "   ",
        "2025-1-1",
        "2025-09-3",
        "03/09/2025",
        "2025/09/03",
        "20250903",
        "2025-09-03T10:00",
    ],
)
def test_parse_day_refuses_bad_input(text: str) -> None:
    with pytest.raises(DeadlineError, match="YYYY-MM-DD"):
        parse_day(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-09-03", "2025-09-03"), (" 2028-02-29\n", "2028-02-29"), ("2000-02-29", "2000-02-29")],
)
def test_parse_day(text: str, expected: str) -> None:
    assert parse_day(text) == d(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2025-09-03",  # a date without a time
        "2025-13-01T10:00",
        "2025-02-30T10:00",
        "2025-09-03T24:30",
        "2025-09-03T10:61",
        "2025-1-1T10:00",
        "2025-09-03X10:00",
        "2025-09-03T10",
        "2025-09-03T10:00+25:00",
        "2025-09-03T10:00 Europe/London",
        "now",
    ],
)
def test_parse_moment_refuses_bad_input(text: str) -> None:
    with pytest.raises(DeadlineError, match="not a date and time"):
        parse_moment(text, LONDON)


@pytest.mark.parametrize("name", ["", "Not/AZone", "Europe/Londn", "../etc/passwd"])
def test_unknown_timezone(name: str) -> None:
    with pytest.raises(DeadlineError, match="unknown timezone"):
        zone(name)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ie", "IE"),
        ("IE", "IE"),
        ("gb-eng", "GB-ENG"),
        (" GB-SCT ", "GB-SCT"),
        ("gb-nir", "GB-NIR"),
        ("GB-WLS", "GB-WLS"),
        ("de", "DE"),
        ("fr", "FR"),
    ],
)
def test_normalise_calendar(code: str, expected: str) -> None:
    assert normalise_calendar(code) == expected


@pytest.mark.parametrize("code", ["XX", "ZZ-ABC", "GB-XYZ", "IE-X", "", "england"])
def test_unknown_calendar(code: str) -> None:
    with pytest.raises(DeadlineError, match="unknown holiday calendar"):
        normalise_calendar(code)
    with pytest.raises(DeadlineError, match="unknown holiday calendar"):
        request_deadlines(received=d("2025-09-03"), calendar=code.strip().upper())
    with pytest.raises(DeadlineError, match="unknown holiday calendar"):
        is_working_day(d("2025-09-03"), code.strip().upper())


@pytest.mark.parametrize(
    ("start", "months"),
    [
        ("9998-12-15", 1),
        ("9998-11-01", 3),
        ("0001-01-15", -1),
        ("2025-09-03", 100_000),
        ("2025-09-03", -100_000),
    ],
)
def test_add_months_out_of_range(start: str, months: int) -> None:
    with pytest.raises(DeadlineError, match="outside the supported range"):
        add_months(d(start), months)


def test_request_near_the_end_of_time_is_a_deadline_error() -> None:
    with pytest.raises(DeadlineError, match="outside the supported range"):
        request_deadlines(received=d("9998-11-01"))


# --- issue 9: only days inside the running period are paused (Art 12A(5)) -------------------


@pytest.mark.parametrize(
    ("received", "start", "pauses", "expected"),
    [
        # a pause before the clock started (identity arrived 9 Mar) moves nothing: 9 Apr
        ("2026-03-02", "2026-03-09", [("2026-03-03", "2026-03-05")], "2026-04-09"),
        # a pause straddling the clock start counts only from the start: 9, 10 Mar -> 11 Apr
        # (Sat) -> Mon 13 Apr
        ("2026-03-02", "2026-03-09", [("2026-03-05", "2026-03-10")], "2026-04-13"),
        # a pause after the deadline had passed: the request was already late (2 Apr)
        ("2026-03-02", None, [("2026-04-10", "2026-04-14")], "2026-04-02"),
        # overlapping pauses count each day once: 10-13 Mar = 4 days, 6 Apr is Easter Monday
        ("2026-03-02", None, [("2026-03-10", "2026-03-12"), ("2026-03-11", "2026-03-13")],
         "2026-04-07"),
        # a pause asked on the last day of the period counts whole: 2 Apr + 3 = Sun 5 Apr,
        # Easter Monday -> Tue 7 Apr
        ("2026-03-02", None, [("2026-04-02", "2026-04-04")], "2026-04-07"),
        # a pause that begins the day after the period ended counts for nothing
        ("2026-03-02", None, [("2026-04-03", "2026-04-20")], "2026-04-02"),
        # a first pause lengthens the period, so a second pause just after the original end
        # still falls inside it: 2 Apr + 2 = 4 Apr, 4-5 Apr paused -> 6 Apr (Easter Mon) -> 7
        ("2026-03-02", None, [("2026-03-10", "2026-03-11"), ("2026-04-04", "2026-04-05")],
         "2026-04-07"),
        # a pause on the day of receipt counts (the day of receipt is day one)
        ("2026-03-02", None, [("2026-03-02", "2026-03-02")], "2026-04-07"),
    ],
)  # fmt: skip
def test_only_paused_days_inside_the_running_period_count(
    received: str, start: str | None, pauses: list[tuple[str, str]], expected: str
) -> None:
    result = request_deadlines(
        received=d(received),
        identity_received=None if start is None else d(start),
        pauses=[Pause(d(a), d(b)) for a, b in pauses],
    )
    assert result.due == d(expected)


def test_a_pause_after_the_one_month_deadline_still_counts_for_the_extension() -> None:
    # Extended: 2 Jun 2026 + 5 paused days (10-14 Apr) = Sun 7 Jun -> Mon 8 Jun
    result = request_deadlines(
        received=d("2026-03-02"), pauses=[Pause(d("2026-04-10"), d("2026-04-14"))]
    )
    assert (result.due, result.extended_due) == (d("2026-04-02"), d("2026-06-08"))


def test_counted_pause_days() -> None:
    pauses = [Pause(d("2026-03-10"), d("2026-03-12")), Pause(d("2026-03-11"), d("2026-03-13"))]
    assert paused_days(pauses) == 4  # overlap once
    assert counted_pause_days(clock_start=d("2026-03-02"), pauses=pauses) == 4
    late = [Pause(d("2026-04-10"), d("2026-04-14"))]
    assert counted_pause_days(clock_start=d("2026-03-02"), pauses=late) == 0
    assert counted_pause_days(clock_start=d("2026-03-02"), pauses=late, months=3) == 5


# --- issue 9: calendars are nations; the holiday data knows 2026 --------------------------------


@pytest.mark.parametrize("code", ["GB", "UK", "GB-UK", "gb", "uk-eng", "GB-ENGLAND", "GB-Scotland"])
def test_a_code_that_is_not_one_nations_calendar_is_refused(code: str) -> None:
    with pytest.raises(DeadlineError, match="not one nation's calendar"):
        normalise_calendar(code)
    with pytest.raises(DeadlineError, match="not one nation's calendar"):
        request_deadlines(received=d("2026-03-02"), calendar=code.strip().upper())


def test_scotlands_2026_world_cup_bank_holiday() -> None:
    # Mon 15 Jun 2026 is a one-off bank holiday in Scotland only (holidays >= 0.91).
    assert not is_working_day(d("2026-06-15"), "GB-SCT")
    assert is_working_day(d("2026-06-15"), "GB-ENG")
    assert due("2026-05-15", "GB-SCT") == d("2026-06-16")
    assert due("2026-05-15", "GB-ENG") == d("2026-06-15")


def test_clarification_pauses_only_for_subject_access() -> None:
    assert clarification_pauses("access")
    for other in ("erasure", "rectification", "portability", "objection", "consent"):
        assert not clarification_pauses(other)
