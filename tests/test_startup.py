"""The console and the command line load only what they use (timings: ``bench/startup.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PLATFORM = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp")

# Runs the real command line in a fresh interpreter, then reports which packages it imported.
PROBE = """
import json, sys
from bot.cli import main
code = main(sys.argv[1:])
roots = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "roots": roots}))
"""


def loaded(*args: str, stdin: str = "", cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], input=stdin, capture_output=True, text=True,
        cwd=cwd, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stdout
    return set(report["roots"])


def test_console_imports_no_platform_sdk_and_no_alembic_once_migrated(tmp_path: Path) -> None:
    db = str(tmp_path / "console.db")
    first = loaded("console", "--db", db, stdin="/dsar help\n", cwd=tmp_path)
    assert "alembic" in first  # the new database is migrated
    again = loaded("console", "--db", db, stdin="/dsar help\n", cwd=tmp_path)
    assert not again & {*PLATFORM, "alembic"}, sorted(again & {*PLATFORM, "alembic"})


def test_deadline_imports_no_database_no_settings_and_no_asyncio(tmp_path: Path) -> None:
    found = loaded("deadline", "2025-11-25", "--json", cwd=tmp_path)
    heavy = {*PLATFORM, "alembic", "sqlalchemy", "sqlmodel", "pydantic_settings", "apscheduler"}
    heavy.add("asyncio")
    assert not found & heavy, sorted(found & heavy)
