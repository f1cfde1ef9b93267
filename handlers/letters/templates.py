"""The letter templates: Jinja2 files a DPO can edit, one folder per language.

The shipped English templates live beside this module (``templates/en/<kind>.md``); files in
``PRIVACY_DESK_TEMPLATES_DIR/<lang>/<kind>.md`` override them kind by kind. The environment is
sandboxed (a template cannot reach Python internals), autoescapes HTML templates, and is
``StrictUndefined``: a mistyped name is an error, never a blank in a letter. A language without
its own template for a kind falls back to English, and the letter says so to the drafter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment

from handlers.letters.context import letter_values, sample_request
from handlers.policy import Policy
from storage.enums import LetterKind
from storage.models import Request
from storage.models_searches import Disclosure

SHIPPED = Path(__file__).parent / "templates"
FALLBACK = "en"


class LetterTemplateError(Exception):
    """A template that cannot be loaded or rendered: one line, naming the file."""


@dataclass(frozen=True, slots=True)
class Draft:
    kind: LetterKind
    lang: str  # the language the letter is in (English after a fallback)
    markdown: str
    fallback_note: str | None = None  # "no cy template for fee: English used"


@lru_cache(maxsize=8)
def environment(templates_dir: str | None) -> SandboxedEnvironment:
    """One environment per templates folder: the DPO's files first, then the shipped ones."""
    search = [str(Path(templates_dir))] if templates_dir else []
    return SandboxedEnvironment(
        loader=FileSystemLoader([*search, str(SHIPPED)]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_name(kind: LetterKind, lang: str) -> str:
    return f"{lang}/{kind.value}.md"


def _render(env: SandboxedEnvironment, name: str, values: dict[str, Any]) -> str:
    try:
        text = env.get_template(name).render(values)
    except TemplateNotFound as exc:
        if exc.name != name:  # a missing include is the template's error, not a fallback
            raise LetterTemplateError(f"template {name}: includes {exc.name}, not found") from exc
        raise
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise LetterTemplateError(f"template {name}{where}: {exc.message or exc}") from exc
    return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def draft(
    req: Request,
    kind: LetterKind,
    *,
    policy: Policy,
    today: date,
    lang: str | None = None,
    disclosures: Sequence[Disclosure] = (),
) -> Draft:
    """The letter for ``req`` in Markdown, from the DPO's template or the shipped one."""
    env = environment(policy.templates_dir)
    wanted = (lang or policy.letter_language).split("_")[0].lower()
    note = None
    for attempt in dict.fromkeys((wanted, FALLBACK)):
        values = letter_values(
            req, policy=policy, today=today, lang=attempt, disclosures=disclosures
        )
        try:
            markdown = _render(env, template_name(kind, attempt), values)
        except TemplateNotFound:
            note = f"there is no {wanted} template for {kind}: this letter is in English"
            continue
        return Draft(kind=kind, lang=attempt, markdown=markdown, fallback_note=note)
    raise LetterTemplateError(f"no template for {kind} in {wanted} or {FALLBACK}")


def languages(templates_dir: str | None) -> list[str]:
    """The language folders there are templates in (the shipped English, the DPO's own)."""
    roots = [SHIPPED] + ([Path(templates_dir)] if templates_dir else [])
    found = {p.name for root in roots if root.is_dir() for p in root.iterdir() if p.is_dir()}
    return sorted(found, key=lambda lang: (lang != FALLBACK, lang))


def check(policy: Policy, *, today: date | None = None) -> list[str]:
    """Render every template of every language against a sample ticket; the problems found.

    A language folder may leave kinds out (they fall back to English); a template that is
    there must render.
    """
    env = environment(policy.templates_dir)
    sample = sample_request()
    day = today or date(2026, 4, 3)
    problems: list[str] = []
    for lang in languages(policy.templates_dir):
        for kind in LetterKind:
            name = template_name(kind, lang)
            values = letter_values(sample, policy=policy, today=day, lang=lang)
            try:
                _render(env, name, values)
            except TemplateNotFound:
                if lang == FALLBACK:
                    problems.append(f"template {name}: missing")
            except LetterTemplateError as exc:
                problems.append(str(exc))
    return problems
