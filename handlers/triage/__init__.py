"""Triage: the requester's words in, a proposed ticket out (issue 13).

``propose(text)`` says whether the text is a rights request, a personal-data breach or
neither; for a request, which rights, most likely first; how sure it is; the requester's name,
email and a received date where the text gives them; and the short phrases that decided it.
Pure and offline: no network, no logging of the text; the shipped weights load once.
Triage proposes, people decide: every adapter shows the proposal and asks before logging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from handlers.triage import classifier, extract
from storage.enums import RequestType


class Kind(StrEnum):
    REQUEST = "request"
    BREACH = "breach"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Proposal:
    kind: Kind
    types: tuple[RequestType, ...]  # most likely first; empty unless kind is request
    confidence: float  # the probability of the top label, 0..1
    name: str | None
    email: str | None
    received: date | None
    evidence: tuple[str, ...]
    reason: str | None = None  # for kind none: why nothing was proposed

    @property
    def label(self) -> str:
        """The top label: a right, ``breach`` or ``none``."""
        return self.types[0].value if self.types else self.kind.value

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "types": [t.value for t in self.types],
            "confidence": round(self.confidence, 2),
            "name": self.name,
            "email": self.email,
            "received": self.received.isoformat() if self.received else None,
            "evidence": list(self.evidence),
            "reason": self.reason,
        }


_RIGHTS = {t.value for t in RequestType}
_MAX_EVIDENCE = 5
_STATED, _STATED_FLOOR = 2.0, 0.001


def propose(text: str, model: classifier.Model | None = None) -> Proposal:
    """The proposal for one text (any length; only the first 20,000 characters are read)."""
    text = text[:20_000]
    model = model or classifier.shipped_model()
    hits = classifier.lexicon_hits(text)
    probs = classifier.softmax(classifier.scores(text, model, hits=hits))
    ranked = sorted(zip(model.labels, probs, strict=True), key=lambda p: -p[1])
    top, confidence = ranked[0]
    types: tuple[RequestType, ...] = ()
    if top in _RIGHTS:
        kind = Kind.REQUEST
        # A further right is proposed when the model rates it close to the first, or when the
        # text asks for it in so many words (a strong phrase) and the model does not rule it out.
        stated = {h.label for h in hits if h.weight >= _STATED}
        types = tuple(
            RequestType(label)
            for label, p in ranked
            if label in _RIGHTS
            and (
                label == top
                or p >= model.secondary * confidence
                or (label in stated and p >= _STATED_FLOOR)
            )
        )
        decisive = {t.value for t in types}
    else:
        kind = Kind(top)
        decisive = {top}
    evidence = _evidence(text, model, hits, decisive, top)
    reason = None
    if kind is Kind.NONE:
        reason = _why_none(hits, ranked)
    return Proposal(
        kind=kind,
        types=types,
        confidence=confidence,
        name=extract.name(text),
        email=extract.email(text),
        received=extract.received(text),
        evidence=evidence,
        reason=reason,
    )


def _evidence(
    text: str,
    model: classifier.Model,
    hits: list[classifier.Hit],
    labels: set[str],
    top: str,
) -> tuple[str, ...]:
    chosen = sorted((h for h in hits if h.label in labels), key=lambda h: (-h.weight, h.start))
    phrases: list[str] = []
    for hit in chosen:
        phrase = hit.phrase if len(hit.phrase) <= 60 else hit.phrase[:57] + "…"
        low = phrase.lower()
        if any(low in p.lower() for p in phrases):
            continue
        # A longer phrase of the same weight replaces the shorter one it contains.
        phrases = [p for p in phrases if p.lower() not in low]
        phrases.append(phrase)
    if not phrases:
        phrases = classifier.top_words(text, model, top)
    return tuple(phrases[:_MAX_EVIDENCE])


def _why_none(hits: list[classifier.Hit], ranked: list[tuple[str, float]]) -> str:
    runner_up = next((label for label, _ in ranked if label != "none"), None)
    if any(h.label == "none" for h in hits):
        why = "it reads as a question, suggestion or notice rather than a request"
    else:
        why = "no request to exercise a right and no breach was recognised"
    if runner_up is not None:
        why += f" (closest: {runner_up})"
    return why
