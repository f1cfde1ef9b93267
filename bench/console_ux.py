"""The console as a person meets it: start to first prompt, and the ``/dsar help`` round trip.

Both on a pseudo-terminal (interactive: line editor, scheduler, status bar), timed with
``time.perf_counter`` from spawn until ``privacy-desk>`` appears, and from sending
``/dsar help`` until the next prompt. A third figure runs ``/dsar help`` through a pipe (start,
answer, exit), the scripted path. Baseline in the same run: ``python -c pass``.

``--against-src DIR`` also times another source tree (e.g. ``git archive <commit> | tar -x -C
DIR``) run by this virtualenv's Python with ``PYTHONPATH=DIR``, interleaved, so a before and an
after face the same machine load; both are then started as ``python -m bot.cli``.

    .venv/bin/python -m bench.console_ux [--runs 10] [--against-src /tmp/before]
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

from bench._common import ProcessFailed, Stats, clean_env, ms, positive_int, run_process, table
from bench._common import venv_bin as _venv_bin

PROMPT = b"privacy-desk>"
CURSOR_QUERY, CURSOR_AT = b"\x1b[6n", b"\x1b[1;1R"


def _read_until(leader: int, marker: bytes, seen: bytes, timeout: float) -> bytes:
    while marker not in seen:
        ready, _, _ = select.select([leader], [], [], timeout)
        if not ready:
            raise ProcessFailed(f"no {marker!r} within {timeout} s: {seen[-300:]!r}")
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            raise ProcessFailed(f"the console exited: {seen[-300:]!r}")
        if CURSOR_QUERY in chunk:
            os.write(leader, CURSOR_AT)
        seen += chunk
    return seen


def terminal_session(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 60.0
) -> tuple[float, float]:
    """(seconds to the first prompt, seconds for ``/dsar help`` to answer with a new prompt)."""
    leader, follower = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env
    )
    os.close(follower)
    try:
        _read_until(leader, PROMPT, b"", timeout)
        first = time.perf_counter() - start
        sent = time.perf_counter()
        os.write(leader, b"/dsar help\r")
        seen = _read_until(leader, b"Rights requests", b"", timeout)
        _read_until(leader, PROMPT, seen.partition(b"Rights requests")[2], timeout)
        help_trip = time.perf_counter() - sent
        os.write(leader, b"quit\r")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        return first, help_trip
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def _piped(argv: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv, input="/dsar help\n", capture_output=True, text=True, cwd=cwd, env=env, check=False
    )
    if done.returncode != 0:
        raise ProcessFailed(f"{argv}: exit {done.returncode}: {done.stderr[-500:]}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=positive_int, default=10, help="timed runs")
    parser.add_argument("--against-src", type=Path, help="another source tree to time too")
    args = parser.parse_args(argv)
    trees: dict[str, Path | None] = {"": None}
    if args.against_src is not None:
        trees = {" [this tree]": Path(__file__).resolve().parent.parent}
        trees[f" [{args.against_src}]"] = args.against_src.resolve()
    labels = ("start to first prompt (pty)", "/dsar help round trip (pty)", "pipe: start to exit")
    samples: dict[str, list[float]] = {"python -c pass": []}
    for tag in trees:
        samples.update({f"{label}{tag}": [] for label in labels})
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
        cwd = Path(tmp)
        runs = []
        for n, (tag, src) in enumerate(trees.items()):
            env = clean_env()
            db = str(cwd / f"c{n}.db")
            if src is None:
                console = [str(_venv_bin("privacy-desk")), "console", "--db", db]
            else:
                env["PYTHONPATH"] = str(src)
                console = [sys.executable, "-m", "bot.cli", "console", "--db", db]
            terminal_session(console, cwd=cwd, env=env)  # warm-up: creates the database
            _piped(console, cwd=cwd, env=env)
            runs.append((tag, console, env))
        for _ in range(args.runs):
            samples["python -c pass"].append(
                run_process([sys.executable, "-c", "pass"], cwd=cwd).seconds
            )
            for tag, console, env in runs:
                first, trip = terminal_session(console, cwd=cwd, env=env)
                samples[f"{labels[0]}{tag}"].append(first)
                samples[f"{labels[1]}{tag}"].append(trip)
                samples[f"{labels[2]}{tag}"].append(_piped(console, cwd=cwd, env=env))
    rows = []
    for label, found in samples.items():
        stats = Stats(tuple(found))
        rows.append([label, ms(stats.min), ms(stats.median), ms(stats.p90)])
    print(f"console ({args.runs} runs, interleaved; Python {sys.version.split()[0]})")
    print(table(["what", "min ms", "median ms", "p90 ms"], rows))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ProcessFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
