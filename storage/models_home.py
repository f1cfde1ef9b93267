"""Who has opened the bot's home page (Slack App Home), and what it showed them last.

A change to a ticket publishes the home page again for the people who can see that ticket and
have opened it (``handlers.home``); the refresh itself is an outbox row like any message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from storage.models import UTCDateTime


class HomeTab(SQLModel, table=True):
    __tablename__ = "home_tabs"
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=200)  # the platform's user id
    opened_at: datetime = Field(sa_type=UTCDateTime)
    # The references the page lists, each between spaces (" DSAR-0001 BREACH-0002 "): the page
    # is refreshed when one of them changes, even for someone who can no longer see it.
    shown: str = Field(default=" ", sa_type=Text)
    # A digest of the page last published or queued: a change that leaves it the same
    # publishes nothing.
    digest: str | None = Field(default=None, max_length=64)
