"""Encryption at rest of every personal column, and the keyed digests search uses instead.

Each column ``storage.personal`` lists is stored as a Fernet token (AES-128-CBC with an
HMAC-SHA256 tag, from the ``cryptography`` package) through the :class:`Encrypted` column type,
so no query, repository or handler ever sees ciphertext and a stolen database file or backup
holds no requester's name, email or story. Keys are a :class:`DataKeys`: newest first, as
``MultiFernet`` wants, so a token made under an older key still reads while ``privacy-desk
rotate-keys`` re-encrypts it under the newest.

The keys belong to an engine, not to the process: :func:`attach` puts them on the engine's
dialect, where the column type finds them (``storage.db.create_engine`` does this). An engine
without keys refuses to read or write a personal column rather than store it in clear.

Search cannot look inside tokens (each has a random IV), so every key also yields an HMAC key
for *blind indexes*: ``term(kind, value)`` is a keyed digest of a normalised email or name
token, stored in ``search_terms``; equal inputs give equal digests, and without the key a digest
says nothing. A search computes its digests under every key, so rows indexed before a rotation
are still found until ``rotate-keys`` rebuilds their terms.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Dialect, Text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

_INDEX_LABEL = b"privacy-desk blind index v1"
_ATTRIBUTE = "privacy_desk_keys"


class BadKey(ValueError):
    """A data key that cannot be used; the message never quotes the key."""


class MissingKeys(RuntimeError):
    """A personal column was read or written through an engine that holds no data keys."""


def new_key() -> str:
    """A fresh random data key, as ``PRIVACY_DESK_DATA_KEYS`` and the key file hold it."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str) -> list[str]:
    """The keys in a comma-separated list (newest first), each checked; raises BadKey."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise BadKey("no data key given")
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise BadKey(
                f"data key {position} is not a key: it must be 32 random bytes in url-safe "
                "base64 (44 characters); make one with `privacy-desk new-key`"
            )
    if len(set(keys)) != len(keys):
        raise BadKey("the same data key is listed twice")
    signing = [base64.urlsafe_b64decode(k.encode("ascii"))[:16] for k in keys]
    if len(set(signing)) != len(signing):  # Fernet signs with the first 16 bytes
        raise BadKey(
            "two data keys share their first half, so neither protects against the other: "
            "make keys with `privacy-desk new-key`"
        )
    return keys


@dataclass(frozen=True)
class DataKeys:
    """Data keys, newest first: the first encrypts, any decrypts, each has an index key."""

    keys: tuple[str, ...]
    _fernet: MultiFernet = field(init=False, repr=False, compare=False)
    _newest: Fernet = field(init=False, repr=False, compare=False)
    _index_keys: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise BadKey("no data key given")
        fernets = [Fernet(k.encode("ascii")) for k in self.keys]
        object.__setattr__(self, "_fernet", MultiFernet(fernets))
        object.__setattr__(self, "_newest", fernets[0])
        index_keys = tuple(
            hmac.new(base64.urlsafe_b64decode(k), _INDEX_LABEL, hashlib.sha256).digest()
            for k in self.keys
        )
        object.__setattr__(self, "_index_keys", index_keys)

    @classmethod
    def from_text(cls, text: str) -> DataKeys:
        return cls(tuple(parse_keys(text)))

    def __repr__(self) -> str:  # never the keys themselves, in a log or a traceback
        return f"DataKeys({len(self.keys)} key{'s' if len(self.keys) != 1 else ''})"

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise InvalidToken(
                "a stored value cannot be decrypted with any of the data keys given "
                "(PRIVACY_DESK_DATA_KEYS is missing the key it was written with?)"
            ) from exc

    def under_newest(self, token: str) -> bool:
        """Whether ``token`` was made with the newest key (``rotate-keys`` skips it)."""
        try:
            self._newest.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def term(self, kind: str, value: str) -> str:
        """The blind index of ``value`` under the newest key (what is stored)."""
        return _term(self._index_keys[0], kind, value)

    def terms(self, kind: str, value: str) -> list[str]:
        """Its blind index under every key (what a search looks for)."""
        return [_term(k, kind, value) for k in self._index_keys]

    def fingerprint(self) -> str:
        """A short public name of the newest key, for messages ("key 3f9a…")."""
        return hashlib.sha256(self._index_keys[0]).hexdigest()[:8]


def _term(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:40]


def attach(engine: AsyncEngine, keys: DataKeys | None) -> AsyncEngine:
    """Give ``engine`` the keys its personal columns are encrypted with."""
    setattr(engine.sync_engine.dialect, _ATTRIBUTE, keys)
    return engine


def keys_or_none(engine: AsyncEngine) -> DataKeys | None:
    """The keys ``attach`` gave ``engine`` (None: a schema-only engine)."""
    keys = getattr(engine.sync_engine.dialect, _ATTRIBUTE, None)
    return keys if isinstance(keys, DataKeys) else None


def keys_of(engine: AsyncEngine) -> DataKeys:
    return dialect_keys(engine.sync_engine.dialect)


def dialect_keys(dialect: Dialect) -> DataKeys:
    keys = getattr(dialect, _ATTRIBUTE, None)
    if not isinstance(keys, DataKeys):
        raise MissingKeys(
            "this database connection has no data keys, so personal data can be neither "
            "stored nor read (set PRIVACY_DESK_DATA_KEYS)"
        )
    return keys


class Encrypted(TypeDecorator[str]):
    """Text stored as a Fernet token; plain ``str`` in Python. None stays NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return dialect_keys(dialect).encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return dialect_keys(dialect).decrypt(str(value))
