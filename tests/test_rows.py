"""``storage.repositories.rows.new_row``: a model instance as SQLAlchemy makes a loaded row,
equal to what ``__init__`` makes, usable in a process that has not yet run any query (the first
``/dsar new`` after a server starts builds its ticket before it touches the database)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect

from storage.models import Event, Request
from storage.repositories.rows import new_row, values_of

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
REQUEST: dict[str, Any] = {
    "ref": "",
    "type": "access",
    "state": "received",
    "via": "email",
    "received": date(2026, 12, 1),
    "calendar": "england-and-wales",
    "created_by": "slack:U1",
    "created_at": NOW,
    "requester_name": "Ada",
    "requester_email": "ada@example.org",
    "pii_salt": "ab" * 16,
}


def test_a_new_row_holds_what_init_would_and_tracks_later_changes() -> None:
    made, built = Request(**REQUEST), new_row(Request, **REQUEST)
    assert values_of(built) == values_of(made)
    assert built.__pydantic_fields_set__ == made.__pydantic_fields_set__
    assert built.id is None and inspect(built).transient
    built.due = date(2027, 1, 1)
    assert inspect(built).attrs.due.history.added == [date(2027, 1, 1)]
    event: dict[str, Any] = {"seq": 1, "ticket_ref": "DSAR-0001", "at": NOW, "actor": "slack:U1"}
    event |= {"action": "opened", "data": "{}", "prev_hash": "0" * 64, "hash": "1" * 64}
    assert values_of(new_row(Event, **event)) == values_of(Event(**event))


def test_a_new_row_works_before_any_query_has_configured_the_mappers() -> None:
    script = (
        "from storage.models import Request\n"
        "from storage.repositories.rows import new_row\n"
        "row = new_row(Request, ref='DSAR-0001', type='access')\n"
        "row.state = 'received'\n"
        "print(row.ref, row.state)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["DSAR-0001", "received"]
