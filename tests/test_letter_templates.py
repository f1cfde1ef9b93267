"""Issue 12 item 2 and 5: templates are files a DPO can edit (sandboxed Jinja2, StrictUndefined),
shipped defaults overridden kind by kind, ``privacy-desk letters check``, Welsh folders with an
English fallback, and plain text, Markdown and Word out."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.desk import Desk
from handlers.letters import formats, templates
from handlers.letters.context import in_words, sample_request
from handlers.outbox import Sender
from handlers.policy import Policy
from storage.enums import LetterKind
from tests.conftest import DPO, STAFF, Driver, FakeClock, database_state

PRIVACY_DESK = Path(sys.executable).with_name("privacy-desk")
NEW = '/dsar new access name="Jane Doe" email=jane@example.com received=2025-11-20'
ROOT = Path(__file__).resolve().parents[1]


def folder(tmp_path: Path, lang: str, **files: str) -> Path:
    (tmp_path / lang).mkdir(parents=True, exist_ok=True)
    for kind, text in files.items():
        (tmp_path / lang / f"{kind.replace('_', '-')}.md").write_text(text, encoding="utf-8")
    return tmp_path


def desk_with(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    sender: Sender,
    policy: Policy,
    **changes: object,
) -> Driver:
    changed = replace(policy, **changes)  # type: ignore[arg-type]
    return Driver(Desk(sessions=sessions, clock=clock, policy=changed, sender=sender))


def test_every_kind_ships_an_english_template_as_package_data() -> None:
    for kind in LetterKind:
        assert (templates.SHIPPED / "en" / f"{kind}.md").is_file(), kind
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "letters/templates/*/*.md" in config["tool"]["setuptools"]["package-data"]["handlers"]
    assert templates.check(Policy()) == []


def test_dates_in_words_with_babel() -> None:
    assert in_words(date(2026, 4, 3)) == "Friday 3 April 2026"
    assert in_words(date(2025, 11, 20), "cy") == "Dydd Iau 20 Tachwedd 2025"


def test_environment_is_sandboxed_strict_and_escapes_html_only() -> None:
    env = templates.environment(None)
    assert env.is_safe_callable is not None and env.sandboxed
    assert env.autoescape("en/letter.html") is True  # type: ignore[operator]
    assert env.autoescape("en/refusal.md") is False  # type: ignore[operator]


async def test_a_dpo_template_overrides_one_kind_only(
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    sender: Sender,
    policy: Policy,
) -> None:
    own = folder(tmp_path, "en", acknowledgement="Hello {{ requester.name }}, ref {{ ref }}.\n")
    driver = desk_with(sessions, clock, sender, policy, templates_dir=str(own))
    await driver.ok(STAFF, NEW)
    outcome = await driver.ok(DPO, "/dsar letter DSAR-0001 acknowledgement")
    assert outcome.direct[0].reply.preformatted == "Hello Jane Doe, ref DSAR-0001.\n"
    await driver.ok(DPO, '/dsar close DSAR-0001 outcome=refused reason="x" basis=unfounded')
    shipped = await driver.ok(DPO, "/dsar letter DSAR-0001 refusal")
    assert "Information Commissioner's Office" in (shipped.direct[0].reply.preformatted or "")


async def test_a_typo_in_a_template_is_an_error_never_a_blank(
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    sender: Sender,
    policy: Policy,
) -> None:
    own = folder(tmp_path, "en", acknowledgement="Dear {{ requester.nme }},\n")
    broken = replace(policy, templates_dir=str(own))
    [problem] = templates.check(broken)
    assert "en/acknowledgement.md" in problem and "nme" in problem
    driver = desk_with(sessions, clock, sender, policy, templates_dir=str(own))
    await driver.ok(STAFF, NEW)
    before = await database_state(sessions)
    refused = await driver.refused(DPO, "/dsar letter DSAR-0001 acknowledgement")
    assert "cannot be drafted" in refused.reply.text and "nme" in refused.reply.text
    assert "Jane" not in refused.reply.render_text()
    assert await database_state(sessions) == before  # no "drafted" event for a failed draft


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("{% if %}\n", "acknowledgement.md (line 1)"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}\n", "unsafe"),
        ('{% include "en/_missing.md" %}\n', "_missing.md, not found"),
    ],
)
def test_check_reports_syntax_errors_sandbox_escapes_and_missing_includes(
    tmp_path: Path, text: str, found: str
) -> None:
    own = folder(tmp_path, "en", acknowledgement=text)
    [problem] = templates.check(replace(Policy(), templates_dir=str(own)))
    assert found in problem, problem


async def test_welsh_templates_are_used_and_a_missing_one_falls_back_to_english(
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    sender: Sender,
    policy: Policy,
) -> None:
    own = folder(tmp_path, "cy", acknowledgement="Annwyl {{ requester.name }}, {{ received }}\n")
    driver = desk_with(
        sessions, clock, sender, policy, templates_dir=str(own), letter_language="cy"
    )
    await driver.ok(STAFF, NEW)
    welsh = await driver.ok(DPO, "/dsar letter DSAR-0001 acknowledgement")
    assert welsh.direct[0].reply.preformatted == "Annwyl Jane Doe, Dydd Iau 20 Tachwedd 2025\n"
    english = await driver.ok(DPO, "/dsar letter DSAR-0001 acknowledgement lang=en")
    assert "Thursday 20 November 2025" in (english.direct[0].reply.preformatted or "")
    await driver.ok(DPO, "/dsar ask-id DSAR-0001")
    fallback = await driver.ok(DPO, "/dsar letter DSAR-0001 id-request")
    note = "there is no cy template for id-request: this letter is in English"
    assert note in fallback.reply.lines and note in fallback.direct[0].reply.lines
    assert "Article 12(6)" in (fallback.direct[0].reply.preformatted or "")
    assert templates.languages(str(own)) == ["en", "cy"]
    await driver.refused(DPO, "/dsar letter DSAR-0001 id-request lang=../../etc")


def test_plain_text_markdown_and_word() -> None:
    draft = templates.draft(
        sample_request(), LetterKind.REFUSAL, policy=Policy(org_name="Acme"), today=date(2026, 4, 3)
    )
    plain = formats.plain(draft.markdown)
    assert "**" not in plain and "##" not in plain and "YOUR RIGHT TO COMPLAIN" in plain
    assert max(len(line) for line in plain.splitlines()) <= formats.WIDTH
    assert "Acme\nFriday 3 April 2026\n" in plain  # short lines keep their breaks
    markdown = formats.markdown_text(draft.markdown)
    assert "## Your right to complain" in markdown
    document = Document(io.BytesIO(formats.docx(draft.markdown, title="DSAR-0000 refusal")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Dear Sam Sample," in text and "0303 123 1113" in text
    assert any(p.style is not None and p.style.name == "List Bullet" for p in document.paragraphs)


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    return subprocess.run(
        [str(PRIVACY_DESK), *args], capture_output=True, text=True, timeout=120, check=False,
        env=environment | env,
    )  # fmt: skip


def test_letters_check_command(tmp_path: Path) -> None:
    good = run_cli("letters", "check")
    assert good.returncode == 0 and "every template renders" in good.stdout
    own = folder(tmp_path, "en", fee="{{ fee.amont }}\n")
    bad = run_cli("letters", "check", PRIVACY_DESK_TEMPLATES_DIR=str(own))
    assert bad.returncode == 1
    assert "ERROR: template en/fee.md" in bad.stderr and "amont" in bad.stderr


def test_letters_draft_writes_a_private_word_document(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    lines = f"{NEW}\n/dsar close DSAR-0001 outcome=no_data_held\n"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    console = subprocess.run(
        [str(PRIVACY_DESK), "console", "--db", str(db)], input=lines, capture_output=True,
        text=True, timeout=120, check=False, env=environment,
    )  # fmt: skip
    assert console.returncode == 0, console.stderr
    out = tmp_path / "letter.docx"
    made = run_cli(
        "letters", "draft", "DSAR-0001", "no-data", "--format", "docx", "--output", str(out),
        "--db", str(db), PRIVACY_DESK_ORG_NAME="Acme Ltd",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Jane" not in made.stdout + made.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Dear Jane Doe," in text and "do not hold any personal data" in text
    assert "Acme Ltd" in text
    refused = run_cli("letters", "draft", "DSAR-0001", "extension", "--db", str(db))
    assert refused.returncode == 1 and "complaints" not in refused.stderr
    assert "cannot be extended" in refused.stderr or "closed" in refused.stderr


def test_a_broken_template_is_reported_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.config import Settings
    from bot.wiring import build_application

    own = folder(tmp_path, "en", refusal="{{ outcome_reasons }}\n")
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        templates_dir=str(own),
    )
    with caplog.at_level(logging.WARNING, logger="bot.wiring"):
        build_application(settings)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "bot.wiring"]
    assert "en/refusal.md" in warning and "outcome_reasons" in warning
