"""In-process cost of the legal calendar: ``request_deadlines`` and ``breach_ico_due``.

``request_deadlines`` runs over varied received dates (2020–2030) and calendars (GB-ENG,
GB-SCT, GB-NIR, IE), cold (the per-year holiday cache emptied before the pass) and warm.
Baselines in the same run: the bare loop, and the same loop calling only ``add_months(d, 1)``;
for ``breach_ico_due``, the same loop calling only ``astimezone(UTC)``. Cases are interleaved.

    .venv/bin/python -m bench.deadlines [--ops 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench._common import Stats, positive_int, table
from handlers import deadlines as d

CALENDARS = ("GB-ENG", "GB-SCT", "GB-NIR", "IE")
FIRST, LAST = date(2020, 1, 1), date(2030, 12, 31)
LONDON = ZoneInfo("Europe/London")

Inputs = list[tuple[date, str]]


def make_inputs(n: int, seed: int) -> tuple[Inputs, list[datetime]]:
    rng = random.Random(seed)
    lo, hi = FIRST.toordinal(), LAST.toordinal()
    requests = [(date.fromordinal(rng.randint(lo, hi)), rng.choice(CALENDARS)) for _ in range(n)]
    moments = []
    for _ in range(n):
        local = datetime.fromordinal(rng.randint(lo, hi)) + timedelta(minutes=rng.randrange(1440))
        # Half London wall-clock times (some fall in BST), half UTC.
        moments.append(local.replace(tzinfo=LONDON if rng.random() < 0.5 else UTC))
    return requests, moments


def loop_only(inputs: Inputs) -> float:
    start = time.perf_counter()
    for _day, _calendar in inputs:
        pass
    return time.perf_counter() - start


def add_months_only(inputs: Inputs) -> float:
    add_months = d.add_months
    start = time.perf_counter()
    for day, _calendar in inputs:
        add_months(day, 1)
    return time.perf_counter() - start


def deadlines_pass(inputs: Inputs) -> float:
    request_deadlines = d.request_deadlines
    start = time.perf_counter()
    for day, calendar in inputs:
        request_deadlines(received=day, calendar=calendar)
    return time.perf_counter() - start


def deadlines_cold(inputs: Inputs) -> float:
    d._holiday_set.cache_clear()
    return deadlines_pass(inputs)


def breach_pass(moments: list[datetime]) -> float:
    breach_ico_due = d.breach_ico_due
    start = time.perf_counter()
    for moment in moments:
        breach_ico_due(moment)
    return time.perf_counter() - start


def astimezone_only(moments: list[datetime]) -> float:
    start = time.perf_counter()
    for moment in moments:
        moment.astimezone(UTC)
    return time.perf_counter() - start


def build_holiday_sets(keys: list[tuple[str, int]]) -> float:
    """Empty the cache, then build every (calendar, year) set a pass needs: the cold cost."""
    d._holiday_set.cache_clear()
    start = time.perf_counter()
    for calendar, year in keys:
        d._holiday_set(calendar, year)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=positive_int, default=100_000, help="calls per pass")
    parser.add_argument("--repeat", type=positive_int, default=5, help="passes per case")
    parser.add_argument("--seed", type=int, default=20251125)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    requests, moments = make_inputs(args.ops, args.seed)
    keys = [(c, y) for c in CALENDARS for y in range(FIRST.year, LAST.year + 2)]

    # The very first lookup in a process also imports every holidays country module.
    start = time.perf_counter()
    first = d.request_deadlines(received=date(2025, 11, 25), calendar="GB-ENG")
    first_call = time.perf_counter() - start

    add_months_label = "add_months(d, 1) (baseline)"
    astimezone_label = "astimezone(UTC) (breach baseline)"
    cases: list[tuple[str, Callable[[], float]]] = [
        ("loop only", lambda: loop_only(requests)),
        (add_months_label, lambda: add_months_only(requests)),
        ("request_deadlines, cold cache", lambda: deadlines_cold(requests)),
        ("request_deadlines, warm cache", lambda: deadlines_pass(requests)),
        (astimezone_label, lambda: astimezone_only(moments)),
        ("breach_ico_due", lambda: breach_pass(moments)),
    ]
    samples: dict[str, list[float]] = {label: [] for label, _ in cases}
    builds: list[float] = []
    holiday_sets = 0
    for _ in range(args.repeat):  # rounds interleave the cases, so machine noise hits all alike
        for label, fn in cases:
            gc.collect()
            samples[label].append(fn())
            if label.endswith("cold cache"):
                holiday_sets = d._holiday_set.cache_info().misses  # one cold pass's misses
        builds.append(build_holiday_sets(keys))
    results = {label: Stats(tuple(values)) for label, values in samples.items()}
    build = Stats(tuple(builds))

    print(
        f"legal calendar in process: {args.ops:,} calls per pass, {args.repeat} interleaved "
        f"passes per case, received dates {FIRST.year}–{LAST.year}, calendars "
        f"{', '.join(CALENDARS)}"
    )
    print(
        f"check: received 2025-11-25 GB-ENG -> due {first.due}, extended {first.extended_due}; "
        f"first call in this process {first_call * 1000:.1f} ms (imports holidays countries)"
    )
    print()
    base = results[add_months_label]
    rows = []
    for label, stats in results.items():
        rows.append([
            label, f"{stats.min:.3f}", f"{stats.median:.3f}",
            f"{stats.min / args.ops * 1e9:,.0f}", f"{stats.min / base.min:.2f}x",
        ])  # fmt: skip
    print(table(["case (per pass)", "min s", "median s", "ns/op (min)", "vs add_months"], rows))
    cold, warm = results["request_deadlines, cold cache"], results["request_deadlines, warm cache"]
    breach = results["breach_ico_due"]
    print()
    print(f"ratio request_deadlines warm / add_months (min): {warm.min / base.min:.2f}x")
    print(f"ratio request_deadlines cold / warm (min): {cold.min / warm.min:.2f}x")
    print(
        f"cold pass builds {holiday_sets} (calendar, year) holiday sets; building all "
        f"{len(keys)} directly: min {build.min * 1000:.1f} ms, median {build.median * 1000:.1f} ms "
        f"(≈ {build.min / len(keys) * 1000:.2f} ms per set)"
    )
    print(
        f"ratio breach_ico_due / astimezone(UTC) (min): "
        f"{breach.min / results[astimezone_label].min:.2f}x; "
        f"/ add_months: {breach.min / base.min:.2f}x"
    )
    print()
    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
