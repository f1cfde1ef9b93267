"""Output people read (issue 14 item 4, issue 11 item 7), through the console as a person uses
it: a pipe (no colour, ever) and a pseudo-terminal (colour for what is overdue, unless
``NO_COLOR``). States in words, one date style, breach delays in days and hours, a next step
on every ticket, and lists that say their window."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pexpect

from tests.test_cli import PRIVACY_DESK, run_cli

ESCAPE = "\x1b["
TODAY = datetime.now(ZoneInfo("Europe/London")).date()  # the console runs on the wall clock


def _pipe(tmp_path: Path, script: str) -> str:
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    return result.stdout


def test_lists_say_states_in_words_and_their_window(tmp_path: Path) -> None:
    received = (TODAY - timedelta(days=3)).isoformat()
    out = _pipe(
        tmp_path,
        "/dsar list due-soon\n"
        "/dsar list\n"
        f'/dsar new access name="A" email=a@example.com received={received}\n'
        "/dsar ask-id DSAR-0001\n"
        "/dsar list\n"
        "/dsar list overdue\n"
        "/breach list\n",
    )
    assert "No requests due in the next 7 days" in out
    assert "No open requests" in out
    assert "1 open request\n" in out
    assert re.search(r"DSAR-0001  access +waiting for ID +clock stopped: waiting for ID", out)
    assert "awaiting_id" not in out
    assert "No overdue requests" in out
    assert "No open breaches" in out
    assert ESCAPE not in out  # a pipe gets no colour


def test_every_ticket_view_has_a_next_step_with_its_command(tmp_path: Path) -> None:
    received = TODAY - timedelta(days=2)
    out = _pipe(
        tmp_path,
        f'/dsar new access name="A" email=a@example.com received={received.isoformat()}\n'
        "/dsar show DSAR-0001\n"
        "/dsar ask-id DSAR-0001\n"
        "/dsar show DSAR-0001\n"
        '/breach new aware="2020-01-06T09:00+00:00" summary="x"\n'
        "/breach show BREACH-0001\n"
        "/breach assess BREACH-0001 risk=high\n"
        "/breach show BREACH-0001\n",
    )
    assert re.search(r"Next step +send the reply by \w{3} \d{1,2} \w{3} \d{4}: /dsar close", out)
    assert "Next step            record the ID check when it arrives: /dsar verify DSAR-0001" in out
    assert "Next step        assess the risk by Thu 9 Jan 2020 09:00 GMT: /breach assess" in out
    assert (
        "Next step        tell the ICO by Thu 9 Jan 2020 09:00 GMT: /breach ico BREACH-0001" in out
    )


def test_dates_in_one_style_and_breach_delays_in_days_and_hours(tmp_path: Path) -> None:
    out = _pipe(
        tmp_path,
        '/breach new aware="2020-01-06T09:00+00:00" summary="x"\n/breach show BREACH-0001\n',
    )
    assert "Aware            Mon 6 Jan 2020 09:00 GMT" in out
    assert re.search(r"ICO decision \d+ days( \d+ hours?)? overdue", out)
    assert " h overdue" not in out
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", out)  # no ISO date for people


def _terminal(tmp_path: Path, **env: str) -> pexpect.spawn[str]:
    base = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    base.pop("NO_COLOR", None)
    base.pop("PRIVACY_DESK_DATABASE_URL", None)
    child = pexpect.spawn(
        str(PRIVACY_DESK),
        ["console", "--db", str(tmp_path / "d.db")],
        cwd=str(tmp_path),
        env={**base, **env},
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 200),
    )
    child.expect("privacy-desk>")
    return child


def _overdue_list(child: pexpect.spawn[str]) -> str:
    child.send('/dsar new access name="A" email=a@example.com received=2020-01-06\r')
    child.expect("logged")
    child.expect("privacy-desk>")
    child.send("/dsar list overdue\r")
    child.expect("1 overdue request")
    child.expect("privacy-desk>")
    return child.before or ""


def test_overdue_items_are_red_at_a_terminal(tmp_path: Path) -> None:
    child = _terminal(tmp_path)
    try:
        listed = _overdue_list(child)
        # the whole row is red, the requester's name (the privacy team's list) included
        assert re.search(r"\x1b\[31mDSAR-0001 .* overdue\)[^\x1b]*\x1b\[0m", listed), listed
    finally:
        child.close(force=True)


def test_no_colour_at_a_terminal_with_no_color(tmp_path: Path) -> None:
    child = _terminal(tmp_path, NO_COLOR="1")
    try:
        listed = _overdue_list(child)
        assert "DSAR-0001" in listed and "\x1b[31m" not in listed
    finally:
        child.close(force=True)
