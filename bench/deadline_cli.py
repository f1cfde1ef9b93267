"""``privacy-desk deadline DATE --json`` end to end as a subprocess, process start included.

Baselines measured in the same run with the same interpreter: ``python -c pass`` (bare
interpreter start), ``python -c "import holidays"`` (what importing the holidays package costs)
and ``import holidays`` plus one ``country_holidays`` call (the holidays package imports every
country module on the first lookup). Runs are interleaved so that machine noise hits every
command alike. An optional ``-X importtime`` breakdown shows which imports dominate.

    .venv/bin/python -m bench.deadline_cli [--runs 30] [--breakdown-runs 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench._common import (
    ProcessFailed,
    Stats,
    import_profile,
    ms,
    package_group,
    positive_int,
    run_process,
    table,
    venv_bin,
)

HOLIDAYS_LOOKUP = "import holidays; holidays.country_holidays('GB', subdiv='ENG', years=2025)"


def commands(day: str) -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("python -c pass", [python, "-c", "pass"]),
        ('python -c "import holidays"', [python, "-c", "import holidays"]),
        ("python: holidays + 1 country lookup", [python, "-c", HOLIDAYS_LOOKUP]),
        (
            f"privacy-desk deadline {day} --json",
            [str(venv_bin("privacy-desk")), "deadline", day, "--json"],
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=positive_int, default=30, help="timed runs per command")
    parser.add_argument("--date", default="2025-11-25", help="the received date to compute")
    parser.add_argument(
        "--breakdown-runs", type=int, default=5, help="-X importtime runs (0: no breakdown)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    todo = commands(args.date)
    samples: dict[str, list[float]] = {label: [] for label, _ in todo}

    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
        cwd = Path(tmp)  # no stray .env is read from the current directory
        for _label, command in todo:  # warm-up: page cache, .pyc files; not timed
            run_process(command, cwd=cwd)
        output = run_process(todo[-1][1], cwd=cwd).stdout.strip()
        parsed = json.loads(output)
        for _ in range(args.runs):
            for label, command in todo:
                samples[label].append(run_process(command, cwd=cwd).seconds)
        profile = (
            import_profile(todo[-1][1], runs=args.breakdown_runs, group=package_group, cwd=cwd)
            if args.breakdown_runs > 0
            else None
        )

    print(f"privacy-desk deadline, end to end as a subprocess ({args.runs} runs each, interleaved)")
    print(f"interpreter: {sys.executable} (Python {sys.version.split()[0]})")
    print(f"output: {output}")
    print(f"        due {parsed['due']}, extended due {parsed['extended_due']}")
    print()
    base = Stats(tuple(samples[todo[0][0]]))
    rows = []
    for label, _ in todo:
        stats = Stats(tuple(samples[label]))
        rows.append([
            label, ms(stats.min), ms(stats.median), ms(stats.p90),
            ms(stats.median - base.median), f"{stats.median / base.median:.2f}x",
        ])  # fmt: skip
    print(table(["command", "min ms", "median ms", "p90 ms", "+ vs pass", "ratio"], rows))
    cli = Stats(tuple(samples[todo[-1][0]]))
    holidays_only = Stats(tuple(samples[todo[2][0]]))
    print()
    print(f"ratio privacy-desk deadline / python -c pass (median): {cli.median / base.median:.2f}x")
    print(
        "ratio privacy-desk deadline / python holidays+lookup (median): "
        f"{cli.median / holidays_only.median:.2f}x"
    )

    if profile is not None:
        print()
        print(
            f"where privacy-desk deadline spends its start (python -X importtime, median of "
            f"{args.breakdown_runs} runs; importtime itself inflates the figures)"
        )
        print(profile.report())
    print()
    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ProcessFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
