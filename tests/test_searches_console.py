"""The search record in the console, as a newcomer would try it (issue 17): the register seeded
from a YAML file, a search, the owners' DMs, answers, the close rules, a disclosure, the
exports and ``audit verify``."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.test_cli import run_cli

SYSTEMS = """\
systems:
  - name: HR system
    owner: console:operator
  - name: Payroll
    owner: console:bob
"""
SCRIPT = """\
/dsar new access name="Jane Doe" email=jane@example.com details="my HR file"
/dsar systems
/dsar system add name="Email archive" owner=@carol
/dsar search DSAR-0001 share=email
/dsar answer DSAR-0001 system="HR system" found items=14 note="Jane's appraisal notes"
/dsar answer DSAR-0001 system=Payroll nothing
/dsar verify DSAR-0001 method=email_match
/dsar close DSAR-0001 outcome=no_data_held
/dsar disclose DSAR-0001 items=14 withheld=2 exemption="Sch 2 para 16" redactions="Jane's manager"
/dsar show DSAR-0001
/dsar close DSAR-0001 outcome=fulfilled searches="the archive owner left; searched by IT"
"""


def test_console_story_of_a_reasonable_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems = tmp_path / "systems.yaml"
    systems.write_text(SYSTEMS)
    monkeypatch.setenv("PRIVACY_DESK_SYSTEMS_FILE", str(systems))
    db = tmp_path / "desk.db"
    console = run_cli("console", "--db", str(db), stdin=SCRIPT, cwd=tmp_path)
    # One line is refused on purpose (no_data_held after data was found): a piped script that
    # had a refusal exits 1.
    assert console.returncode == 1, console.stdout + console.stderr
    out = console.stdout
    assert "HR system  owner @operator" in out and "Payroll  owner @bob" in out
    assert "Email archive added, owner @carol" in out
    assert "DSAR-0001: search sent to 3 system owner(s)" in out
    assert "[DM → @bob] please search Payroll for DSAR-0001" in out
    dm = out.split("[DM → @bob]", 1)[1].split("privacy-desk>", 1)[0]
    assert "jane@example.com" in dm and "Jane Doe" not in dm and "my HR file" not in dm
    assert "Recorded: HR system for DSAR-0001 — found data" in out
    assert "HR system found data, so the outcome is not no_data_held" in out
    assert "disclosure recorded — 14 items, 2 withheld (Sch 2 para 16)" in out
    assert "@operator · found data (14 items)" in out
    assert "recorded by @operator" in out  # Bob's answer, recorded by the privacy team
    assert "closed: fulfilled" in out
    channel = [line for line in out.splitlines() if line.startswith("[#compliance]")]
    assert not any("Jane" in line or "jane@" in line for line in channel)

    log = run_cli("export", "--kind", "requests", "--db", str(db))
    [row] = list(csv.DictReader(io.StringIO(log.stdout)))
    assert row["systems_searched"] == "3" and row["searches_open"] == "1"
    assert row["search_answers"] == "Email archive: open; HR system: found (14); Payroll: nothing"
    assert (row["items_disclosed"], row["items_withheld"]) == ("14", "2")
    assert row["exemptions"] == "Sch 2 para 16"
    assert "appraisal" not in log.stdout and "manager" not in log.stdout

    tasks = run_cli("export", "--kind", "searches", "--db", str(db))
    assert tasks.returncode == 0, tasks.stderr
    rows = list(csv.DictReader(io.StringIO(tasks.stdout)))
    assert [(r["system"], r["answer"], r["answered_by_owner"]) for r in rows] == [
        ("Email archive", "", ""),  # tasks in the register's order (by name)
        ("HR system", "found", "yes"),
        ("Payroll", "nothing", "no"),
    ]
    today = datetime.now(ZoneInfo("Europe/London")).date()
    assert rows[1]["identifiers_shared"] == "email"
    assert rows[1]["due"] == (today + timedelta(days=7)).isoformat()  # SEARCH_DUE_DAYS
    assert "appraisal" not in tasks.stdout and "search_note" not in rows[1]
    full = run_cli("export", "--kind", "searches", "--include-personal", "--db", str(db))
    assert "Jane's appraisal notes" in full.stdout

    intact = run_cli("audit", "verify", "--db", str(db))
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout, intact.stdout
