"""Ticket references: ``DSAR-0007`` and ``BREACH-0012``, parsed and formatted in one place.

A reference is a kind and a number. People type them forgivingly (``dsar-7``, ``Breach-012``);
everything the bot stores and shows is the canonical form, four digits or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TicketKind(StrEnum):
    """What a reference names; the value is the prefix, the group is the slash command."""

    REQUEST = "DSAR"
    BREACH = "BREACH"

    @property
    def group(self) -> str:
        """The slash command that acts on this kind (``dsar`` or ``breach``)."""
        return "dsar" if self is TicketKind.REQUEST else "breach"


_REF = re.compile(r"^(DSAR|BREACH)-0*(\d{1,6})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class TicketRef:
    kind: TicketKind
    number: int

    @classmethod
    def parse(cls, text: str, *, kind: TicketKind | None = None) -> TicketRef:
        """``dsar-7`` -> ``DSAR-0007``; ``ValueError`` if it is not a reference (of ``kind``)."""
        match = _REF.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a ticket reference")
        found = TicketKind(match.group(1).upper())
        if kind is not None and found is not kind:
            raise ValueError(f"{text!r} is not a {kind.value} reference")
        return cls(found, int(match.group(2)))

    @classmethod
    def is_valid(cls, text: str) -> bool:
        try:
            cls.parse(text)
        except ValueError:
            return False
        return True

    @property
    def group(self) -> str:
        return self.kind.group

    @property
    def is_breach(self) -> bool:
        return self.kind is TicketKind.BREACH

    def __str__(self) -> str:
        return f"{self.kind.value}-{self.number:04d}"


def kind_of(ref: str) -> TicketKind:
    """The kind of a stored (canonical) reference."""
    return TicketRef.parse(ref).kind
