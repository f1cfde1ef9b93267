"""The triage classifier: pure, offline, deterministic. No timings here (see bench/triage.py)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.triage import Kind, propose
from handlers.triage.classifier import LABELS, parse_model
from handlers.triage.features import features
from handlers.triage.train import fit, held_out, load_corpus, split
from storage.enums import RequestType


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("please close my account and delete everything", "erasure"),
        ("why was my account flagged as spam five minutes after I signed up?", "automated"),
        ("the address on your page about me is wrong", "rectification"),
        ("send me everything you have on me", "access"),
        ("stop emailing me", "consent"),
        ("why did your system reject my loan automatically", "automated"),
        ("Our laptop with case notes was stolen from a colleague's car last night.", "breach"),
        ("The payroll email went to the wrong recipient list this morning.", "breach"),
        ("We've been hit by ransomware and the shared drive is encrypted.", "breach"),
        ("Feature request: a privacy toggle on the dashboard would be great!", "none"),
        ("I object to you processing my data for direct marketing under Article 21.", "objection"),
        ("I want to complain about how you handled my personal data.", "complaint"),
        ("Please send my data in a machine-readable format to my new bank.", "portability"),
        ("Please restrict processing of my data while you check its accuracy.", "restriction"),
    ],
)
def test_the_issues_examples(text: str, label: str) -> None:
    assert propose(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Please stop using my photo on your website, I've changed my mind.", "consent"),
        ("I no longer agree to you sharing my details with your partners.", "consent"),
        ("Don't delete anything yet, but stop using my data while you check it.", "restriction"),
        ("Can you freeze my account data until my appeal is decided?", "restriction"),
        ("I'm unhappy with how you handled my subject access request.", "complaint"),
        ("This is a complaint under section 164A of the Data Protection Act 2018.", "complaint"),
    ],
)
def test_the_weaker_rights_in_plain_words(text: str, label: str) -> None:
    assert propose(text).label == label


def test_a_template_with_placeholders_is_a_request_without_a_name() -> None:
    proposal = propose(
        "[Your full name]\n[Your address]\n\nDear [organisation],\n\nI am writing to make a "
        "subject access request under Article 15 for all the personal data you hold about me."
        "\n\nYours faithfully\n[Your name]"
    )
    assert proposal.kind is Kind.REQUEST
    assert proposal.types[0] is RequestType.ACCESS
    assert proposal.name is None and proposal.email is None


def test_several_rights_in_one_letter_are_ranked_in_order() -> None:
    proposal = propose(
        "Please send me a copy of all the personal data you hold about me, and then delete "
        "my account and erase my data."
    )
    assert proposal.types[:2] == (RequestType.ACCESS, RequestType.ERASURE)


def test_a_negated_right_does_not_count() -> None:
    proposal = propose(
        "I'm not asking you to delete my account; I just want you to correct the spelling of "
        "my surname, which is wrong on your letters."
    )
    assert proposal.label == "rectification"
    assert RequestType.ERASURE not in proposal.types


def test_none_says_why_and_proposes_no_type() -> None:
    proposal = propose("Where can I find your privacy policy? Just curious before I sign up.")
    assert proposal.kind is Kind.NONE
    assert proposal.types == ()
    assert proposal.reason


def test_evidence_is_words_of_the_text() -> None:
    text = "Hello, I hereby withdraw my consent to marketing. Please unsubscribe me."
    proposal = propose(text)
    assert proposal.label == "consent"
    assert proposal.evidence
    assert all(phrase.lower() in text.lower() for phrase in proposal.evidence)


def test_triage_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        propose("My name is Jane Roe, jane.roe@example.org. Delete my account.")
    assert caplog.records == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_a_consistent_proposal(text: str) -> None:
    proposal = propose(text)
    assert 0.0 <= proposal.confidence <= 1.0
    assert (proposal.kind is Kind.REQUEST) == bool(proposal.types)
    assert (proposal.kind is Kind.NONE) == (proposal.reason is not None)
    assert len(proposal.evidence) <= 5


def test_the_corpus_covers_every_label_with_a_fixed_held_out_split() -> None:
    corpus = load_corpus()
    train, held = split(corpus)
    assert len(corpus) >= 400
    assert {e.labels[0] for e in held} == set(LABELS)
    assert all(held_out(e) for e in held) and not any(held_out(e) for e in train)
    assert len(held) >= len(corpus) // 6


def test_held_out_does_not_regress() -> None:
    """A floor under the held-out figures of the shipped model (bench/triage.py prints them):
    a change to the lexicon or the weights that loses ground on unseen texts fails here. The
    issue's bar (90% top label, 75% recall per label) is not met yet: see the README."""
    _, held = split(load_corpus())
    results = [(e, propose(e.text)) for e in held]
    assert sum(p.label == e.labels[0] for e, p in results) / len(results) >= 0.82
    for label in LABELS:
        mine = [(e, p) for e, p in results if e.labels[0] == label]
        assert sum(p.label == label for _, p in mine) / len(mine) >= 0.55, label
    given_ = [(e, p) for e, p in results if e.name or e.email]
    right = sum(p.name == e.name and p.email == e.email for e, p in given_)
    assert right / len(given_) >= 0.9


def test_training_writes_a_model_the_scorer_reads() -> None:
    corpus = load_corpus()
    small = [next(e for e in corpus if e.labels[0] == label) for label in LABELS] * 2
    model = parse_model(fit(small, lexicon_scale=1.0, steps=30, min_df=1))
    assert model.labels == LABELS
    assert propose("stop emailing me", model).label in LABELS


def test_words_after_a_negation_are_features_of_their_own() -> None:
    assert "n:delete" in features("Please don't delete it, just keep it.")
    assert "n:delete" not in features("Please delete it.")
    assert "w:delete" in features("Please don't delete it.")  # the word itself still counts
