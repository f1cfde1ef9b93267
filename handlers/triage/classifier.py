"""Score a text: the shipped linear model plus the curated lexicon, combined in one softmax.

The model (``data/model.json``, written by ``handlers.triage.train``) holds one weight per
feature and label; the lexicon adds its phrase weights (times ``lexicon_scale``) to the same
scores. Loaded once, on first use; evaluating is a few dictionary look-ups per feature.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from handlers.triage.features import features
from handlers.triage.lexicon import LEXICON

LABELS = (
    "access", "rectification", "erasure", "restriction", "portability", "objection",
    "automated", "consent", "complaint", "breach", "none",
)  # fmt: skip
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_NEGATION = re.compile(
    r"(?:\bnot|n't|\bnever|\bno need to|\brather than|\binstead of|\bnor)"
    r"(?:[ \t,]+[\w']+){0,3}[ \t,]*$"
)
_CLAUSE = re.compile(r"[.!?;:\n]")
_ERASE_BEFORE = re.compile(r"\b(?:delete|erase|remove|wipe|destroy|purge|get rid of)\b")


@dataclass(frozen=True, slots=True)
class Model:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, dict[int, float]]
    lexicon_scale: float
    secondary: float  # a further right is proposed when its probability reaches this share


@dataclass(frozen=True, slots=True)
class Hit:
    label: str
    weight: float
    phrase: str  # as written in the text
    start: int
    end: int


@cache
def _compiled() -> tuple[tuple[str, float, re.Pattern[str]], ...]:
    return tuple(
        (label, weight, re.compile(pattern))
        for label, entries in LEXICON.items()
        for weight, pattern in entries
    )


def parse_model(raw: dict[str, object]) -> Model:
    weights_raw = raw["weights"]
    assert isinstance(weights_raw, dict)
    bias = raw["bias"]
    assert isinstance(bias, list)
    return Model(
        labels=tuple(str(x) for x in raw["labels"]),  # type: ignore[attr-defined]
        bias=tuple(float(x) for x in bias),
        weights={f: {int(k): float(v) for k, v in row.items()} for f, row in weights_raw.items()},
        lexicon_scale=float(raw["lexicon_scale"]),  # type: ignore[arg-type]
        secondary=float(raw["secondary"]),  # type: ignore[arg-type]
    )


@cache
def shipped_model() -> Model:
    """The model that ships in the package; read once per process."""
    text = resources.files("handlers.triage").joinpath("data/model.json").read_text("utf-8")
    return parse_model(json.loads(text))


def lexicon_hits(text: str) -> list[Hit]:
    """Every lexicon phrase in the text that is not negated just before it."""
    plain = text.translate(_QUOTES)
    lower = plain.lower()
    same_length = len(lower) == len(text)
    hits: list[Hit] = []
    for found, weight, pattern in _compiled():
        for m in pattern.finditer(lower):
            label = found
            before = lower[max(0, m.start() - 40) : m.start()]
            before = _CLAUSE.split(before)[-1]
            if _NEGATION.search(before) and label != "none":
                continue
            if label == "access" and _ERASE_BEFORE.search(before):
                label = "erasure"  # "delete everything you hold about me" asks for no copy
            phrase = text[m.start() : m.end()] if same_length else m[0]
            hits.append(Hit(label, weight, " ".join(phrase.split()), m.start(), m.end()))
    # A phrase inside a longer phrase of another label is part of that one: in "delete all
    # the data you hold" the words "all the data you hold" are not a request for a copy.
    return [
        h
        for h in hits
        if not any(
            o.label != h.label
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            and o.weight >= h.weight
            for o in hits
        )
    ]


def scores(
    text: str, model: Model, *, hits: list[Hit] | None = None, use_lexicon: bool = True
) -> list[float]:
    """Raw scores, one per label in ``model.labels``."""
    out = list(model.bias)
    for feature, value in features(text).items():
        row = model.weights.get(feature)
        if row:
            for index, weight in row.items():
                out[index] += weight * value
    if use_lexicon:
        hits = lexicon_hits(text) if hits is None else hits
        for label, total in lexicon_totals(hits).items():
            out[model.labels.index(label)] += model.lexicon_scale * total
        if (first := first_right(hits)) is not None:
            out[model.labels.index(first)] += model.lexicon_scale * FIRST_BONUS
    return out


FIRST_BONUS = 1.5  # a letter asks first for what matters most to it (1.5: 4-fold CV on train)
_RIGHTS = frozenset(LABELS[:9])


def first_right(hits: list[Hit]) -> str | None:
    """The right whose strong phrase comes first in the text, when several rights appear."""
    strong = sorted((h.start, h.label) for h in hits if h.label in _RIGHTS and h.weight >= 2)
    if len({label for _, label in strong}) < 2:
        return None
    return strong[0][1]


def lexicon_totals(source: str | list[Hit]) -> dict[str, float]:
    """Per label, the weights of its phrases found (a phrase counts once, extra ones damped)."""
    hits = lexicon_hits(source) if isinstance(source, str) else source
    by_label: dict[str, list[float]] = {}
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        key = (hit.label, hit.phrase.lower())
        if key not in seen:
            seen.add(key)
            by_label.setdefault(hit.label, []).append(hit.weight)
    # The strongest phrase counts in full, the rest with diminishing weight.
    return {
        label: sum(w / (i + 1) for i, w in enumerate(sorted(ws, reverse=True)))
        for label, ws in by_label.items()
    }


def softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def top_words(text: str, model: Model, label: str, limit: int = 3) -> list[str]:
    """The words and word pairs that pushed most towards ``label`` (evidence when no phrase
    of the lexicon matched)."""
    index = model.labels.index(label)
    scored = []
    for feature, value in features(text).items():
        if feature[:2] in ("w:", "b:") and (row := model.weights.get(feature)):
            weight = row.get(index, 0.0) * value
            if weight > 0:
                scored.append((weight, feature[2:]))
    scored.sort(reverse=True)
    return [phrase for _, phrase in scored[:limit]]
