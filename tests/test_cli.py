"""The command line as a user runs it: exit codes, JSON shape, the console over a pipe."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

PRIVACY_DESK = Path(sys.executable).with_name("privacy-desk")


def run_cli(
    *args: str, stdin: str = "", cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``privacy-desk ARGS`` in a subprocess; ``env`` replaces the environment when given."""
    return subprocess.run(
        [str(PRIVACY_DESK), *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["2025-09-03"], {"clock_start": "2025-09-03", "due": "2025-10-03",
                          "extension_notice_by": "2025-10-03", "extended_due": "2025-12-03"}),
        (["2025-11-25"], {"clock_start": "2025-11-25", "due": "2025-12-29",
                          "extension_notice_by": "2025-12-29", "extended_due": "2026-02-25"}),
        (["2025-11-25", "--calendar", "GB-SCT", "--pause", "2025-11-26:2025-11-27"],
         {"clock_start": "2025-11-25", "due": "2025-12-29",
          "extension_notice_by": "2025-12-29", "extended_due": "2026-02-27"}),
        (["2025-09-03", "--clock-start", "2025-09-10"],
         {"clock_start": "2025-09-10", "due": "2025-10-10",
          "extension_notice_by": "2025-10-10", "extended_due": "2025-12-10"}),
        (["--breach", "2025-10-24T16:00+01:00"],
         {"aware_at": "2025-10-24T15:00:00+00:00", "ico_due": "2025-10-27T15:00:00+00:00"}),
        (["--breach", "2025-10-24T16:00"],
         {"aware_at": "2025-10-24T15:00:00+00:00", "ico_due": "2025-10-27T15:00:00+00:00"}),
    ],
)  # fmt: skip
def test_deadline_json(
    args: list[str], expected: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deadline", *args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2025-02-30"], "not a date"),
        (["2025-09-03", "--calendar", "XX"], "unknown holiday calendar"),
        (["--breach", "2025-10-26T01:30"], "UTC offset"),
        (["--breach", "2025-03-30T01:30"], "does not exist"),
        (["2025-09-03", "--clock-start", "2025-09-01"], "before the date received"),
        ([], "give the date"),
    ],
)
def test_deadline_errors_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deadline", *args, "--json"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("privacy-desk: ")


def test_bad_configuration_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PRIVACY_DESK_TIMEZONE", "Mars/Olympus")
    assert main(["audit", "verify", "--db", str(tmp_path / "x.db")]) == 2
    assert "unknown timezone" in capsys.readouterr().err


SCRIPT = """\
/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter
/dsar ask-id DSAR-0001 asked=2025-11-04
/dsar verify DSAR-0001 method=document_seen received=2025-11-06
/dsar clarify DSAR-0001 asked=2025-11-10
/dsar resume DSAR-0001 received=2025-11-12
/dsar extend DSAR-0001 reason="several systems" told=2025-11-20
/dsar close DSAR-0001 outcome=refused reason="manifestly excessive" basis=excessive
/breach new aware="2025-11-20T10:00+00:00" summary="laptop left on a train" subjects=12
/breach assess BREACH-0001 risk=low
/breach ico BREACH-0001 case=IC-99 at=2025-11-21T09:00
/breach close BREACH-0001
"""


