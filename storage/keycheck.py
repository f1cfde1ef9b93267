"""A token of a known text, stored once: the proof that the data keys given open this database.

Without it a desk started with the wrong key (a key file deleted and made afresh, a secret
from another environment) would write new rows that the old key cannot read, and fail on every
old one. With it, the start is refused at once with the reason.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import crypto
from storage import repositories as repo
from storage.db import session_factory, transaction

KEY_CHECK = "data_key_check"  # also written by migration 0007
KEY_CHECK_TEXT = "privacy-desk"


class WrongKeys(RuntimeError):
    """The data keys given cannot read what this database holds."""


async def check(engine: AsyncEngine) -> None:
    """Refuse keys that do not open the database; record the check on first use."""
    keys = crypto.keys_of(engine)
    async with transaction(session_factory(engine)) as session:
        token = await repo.desk_fact(session=session, key=KEY_CHECK)
        if token is None:
            await repo.set_desk_fact(
                session=session, key=KEY_CHECK, value=keys.encrypt(KEY_CHECK_TEXT)
            )
            return
        try:
            opened = keys.decrypt(token) == KEY_CHECK_TEXT
        except InvalidToken:
            opened = False
        if not opened:
            raise WrongKeys(
                "the data keys given do not open this database: its requester details were "
                "encrypted with another key (restore the key file or PRIVACY_DESK_DATA_KEYS; "
                "after a rotation keep the old key listed after the new one)"
            )


async def renew(engine: AsyncEngine) -> None:
    """Re-make the check under the newest key (after ``rotate-keys``)."""
    keys = crypto.keys_of(engine)
    async with transaction(session_factory(engine)) as session:
        await repo.set_desk_fact(session=session, key=KEY_CHECK, value=keys.encrypt(KEY_CHECK_TEXT))
