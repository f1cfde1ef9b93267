"""Helpers shared by the benchmarks: statistics, tables, subprocess timing, paths.

Benchmarks print figures and compare them with a baseline measured in the same run; nothing
here asserts on wall-clock time.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def venv_bin(name: str) -> Path:
    """A console script next to the running interpreter (``.venv/bin/<name>``).

    ``sys.executable`` is deliberately not resolved: in a virtualenv it is a symlink to the base
    interpreter, and the scripts live next to the link.
    """
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(
            f"{path} does not exist: run the benchmark with the project's virtualenv "
            f"(e.g. {REPO / '.venv/bin/python'} -m bench.<name>)"
        )
    return path


# Interpreter switches that would make a subprocess measure something no installation runs:
# without cached bytecode every project module is compiled from source at each start (an
# installed package has its .pyc files, and the warm-up writes the checkout's).
UNREAL = ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")


def clean_env() -> dict[str, str]:
    """The environment without ``PRIVACY_DESK_*`` settings, so a developer's shell or a
    ``.env`` cannot change what a subprocess measures (nor ``UNREAL``'s switches); the data
    keys stay, so a server reads what the benchmark seeded (``bench.keys``)."""
    from bench.keys import BENCH_KEYS  # noqa: F401  (puts the run's key in the environment)

    keep = {"PRIVACY_DESK_DATA_KEYS"}
    return {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("PRIVACY_DESK_") or k in keep) and k not in UNREAL
    }


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary of timing samples, in seconds."""

    samples: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        """Nearest-rank 90th percentile."""
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


class FixedClock:
    """A ``Clock`` that stays where the benchmark put it (a benchmark's "now")."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class ProcessFailed(Exception):
    """A command the benchmark runs exited with an error (the message has its output)."""


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    stdout: str
    stderr: str


def run_process(argv: Sequence[str], *, stdin: str | None = None, cwd: Path | None = None) -> Run:
    """Run ``argv`` to completion and time it from spawn to exit; raise ProcessFailed on error."""
    start = time.perf_counter()
    done = subprocess.run(
        list(argv),
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise ProcessFailed(
            f"benchmark command failed (exit {done.returncode}): {' '.join(argv)}\n"
            f"stdout:\n{done.stdout[-2000:]}\nstderr (end):\n{done.stderr[-2000:]}"
        )
    return Run(seconds=seconds, stdout=done.stdout, stderr=done.stderr)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"{text} is not a positive integer")
    return value


@dataclass(frozen=True, slots=True)
class ImportProfile:
    """Seconds per import group, per run, from ``python -X importtime`` (self times, so the
    groups partition the import time), and each run's wall time (inflated by importtime)."""

    groups: dict[str, list[float]]
    walls: list[float]

    def report(self, top: int = 8) -> str:
        imports = [sum(run) for run in zip(*self.groups.values(), strict=True)]
        total = statistics.median(imports)
        wall = statistics.median(self.walls)
        order = sorted(self.groups, key=lambda key: -statistics.median(self.groups[key]))
        rows = [
            [key, ms(statistics.median(self.groups[key])),
             f"{statistics.median(self.groups[key]) / total:.0%}"]
            for key in order[:top]
        ]  # fmt: skip
        rest = [sum(self.groups[key][i] for key in order[top:]) for i in range(len(self.walls))]
        if order[top:]:
            rows.append([f"{len(order) - top} other groups", ms(statistics.median(rest)),
                         f"{statistics.median(rest) / total:.0%}"])  # fmt: skip
        rows.append(["= all imports", ms(total), "100%"])
        rows.append(["wall time of the run (importtime on)", ms(wall), ""])
        rows.append(["not imports (wall − imports)", ms(wall - total), ""])
        return table(["import group (self time)", "median ms", "of imports"], rows)


def import_profile(
    argv: Sequence[str],
    *,
    runs: int,
    group: Callable[[tuple[str, ...]], str],
    stdin: str | None = None,
    cwd: Path | None = None,
) -> ImportProfile:
    """Run ``python -X importtime argv…`` ``runs`` times and sum self times by group.

    ``group`` is given each module's import chain (outermost importer first, the module last).
    """
    results: list[dict[str, float]] = []
    walls: list[float] = []
    for _ in range(runs):
        run = run_process([sys.executable, "-X", "importtime", *argv], stdin=stdin, cwd=cwd)
        results.append(group_times(run.stderr, group))
        walls.append(run.seconds)
    keys = sorted({key for found in results for key in found})
    return ImportProfile({key: [found.get(key, 0.0) for found in results] for key in keys}, walls)


@dataclass(slots=True)
class _Node:
    name: str
    self_seconds: float
    children: list[_Node]


def group_times(importtime: str, group: Callable[[tuple[str, ...]], str]) -> dict[str, float]:
    """Self times summed by ``group(chain)``. importtime prints a module after its imports,
    indented two spaces per level, so the tree is rebuilt bottom-up."""
    pending: dict[int, list[_Node]] = defaultdict(list)
    for line in importtime.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cumulative, label = line.removeprefix("import time:").split("|")
        depth = (len(label) - len(label.lstrip(" ")) - 1) // 2
        node = _Node(label.strip(), int(self_us) / 1e6, pending.pop(depth + 1, []))
        pending[depth].append(node)
    found: dict[str, float] = defaultdict(float)

    def walk(node: _Node, chain: tuple[str, ...]) -> None:
        chain = (*chain, node.name)
        found[group(chain)] += node.self_seconds
        for child in node.children:
            walk(child, chain)

    for root in pending[0]:
        walk(root, ())
    return dict(found)


PROJECT = ("bot", "handlers", "storage")
START_UP = ("encodings", "site", "io", "zipimport", "_frozen_importlib_external", "_signal")


def _is_stdlib(module: str) -> bool:
    root = module.split(".")[0]
    return not root.startswith("__editable__") and (
        root in sys.stdlib_module_names or root.startswith("_")
    )


def _package(module: str) -> str:
    if module.startswith("holidays.countries"):
        return "holidays.countries.* (first lookup)"
    if module.startswith("holidays"):
        return "holidays (core)"
    if module.startswith("pydantic"):
        return "pydantic, pydantic_settings"
    if module.startswith("__editable__"):
        return "interpreter start-up (site, encodings, …)"
    return module.split(".")[0]


def package_group(chain: tuple[str, ...]) -> str:
    """Third-party and project modules by package (the holidays country modules, imported all
    at once on the first lookup, apart); a standard-library module counts towards the
    third-party package that imported it, else under its own name."""
    module = chain[-1]
    if not _is_stdlib(module):
        return _package(module)
    owners = [m for m in chain[:-1] if not _is_stdlib(m)]
    if owners and owners[-1].split(".")[0] not in PROJECT:
        return _package(owners[-1])
    if chain[0].split(".")[0] in START_UP:
        return "interpreter start-up (site, encodings, …)"
    return module.split(".")[0]


@asynccontextmanager
async def postgres_database(base_url: str) -> AsyncIterator[tuple[str, str]]:
    """A fresh database ``privacy_desk_bench_<random>`` next to ``base_url``'s (never touching
    that database's tables), dropped after; yields (the app's asyncpg URL, a plain DSN)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"privacy_desk_bench_{uuid.uuid4().hex[:10]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield (
            base.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            ),
            base.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
        )
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
