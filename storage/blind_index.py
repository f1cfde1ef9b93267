"""What a request is findable by, as keyed digests (``search_terms``), never as text.

The privacy team finds a requester who phones by email (exact, after normalising) or by name
(each word of the query is the start of a word of the name, case- and accent-insensitive:
``"jose gar"`` finds *José García-López*). Duplicate detection also compares the whole name and
any UK postcode in the details. Each of these is turned into words here and into digests by
``storage.crypto.DataKeys.term``; the table holds only the digests.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from storage.crypto import DataKeys

EMAIL = "email"
NAME_PREFIX = "name"
FULL_NAME = "fullname"
POSTCODE = "postcode"

MAX_TOKEN = 32  # a longer "word" is indexed by its first 32 letters
MIN_PREFIX = 2  # "jo" finds John; a single letter finds nothing on its own
PAD_TO = 32
MAX_TOKENS = 8
_SPLIT = re.compile(r"[^\w]+|_")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
# A UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A), space optional, inward 9AA.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents: ``"Zoë O’Brien"`` → ``"zoe obrien"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", plain).casefold()


def name_words(name: str) -> list[str]:
    words = [w[:MAX_TOKEN] for w in _SPLIT.split(fold(name)) if w]
    return words[:MAX_TOKENS]


def normalise_email(email: str) -> str:
    plain = email.strip().removeprefix("mailto:").strip().strip("<>").strip()
    return plain.casefold()


def postcodes(text: str) -> list[str]:
    return sorted({f"{a}{b}".upper() for a, b in _POSTCODE.findall(text)})


@dataclass(frozen=True, slots=True)
class Identity:
    """What a request says about who asked, as the index sees it."""

    name: str | None
    email: str | None
    details: str | None


def terms_for(keys: DataKeys, who: Identity) -> set[str]:
    """Every digest a request is stored under (newest key)."""
    terms: set[str] = set()
    if who.email and who.email.strip():
        terms.add(keys.term(EMAIL, normalise_email(who.email)))
    words = name_words(who.name or "")
    for word in words:  # prefixes from two letters (a one-letter word, an initial, whole)
        for end in range(min(MIN_PREFIX, len(word)), len(word) + 1):
            terms.add(keys.term(NAME_PREFIX, word[:end]))
    if words:
        terms.add(keys.term(FULL_NAME, " ".join(words)))
    for code in postcodes(who.details or ""):
        terms.add(keys.term(POSTCODE, code))
    return terms | _padding(len(terms))


def _padding(count: int) -> set[str]:
    """Random digests up to the next multiple of ``PAD_TO``: how many digests a request has
    then says little about how long its name is. They match no search (160 random bits)."""
    return {secrets.token_hex(20) for _ in range(-count % PAD_TO or 0)}


def query_groups(keys: DataKeys, text: str) -> list[list[str]]:
    """A search as groups of digests: a ticket matches when it has one digest of every group.

    Text with an ``@`` is an email address (one group, exact); anything else is name words,
    one group per word, each matched as the start of a word of the name."""
    text = text.strip()
    if "@" in text:
        return [keys.terms(EMAIL, normalise_email(text))]
    words = name_words(text)
    longer = [w for w in words if len(w) >= MIN_PREFIX]
    # An initial among other words ("j smith") is left out, as prefixes start at two letters.
    return [keys.terms(NAME_PREFIX, word) for word in (longer or words)]


def duplicate_groups(keys: DataKeys, who: Identity) -> list[list[list[str]]]:
    """The ways a new request may be the same person as an earlier one: the same email, or
    the same whole name *and* a postcode in common. Each way is a list of groups, as in
    :func:`query_groups`; a ticket is a possible duplicate when it matches any way."""
    ways: list[list[list[str]]] = []
    if who.email and who.email.strip():
        ways.append([keys.terms(EMAIL, normalise_email(who.email))])
    words = name_words(who.name or "")
    codes = postcodes(who.details or "")
    if words and codes:
        codes_group = [t for code in codes for t in keys.terms(POSTCODE, code)]
        ways.append([keys.terms(FULL_NAME, " ".join(words)), codes_group])
    return ways
