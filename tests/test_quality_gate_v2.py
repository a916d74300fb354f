"""Quality gate v2: the real MiniLM model on hand-written pairs and on the generated kinds.

Two sets, both pinned by a sha256 so an edited fixture or generator fails here:

* **hand-written** (tests/fixtures/handwritten/, its README gives the format): fluent paraphrases,
  condensed summaries, spun text and headlines, wire paragraphs pasted or rewritten into other
  stories, independent same-story reports (hard negatives) and unrelated pairs;
* **generated**: ``retold synth`` over examples/corpus with WordNet spin (seed and size in
  tests/fixtures/quality/gate.json), every obfuscation kind plus same-topic negatives.

Gated, each against a floor in :data:`FLOORS` (the one table to edit): plagdet per kind (PAN
measure, detections merged as ``retold eval detect`` merges them), verdicts in the accepted list,
reuse precision and recall, same-story pairs kept apart from reuse, attribution (right /
undetermined / wrong) and negatives with detections. ``test_semantic_matching_is_what_passes_the_gate``
proves the model matters: with ``match.semantic=False`` the hand-written set falls below its floors.

Re-measure (prints every figure, the failures against the table, and a FLOORS table to paste):

    HF_HUB_OFFLINE=1 .venv/bin/python tests/test_quality_gate_v2.py [--json]

and with a part broken on purpose (each must print failures; the tests below assert it):

    ... tests/test_quality_gate_v2.py --no-semantic        # no sentence model in the matcher
    ... tests/test_quality_gate_v2.py --no-strong-cosine   # verdict.tuning.strong_cosine never reached
    ... tests/test_quality_gate_v2.py --invert-attribution # every attributed source swapped a <-> b

Floors sit within 0.02 of the measured figures (``measured - 0.02``, rounded down to 0.01; counts
exact). Raising a floor is welcome; lowering one needs a line in docs/benchmarks.md saying why.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HANDWRITTEN = ROOT / "tests" / "fixtures" / "handwritten"
GENERATED = json.loads((ROOT / "tests" / "fixtures" / "quality" / "gate.json").read_text())
HANDWRITTEN_SHA256 = "14bce4e7ff0164d7b985ec8ca675241e484d6f2f5942da8f47ebceb398838f7a"

# ==== FLOORS: the one table of the gate =============================================================
# Measured at f5d7928 (MiniLM, default settings, the learned decision model v2 of issue 11);
# re-measure with the command in the docstring. At bf1ea87 (the rules before it) the hand-written
# figures were lower: overall 0.7807, partial 0.6667, summary 0.8479, case recall 0.8431, verdicts
# 14/20, reuse precision 0.75, same-story kept apart 0 of 4, negatives with detections 4.
# Lowered at 1a94be7 (summary 0.85 -> 0.83, partial 0.83 -> 0.64, case recall 0.86 -> 0.82): where
# the rule filters keep passages their choice stands again, because reporting every proposed passage
# cut PAN13 lexical plagdet 0.895 -> 0.796 (docs/benchmarks.md, METER section). Measured then:
# overall 0.8538, summary 0.8479, partial 0.6667, case recall 0.8431 (the pre-issue-11 figures).
# "min" keys: the figure must be >= the value; "max" keys: <= the value.
FLOORS: dict[str, dict[str, float]] = {
    "min": {
        # hand-written set (21 pairs, partial-bridge added in issue 12 to reach the strong_cosine
        # rule); measured at this commit: plagdet overall 0.8626, paraphrase 0.8570, summary 0.8479,
        # spin 0.9954, pasted 0.9403, partial 0.8571, excerpt 0.0 (both reworded excerpts missed);
        # case recall 0.8491; verdicts 17/21; reuse precision 13/14, recall 13/15. With
        # --no-strong-cosine partial falls to 0.6667 (partial-bridge's reworded passage is dropped).
        # Raised at the symmetric compare (2026-12-03: matcher in canonical order, edits the better
        # of both directions): overall 0.8807, paraphrase 0.9209, case recall 0.9057, verdicts
        # 18/21; summary 0.8356 (was 0.8479: summary-marathon gets two trimmed cores; docs/benchmarks.md).
        "handwritten.plagdet.overall": 0.86,
        "handwritten.plagdet.paraphrase": 0.90,
        "handwritten.plagdet.summary": 0.83,
        "handwritten.plagdet.spin": 0.97,
        "handwritten.plagdet.pasted": 0.92,
        "handwritten.plagdet.partial": 0.83,
        "handwritten.plagdet.excerpt": 0.0,
        "handwritten.case_recall": 0.88,
        "handwritten.verdicts_accepted": 0.83,
        "handwritten.reuse_precision": 0.9,
        "handwritten.reuse_recall": 0.84,
        # 3 of 4 independent same-story reports kept apart from reuse (the marathon pair, sharing
        # times, names and the winner's quote, is still copy)
        "handwritten.same_story_kept_apart": 0.73,
        "handwritten.attribution.right": 6,
        # generated set (examples/corpus, seed 2024, 48 pairs); measured: overall 0.9806, dropped
        # 0.8226, added 0.9399, mix 0.9526, rewrite 0.9818, reorder 0.9989, the rest 0.9996-0.9997
        "generated.plagdet.overall": 0.96,
        "generated.plagdet.verbatim": 0.97,
        "generated.plagdet.excerpt": 0.97,
        "generated.plagdet.edits": 0.97,
        "generated.plagdet.typography": 0.97,
        "generated.plagdet.spin": 0.97,
        "generated.plagdet.split-join": 0.97,
        "generated.plagdet.summary": 0.97,
        "generated.plagdet.reorder": 0.97,
        "generated.plagdet.rewrite": 0.96,
        "generated.plagdet.mix": 0.93,
        "generated.plagdet.added": 0.91,
        "generated.plagdet.dropped": 0.80,
        "generated.case_recall": 0.98,
        "generated.verdicts_accepted": 0.98,
        "generated.reuse_precision": 0.98,
        "generated.reuse_recall": 0.98,
        "generated.attribution.right": 6,
    },
    "max": {
        "handwritten.attribution.wrong": 0,
        # the marathon same-story pair still gets passages
        "handwritten.negative_pairs_with_detections": 1,
        "generated.attribution.wrong": 0,
        "generated.negative_pairs_with_detections": 0,
    },
}
# =====================================================================================================

pytestmark = [pytest.mark.model, pytest.mark.slow]


def handwritten_digest() -> str:
    h = hashlib.sha256()
    for f in sorted(HANDWRITTEN.glob("*.json")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def load_handwritten() -> list[dict]:
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(HANDWRITTEN.glob("*.json"))]


def _doc(d: dict, ref: str):  # type: ignore[no-untyped-def]
    from retold.types import Document

    return Document(ref, d["text"], date=date.fromisoformat(d["date"]) if d.get("date") else None)


def _attribution(got: str | None, want: str | None) -> str:
    return "undetermined" if got is None else ("right" if got == want else "wrong")


def _plagdet_figures(prefix: str, truth: dict, dets: dict, out: dict[str, float]) -> None:
    from retold.evaluate.plagdet import evaluate

    report = evaluate(truth, dets)
    for g in report.by_obfuscation:
        out[f"{prefix}.plagdet.{g.obfuscation}"] = g.measures.plagdet
    out[f"{prefix}.plagdet.overall"] = report.overall.plagdet
    out[f"{prefix}.case_recall"] = report.overall.case_recall
    out[f"{prefix}.negative_pairs_with_detections"] = report.negatives.pairs_with_detections


def _pair_figures(prefix: str, rows: list[tuple[int, str, bool, str]], out: dict[str, float]) -> None:
    """rows: (label, verdict, verdict accepted, attribution outcome)."""
    from retold.evaluate.pairs import confusion

    reuse = [int(v in ("copy", "partial-reuse")) for _, v, _, _ in rows]
    c = confusion([r[0] for r in rows], reuse)
    out[f"{prefix}.verdicts_accepted"] = sum(ok for _, _, ok, _ in rows) / len(rows)
    out[f"{prefix}.reuse_precision"] = c.precision
    out[f"{prefix}.reuse_recall"] = c.recall
    outcomes = Counter(a for label, _, _, a in rows if label)
    for k in ("right", "undetermined", "wrong"):
        out[f"{prefix}.attribution.{k}"] = outcomes.get(k, 0)


def measure_handwritten(settings) -> tuple[dict[str, float], list[str]]:  # type: ignore[no-untyped-def]
    """Figures on the hand-written set, and one line per pair for diagnosis."""
    from retold.evaluate.detect import DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP, annotations_for
    from retold.pipeline import Detector
    from retold.report.pan_format import Annotation

    det = Detector(settings)
    truth: dict[str, list] = {}
    dets: dict[str, list] = {}
    rows, lines, same_story = [], [], []
    for p in load_handwritten():
        a, b = _doc(p["a"], f"{p['id']}:a"), _doc(p["b"], f"{p['id']}:b")
        c = det.compare(a, b)
        truth[p["id"]] = [
            Annotation(
                b.id, s["b"][0], s["b"][1] - s["b"][0], a.id, s["a"][0], s["a"][1] - s["a"][0], p["kind"]
            )
            for s in p["spans"]
        ]
        dets[p["id"]] = annotations_for(
            c, susp=b.id, src=a.id, merge_gap=DEFAULT_MERGE_GAP, merge_source_gap=DEFAULT_MERGE_SOURCE_GAP
        )
        attribution = _attribution(c.source, p["source"]) if p["label"] else "-"
        rows.append((p["label"], c.verdict, c.verdict in p["verdict"], attribution))
        if p["kind"] == "same-story":
            same_story.append(c.verdict not in ("copy", "partial-reuse"))
        lines.append(
            f"{p['id']:28s} verdict {c.verdict:13s} (want {'/'.join(p['verdict'])}) source {c.source} "
            f"({c.attribution.method}; want {p['source']}: {attribution}) reuse a {c.reuse_a:.2f} b {c.reuse_b:.2f}"
        )
    out: dict[str, float] = {}
    _plagdet_figures("handwritten", truth, dets, out)
    _pair_figures("handwritten", rows, out)
    out["handwritten.same_story_kept_apart"] = sum(same_story) / len(same_story)
    return out, lines


def generated_set(thesaurus=None):  # type: ignore[no-untyped-def]
    from retold.synth.copies import generate
    from retold.synth.io import read_articles
    from retold.synth.wordnet import WordNet

    articles = read_articles(ROOT / "examples" / "corpus")
    thesaurus = thesaurus or WordNet.open()
    return generate(articles, n=GENERATED["n"], seed=GENERATED["seed"], thesaurus=thesaurus)


def measure_generated(settings, s=None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from retold.evaluate.detect import DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP, annotations_for
    from retold.pipeline import Detector
    from retold.report.pan_format import Annotation
    from retold.types import Document

    s = s if s is not None else generated_set()
    texts = s.texts()
    det = Detector(settings)
    truth: dict[str, list] = {}
    dets: dict[str, list] = {}
    rows = []
    for p in s.pairs:
        key = f"{p.susp}-{p.src}"
        c = det.compare(Document(p.src, texts[p.src]), Document(p.susp, texts[p.susp]))
        truth[key] = [
            Annotation(p.susp, x.this.start, len(x.this), p.src, x.source.start, len(x.source), x.obfuscation)
            for x in p.cases
        ]
        dets[key] = annotations_for(
            c, susp=p.susp, src=p.src, merge_gap=DEFAULT_MERGE_GAP, merge_source_gap=DEFAULT_MERGE_SOURCE_GAP
        )
        reuse = c.verdict in ("copy", "partial-reuse")
        rows.append(
            (p.label, c.verdict, reuse == bool(p.label), _attribution(c.source, "a") if p.label else "-")
        )
    out: dict[str, float] = {}
    _plagdet_figures("generated", truth, dets, out)
    _pair_figures("generated", rows, out)
    return out


def failures(figures: dict[str, float], floors: dict[str, dict[str, float]] = FLOORS) -> list[str]:
    """Each figure on the wrong side of its floor, as 'key: got vs floor'. Keys not measured are skipped."""
    bad = [
        f"{k}: {figures[k]:.4f} < {v}" for k, v in floors["min"].items() if k in figures and figures[k] < v
    ]
    bad += [
        f"{k}: {figures[k]:.4f} > {v}" for k, v in floors["max"].items() if k in figures and figures[k] > v
    ]
    return bad


def floors_for(figures: dict[str, float]) -> dict[str, dict[str, float]]:
    """The FLOORS table for these figures: shares and scores 0.02 below (down to 0.01), counts exact."""
    mins, maxs = {}, {}
    for k, v in sorted(figures.items()):
        if k.endswith(("attribution.wrong", "negative_pairs_with_detections")):
            maxs[k] = v
        elif k.endswith(("attribution.right",)):
            mins[k] = v
        elif k.endswith("attribution.undetermined"):
            continue  # right and wrong bound it
        else:
            mins[k] = max(0.0, math.floor(round((v - 0.02) * 100, 6)) / 100)
    return {"min": mins, "max": maxs}


# --- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_settings():
    from retold import Settings
    from retold.embed import get_embedder

    s = Settings()
    assert s.embed.backend == "minilm"
    emb = get_embedder(s.embed)
    assert type(emb).__name__ == "MiniLMEmbedder", "the gate must run with the real sentence model"
    return s


def test_the_handwritten_set_is_the_pinned_one():
    assert handwritten_digest() == HANDWRITTEN_SHA256, (
        "tests/fixtures/handwritten changed: if on purpose, re-measure (see this module's docstring) "
        "and update HANDWRITTEN_SHA256 and FLOORS"
    )


@pytest.fixture(scope="module")
def generated(wordnet):
    return generated_set(wordnet)


def test_the_generated_set_is_the_pinned_one(generated):
    assert generated.digest() == GENERATED["sha256"], (
        "the generated gate set changed (examples/corpus, retold.synth.copies or WordNet data were edited): "
        "if on purpose, re-measure and update sha256 in tests/fixtures/quality/gate.json and FLOORS"
    )


@pytest.fixture(scope="module")
def handwritten(model_settings):
    return measure_handwritten(model_settings)


def test_handwritten_floors(handwritten):
    figures, lines = handwritten
    bad = failures(figures)
    assert not bad, "below the floors on the hand-written set:\n" + "\n".join(bad + ["", *lines])


def test_generated_floors(model_settings, generated):
    figures = measure_generated(model_settings, generated)
    bad = failures(figures)
    assert not bad, "below the floors on the generated set:\n" + "\n".join(bad)


def test_every_floor_is_measured(handwritten):
    """A floor whose key no longer exists would guard nothing."""
    keys = {k for side in FLOORS.values() for k in side}
    gen = {k for k in keys if k.startswith("generated.")}
    assert keys - gen <= set(handwritten[0]), sorted(keys - gen - set(handwritten[0]))
    assert len(gen) >= 15


def test_semantic_matching_is_what_passes_the_gate(model_settings):
    figures, _ = measure_handwritten(model_settings.replace(match={"semantic": False}))
    assert failures(figures), "the gate passes without semantic matching: it does not guard the model"


def test_the_strong_cosine_rule_is_defended(model_settings):
    """Without ``verdict.tuning.strong_cosine`` (a passage of two or more groups, one nearly identical
    in meaning, is evidence on its own) partial-bridge's reworded passage is dropped."""
    figures, _ = measure_handwritten(sabotaged(model_settings, ["--no-strong-cosine"]))
    bad = failures(figures)
    assert any(k.startswith("handwritten.plagdet.partial") for k in bad), bad


