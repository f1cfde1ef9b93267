"""Text -> sparse features for the triage model: words, word pairs, character n-grams and the
words just after a negation.

Shared by the run-time scorer and the offline trainer (``handlers.triage.train``) so the two
can never disagree on what a feature is. Pure functions, standard library only.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words that carry no signal on their own but matter in pairs ("my data", "about me").
_STOP_TEXT = "a an the and or of to in on at for is are was be it this that with as by from"
_STOP = frozenset(_STOP_TEXT.split())


def normalise(text: str) -> str:
    """Lower case, plain quotes and dashes, emails/URLs/numbers collapsed to placeholders."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = _EMAIL.sub(" emailaddr ", text)
    text = _URL.sub(" urladdr ", text)
    return _DIGITS.sub("0", text)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


_NEGATORS = frozenset({"not", "no", "never", "nor", "without"})
_NEGATION_SCOPE = 3  # words after "not" / "don't" that it covers


def _negated(words: list[str]) -> set[str]:
    """Words just after a negation, marked: "not asking you to delete" gives ``n:delete``, so
    the model can tell "delete" from "not ... delete"."""
    out: set[str] = set()
    left = 0
    for w in words:
        if w in _NEGATORS or w.endswith("n't"):
            left = _NEGATION_SCOPE
            continue
        if left:
            left -= 1
            if w not in _STOP:
                out.add(f"n:{w}")
    return out


def features(text: str) -> dict[str, float]:
    """Binary features, each family scaled to unit length so long letters don't dominate."""
    words = tokens(text)
    uni = {f"w:{w}" for w in words if w not in _STOP}
    bi = {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    chars: set[str] = set()
    for w in set(words):
        padded = f" {w} "
        for n in (3, 4, 5):
            chars.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    out: dict[str, float] = {}
    for family in (uni, bi, chars, _negated(words)):
        if family:
            value = 1.0 / math.sqrt(len(family))
            out.update(dict.fromkeys(family, value))
    return out
