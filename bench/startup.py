"""Start-up of the command line: ``deadline --json`` to exit, and the console to its prompt.

The console is started on a pseudo-terminal (so it is interactive, as a person sees it, with
its scheduler) and timed from spawn until ``privacy-desk> `` appears; then it is told ``quit``.
Its SQLite database is created by the warm-up run, so the timed runs measure an up-to-date
database, not a first migration. Baselines in the same run, interleaved: ``python -c pass`` and
``python -c "import holidays"``. Last, which heavy packages each command imports at all.

``--against DIR`` also times another checkout's virtualenv (``DIR/.venv``, e.g. the commit
before a change) in the same interleaved loop, so both face the same machine load.

    .venv/bin/python -m bench.startup [--runs 10] [--against /tmp/before]
"""

from __future__ import annotations

import argparse
import contextlib
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
    "apscheduler",
    "sqlalchemy",
    "sqlmodel",
    "pydantic_settings",
    "holidays.countries",
)


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


def imported(argv: list[str], *, python: Path, cwd: Path, stdin: str | None = None) -> set[str]:
    """Which of ``HEAVY`` the command imports (``python -X importtime``)."""
    run = run_process([str(python), "-X", "importtime", *argv], stdin=stdin, cwd=cwd)
    modules = {
        line.rsplit("|", 1)[-1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:")
    }
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
        consoles = {}
        for n, (tag, cli) in enumerate(installs.items()):
            processes[f"privacy-desk deadline 2025-11-25 --json{tag}"] = [
                str(cli), "deadline", "2025-11-25", "--json",
            ]  # fmt: skip
            consoles[f"privacy-desk console (to the prompt){tag}"] = [
                str(cli), "console", "--db", str(cwd / f"console-{n}.db"),
            ]  # fmt: skip
        for command in processes.values():  # warm-up: page cache, .pyc files; not timed
            run_process(command, cwd=cwd)
        for command in consoles.values():
            console_to_prompt(command, cwd=cwd)  # also creates and migrates its database
        samples: dict[str, list[float]] = {label: [] for label in [*processes, *consoles]}
        for _ in range(args.runs):
            for label, command in processes.items():
                samples[label].append(run_process(command, cwd=cwd).seconds)
            for label, command in consoles.items():
                samples[label].append(console_to_prompt(command, cwd=cwd))
        loads = {}
        for n, (tag, cli) in enumerate(installs.items()):
            db = str(cwd / f"console-{n}.db")
            deadline = ["-m", "bot.cli", "deadline", "2025-11-25", "--json"]
            py = cli.with_name("python")
            loads[f"deadline{tag}"] = imported(deadline, python=py, cwd=cwd)
            console = ["-m", "bot.cli", "console", "--db", db]
            loads[f"console{tag}"] = imported(console, python=py, cwd=cwd, stdin="quit\n")

    print(f"start-up ({args.runs} runs each, interleaved; Python {sys.version.split()[0]})")
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
