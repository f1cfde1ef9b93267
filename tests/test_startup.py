"""The console and the command line load only what they use (timings: ``bench/startup.py``).

Each check runs the real command line in a fresh interpreter and reads ``sys.modules`` as it
exits (not ``-X importtime``, which misses modules loaded with ``importlib.import_module``, as
``holidays`` loads a country). The console is checked both ways it runs: reading a pipe, and
interactive on a pseudo-terminal, where it also starts its scheduler and line editor.
"""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.migrate import head_revision, upgrade
from tests.fakes.keys import TEST_KEYS

PLATFORM = {"slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp"}
DATABASE = {"sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg"}
PROMPT = b"privacy-desk>"

# The console script (``from bot.cli import main``) that writes its exit code and every module
# in ``sys.modules`` to the file named first, as it leaves.
PROBE = """
import atexit, json, sys
out = sys.argv.pop(1)
code = []
report = lambda: {"code": code, "modules": sorted(sys.modules)}  # noqa: E731
atexit.register(lambda: open(out, "w").write(json.dumps(report())))
from bot.cli import main
code.append(main(sys.argv[1:]))
"""


class Loaded:
    """What one run imported."""

    def __init__(self, report: Path, output: str = "") -> None:
        found = json.loads(report.read_text(encoding="utf-8"))
        assert found["code"] == [0], (found["code"], output[-2000:])
        self.modules: set[str] = set(found["modules"])
        self.roots = {name.split(".")[0] for name in self.modules}

    def heavy(self, names: set[str]) -> list[str]:
        return sorted(self.roots & names)

    @property
    def countries(self) -> set[str]:
        """The ``holidays`` country modules loaded (``united_kingdom``, …)."""
        prefix = "holidays.countries."
        return {m.removeprefix(prefix) for m in self.modules if m.startswith(prefix)}


