"""What the console's history file keeps: the command, never what was typed about a person.

The history sits beside the database (``privacy-desk.db.history``), in plain text, and the
database is encrypted so that a copied folder reveals no requester. So the file keeps each line
with its personal values taken out: ``/dsar new access name=… email=… received=2026-11-20``.
What stays is the grammar's own vocabulary (sub-commands, types, outcomes, references, dates,
numbers and choices); a name, an email, details, reasons, notes and searches do not. The up
arrow still recalls the whole line during the session: only the file is redacted.
"""

from __future__ import annotations

import os
import re
import shlex
from enum import StrEnum
from pathlib import Path

from handlers import forms
from handlers.command_types import ListFilter
from handlers.deadlines import UK_CALENDARS
from handlers.forms import FieldKind
from handlers.usage import USAGE
from storage import enums

REDACTED = "…"
FREE_TEXT = {"note", "delay-reason", "find"}  # everything after the reference is personal
_REF = re.compile(r"^(DSAR|BREACH)-\d{1,9}$", re.IGNORECASE)
_SAFE_VALUE = re.compile(r"^[0-9T:+\-.]{1,32}$")  # dates, moments, amounts, counts
_PERSON_ID = re.compile(r"^@[A-Za-z0-9._-]{1,64}$")  # @U012AB3CD, @alice: no second @


def _vocabulary() -> frozenset[str]:
    words = {key.split(" ", 1)[1] for key in USAGE} | {"dsar", "breach", "/dsar", "/breach"}
    for kind in vars(enums).values():
        if isinstance(kind, type) and issubclass(kind, StrEnum) and kind is not StrEnum:
            words |= {member.value for member in kind}
    words |= {member.value for member in ListFilter} | set(forms.YES_NO) | {"extended"}
    words |= {calendar.lower() for calendar in UK_CALENDARS}
    return frozenset(words)


def _safe_keys() -> frozenset[str]:
    """Keys whose values are choices, dates or numbers in every form that has them."""
    kinds = (FieldKind.CHOICE, FieldKind.DATE, FieldKind.DATETIME, FieldKind.NUMBER)
    every = [
        f for form in vars(forms).values() if isinstance(form, forms.Form) for f in form.fields
    ]
    safe = {f.key for f in every if f.kind in kinds}
    unsafe = {f.key for f in every if f.kind not in kinds}
    return frozenset((safe - unsafe) | {"as", "calendar", "on", "at", "asked", "amount", "case"})


VOCABULARY = _vocabulary()
SAFE_KEYS = _safe_keys()


def redact(line: str) -> str:
    """``line`` as the history file keeps it."""
    try:
        tokens = shlex.split(line)
    except ValueError:
        tokens = line.split()
    kept: list[str] = []
    for position, token in enumerate(tokens):
        key, sep, value = token.partition("=")
        if position >= 2 and kept[1:2] and kept[1].lower() in FREE_TEXT and not _REF.match(token):
            kept.append(REDACTED)
            break
        action = kept[1].lower() if len(kept) > 1 else ""
        if sep and re.fullmatch(r"[a-z_-]+", key):
            safe = key in SAFE_KEYS and (value.lower() in VOCABULARY or _SAFE_VALUE.match(value))
            kept.append(token if safe else f"{key}={REDACTED}")
        elif token.lower() in VOCABULARY or _REF.match(token):
            kept.append(token)
        elif action == "deadline" and _SAFE_VALUE.match(token):
            kept.append(token)  # /dsar deadline 2025-11-25: a date, nothing else goes there
        elif action == "assign" and _PERSON_ID.match(token):
            kept.append(token)  # a person's platform id, as assign takes it
        else:
            kept.append(REDACTED)  # digits may be a phone number, @… an email: not kept
    return " ".join(kept)


def scrub_file(path: Path) -> None:
    """Make an existing history file private and redact every line in it (a file written by an
    earlier release holds whole lines). prompt_toolkit's format: ``# time`` then ``+line``."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return
    os.chmod(path, 0o600)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    scrubbed = [("+" + redact(line[1:].rstrip("\n")) + "\n") if line.startswith("+") else line
                for line in lines]  # fmt: skip
    if scrubbed != lines:
        path.write_text("".join(scrubbed), encoding="utf-8")
