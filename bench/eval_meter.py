"""METER dev: reuse or independent reporting, story-grouped 5-fold cross-validation.

    .venv/bin/python bench/eval_meter.py [--folds 5] [--no-extra] [--embedder minilm|hash]
                                         [--plot docs/meter-reliability.png] [--json out/meter.json]

Each newspaper article is compared with its story's PA pool once (decision off; features cached
in out/train-cache/, so a rerun takes seconds). Then, for each fold of stories, the decision is
trained on the other folds' METER pairs (plus, unless --no-extra, the BBC synth and same-story
pairs ``retold train`` uses) and scored on the held-out stories. Reported beside each figure:

* the rule verdict alone (retold before the learned decision: copy/partial-reuse = derived);
* word 3-gram containment of the article in the pool (Clough et al. 2002), its two thresholds
  fitted on the training folds.

Figures: derived-vs-not accuracy, share of non-derived called reuse, share of derived missed,
three-way macro-F1 (wholly / partially / not), reused-token precision / recall / F1 against the
journalists' Verbatim + Rewrite words (223 annotated articles), expected calibration error of
P(reuse), seconds a pair. Reads ../shared/data/meter-dev; says so and exits when it is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

import numpy as np

from retold import Settings
from retold.evaluate.training import (
    Example,
    SentenceSet,
    bbc_same_story_pairs,
    expected_calibration_error,
    extract,
    fit,
    fit_sentences,
    handwritten_pairs,
    meter_pairs,
    sentence_examples,
    story_folds,
    synth_pairs,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
DEGREES = ("wholly", "partially", "not")
_WORD = re.compile(r"\w+")


def progress(label: str):  # type: ignore[no-untyped-def]
    def cb(k: int, n: int) -> None:
        if k == n or k % 25 == 0:
            print(f"  {label}: {k}/{n}", file=sys.stderr, flush=True)

    return cb


def macro_f1(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for c in DEGREES:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def binary(gold: list[int], pred: list[int]) -> dict[str, float]:
    n_non = sum(1 for g in gold if g == 0)
    n_der = len(gold) - n_non
    return {
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
        "non_called_reuse": sum(g == 0 and p == 1 for g, p in zip(gold, pred, strict=True)) / max(1, n_non),
        "derived_missed": sum(g == 1 and p == 0 for g, p in zip(gold, pred, strict=True)) / max(1, n_der),
    }


def token_scores(examples: list[Example], texts: dict[str, str], spans_of: dict[str, list[tuple[int, int]]]) -> dict[str, float]:
    """Micro precision / recall / F1 of reused b tokens against Verbatim + Rewrite."""
    tp = fp = fn = 0
    for e in examples:
        gold_spans = [(s["start"], s["end"]) for s in e.meta.get("spans", []) if s["type"] in ("Verbatim", "Rewrite")]  # type: ignore[union-attr, index]
        if not e.meta.get("spans"):
            continue
        pred = spans_of[e.id]
        for m in _WORD.finditer(texts[e.id]):
            g = any(s <= m.start() < t for s, t in gold_spans)
            p = any(s <= m.start() < t for s, t in pred)
            tp += g and p
            fp += p and not g
            fn += g and not p
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0}


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for v in np.unique(scores):  # ties share their mean rank
        tie = scores == v
        ranks[tie] = ranks[tie].mean()
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)) if n_pos and n_neg else 0.0


def readmitted(e: Example, sents: SentenceSet, prob: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """The rejected passages (b spans) of ``e`` whose overlapping b sentences have a mean
    P(derived) >= threshold (the pipeline's ``_readmit``; b must be the side judged)."""
    rows = [r for r, p in enumerate(sents.pairs) if p == e.id and sents.sides[r] == "b"]
    kept = set(e.kept_b)
    out = []
    for a, b in e.proposed_b:
        if (a, b) in kept:
            continue
        ps = [prob[r] for r in rows if sents.spans[r][0] < b and sents.spans[r][1] > a]
        if ps and sum(ps) / len(ps) >= threshold:
            out.append((a, b))
    return out


def containment3(a: str, b: str) -> float:
    wa, wb = _WORD.findall(a.lower()), _WORD.findall(b.lower())
    ga = {tuple(wa[k : k + 3]) for k in range(len(wa) - 2)}
    gb = [tuple(wb[k : k + 3]) for k in range(len(wb) - 2)]
    return sum(g in ga for g in gb) / len(gb) if gb else 0.0


def fit_thresholds(scores: list[float], gold: list[str]) -> tuple[float, float]:
    """Two cut-offs on a score (not < t1 <= partially < t2 <= wholly) maximising macro-F1."""
    grid = sorted(set(round(s, 3) for s in scores))
    best = (-1.0, 0.0, 1.0)
    for i, t1 in enumerate(grid):
        for t2 in grid[i::3]:
            pred = ["not" if s < t1 else ("partially" if s < t2 else "wholly") for s in scores]
            f = macro_f1(gold, pred)
            if f > best[0]:
                best = (f, t1, t2)
    return best[1], best[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=SHARED / "meter-dev" / "pairs.jsonl")
    ap.add_argument("--bbc", type=Path, default=SHARED / "bbc-news")
    ap.add_argument("--cache", type=Path, default=ROOT / "out" / "train-cache")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the model (0 = one per core)")
    ap.add_argument("--no-extra", action="store_true", help="train the folds on METER alone")
    ap.add_argument("--synth", type=int, default=300, help="generated BBC pairs added to each fold's training")
    ap.add_argument("--same-story", type=int, default=150, help="BBC same-story pairs added to each fold's training")
    ap.add_argument("--plot", type=Path, default=None, help="write the reliability diagram (PNG)")
    ap.add_argument("--json", type=Path, default=None, help="write every figure as JSON")
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"missing {args.data}: the METER development half is needed (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    # One torch thread: on a busy 2-core machine two spin-waiting OpenMP threads cost ~3x more.
    settings = Settings().replace(embed={"backend": args.embedder, "threads": args.threads})
    specs = meter_pairs(args.data)
    texts = {s.id: s.b.text for s in specs}
    pools = {s.id: s.a.text for s in specs}
    meter = extract(specs, settings=settings, cache_dir=args.cache, progress=progress("METER"))
    extra: list[Example] = []
    if not args.no_extra:
        if not args.bbc.is_dir():
            print(f"missing {args.bbc}: BBC News is needed for the extra training pairs (or pass --no-extra)", file=sys.stderr)
            return 2
        extra = extract(
            synth_pairs(args.bbc, n=args.synth) + bbc_same_story_pairs(args.bbc, n=args.same_story)
            + handwritten_pairs(ROOT / "bench", args.bbc),
            settings=settings, cache_dir=args.cache, progress=progress("BBC"),
        )
    tuning = settings.verdict.tuning
    folds = story_folds(meter, args.folds, seed=args.seed)
    gold_bin = [e.label for e in meter]
    gold_deg = [e.degree for e in meter]
    pred_bin = [0] * len(meter)
    pred_deg = ["not"] * len(meter)
    prob = [0.0] * len(meter)
    base_deg = ["not"] * len(meter)
    spans_of: dict[str, list[tuple[int, int]]] = {}
    c3 = [containment3(pools[e.id], texts[e.id]) for e in meter]
    # The sentence judgement, trained per fold on the training stories' word-level spans and
    # applied as the pipeline does: a passage the rules dropped in a pair judged reuse is
    # reported after all when its sentences' mean P(derived) >= decision.sentence_threshold.
    sents = sentence_examples(specs, settings=settings, labelled_only=False)
    has_spans = {s.id for s in specs if s.meta.get("spans")}
    fold_of_group = {e.group: k for e, k in zip(meter, folds, strict=True)}
    sent_fold = np.array([fold_of_group.get(g, -1) for g in sents.groups])
    sent_labelled = np.array([p in has_spans for p in sents.pairs])
    sent_prob = np.zeros(len(sents.y))
    sent_threshold = settings.decision.sentence_threshold
    for f in range(args.folds):
        train = [e for e, k in zip(meter, folds, strict=True) if k != f] + extra
        model = fit(train)
        judge = fit_sentences(sents.take((sent_fold != f) & sent_labelled))
        test_rows = np.flatnonzero(sent_fold == f)
        sent_prob[test_rows] = [judge.predict(sents.x[r]) for r in test_rows]
        tr_idx = [i for i, k in enumerate(folds) if k != f]
        t1, t2 = fit_thresholds([c3[i] for i in tr_idx], [gold_deg[i] for i in tr_idx])
        for i, (e, k) in enumerate(zip(meter, folds, strict=True)):
            if k != f:
                continue
            # As the pipeline does: a long narrative run word for word is reuse whatever the model says.
            hard = 2 ** e.features["narr_run"] - 1 >= tuning.hard_narrative_words
            d = model.decide(e.features, floor=tuning.hard_evidence_probability if hard else 0.0,
                             threshold=settings.decision.reuse_threshold)
            prob[i] = d.probability
            has_text = bool(e.proposed_b)
            pred_deg[i] = d.degree if has_text else "not"
            pred_bin[i] = int(pred_deg[i] != "not")
            if pred_deg[i] == "wholly" and e.features["rule_reuse"]:
                spans_of[e.id] = list(e.kept_b) + readmitted(e, sents, sent_prob, sent_threshold)
            elif pred_bin[i]:
                spans_of[e.id] = list(e.kept_b) if e.features["rule_reuse"] else list(e.proposed_b)
            else:
                spans_of[e.id] = []
            base_deg[i] = "not" if c3[i] < t1 else ("partially" if c3[i] < t2 else "wholly")
    rule_deg = [
        {"copy": "wholly", "partial-reuse": "partially"}.get(str(e.meta.get("rule_verdict")), "not") for e in meter
    ]
    rule_spans = {e.id: list(e.kept_b) for e in meter}
    # Variant: when the decision says reuse, report every proposed passage (not only those the
    # rule filters kept).
    all_spans = {e.id: (list(e.proposed_b) if pred_bin[i] else []) for i, e in enumerate(meter)}
    base_spans = {e.id: [] for e in meter}  # the baseline locates nothing
    ece, bins = expected_calibration_error(prob, gold_bin)
    rows = {
        "learned": {
            **binary(gold_bin, pred_bin),
            "macro_f1": macro_f1(gold_deg, pred_deg),
            "tokens": token_scores(meter, texts, spans_of),
            "ece": ece,
        },
        "learned, all proposed passages": {
            **binary(gold_bin, pred_bin),
            "macro_f1": macro_f1(gold_deg, pred_deg),
            "tokens": token_scores(meter, texts, all_spans),
        },
        "rules": {
            **binary(gold_bin, [int(d != "not") for d in rule_deg]),
            "macro_f1": macro_f1(gold_deg, rule_deg),
            "tokens": token_scores(meter, texts, rule_spans),
        },
        "containment3": {
            **binary(gold_bin, [int(d != "not") for d in base_deg]),
            "macro_f1": macro_f1(gold_deg, base_deg),
            "tokens": token_scores(meter, texts, base_spans),
        },
    }
    # The sentence judgement on its own, held out: how well it ranks METER's labelled sentences,
    # and the token figures if every b sentence it reads as derived were reported (a diagnostic:
    # the pipeline uses it only to take back rule-dropped passages of wholly derived pairs).
    on_b = np.array([sd == "b" for sd in sents.sides]) & sent_labelled
    sent_auc = auc(sent_prob[on_b], sents.y[on_b])
    alone = {e.id: [] for e in meter}
    for r in np.flatnonzero(on_b & (sent_prob >= sent_threshold)):
        alone[sents.pairs[r]].append(sents.spans[r])
    sent_tokens = token_scores(meter, texts, alone)
    secs = [e.seconds for e in meter]
    print(f"METER dev: {len(meter)} articles, {len(set(e.group for e in meter))} stories, {args.folds}-fold by story"
          f"{'' if args.no_extra else f', + {len(extra)} BBC training pairs per fold'}")
    print(f"{'':14} {'acc':>6} {'non→reuse':>10} {'der missed':>10} {'macro-F1':>9} {'tok P':>6} {'tok R':>6} {'tok F1':>6}")
    for name, r in rows.items():
        t = r["tokens"]
        print(f"{name[:14]:14} {r['accuracy']:6.3f} {r['non_called_reuse']:10.3f} {r['derived_missed']:10.3f} "
              f"{r['macro_f1']:9.3f} {t['precision']:6.3f} {t['recall']:6.3f} {t['f1']:6.3f}")
    print(f"majority rate (derived): {sum(gold_bin) / len(gold_bin):.3f}")
    print(f"sentence judgement alone, held out: AUC {sent_auc:.3f} on {int(on_b.sum())} labelled sentences; every sentence "
          f"read as derived reported: tok P {sent_tokens['precision']:.3f} R {sent_tokens['recall']:.3f} F1 {sent_tokens['f1']:.3f}")
    print(f"calibration of P(reuse) on held-out folds: ECE {ece:.3f}")
    # The decision is P(reuse) >= cost / (1 + cost) (decision.false_reuse_cost): the trade-off.
    has_text = np.array([bool(e.proposed_b) for e in meter])
    p_arr, g_arr = np.array(prob), np.array(gold_bin)
    costs = {}
    for cost in (1.0, 1.5, 2.0, 3.0, 4.0):
        called = (p_arr >= cost / (1 + cost)) & has_text
        costs[cost] = {"accuracy": float((called == g_arr).mean()), "non_called_reuse": float(called[g_arr == 0].mean()),
                       "derived_missed": float(1 - called[g_arr == 1].mean())}
        mark = " (default)" if cost == settings.decision.false_reuse_cost else ""
        print(f"  false_reuse_cost {cost:.1f} (P >= {cost / (1 + cost):.2f}): acc {costs[cost]['accuracy']:.3f}  "
              f"non→reuse {costs[cost]['non_called_reuse']:.3f}  derived missed {costs[cost]['derived_missed']:.3f}{mark}")
    for mp, obs, n in bins:
        print(f"  predicted {mp:.2f}  observed {obs:.2f}  n={n}")
    slowest = max(meter, key=lambda e: e.seconds)
    print(f"seconds a pair (prepare + compare, decision off, model loaded first; a pool's sentences are embedded on "
          f"its first pair and reused): median {statistics.median(secs):.2f}, max {max(secs):.2f} ({slowest.id})")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4, 4), dpi=120)
        ax.plot([0, 1], [0, 1], "--", color="grey", lw=1)
        ax.plot([b[0] for b in bins], [b[1] for b in bins], "o-", color="#c0392b")
        for mp, obs, n in bins:
            ax.annotate(str(n), (mp, obs), textcoords="offset points", xytext=(4, -10), fontsize=7)
        ax.set_xlabel("predicted P(reuse)")
        ax.set_ylabel("observed share derived")
        ax.set_title(f"METER dev, held-out folds (ECE {ece:.3f})", fontsize=9)
        fig.tight_layout()
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.plot)
        print(f"reliability diagram: {args.plot}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"figures": rows, "bins": bins, "costs": costs, "seconds": {"median": statistics.median(secs), "max": max(secs)}}, indent=1))
    _ = np
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
