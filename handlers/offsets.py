"""When nudges fire (SPEC §6): defaults, and ``PRIVACY_DESK_REMINDER_OFFSETS`` to change them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time


class OffsetsError(ValueError):
    """A malformed ``REMINDER_OFFSETS``; the message names the part that is wrong."""


@dataclass(frozen=True, slots=True)
class ReminderOffsets:
    """When nudges fire; ``REMINDER_OFFSETS`` overrides any part (see ``parse_offsets``)."""

    request_days: tuple[int, ...] = (7, 2, 0)
    overdue_every_days: int = 1
    extension_days_before: int = 3
    id_chase_days: int = 7
    breach_hours: tuple[int, ...] = (24, 48, 60, 68, 72)
    breach_repeat_hours: int = 4
    at: time = time(9, 0)  # local time of day for date-based nudges


_ITEM = re.compile(r"^\s*(\d{1,4})\s*([dh])\s*$")


def parse_offsets(text: str | None) -> ReminderOffsets:
    """``request=7d,2d,0d;breach=24h,48h,60h,68h,72h;breach_repeat=4h;overdue=1d;
    id_chase=7d;extension=3d;at=09:00`` — every part optional."""
    offsets = ReminderOffsets()
    if not text or not text.strip():
        return offsets
    values: dict[str, object] = {}
    seen: set[str] = set()
    for part in text.split(";"):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if key in seen:
            raise OffsetsError(f"REMINDER_OFFSETS: {key} is given twice")
        seen.add(key)
        if not sep:
            raise OffsetsError(f"REMINDER_OFFSETS: {part.strip()!r} is not key=value")
        if key == "at":
            try:
                values["at"] = time.fromisoformat(raw.strip())
            except ValueError as exc:
                raise OffsetsError(f"REMINDER_OFFSETS: at={raw!r} is not HH:MM") from exc
            continue
        unit = {
            "request": "d",
            "breach": "h",
            "breach_repeat": "h",
            "overdue": "d",
            "id_chase": "d",
            "extension": "d",
        }.get(key)
        if unit is None:
            raise OffsetsError(f"REMINDER_OFFSETS: unknown key {key!r}")
        numbers = []
        for item in raw.split(","):
            match = _ITEM.match(item)
            if match is None or match.group(2) != unit:
                raise OffsetsError(f"REMINDER_OFFSETS: {key} takes values like 7{unit}")
            numbers.append(int(match.group(1)))
        field = {
            "request": "request_days",
            "breach": "breach_hours",
            "breach_repeat": "breach_repeat_hours",
            "overdue": "overdue_every_days",
            "id_chase": "id_chase_days",
            "extension": "extension_days_before",
        }[key]
        if field in ("request_days", "breach_hours"):
            values[field] = tuple(sorted(set(numbers), reverse=field == "request_days"))
        elif len(numbers) != 1 or (numbers[0] < 1 and field != "extension_days_before"):
            raise OffsetsError(f"REMINDER_OFFSETS: {key} takes one positive value")
        else:
            values[field] = numbers[0]
    return ReminderOffsets(**values)  # type: ignore[arg-type]
