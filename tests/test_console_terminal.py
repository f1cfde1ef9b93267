"""The console at a real terminal (a pseudo-terminal driven by pexpect): a line editor with
history and completion, forms that check each answer as it is typed, Ctrl-C and Ctrl-D."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.test_cli import PRIVACY_DESK

LEFT, UP = "\x1b[D", "\x1b[A"
CTRL_C, CTRL_D = "\x03", "\x04"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[pexpect.spawn[str]]:
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}
    env.pop("PRIVACY_DESK_DATABASE_URL", None)
    child = pexpect.spawn(
        str(PRIVACY_DESK),
        ["console", "--db", str(tmp_path / "d.db")],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 200),
    )
    child.expect("privacy-desk>")
    yield child
    child.close(force=True)


def test_a_form_asks_again_until_each_answer_fits_and_keeps_the_rest(
    terminal: pexpect.spawn[str], tmp_path: Path
) -> None:
    terminal.send("/dsar new\r")
    terminal.expect("Type of request")
    terminal.send("acess\r")
    terminal.expect("type must be one of access")
    terminal.expect("Type of request")  # asked again, nothing lost
    terminal.send("\r")  # blank: the default, access
    terminal.expect("Requester's name")
    terminal.send("Jo Bloggs\r")
    terminal.expect("Requester's email")
    terminal.send("jo@example\r")
    terminal.expect("is not an email address")
    terminal.expect("Requester's email")
    terminal.send("jo@example.com\r")
    terminal.expect("Received on")
    terminal.send("2025-11-03\r")
    terminal.expect("How it arrived")
    terminal.send("phone\r")
    terminal.expect("Details")
    terminal.send("\r")
    terminal.expect("DSAR-0001 logged: access request")
    terminal.expect("privacy-desk>")


def test_arrow_keys_edit_the_line_and_history_recalls_it(
    terminal: pexpect.spawn[str], tmp_path: Path
) -> None:
    terminal.send('/dsar new access name="Ann Lee" email=ann@example.com\r')
    terminal.expect("DSAR-0001 logged")
    terminal.expect("privacy-desk>")
    terminal.send("/dsar sho DSAR-0001" + LEFT * len(" DSAR-0001") + "w\r")
    terminal.expect("DSAR-0001 — access request")
    terminal.expect("privacy-desk>")
    terminal.send(UP + "\r")  # the same command again, from the history
    terminal.expect("DSAR-0001 — access request")
    terminal.expect("privacy-desk>")
    terminal.send(CTRL_D)
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0
    history = (tmp_path / "d.db.history").read_text()
    assert "/dsar show DSAR-0001" in history


def test_ctrl_c_abandons_a_form_and_nothing_is_logged(terminal: pexpect.spawn[str]) -> None:
    terminal.send("/breach new\r")
    terminal.expect("Became aware")
    terminal.send(CTRL_C)
    terminal.expect("form cancelled: nothing logged")
    terminal.expect("privacy-desk>")
    terminal.send("/breach list all\r")
    terminal.expect("No breaches, open and closed")


def test_tab_completes_commands_and_references(terminal: pexpect.spawn[str]) -> None:
    terminal.send('/dsar new erasure name="Ann Lee" email=ann@example.com\r')
    terminal.expect("DSAR-0001 logged")
    terminal.expect("privacy-desk>")
    terminal.send("/dsar sh\t")  # -> /dsar show
    terminal.send(" DSAR\t")  # -> DSAR-0001, the only open reference
    terminal.send("\r")
    terminal.expect("DSAR-0001 — erasure request")


def test_the_history_file_keeps_commands_but_no_personal_values(
    terminal: pexpect.spawn[str], tmp_path: Path
) -> None:
    """The database is encrypted; the history beside it must not give the names away."""
    terminal.send('/dsar new access name="Zoë Quintero" email=zq@example.org received=2025-11-03\r')
    terminal.expect("DSAR-0001 logged")
    terminal.expect("privacy-desk>")
    terminal.send('/dsar note DSAR-0001 "Quintero rang about the footage"\r')
    terminal.expect("note added")
    terminal.expect("privacy-desk>")
    terminal.send("/dsar find quintero\r")
    terminal.expect("1 request found")
    terminal.expect("privacy-desk>")
    terminal.send(UP + UP + "\r")  # within the session the whole line is recalled
    terminal.expect("note added")
    terminal.expect("privacy-desk>")
    terminal.send(CTRL_D)
    terminal.expect(pexpect.EOF)
    terminal.close()
    history = (tmp_path / "d.db.history").read_text(encoding="utf-8")
    assert "/dsar new access name=… email=… received=2025-11-03" in history
    assert "/dsar note DSAR-0001 …" in history and "/dsar find …" in history
    for value in ("Quintero", "quintero", "zq@example.org", "footage", "Zoë"):
        assert value not in history


def test_an_earlier_history_file_is_made_private_and_redacted(tmp_path: Path) -> None:
    history = tmp_path / "d.db.history"
    history.write_text(
        "\n# 2026-11-30 10:00:00.000000\n"
        '+/dsar new access name="Old Release Person" email=old@example.org\n'
        "\n# 2026-11-30 10:01:00.000000\n+/dsar new access @Zoe Quinnell 07700900123\n",
        encoding="utf-8",
    )
    history.chmod(0o644)
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}
    child = pexpect.spawn(
        str(PRIVACY_DESK), ["console", "--db", str(tmp_path / "d.db")], cwd=str(tmp_path),
        env=env, encoding="utf-8", timeout=20, dimensions=(40, 200),
    )  # fmt: skip
    try:
        child.expect("privacy-desk>")
        child.send(CTRL_D)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert history.stat().st_mode & 0o777 == 0o600
    kept = history.read_text(encoding="utf-8")
    assert "+/dsar new access name=… email=…" in kept
    for value in ("Old Release", "old@example.org", "Quinnell", "07700900123"):
        assert value not in kept