def test_inverted_attribution_fails_the_gate(model_settings):
    with inverted_attribution():
        figures, _ = measure_handwritten(model_settings)
    bad = failures(figures)
    assert any("attribution.wrong" in k for k in bad) and any("attribution.right" in k for k in bad), bad


def sabotaged(settings, argv: list[str]):  # type: ignore[no-untyped-def]
    """The settings with the parts named in ``argv`` switched off (``--no-semantic``: no sentence
    model in the matcher; ``--no-strong-cosine``: the rule that keeps a passage of two or more
    groups with one nearly identical in meaning never fires)."""
    if "--no-semantic" in argv:
        settings = settings.replace(match={"semantic": False})
    if "--no-strong-cosine" in argv:
        settings = settings.replace(verdict={"tuning": {"strong_cosine": 2.0}})
    return settings


@contextmanager
def inverted_attribution(*, enabled: bool = True) -> Iterator[None]:
    """Swap the source of every attribution (a <-> b) while the block runs: a bug the gate must see."""
    if not enabled:
        yield
        return
    import retold.pipeline as pipeline

    real = pipeline.attribute

    def inverted(*args, **kwargs):  # type: ignore[no-untyped-def]
        att = real(*args, **kwargs)
        swap = {"a": "b", "b": "a"}
        return dataclasses.replace(att, source=swap.get(att.source, att.source))  # type: ignore[arg-type]

    pipeline.attribute = inverted  # type: ignore[assignment]
    try:
        yield
    finally:
        pipeline.attribute = real  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    from retold import Settings

    settings = sabotaged(Settings(), argv)
    with inverted_attribution(enabled="--invert-attribution" in argv):
        figures, lines = measure_handwritten(settings)
        figures.update(measure_generated(settings))
    if "--json" in argv:
        print(json.dumps(figures, indent=1, sort_keys=True))
        return 0
    print("\n".join(lines))
    print(f"\nhandwritten sha256 {handwritten_digest()}")
    for k, v in sorted(figures.items()):
        print(f"{k:48s} {v:.4f}")
    bad = failures(figures)
    print("\nfailures against FLOORS:" if bad else "\nall floors hold", *bad, sep="\n  ")
    print("\nFLOORS for these figures:\n" + json.dumps(floors_for(figures), indent=4))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
