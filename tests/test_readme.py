"""The README holds true for a newcomer (issue 14 item 7): its quick-start and "your first
request" examples run as written, today, and nothing in them is already overdue."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import PRIVACY_DESK, run_cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _block_after(marker: str) -> str:
    """The first fenced block after ``marker``."""
    after = README[README.index(marker) :]
    return re.search(r"```[a-z]*\n(.*?)```", after, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_readme_says_how_to_run_the_command_after_the_quick_start() -> None:
    quick = README[README.index("## Quick start") : README.index("### Your first request")]
    assert ".venv/bin/privacy-desk --help" in quick and "make console" in quick


def test_quick_start_commands_are_not_overdue_on_the_first_screen(tmp_path: Path) -> None:
    lines = _block_after("In the console you are the local operator").splitlines()
    script = "".join(f"{line}\n" for line in lines if line != "/breach new")  # a form: terminal
    result = run_cli("console", "--db", str(tmp_path / "d.db"), stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert not re.search(r"\d+ days? overdue", result.stdout)
    assert "Next step" in result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's example is a shell script")
def test_your_first_request_runs_as_written(tmp_path: Path) -> None:
    script = _block_after("<!-- first-request").replace(".venv/bin/privacy-desk", str(PRIVACY_DESK))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert not re.search(r"\d+ days? overdue", out)
    assert "Next step            record the ID check when it arrives" in out
    assert "tell the ICO by" in out and "left to tell the ICO" in out
    assert out.rstrip().splitlines()[-2] == "1 open request"


@pytest.mark.parametrize(
    "needle",
    [
        "Copy member ID", "*Channel ID*", "app.slack.com/client/T0123ABCD",
        "*Tenant ID*", "*Object ID*", "@thread.tacv2",
        "PRIVACY_DESK_HOST=0.0.0.0", "TLS-terminating reverse proxy",
        "`privacy-desk --version`",
    ],
)  # fmt: skip
def test_readme_explains_ids_tls_and_the_command_line(needle: str) -> None:
    assert needle in README
