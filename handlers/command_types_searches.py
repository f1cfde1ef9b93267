"""The typed commands of proving a reasonable search (issue 17), beside ``command_types``:
the register, search tasks, an owner's answer and the disclosure log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from handlers.command_types import Command
from storage.enums import Identifier, RegisterChange, SearchAnswer


@dataclass(frozen=True, slots=True)
class ListSystems(Command):
    usage_key: ClassVar[str] = "dsar systems"


@dataclass(frozen=True, slots=True)
class ChangeSystem(Command):
    """``/dsar system add|remove|owner name="…" [owner=@person]``."""

    usage_key: ClassVar[str] = "dsar system"
    change: RegisterChange
    name: str
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class StartSearch(Command):
    """``/dsar search REF``: one task per system (``systems=None``: every system)."""

    usage_key: ClassVar[str] = "dsar search"
    ref: str
    systems: tuple[str, ...] | None = None
    share: tuple[Identifier, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerSearch(Command):
    """An owner's answer: typed (``ref`` and ``system``) or a button (``task_id``)."""

    usage_key: ClassVar[str] = "dsar answer"
    ref: str | None
    answer: SearchAnswer
    system: str | None = None
    task_id: int | None = None
    items: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Disclose(Command):
    usage_key: ClassVar[str] = "dsar disclose"
    ref: str
    items: int
    withheld: int = 0
    exemption: str | None = None
    redactions: str | None = None
    on: date | None = None