def test_console_over_a_pipe_then_export_and_audit(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    console = run_cli("console", "--db", str(db), stdin=SCRIPT, cwd=tmp_path)
    assert console.returncode == 0, console.stdout + console.stderr
    out = console.stdout
    assert "DSAR-0001 logged" in out and "BREACH-0001 logged" in out
    assert "[#compliance] DSAR-0001 opened · access · received" in out
    assert "[DM → @operator] New breach BREACH-0001" in out
    # Nothing from the requester reached a channel line.
    channel = [line for line in out.splitlines() if line.startswith("[#compliance]")]
    assert channel and not any("Jane" in line or "jane@" in line for line in channel)
    assert not (tmp_path / "privacy-desk.db").exists()

    requests = run_cli("export", "--kind", "requests", "--format", "csv", "--db", str(db))
    assert requests.returncode == 0, requests.stderr
    [row] = list(csv.DictReader(io.StringIO(requests.stdout)))
    assert row["reference"] == "DSAR-0001"
    assert (row["received"], row["clock_start"], row["paused"], row["paused_days"]) == (
        "2025-11-03", "2025-11-06", "2025-11-10..2025-11-12", "3",
    )  # fmt: skip
    assert (row["extended"], row["extended_deadline"]) == ("yes", "2026-02-09")
    assert row["outcome"] == "refused"
    assert "jane" not in requests.stdout.lower()
    # Free-text reasons are personal (staff type names into them): only with the flag.
    assert "extension_reason" not in row and "several systems" not in requests.stdout

    personal = run_cli("export", "--kind", "requests", "--include-personal", "--db", str(db))
    assert "jane@example.com" in personal.stdout
    [full] = list(csv.DictReader(io.StringIO(personal.stdout)))
    assert (full["extension_reason"], full["outcome_reason"]) == (
        "several systems", "manifestly excessive",
    )  # fmt: skip

    breaches = run_cli("export", "--kind", "breaches", "--db", str(db))
    [b] = list(csv.DictReader(io.StringIO(breaches.stdout)))
    assert (b["reference"], b["ico_decision"], b["ico_case_reference"]) == (
        "BREACH-0001", "notified", "IC-99",
    )  # fmt: skip
    assert b["reported_within_72h"] == "yes"

    intact = run_cli("audit", "verify", "--db", str(db))
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE requests SET outcome = 'fulfilled' WHERE ref = 'DSAR-0001'")
    broken = run_cli("audit", "verify", "--db", str(db))
    assert broken.returncode == 1
    assert "DSAR-0001 has been changed outside the history" in broken.stderr


def test_console_from_a_pipe_asks_for_the_fields_as_arguments(tmp_path: Path) -> None:
    # At a terminal `/dsar new` prompts (tests/test_console_terminal.py); from a pipe the lines
    # that follow are commands, so reading them as answers would swallow them (issue 14).
    script = '/dsar new\naccess\n/dsar new access name="Jo Bloggs" email=jo@example.com via=phone\n'
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    assert result.returncode == 1  # a scripted command was refused
    assert "! give the fields as arguments when reading from a pipe" in result.stdout
    assert "! commands start with /dsar or /breach" in result.stdout  # `access` was a command
    assert "DSAR-0001 logged: access request" in result.stdout
    assert "by phone" in result.stdout


def test_console_as_staff_is_refused_privacy_actions(tmp_path: Path) -> None:
    script = (
        '/dsar new access name="A B" email=a@example.com\n/dsar close DSAR-0001 outcome=withdrawn\n'
    )
    result = run_cli("console", "--db", str(tmp_path / "d.db"), "--as", "staff", stdin=script)
    assert result.returncode == 1  # a scripted command failed
    assert "! only the privacy team may close requests" in result.stdout


def test_console_uses_privacy_desk_db_in_the_working_directory(tmp_path: Path) -> None:
    result = run_cli("console", stdin="/dsar help\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "privacy-desk.db").exists()


def test_triage_json_reads_files_and_stdin(tmp_path: Path) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text(
        "Date: 14 March 2025\n\nDear Sir or Madam,\n\nI am writing to make a subject access "
        "request. Please send me a copy of all the personal data you hold about me.\n\n"
        "Yours faithfully,\nMargaret Ellison\nmargaret.ellison@example.org\n",
        encoding="utf-8",
    )
    done = run_cli(
        "triage", "--json", str(letter), "-", stdin="laptop stolen from car with case files"
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["source"] == str(letter)
    assert first["kind"] == "request" and first["types"][0] == "access"
    assert first["name"] == "Margaret Ellison"
    assert first["email"] == "margaret.ellison@example.org"
    assert first["received"] == "2025-03-14"
    assert first["evidence"] and 0 < first["confidence"] <= 1
    assert second["source"] == "-" and second["kind"] == "breach" and second["types"] == []
    assert set(first) == {"source", "kind", "types", "confidence", "name", "email", "received",
                          "evidence", "reason"}  # fmt: skip
    assert done.stderr == ""


def test_triage_summary_and_a_missing_file(tmp_path: Path) -> None:
    done = run_cli(
        "triage", "-", str(tmp_path / "missing.txt"),
        stdin="Feature request: would be great to have dark mode. Love the privacy settings!",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.startswith("-: none")
    assert "not a request:" in done.stdout
    assert done.stderr.count("\n") == 1 and "missing.txt" in done.stderr


PASTED = (
    "Dear Sir or Madam,\n\nI am writing to ask you to delete my account and erase all the "
    "personal data you hold about me.\n\nYours sincerely,\nJo Bloggs\njo.bloggs@example.com\n"
)


def test_console_paste_proposes_then_logs_what_is_confirmed(tmp_path: Path) -> None:
    script = f"/dsar paste\n{PASTED}.\nl\n\n/dsar list\n"
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Looks like a request: erasure" in out
    assert "name: Jo Bloggs" in out and "email: jo.bloggs@example.com" in out
    assert "DSAR-0001 logged: erasure request" in out
    channel = [line for line in out.splitlines() if line.startswith("[#compliance]")]
    assert channel and not any("Jo" in line or "erase" in line for line in channel)


def test_console_paste_can_edit_or_drop(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    # edit: every field asked again, blank keeps the proposal; the type changed to access
    edit = f"/dsar paste\n{PASTED}.\ne\naccess\n\n\n2025-11-03\n\n\n"
    result = run_cli("console", "--db", db, stdin=edit, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DSAR-0001 logged: access request" in result.stdout

    drop = f"/dsar paste\n{PASTED}.\nd\n/dsar list all\n"
    result = run_cli("console", "--db", db, stdin=drop, cwd=tmp_path)
    assert "dropped: nothing logged" in result.stdout
    assert "DSAR-0002" not in result.stdout


def test_console_paste_of_a_text_that_requests_nothing(tmp_path: Path) -> None:
    text = "Where can I find your privacy policy? Just curious, thanks!"
    script = f"/dsar paste\n{text}\n.\nr\ncomplaint\nAl Smith\nal@example.com\n\n\n\n"
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Doesn't look like a request or a breach: " in result.stdout
    assert "DSAR-0001 logged: complaint request" in result.stdout


# --- issue 9: the calendar through the command line ------------------------------------------


def _deadline_json(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("deadline", *args, "--json")


@pytest.mark.parametrize(
    ("args", "due"),
    [
        (["2026-03-02", "--clock-start", "2026-03-09", "--pause", "2026-03-03:2026-03-05"],
         "2026-04-09"),  # before the clock start: nothing
        (["2026-03-02", "--pause", "2026-04-10:2026-04-14"], "2026-04-02"),  # already late
        (["2026-03-02", "--pause", "2026-03-10:2026-03-12", "--pause", "2026-03-11:2026-03-13"],
         "2026-04-07"),  # overlap counted once
        (["2026-03-02", "--type", "access", "--pause", "2026-03-10:2026-03-12"], "2026-04-07"),
        (["2026-05-15", "--calendar", "GB-SCT"], "2026-06-16"),  # the World Cup bank holiday
    ],
)  # fmt: skip
def test_deadline_pause_windows(args: list[str], due: str) -> None:
    result = _deadline_json(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["due"] == due
    assert result.stderr == ""


@pytest.mark.parametrize("kind", ["erasure", "rectification", "portability", "objection"])
def test_deadline_pause_on_another_right_is_visibly_ignored(kind: str) -> None:
    result = _deadline_json("2026-03-02", "--type", kind, "--pause", "2026-03-10:2026-03-12")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "clock_start": "2026-03-02", "due": "2026-04-02",
        "extension_notice_by": "2026-04-02", "extended_due": "2026-06-02",
    }  # fmt: skip
    assert "--pause ignored" in result.stderr and kind in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "ack"),
    [
        (["2026-11-26", "--complaint"], "2026-12-29"),  # not Christmas Day
        (["2026-11-26", "--type", "complaint"], "2026-12-29"),
        (["2026-07-02", "--complaint", "--calendar", "GB-SCT"], "2026-08-04"),
        (["2026-06-18", "--complaint"], None),  # before s.164A came into force
    ],
)
def test_deadline_complaint_acknowledgement(args: list[str], ack: str | None) -> None:
    result = _deadline_json(*args)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["acknowledge_by"] == ack == out["due"]
    assert "one_month" not in result.stdout and "extended_due" not in out


def test_deadline_complaint_ignores_a_pause_visibly() -> None:
    result = _deadline_json("2026-11-26", "--complaint", "--pause", "2026-11-27:2026-11-30")
    assert result.returncode == 0 and json.loads(result.stdout)["acknowledge_by"] == "2026-12-29"
    assert "ignored" in result.stderr and result.stderr.count("\n") == 1


def test_deadline_complaint_in_words() -> None:
    said = run_cli("deadline", "2026-11-26", "--complaint").stdout
    assert "acknowledge by Tue 29 Dec 2026" in said and "one-month" not in said.lower()
    before = run_cli("deadline", "2025-11-26", "--complaint").stdout
    assert "no statutory acknowledgement date" in before


@pytest.mark.parametrize("code", ["GB", "UK", "GB-UK"])
def test_deadline_refuses_a_calendar_that_is_not_one_nation(code: str) -> None:
    result = _deadline_json("2026-03-02", "--calendar", code)
    assert result.returncode == 2 and result.stdout == ""
    assert "not one nation's calendar" in result.stderr and result.stderr.count("\n") == 1


def test_migrate_recomputes_stored_deadlines_when_the_holiday_data_changes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "desk.db"
    first = run_cli("migrate", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "0 stored deadline(s) moved" in first.stdout  # no holiday data recorded yet
    again = run_cli("migrate", "--db", str(db))
    assert "holiday data changed" not in again.stdout  # the same release: nothing to do
    script = (
        '/dsar new access name="A" email=a@example.com received=2026-05-15\n'
        '/dsar new erasure name="B" email=b@example.com received=2026-05-18\n'
    )
    env_run = subprocess.run(
        [str(PRIVACY_DESK), "console", "--db", str(db)], input=script, capture_output=True,
        text=True, timeout=120, check=False, env={**os.environ, "PRIVACY_DESK_HOLIDAYS": "GB-SCT"},
    )  # fmt: skip
    assert env_run.returncode == 0, env_run.stdout + env_run.stderr
    # As an older holidays release (without Scotland's 15 Jun 2026) would have stored it:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE requests SET due = '2026-06-15', base_due = '2026-06-15' "
                     "WHERE ref = 'DSAR-0001'")  # fmt: skip
        conn.execute("UPDATE desk_facts SET value = '0.90' WHERE key = 'holidays'")
    moved = run_cli("migrate", "--db", str(db))
    assert moved.returncode == 0, moved.stderr
    assert "holiday data changed: 1 stored deadline(s) moved" in moved.stdout
    with sqlite3.connect(db) as conn:
        due = conn.execute("SELECT due FROM requests WHERE ref = 'DSAR-0001'").fetchone()
    assert due == ("2026-06-16",)
    assert run_cli("audit", "verify", "--db", str(db)).returncode == 0


def test_console_story_late_actions_and_act_at_once(tmp_path: Path) -> None:
    script = (
        '/dsar new access name="A" email=a@example.com received=2025-01-06\n'
        "/dsar ask-id DSAR-0001\n"
        '/dsar ask-id DSAR-0001 late-reason="the letter was misfiled"\n'
        "/dsar list overdue\n"
        '/dsar new consent name="B" email=b@example.com\n'
        "/dsar stopped DSAR-0002\n"
        "/dsar show DSAR-0002\n"
    )
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # the first ask-id is refused
    out = result.stdout
    assert "is late (the deadline 2025-02-06 had already passed)" in out
    assert 'late-reason="…"' in out
    assert "DSAR-0001: identity requested" in out
    assert "1 overdue request\n" in out  # the late ask-id did not take it off the list
    assert "Withdrawal of consent takes effect at once" in out
    assert "[DM → @operator] DSAR-0002 (consent): Withdrawal of consent" in out
    assert "processing stopped" in out


def test_console_roles_can_be_tried(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    alice = (
        "/dsar help\n"
        '/dsar new access name="A B" email=a@example.com received=2025-11-03\n'
        '/breach new aware="2025-11-24T08:00+00:00" summary="laptop stolen"\n'
    )
    result = run_cli("console", "--db", db, "--as", "staff", "--user", "alice", stdin=alice)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/dsar verify" not in result.stdout  # staff help: only what staff may do
    assert "The other commands are for the privacy team." in result.stdout
    assert "[DM → @dpo] New breach BREACH-0001" in result.stdout  # what the DPO would get
    bob = run_cli("console", "--db", db, "--as", "staff", "--user", "bob", stdin="/dsar list all\n")
    assert "No requests of yours, open and closed" in bob.stdout  # bob cannot see alice's ticket
    dpo = run_cli("console", "--db", db, stdin="/dsar list all\n")
    assert "DSAR-0001" in dpo.stdout
