"""Start-up of the command line: ``deadline --json`` to exit, and the console to its prompt.

The console is started on a pseudo-terminal (so it is interactive, as a person sees it, with
its scheduler) and timed from spawn until ``privacy-desk> `` appears; then it is told ``quit``.
Two cases: a database that is up to date (created by the warm-up run: what every start but the
first sees) and a new database each run (the console migrates it before its prompt, so this
one pays for Alembic). Baselines in the same run, interleaved: ``python -c pass`` and
``python -c "import holidays"``; the figures are medians. Bytecode is cached as in any
installation (``PYTHONDONTWRITEBYTECODE`` is dropped for the runs, and the warm-up writes the
checkout's .pyc files). Last, which heavy packages each command imports: ``sys.modules`` as
the command leaves (the console on its pseudo-terminal). Not ``-X importtime``: it does not see
modules imported with ``importlib.import_module``, which is how ``holidays`` loads a country.

``--against DIR`` also times another checkout's virtualenv (``DIR/.venv``, e.g. the commit
before a change) in the same interleaved loop, so both face the same machine load.

    .venv/bin/python -m bench.startup [--runs 10] [--against /tmp/before]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import (
    ProcessFailed,
    Stats,
    clean_env,
    ms,
    positive_int,
    run_process,
    table,
    venv_bin,
)

PROMPT = b"privacy-desk>"  # the line editor draws the space after it as a cursor move
CURSOR_QUERY, CURSOR_AT = b"\x1b[6n", b"\x1b[1;1R"  # answered as a real terminal would
HEAVY = (
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "aiohttp",
    "alembic",
    "asyncio",
    "apscheduler",
    "sqlalchemy",
    "sqlmodel",
    "pydantic_settings",
    # The first of the countries: when it is loaded, every country was (holidays' package
    # __init__ imports them all); the configured calendar's own module alone is expected.
    "holidays.countries.afghanistan",
)
# The targets (issue 16, item 4): printed beside the figures, never asserted.
DEADLINE_TARGET = 2.5  # times ``python -c "import holidays"``
CONSOLE_TARGET = 0.6  # seconds to the prompt, database up to date


def console_to_prompt(argv: list[str], *, cwd: Path, timeout: float = 60.0) -> float:
    """Seconds from spawning the console on a pty until its prompt appears; then ``quit``
    (killed if it does not leave)."""
    leader, follower = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=clean_env()
    )
    os.close(follower)
    seen = b""
    try:
        while PROMPT not in seen:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                raise ProcessFailed(f"no prompt within {timeout} s: {seen[-500:]!r}")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the console exited: the pty is closed
                chunk = b""
            if not chunk:
                raise ProcessFailed(f"the console exited before its prompt: {seen[-500:]!r}")
            if CURSOR_QUERY in chunk:
                os.write(leader, CURSOR_AT)
            seen += chunk
        elapsed = time.perf_counter() - start
        os.write(leader, b"quit\r")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        return elapsed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


# The console script (``from bot.cli import main; sys.exit(main())``) that also writes the
# names in ``sys.modules`` to the file given first, as it exits.
PROBE = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from bot.cli import main
sys.exit(main())
"""


def probe(python: Path, args: list[str], *, report: Path) -> list[str]:
    """``privacy-desk ARGS`` run by ``python``, reporting its modules to ``report``."""
    return [str(python), "-c", PROBE, str(report), *args]


