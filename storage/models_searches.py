"""The tables of a reasonable search (issue 17): the systems register, one search task per
system a request was searched in, and the disclosure log.

The owner's note and the redactions are personal free text (``storage.personal`` lists them);
names of systems and the identifier kinds shared with an owner are the organisation's words.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage import personal
from storage.crypto import Encrypted
from storage.models import UTCDateTime


class System(SQLModel, table=True):
    """One of the organisation's systems (or departments) that may hold personal data."""

    __tablename__ = "systems"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    owner: str = Field(max_length=200)  # platform:id of the person who searches it
    added_by: str = Field(max_length=200)
    added_at: datetime = Field(sa_type=UTCDateTime)


class SearchTask(SQLModel, table=True):
    """A request to one system's owner to search it, and their answer."""

    __tablename__ = "search_tasks"
    __table_args__ = (UniqueConstraint("ticket_ref", "system", name="uq_search_tasks_system"),)
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = personal.columns("search_tasks")

    id: int | None = Field(default=None, primary_key=True)
    ticket_ref: str = Field(max_length=16, index=True)
    system: str = Field(max_length=80)
    owner: str = Field(max_length=200, index=True)
    shared: str = Field(default="", max_length=80)  # identifier kinds shown: "email,name"
    sent_by: str = Field(max_length=200)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    due_on: date = Field(index=True)
    answer: str | None = Field(default=None, max_length=16)  # SearchAnswer; None while open
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: str | None = Field(default=None, max_length=200)
    items: int | None = None
    note: str | None = Field(default=None, sa_type=Encrypted)
    last_nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Disclosure(SQLModel, table=True):
    """What went out to the requester, and what was withheld under which exemption."""

    __tablename__ = "disclosures"
    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = personal.columns("disclosures")

    id: int | None = Field(default=None, primary_key=True)
    ticket_ref: str = Field(max_length=16, index=True)
    items: int
    withheld: int = 0
    exemption: str | None = Field(default=None, sa_type=Encrypted)
    redactions: str | None = Field(default=None, sa_type=Encrypted)
    recorded_by: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    on: date
