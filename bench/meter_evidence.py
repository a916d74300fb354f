"""Which evidence separates derived from independent newspaper articles on METER dev?

    .venv/bin/python bench/meter_evidence.py [--cache out/train-cache] [--embedder minilm|hash]

A diagnostic for issue 11: how far lexical evidence can go, whatever the model. For each of the
453 METER dev pairs (PA pool a, newspaper article b) it computes

* the pair features the shipped decision reads (``retold.decision.FEATURES``, from the same
  cached compare as bench/eval_meter.py);
* evidence the decision does not read yet, all of b against a: greedy string tiling coverage
  (Wise 1993; tiles of >= 3, 4, 6 words; all words and narrative words only; the share of
  consecutive tiles that keep a's order), 3-gram containment weighted by each 3-gram's rarity
  in BBC News (common news phrases such as "told the court" count little), the share of b's
  narrative sentences most of whose 3-grams occur in a, and the length-weighted mean of the
  learned sentence judgement's P(derived) (held out by story, as in eval_meter.py);

then prints each measure's AUC for derived against not, and the story-grouped 5-fold
cross-validated AUC / accuracy / share of independent articles called reuse of logistic
regression and gradient-boosted trees over feature sets. METER alone here (no BBC pairs), so
the figures are not the shipped decision's: they bound what these measures can do.
Reads ../shared/data/meter-dev (and ../shared/data/bbc-news); says so and exits when missing.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from retold import Settings
from retold.decision import FEATURES
from retold.evaluate.training import extract, fit_sentences, meter_pairs, sentence_examples, story_folds
from retold.evidence import _flat_keys, _grams, quoted_mask

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
_WORD = re.compile(r"\w+")
TILE_LENGTHS = (3, 4, 6)


def tiling(ks: list[str], kl: list[str], min_len: int) -> tuple[list[bool], list[tuple[int, int, int]]]:
    """Greedy string tiling of ``ks`` by ``kl``: repeatedly take the longest unmarked common run
    of >= ``min_len`` words. Returns the covered flags of ``ks`` and the tiles (i, j, length)."""
    where: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for j in range(len(kl) - min_len + 1):
        where[tuple(kl[j : j + min_len])].append(j)
    used_s, used_l = [False] * len(ks), [False] * len(kl)
    tiles = []
    while True:
        best = (0, -1, -1)
        for i in range(len(ks) - min_len + 1):
            if used_s[i]:
                continue
            for j in where.get(tuple(ks[i : i + min_len]), ()):
                run = 0
                while (i + run < len(ks) and j + run < len(kl) and ks[i + run] == kl[j + run]
                       and not used_s[i + run] and not used_l[j + run]):
                    run += 1
                if run > best[0]:
                    best = (run, i, j)
        run, i, j = best
        if run < min_len:
            return used_s, tiles
        for k in range(run):
            used_s[i + k] = used_l[j + k] = True
        tiles.append((i, j, run))


def background_df(folder: Path) -> tuple[Counter[tuple[str, ...]], int]:
    df: Counter[tuple[str, ...]] = Counter()
    files = sorted(folder.rglob("*.txt"))
    for f in files:
        w = [x.lower() for x in _WORD.findall(f.read_text(encoding="utf-8", errors="replace"))]
        df.update({tuple(w[i : i + 3]) for i in range(len(w) - 2)})
    return df, len(files)


def new_evidence(spec, det, df3: Counter[tuple[str, ...]], n_docs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fa, fb = det.prepare(spec.a).features, det.prepare(spec.b).features
    ka, kb = _flat_keys(fa), _flat_keys(fb)
    quoted = quoted_mask(fb)
    out: dict[str, float] = {}
    for n in TILE_LENGTHS:
        cov, tiles = tiling(kb, ka, n)
        narr = [c for c, q in zip(cov, quoted, strict=True) if not q]
        out[f"tile{n}"] = sum(cov) / max(1, len(cov))
        out[f"tile{n}_narr"] = sum(narr) / max(1, len(narr))
        if n == TILE_LENGTHS[0]:
            t = sorted(tiles)
            out["tile_order"] = sum(y[1] > x[1] for x, y in zip(t, t[1:], strict=False)) / (len(t) - 1) if len(t) > 1 else 0.0
    grams_a = _grams(ka, 3)
    hit = tot = 0.0
    for i in range(len(kb) - 2):
        g = tuple(kb[i : i + 3])
        w = math.log((n_docs + 1) / (df3.get(g, 0) + 1))
        tot += w
        hit += w * (g in grams_a)
    out["rare3"] = hit / tot if tot else 0.0
    taken = total = 0
    offset = 0
    for keys, toks in zip(fb.keys, fb.tokens, strict=True):
        q = quoted[offset : offset + len(toks)]
        offset += len(toks)
        if len(keys) < 5 or sum(q) * 2 > len(q):
            continue
        grams = [tuple(keys[i : i + 3]) for i in range(len(keys) - 2)]
        total += 1
        taken += sum(g in grams_a for g in grams) * 2 >= len(grams)
    out["narr_sentences_taken"] = taken / total if total else 0.0
    return out


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def cross_validate(x: np.ndarray, y: np.ndarray, folds: np.ndarray, kind: str) -> tuple[float, float, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    p = np.zeros(len(y))
    for f in sorted(set(folds)):
        tr, te = folds != f, folds == f
        if kind == "logistic":
            clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        else:
            clf = HistGradientBoostingClassifier(max_depth=3, max_iter=150, learning_rate=0.05,
                                                 l2_regularization=1.0, random_state=0)
        clf.fit(x[tr], y[tr])
        p[te] = clf.predict_proba(x[te])[:, 1]
    called = p >= 0.5
    return auc(p, y), float((called == (y == 1)).mean()), float((called & (y == 0)).sum() / max(1, (y == 0).sum()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=SHARED / "meter-dev" / "pairs.jsonl")
    ap.add_argument("--bbc", type=Path, default=SHARED / "bbc-news")
    ap.add_argument("--cache", type=Path, default=ROOT / "out" / "train-cache")
    ap.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    args = ap.parse_args()
    for need, what in ((args.data, "the METER development half"), (args.bbc, "BBC News (the 3-gram background)")):
        if not need.exists():
            print(f"missing {need}: {what} is needed (see ../shared/data/README.md)", file=sys.stderr)
            return 2
    settings = Settings().replace(embed={"backend": args.embedder, "threads": 1})
    specs = meter_pairs(args.data)
    print(f"pair features (cached compare in {args.cache}) ...", file=sys.stderr)
    examples = extract(specs, settings=settings, cache_dir=args.cache)
    from retold.pipeline import Detector

    det = Detector(settings.replace(decision={"learned": False}))
    df3, n_docs = background_df(args.bbc)
    print(f"new evidence (3-gram background: {n_docs} BBC articles) ...", file=sys.stderr)
    new = [new_evidence(s, det, df3, n_docs) for s in specs]
    folds = np.array(story_folds(specs, 5, seed=0))  # type: ignore[arg-type]
    # The sentence judgement, held out by story, aggregated over b (length-weighted mean).
    sents = sentence_examples(specs, settings=settings, labelled_only=False)
    has_spans = np.array([bool(s.meta.get("spans")) for s in specs])
    labelled = {s.id for s, h in zip(specs, has_spans, strict=True) if h}
    fold_of = {s.group: int(k) for s, k in zip(specs, folds, strict=True)}
    sent_fold = np.array([fold_of[g] for g in sents.groups])
    sent_labelled = np.array([p in labelled for p in sents.pairs])
    prob = np.zeros(len(sents.y))
    for f in range(5):
        judge = fit_sentences(sents.take((sent_fold != f) & sent_labelled))
        rows = np.flatnonzero(sent_fold == f)
        prob[rows] = [judge.predict(sents.x[r]) for r in rows]
    length = np.array([e - s for s, e in sents.spans], dtype=float)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for r, p in enumerate(sents.pairs):
        rows_of[p].append(r)
    for s, ev in zip(specs, new, strict=True):
        r = np.array(rows_of.get(s.id, []), dtype=int)
        ev["sentence_judgement"] = float((prob[r] * length[r]).sum() / length[r].sum()) if len(r) and length[r].sum() else 0.0
    y = np.array([s.label for s in specs])
    old_x = np.array([[e.features[k] for k in FEATURES] for e in examples])
    new_names = list(new[0])
    new_x = np.array([[ev[k] for k in new_names] for ev in new])
    print(f"METER dev: {len(specs)} articles, {len(set(fold_of))} stories; derived {y.mean():.3f}")
    print("AUC of each measure alone (derived against not):")
    for name, col in [*zip(FEATURES, old_x.T, strict=True), *zip(new_names, new_x.T, strict=True)]:
        a = auc(col, y)
        print(f"  {name:22} {max(a, 1 - a):.3f}{'  (lower means derived)' if a < 0.5 else ''}")
    print("story-grouped 5-fold, METER alone:            AUC    acc  independent called reuse")
    for label, x in (("decision features", old_x), ("new evidence", new_x), ("both", np.hstack([old_x, new_x]))):
        for kind in ("logistic", "trees"):
            a, acc, non = cross_validate(x, y, folds, kind)
            print(f"  {label:18} {kind:9}                   {a:.3f}  {acc:.3f}  {non:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