def probe(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-c", PROBE, str(cwd / "modules.json"), *args]


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PRIVACY_DESK_HOLIDAYS"}
    env.update({f"PRIVACY_DESK_{k.upper()}": v for k, v in settings.items()})
    return env


def loaded(*args: str, stdin: str = "", cwd: Path, **settings: str) -> Loaded:
    """``privacy-desk ARGS`` reading ``stdin`` from a pipe."""
    done = subprocess.run(
        probe(list(args), cwd=cwd), input=stdin, capture_output=True, text=True, cwd=cwd,
        env=environment(**settings), timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return Loaded(cwd / "modules.json", done.stderr)


def loaded_on_a_terminal(*args: str, cwd: Path) -> Loaded:
    """``privacy-desk ARGS`` (the console) on a pseudo-terminal: waits for its prompt, answers
    the line editor's cursor-position query, then types ``quit``."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        probe(list(args), cwd=cwd), stdin=follower, stdout=follower, stderr=follower, cwd=cwd,
        env=environment(),
    )  # fmt: skip
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while PROMPT not in seen:
            ready, _, _ = select.select([leader], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no prompt: {seen[-500:]!r}"
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"the console left before its prompt: {seen[-500:]!r}"
            if b"\x1b[6n" in chunk:
                os.write(leader, b"\x1b[1;1R")
            seen += chunk
        os.write(leader, b"quit\r")
        while process.poll() is None:  # keep reading, so the console never blocks on output
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    os.read(leader, 4096)
                except OSError:
                    break
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return Loaded(cwd / "modules.json")


def revision(db: Path) -> str | None:
    connection = sqlite3.connect(db)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    return None if row is None else str(row[0])


# --- the console --------------------------------------------------------------------------------


def test_console_migrates_a_new_database_and_then_starts_without_alembic(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    first = loaded("console", "--db", str(db), stdin="/dsar help\n", cwd=tmp_path)
    assert "alembic" in first.roots  # the new database is migrated, before the prompt
    assert revision(db) == head_revision()
    again = loaded("console", "--db", str(db), stdin="/dsar help\n", cwd=tmp_path)
    assert not again.heavy({*PLATFORM, "alembic"}), again.heavy({*PLATFORM, "alembic"})


def test_console_runs_the_migration_a_database_behind_is_missing(tmp_path: Path) -> None:
    """Behind by one revision (not new): the console's check, which reads the head from the
    version files, sees it and Alembic runs the rest."""
    db = tmp_path / "behind.db"
    upgrade(f"sqlite+aiosqlite:///{db}", keys=TEST_KEYS, revision="0009")
    assert revision(db) == "0009" != head_revision()
    found = loaded("console", "--db", str(db), stdin="/dsar help\n", cwd=tmp_path)
    assert "alembic" in found.roots
    assert revision(db) == head_revision()
    again = loaded("console", "--db", str(db), stdin="/dsar help\n", cwd=tmp_path)
    assert "alembic" not in again.roots


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_interactive_console_loads_no_platform_sdk_alembic_or_every_country(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "console.db")
    loaded("console", "--db", db, stdin="quit\n", cwd=tmp_path)  # migrates the new database
    found = loaded_on_a_terminal("console", "--db", db, cwd=tmp_path)
    assert {"prompt_toolkit", "apscheduler"} <= found.roots  # it really was interactive
    assert not found.heavy({*PLATFORM, "alembic"}), found.heavy({*PLATFORM, "alembic"})
    assert found.countries == {"united_kingdom"}, sorted(found.countries)[:5]


# --- the command line ---------------------------------------------------------------------------


def test_deadline_imports_no_database_no_settings_and_no_asyncio(tmp_path: Path) -> None:
    found = loaded("deadline", "2025-11-25", "--json", cwd=tmp_path)
    heavy = {*PLATFORM, *DATABASE, "alembic", "pydantic_settings", "apscheduler", "asyncio"}
    assert not found.heavy(heavy), found.heavy(heavy)


@pytest.mark.parametrize(
    ("calendar", "country"), [("GB-SCT", "united_kingdom"), ("DE-BY", "germany"), ("IE", "ireland")]
)
def test_deadline_loads_only_its_calendars_country(
    tmp_path: Path, calendar: str, country: str
) -> None:
    found = loaded("deadline", "2025-11-25", "--calendar", calendar, "--json", cwd=tmp_path)
    assert found.countries == {country}, sorted(found.countries)[:5]


def test_settings_check_the_calendar_without_loading_every_country(tmp_path: Path) -> None:
    """``Settings()`` (here through ``export``, which needs no migration) validates
    ``PRIVACY_DESK_HOLIDAYS`` with the one country it names."""
    db = tmp_path / "desk.db"
    upgrade(f"sqlite+aiosqlite:///{db}", keys=TEST_KEYS)
    out = tmp_path / "requests.csv"
    args = ["--kind", "requests", "--format", "csv", "--output", str(out)]
    found = loaded("export", *args, "--db", str(db), cwd=tmp_path, holidays="FR")
    assert found.countries == {"france"}, sorted(found.countries)[:5]


# --- the deferred holidays.countries package -----------------------------------------------------

WHOLE = """
import json, sys
from handlers.deadlines import normalise_calendar
normalise_calendar("DE-BY")
before = sorted(m for m in sys.modules if m.startswith("holidays.countries."))
import holidays
import holidays.countries as countries
from holidays.countries import Finland, Germany
from holidays.countries.germany import Germany as direct
star = {}
exec("from holidays.countries import *", star)
print(json.dumps({
    "before": before,
    "same": Germany is direct and countries.Germany is direct,
    "star": "UnitedKingdom" in star and "AX" in star,
    "lookup": len(holidays.country_holidays("FI", years=2025)) > 0,
    "all": len([m for m in sys.modules if m.startswith("holidays.countries.")]) > 200,
    "finland": Finland.__module__,
}))
"""


def test_the_deferred_countries_package_is_whole_when_asked_for_a_name(tmp_path: Path) -> None:
    """Only the configured country is loaded until something asks ``holidays.countries`` for
    a name it defines; then its ``__init__`` runs and every use of it works as usual."""
    done = subprocess.run(
        [sys.executable, "-c", WHOLE], capture_output=True, text=True, cwd=tmp_path,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == {
        "before": ["holidays.countries.germany"],
        "same": True,
        "star": True,
        "lookup": True,
        "all": True,
        "finland": "holidays.countries.finland",
    }
