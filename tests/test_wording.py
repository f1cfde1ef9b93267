"""How days read in replies and posts: ``Fri 3 Apr 2026``, in English whatever the locale."""

from __future__ import annotations

import locale
from datetime import date, timedelta

from handlers.letters.due import LetterDue
from handlers.wording import fmt_day
from storage.enums import LetterKind


def test_every_day_of_a_leap_year_and_the_next_reads_as_the_c_locale_writes_it() -> None:
    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, "C")
        day = date(2028, 1, 1)
        while day.year < 2030:
            assert fmt_day(day) == f"{day:%a} {day.day} {day:%b %Y}", day
            day += timedelta(days=1)
    finally:
        locale.setlocale(locale.LC_TIME, saved)
    assert fmt_day(date(2026, 4, 3)) == "Fri 3 Apr 2026"
    assert fmt_day(None) == "—"


def test_a_letter_due_names_its_day_without_the_year() -> None:
    due = LetterDue(kind=LetterKind.EXTENSION, by=date(2026, 4, 3), command="")
    assert due.hint().endswith("by Fri 3 Apr"), due.hint()
