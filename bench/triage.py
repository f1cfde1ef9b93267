"""Triage on the held-out split: accuracy, per-label precision and recall, the confusion matrix,
name/email/received extraction, and the cost of loading the model and classifying a text.

The held-out split (one text in five, fixed by id: ``handlers.triage.train.held_out``) is never
trained or tuned on. Figures are printed, never asserted.

    .venv/bin/python -m bench.triage [--all] [--errors]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

from handlers.triage import classifier, propose
from handlers.triage.classifier import LABELS
from handlers.triage.train import Example, load_corpus, split

_RIGHTS = set(LABELS[:9])
# Texts added to the corpus after the first release of triage (written before any model saw
# them; their held-out fifth is still chosen by id): the first held-out split is reported alone
# too, so figures stay comparable with the first release's.
ADDED_LATER = ("own2-", "own3-", "own4-")


def _load_seconds() -> float:
    classifier.shipped_model.cache_clear()
    classifier._compiled.cache_clear()
    start = time.perf_counter()
    classifier.shipped_model()
    classifier._compiled()
    return time.perf_counter() - start


def _latencies(texts: list[str], repeat: int = 5) -> list[float]:
    out = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            propose(text)
            out.append((time.perf_counter() - start) * 1000)
    return out


def _extraction(examples: list[Example], results: dict[str, dict[str, object]]) -> None:
    for key in ("name", "email", "received"):
        present = [e for e in examples if getattr(e, key)]
        absent = [e for e in examples if not getattr(e, key)]
        right = sum(results[e.id][key] == getattr(e, key) for e in present)
        invented = sum(results[e.id][key] is not None for e in absent)
        share = right / len(present) if present else float("nan")
        print(
            f"  {key:<9} right on {right}/{len(present)} texts that give one ({share:.1%}); "
            f"one proposed for {invented}/{len(absent)} texts that give none"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also report on the training split")
    parser.add_argument("--errors", action="store_true", help="list the held-out mistakes")
    args = parser.parse_args()

    load = _load_seconds()
    corpus = load_corpus()
    train, held = split(corpus)
    print(f"corpus: {len(corpus)} texts; training split {len(train)}, held-out {len(held)}")
    print(f"load (weights + lexicon, cold): {load * 1000:.1f} ms")

    first = [e for e in held if not e.id.startswith(ADDED_LATER)]
    sets = [("held-out", held), ("held-out, first release's split only", first)]
    sets += [("training (seen in training)", train)] if args.all else []
    for title, examples in sets:
        proposals = {e.id: propose(e.text) for e in examples}
        results = {key: p.as_json() for key, p in proposals.items()}
        gold = [e.labels[0] for e in examples]
        got = [proposals[e.id].label for e in examples]
        right = sum(g == p for g, p in zip(gold, got, strict=True))
        exact = sum(
            {t.value for t in proposals[e.id].types} | ({proposals[e.id].label} - _RIGHTS)
            == set(e.labels)
            for e in examples
        )
        print(f"\n== {title}: {len(examples)} texts ==")
        print(f"top-label accuracy {right}/{len(examples)} = {right / len(examples):.1%}")
        print(f"exact set of labels {exact}/{len(examples)} = {exact / len(examples):.1%}")
        pairs = Counter(zip(gold, got, strict=True))
        print(f"\n  {'label':<14}{'n':>4}{'precision':>11}{'recall':>9}")
        for label in LABELS:
            n = sum(g == label for g in gold)
            predicted = sum(p == label for p in got)
            hit = pairs[(label, label)]
            precision = hit / predicted if predicted else float("nan")
            recall = hit / n if n else float("nan")
            print(f"  {label:<14}{n:>4}{precision:>11.1%}{recall:>9.1%}")
        short = [label[:5] for label in LABELS]
        print("\n  confusion (rows: truth, columns: proposed)")
        print("  " + " " * 14 + "".join(f"{s:>6}" for s in short))
        for label in LABELS:
            cells = "".join(f"{pairs[(label, p)] or '.':>6}" for p in LABELS)
            print(f"  {label:<14}{cells}")
        print("\n  extraction")
        _extraction(examples, results)
        if args.errors:
            for e, g, p in zip(examples, gold, got, strict=True):
                if g != p:
                    print(f"  ! {e.id}: {g} -> {p}: {e.text[:90]!r}")

    lat = _latencies([e.text for e in held])
    print(
        f"\nper-text latency over {len(lat)} runs: median {statistics.median(lat):.2f} ms, "
        f"p95 {statistics.quantiles(lat, n=20)[-1]:.2f} ms, max {max(lat):.2f} ms"
    )


if __name__ == "__main__":
    main()
