"""Properties of the legal calendar in handlers/deadlines.py, checked with hypothesis."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.deadlines import (
    DeadlineError,
    Pause,
    add_months,
    breach_ico_due,
    is_working_day,
    request_deadlines,
    resolve_local,
    zone,
)

LONDON = zone("Europe/London")
FIRST = date(2000, 1, 1)
LAST = date(2090, 12, 31)

# No example database: the suite must not write into the working tree.
FAST = settings(max_examples=200, deadline=None, database=None)

calendars = st.sampled_from(["GB-ENG", "GB-WLS", "GB-SCT", "GB-NIR", "IE", "DE", "FR"])
received_dates = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def pauses(draw: st.DrawFn) -> Pause:
    start = draw(received_dates)
    length = draw(st.integers(min_value=0, max_value=60))
    return Pause(start, start + timedelta(days=length))


pause_lists = st.lists(pauses(), max_size=4)


@functools.cache
def _public_holidays(calendar: str, year: int) -> frozenset[date]:
    """The calendar straight from the holidays package, as an oracle for is_working_day."""
    country, _, subdiv = calendar.partition("-")
    found = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    return frozenset(found.keys())


# --- rights requests --------------------------------------------------------------------------


@FAST
@given(received=received_dates, calendar=calendars, paused=pause_lists)
def test_due_is_at_least_28_days_after_clock_start(
    received: date, calendar: str, paused: list[Pause]
) -> None:
    result = request_deadlines(received=received, calendar=calendar, pauses=paused)
    assert result.clock_start == received
    assert result.due >= received + timedelta(days=28)
    # ... and never more than a month (31 days) + the pauses + a run of non-working days later
    extra = sum(p.days for p in paused)
    assert result.due <= received + timedelta(days=31 + extra + 10)


@FAST
@given(
    received=received_dates,
    calendar=calendars,
    paused=pause_lists,
    target=st.integers(min_value=1, max_value=120),
)
def test_every_deadline_is_a_working_day(
    received: date, calendar: str, paused: list[Pause], target: int
) -> None:
    result = request_deadlines(
        received=received, calendar=calendar, pauses=paused, internal_target_days=target
    )
    assert result.internal_target is not None
    for day in (result.due, result.extended_due, result.internal_target):
        assert is_working_day(day, calendar)
        assert day.weekday() < 5
        assert day not in _public_holidays(calendar, day.year)  # independent of the module
    assert result.extension_notice_by == result.due


@FAST
@given(
    received=received_dates,
    calendar=calendars,
    paused=pause_lists,
    target=st.integers(min_value=1, max_value=120),
)
def test_deadlines_are_the_first_working_day_on_or_after_the_raw_date(
    received: date, calendar: str, paused: list[Pause], target: int
) -> None:
    """Roll forward goes to the *next* working day, never further."""
    result = request_deadlines(
        received=received, calendar=calendar, pauses=paused, internal_target_days=target
    )
    raw_target = _walk(received, received + timedelta(days=target), _days(paused))
    assert result.internal_target is not None
    assert result.internal_target >= raw_target
    day = raw_target
    while day < result.internal_target:
        assert not is_working_day(day, calendar)
        day += timedelta(days=1)


@FAST
@given(received=received_dates, calendar=calendars, step=st.integers(min_value=1, max_value=400))
def test_due_never_decreases_as_received_grows(received: date, calendar: str, step: int) -> None:
    later = received + timedelta(days=step)
    first = request_deadlines(received=received, calendar=calendar)
    second = request_deadlines(received=later, calendar=calendar)
    assert first.due <= second.due
    assert first.extended_due <= second.extended_due


@FAST
@given(received=received_dates, calendar=calendars, paused=pause_lists)
def test_extension_is_at_least_the_due_date_and_89_days(
    received: date, calendar: str, paused: list[Pause]
) -> None:
    result = request_deadlines(received=received, calendar=calendar, pauses=paused)
    assert result.extended_due >= result.due
    assert result.extended_due >= result.clock_start + timedelta(days=89)


def _days(paused: list[Pause]) -> frozenset[date]:
    """The set of paused days, both ends of every pause included."""
    return frozenset(
        p.start + timedelta(days=n) for p in paused for n in range((p.end - p.start).days + 1)
    )


def _walk(start: date, raw_end: date, days: frozenset[date]) -> date:
    """The oracle, day by day: each paused day inside the running period adds one day."""
    end, day = raw_end, start
    while day <= end:
        if day in days:
            end += timedelta(days=1)
        day += timedelta(days=1)
    return end


def _rolled(day: date, calendar: str) -> date:
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


@FAST
@given(received=received_dates, lag=st.integers(0, 40), calendar=calendars, paused=pause_lists)
def test_deadline_matches_the_day_by_day_walk(
    received: date, lag: int, calendar: str, paused: list[Pause]
) -> None:
    start = received + timedelta(days=lag)
    result = request_deadlines(
        received=received, identity_received=start, calendar=calendar, pauses=paused
    )
    days = _days(paused)
    assert result.due == _rolled(_walk(start, add_months(start, 1), days), calendar)
    assert result.extended_due == _rolled(_walk(start, add_months(start, 3), days), calendar)


@FAST
@given(
    received=received_dates,
    calendar=calendars,
    paused=pause_lists,
    data=st.data(),
)
def test_deadline_is_a_function_of_the_set_of_paused_days_inside_the_period(
    received: date, calendar: str, paused: list[Pause], data: st.DataObject
) -> None:
    """Split, reorder or repeat the pauses, or drop their days outside the period: same dates."""
    result = request_deadlines(received=received, calendar=calendar, pauses=paused)
    end = _walk(received, add_months(received, 3), _days(paused))
    inside = sorted(day for day in _days(paused) if received <= day <= end)
    singles = [Pause(day, day) for day in inside]
    shuffled = data.draw(st.permutations(singles + singles[: len(singles) // 2]))
    again = request_deadlines(received=received, calendar=calendar, pauses=shuffled)
    assert (again.due, again.extended_due) == (result.due, result.extended_due)


@FAST
@given(
    received=received_dates,
    calendar=calendars,
    paused=pause_lists,
    before=st.integers(1, 400),
    length=st.integers(0, 60),
    after=st.booleans(),
)
def test_a_pause_outside_the_period_changes_nothing(
    received: date, calendar: str, paused: list[Pause], before: int, length: int, after: bool
) -> None:
    result = request_deadlines(received=received, calendar=calendar, pauses=paused)
    if after:  # starting after the (extended) period had already ended
        first = _walk(received, add_months(received, 3), _days(paused)) + timedelta(days=before)
    else:  # ending before the clock started
        first = received - timedelta(days=before + length)
    outside = Pause(first, first + timedelta(days=length))
    again = request_deadlines(received=received, calendar=calendar, pauses=[*paused, outside])
    assert again == result


@FAST
@given(received=received_dates, calendar=calendars, paused=pause_lists)
def test_overlapping_pauses_never_double_count(
    received: date, calendar: str, paused: list[Pause]
) -> None:
    once = request_deadlines(received=received, calendar=calendar, pauses=paused)
    twice = request_deadlines(received=received, calendar=calendar, pauses=[*paused, *paused])
    assert twice == once
    # never more than one day per distinct paused day, before rolling
    raw = add_months(received, 1) + timedelta(days=len(_days(paused)))
    assert once.due <= _rolled(raw, calendar)


@FAST
@given(
    received=received_dates,
    calendar=calendars,
    paused=pause_lists,
    extra_pause=pauses(),
)
def test_adding_a_pause_never_makes_the_due_date_earlier(
    received: date, calendar: str, paused: list[Pause], extra_pause: Pause
) -> None:
    before = request_deadlines(received=received, calendar=calendar, pauses=paused)
    after = request_deadlines(received=received, calendar=calendar, pauses=[*paused, extra_pause])
    assert after.due >= before.due
    assert after.extended_due >= before.extended_due


@FAST
@given(
    received=received_dates,
    identity_lag=st.none() | st.integers(min_value=-40, max_value=40),
    fee_lag=st.none() | st.integers(min_value=-40, max_value=40),
    calendar=calendars,
)
def test_clock_start_is_the_latest_date_given(
    received: date, identity_lag: int | None, fee_lag: int | None, calendar: str
) -> None:
    identity = None if identity_lag is None else received + timedelta(days=identity_lag)
    fee = None if fee_lag is None else received + timedelta(days=fee_lag)
    result = request_deadlines(
        received=received, identity_received=identity, fee_paid=fee, calendar=calendar
    )
    given_dates = [x for x in (received, identity, fee) if x is not None]
    assert result.clock_start == max(given_dates)
    assert result == request_deadlines(received=max(given_dates), calendar=calendar)


# --- breaches ---------------------------------------------------------------------------------

fixed_offsets: st.SearchStrategy[tzinfo] = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ).map(lambda t: timedelta(minutes=t // timedelta(minutes=1))),
)
any_zone: st.SearchStrategy[tzinfo] = fixed_offsets | st.timezones() | st.just(LONDON)


@FAST
@given(
    aware=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - bounds of the wall-clock range
        max_value=datetime(2090, 12, 31),  # noqa: DTZ001
        timezones=any_zone,
        allow_imaginary=False,
    )
)
def test_breach_is_exactly_72_hours_in_utc(aware: datetime) -> None:
    deadline = breach_ico_due(aware)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline - aware == timedelta(hours=72)
    assert deadline.astimezone(UTC) - aware.astimezone(UTC) == timedelta(hours=72)
    assert deadline.replace(tzinfo=None) - aware.astimezone(UTC).replace(tzinfo=None) == timedelta(
        hours=72
    )


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@st.composite
def clock_change_times(draw: st.DrawFn) -> datetime:
    """A wall time in the small hours of a British clock-change Sunday."""
    year = draw(st.integers(min_value=2000, max_value=2090))
    sunday = _last_sunday(year, draw(st.sampled_from([3, 10])))
    minutes = draw(st.integers(min_value=0, max_value=3 * 60 - 1))
    return datetime(sunday.year, sunday.month, sunday.day) + timedelta(minutes=minutes)  # noqa: DTZ001


naive_times = (
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2090, 12, 31),  # noqa: DTZ001
    )
    | clock_change_times()
)


@FAST
@given(moment=naive_times)
def test_resolve_local_round_trips_or_refuses(moment: datetime) -> None:
    try:
        resolved = resolve_local(moment, LONDON)
    except DeadlineError as exc:
        assert "offset" in str(exc)
        return
    assert resolved.utcoffset() == timedelta(0)
    assert resolved.astimezone(LONDON).replace(tzinfo=None) == moment


@FAST
@given(moment=clock_change_times())
def test_resolve_local_refuses_exactly_the_clock_change_hour(moment: datetime) -> None:
    """Since 1996 British clocks change at 01:00 UTC: 01:00-01:59 local is skipped or repeated."""
    refused = False
    try:
        resolve_local(moment, LONDON)
    except DeadlineError:
        refused = True
    assert refused is (moment.hour == 1)
