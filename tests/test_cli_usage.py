"""The command line for the people who run it (issue 14 item 6), through a subprocess: help
written for users, ``--version``, database errors that name the cause and where, a broken pipe
that ends quietly, ``--db`` on a missing folder, and ``export --output``."""

from __future__ import annotations

import argparse
import os
import re
import stat
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli import parser
from tests.fakes.keys import TEST_KEY
from tests.test_cli import PRIVACY_DESK, run_cli

SUB_COMMANDS = (
    "console", "serve", "migrate", "deadline", "export", "triage", "letters", "new-key",
    "rotate-keys", "audit",
)  # fmt: skip


def _env(**extra: str) -> dict[str, str]:
    """A clean environment, with the tests' data key (the key file has tests of its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    return {**env, "PRIVACY_DESK_DATA_KEYS": TEST_KEY, **extra}


def _run(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRIVACY_DESK), *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        env=_env(**env), timeout=120, check=False,
    )  # fmt: skip


def test_top_help_lists_every_command_for_users_with_an_example() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    out = result.stdout
    for name in SUB_COMMANDS:
        assert re.search(rf"^    {name}\s+\w", out, re.MULTILINE), name  # help may wrap
    assert "example:" in out and "privacy-desk console" in out
    assert "SPEC" not in out and "issue" not in out.lower() and "``" not in out


@pytest.mark.parametrize(
    "name", [*SUB_COMMANDS[:-1], "audit verify", "letters check", "letters draft"]
)
def test_each_command_help_says_what_it_does_and_gives_an_example(name: str) -> None:
    result = run_cli(*name.split(), "--help")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    example = out.partition("\nexample:\n")[2]
    assert "privacy-desk " + name in example, out
    assert "SPEC" not in out and "``" not in out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 8, description  # a sentence, not a label


def _every_action(p: argparse.ArgumentParser) -> list[argparse.Action]:
    actions = list(p._actions)
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                actions += _every_action(child)
    return actions


def test_every_option_is_explained() -> None:
    unexplained = [
        "/".join(a.option_strings) or a.dest
        for a in _every_action(parser())
        if not a.help and not isinstance(a, argparse._SubParsersAction)
    ]
    assert unexplained == []


def test_version_comes_from_the_package() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"privacy-desk {version('privacy-desk')}\n")


def test_db_on_a_missing_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "desk.db"
    result = _run("console", "--db", str(missing), cwd=tmp_path, stdin="/dsar list\n")
    assert result.returncode == 2
    assert result.stderr == (
        f"privacy-desk: --db {missing}: the folder {missing.parent} does not exist\n"
    )
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("these are not the tables you are looking for\n" * 20)
    result = _run("audit", "verify", "--db", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"privacy-desk: the file {bad} is not a SQLite database\n"


def test_an_unopenable_sqlite_path_is_named(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/gone/desk.db"
    result = _run("audit", "verify", cwd=tmp_path, PRIVACY_DESK_DATABASE_URL=url)
    assert result.returncode == 1
    assert f"{tmp_path}/gone/desk.db" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_unreachable_postgresql_host_is_named(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://desk@127.0.0.1:1/privacy"
    result = _run("audit", "verify", cwd=tmp_path, PRIVACY_DESK_DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr == "privacy-desk: cannot reach PostgreSQL at 127.0.0.1:1\n"


def test_a_broken_pipe_ends_quietly(tmp_path: Path) -> None:
    """``privacy-desk console < script | head -1``: the reader leaves after one line."""
    process = subprocess.Popen(
        [str(PRIVACY_DESK), "console", "--db", str(tmp_path / "d.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
        env=_env(),
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"/dsar help\n" * 2000)
    process.stdin.close()
    assert process.stdout.readline().startswith(b"privacy-desk> /dsar help")
    process.stdout.close()
    code = process.wait(timeout=120)
    assert process.stderr is not None
    err = process.stderr.read().decode()
    assert (code, err) == (0, "")


def test_export_output_is_private_and_counts_in_words(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    logged = _run(
        "console", "--db", db, cwd=tmp_path,
        stdin='/dsar new access name="A" email=a@example.com\n',
    )  # fmt: skip
    assert logged.returncode == 0, logged.stdout
    out = tmp_path / "log.csv"
    result = _run("export", "--kind", "requests", "--output", str(out), "--db", db, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == f"1 request written to {out}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    breaches = _run("export", "--kind", "breaches", "--output", str(out), "--db", db, cwd=tmp_path)
    assert breaches.stderr == f"0 breaches written to {out}\n"


def test_deadline_for_people_in_the_one_date_style() -> None:
    """ISO only with --json; a person reads "Mon 29 Dec 2025"."""
    request = run_cli("deadline", "2025-11-25").stdout
    assert "due                  Mon 29 Dec 2025" in request
    breach = run_cli("deadline", "--breach", "2025-10-24T16:00+01:00").stdout
    assert breach == (
        "aware Fri 24 Oct 2025 16:00 BST; tell the ICO by Mon 27 Oct 2025 15:00 GMT (72 hours)\n"
    )
    assert not re.search(r"\d{4}-\d\d-\d\d", request + breach)