def heavy(report: Path) -> set[str]:
    """Which of ``HEAVY`` a probe's report shows imported."""
    modules = json.loads(report.read_text(encoding="utf-8"))
    return {name for name in HEAVY if any(m == name or m.startswith(name + ".") for m in modules)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=positive_int, default=10, help="timed runs per command")
    parser.add_argument("--against", type=Path, help="another checkout whose .venv to time too")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    python = sys.executable
    installs = {"": Path(venv_bin("privacy-desk"))}
    if args.against is not None:
        installs[f" [{args.against}]"] = args.against.resolve() / ".venv/bin/privacy-desk"
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
        cwd = Path(tmp)  # no stray .env is read from the current directory
        processes = {
            "python -c pass": [python, "-c", "pass"],
            'python -c "import holidays"': [python, "-c", "import holidays"],
        }
        consoles: dict[str, list[str]] = {}
        new_databases: dict[str, list[str]] = {}  # the console's argv without --db
        for n, (tag, cli) in enumerate(installs.items()):
            processes[f"privacy-desk deadline 2025-11-25 --json{tag}"] = [
                str(cli), "deadline", "2025-11-25", "--json",
            ]  # fmt: skip
            consoles[f"privacy-desk console (to the prompt){tag}"] = [
                str(cli), "console", "--db", str(cwd / f"console-{n}.db"),
            ]  # fmt: skip
            new_databases[f"privacy-desk console, new database (migrates){tag}"] = [
                str(cli), "console",
            ]  # fmt: skip
        fresh = iter(range(1_000_000))

        def new_database(command: list[str]) -> float:
            return console_to_prompt(
                [*command, "--db", str(cwd / f"new-{next(fresh)}.db")], cwd=cwd
            )

        for command in processes.values():  # warm-up: page cache, .pyc files; not timed
            run_process(command, cwd=cwd)
        for command in consoles.values():
            console_to_prompt(command, cwd=cwd)  # also creates and migrates its database
        for command in new_databases.values():
            new_database(command)
        samples: dict[str, list[float]] = {
            label: [] for label in [*processes, *consoles, *new_databases]
        }
        for _ in range(args.runs):
            for label, command in processes.items():
                samples[label].append(run_process(command, cwd=cwd).seconds)
            for label, command in consoles.items():
                samples[label].append(console_to_prompt(command, cwd=cwd))
            for label, command in new_databases.items():
                samples[label].append(new_database(command))
        loads = {}
        report = cwd / "modules.json"
        for n, (tag, cli) in enumerate(installs.items()):
            py = cli.with_name("python")
            run_process(probe(py, ["deadline", "2025-11-25", "--json"], report=report), cwd=cwd)
            loads[f"deadline{tag}"] = heavy(report)
            db = str(cwd / f"console-{n}.db")
            console_to_prompt(probe(py, ["console", "--db", db], report=report), cwd=cwd)
            loads[f"console{tag}"] = heavy(report)
            new = str(cwd / f"new-probe-{n}.db")
            console_to_prompt(probe(py, ["console", "--db", new], report=report), cwd=cwd)
            loads[f"console, new db{tag}"] = heavy(report)

    print(
        f"start-up ({args.runs} runs each, interleaved; Python {sys.version.split()[0]}; "
        "bytecode cached)"
    )
    holidays = Stats(tuple(samples['python -c "import holidays"']))
    rows = []
    for label, found in samples.items():
        stats = Stats(tuple(found))
        rows.append([
            label, ms(stats.min), ms(stats.median), ms(stats.p90),
            f"{stats.median / holidays.median:.2f}x",
        ])  # fmt: skip
    print(table(["command", "min ms", "median ms", "p90 ms", "vs import holidays"], rows))
    print()
    for tag in installs:
        cli_run = Stats(tuple(samples[f"privacy-desk deadline 2025-11-25 --json{tag}"]))
        prompt = Stats(tuple(samples[f"privacy-desk console (to the prompt){tag}"]))
        print(
            f"targets{tag}: deadline {cli_run.median / holidays.median:.2f}x import holidays "
            f"(target <= {DEADLINE_TARGET}x); console to its prompt {prompt.median:.3f} s "
            f"(target <= {CONSOLE_TARGET} s); medians"
        )
    print()
    marks = [[name, *("yes" if name in got else "-" for got in loads.values())] for name in HEAVY]
    print(table(["package imported", *loads], marks))
    print()
    print(f"benchmark runtime: {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ProcessFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
