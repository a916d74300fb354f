"""MSRP training set, k-fold cross-validation: accuracy and F1, and their spread over fold seeds.

Same features and classifier as ``retold eval msrp --train ... --folds 5`` (which reports fold
seed 0); this script computes the features once (cached under out/) and repeats the
cross-validation for several fold assignments, so a figure is not one lucky split.

    .venv/bin/python bench/eval_msrp.py [--folds 5] [--seeds 5] [--embedder minilm|hash|none]
    .venv/bin/python bench/eval_msrp.py --ablations      # the feature-set table of docs/benchmarks.md

``--ablations`` scores, on the same cached features and folds (fold seed 0, the default L2):
lexical only (retold's sentence evidence and the surface measures, no vector feature), the
MiniLM cosine alone, all 34 features linear, and all 34 plus their pairwise products.

Reads ../shared/data/msrp/msr_paraphrase_train.txt; exits 2 when it is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "msrp" / "msr_paraphrase_train.txt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--embedder", choices=["minilm", "hash", "none"], default="minilm")
    ap.add_argument("--l2", type=float, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--ablations", action="store_true", help="score the feature subsets (fold seed 0)")
    args = ap.parse_args()
    if not DATA.is_file():
        print(f"MSRP not found at {DATA} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    from retold.config import EmbedSettings
    from retold.embed import get_embedder
    from retold.evaluate.msrp import L2, cross_validate, features, parse_msrp

    rows = parse_msrp(DATA.read_text(encoding="utf-8"), where=str(DATA))
    y = np.array([r.label for r in rows])
    cache = ROOT / "out" / f"msrp-features-{args.embedder}.npy"
    t0 = time.perf_counter()
    if cache.is_file():
        x = np.load(cache)
    else:
        emb = None if args.embedder == "none" else get_embedder(EmbedSettings(backend=args.embedder))
        x = features(rows, embedder=emb, quadratic=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, x)
    t_feat = time.perf_counter() - t0
    l2 = L2 if args.l2 is None else args.l2
    if args.ablations:
        return ablations(x, y, folds=args.folds, l2=l2, as_json=args.json)
    runs = [cross_validate(x, y, folds=args.folds, seed=s, l2=l2) for s in range(args.seeds)]
    acc = [r.accuracy for r in runs]
    out = {
        "pairs": len(rows),
        "embedder": args.embedder,
        "folds": args.folds,
        "l2": l2,
        "accuracy_seed0": round(acc[0], 4),
        "f1_seed0": round(runs[0].f1, 4),
        "accuracy_mean": round(float(np.mean(acc)), 4),
        "accuracy_min": round(min(acc), 4),
        "accuracy_max": round(max(acc), 4),
        "majority": round(runs[0].majority, 4),
        "feature_seconds": round(t_feat, 1),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"MSRP train, {args.folds}-fold CV, {len(rows)} pairs, {args.embedder}: accuracy {out['accuracy_seed0']:.4f} "
              f"(seed 0), mean {out['accuracy_mean']:.4f} over {args.seeds} fold seeds "
              f"[{out['accuracy_min']:.4f}, {out['accuracy_max']:.4f}]; F1 {out['f1_seed0']:.4f}; "
              f"majority class {out['majority']:.4f}")
    return 0


def ablations(x: np.ndarray, y: np.ndarray, *, folds: int, l2: float, as_json: bool) -> int:
    """Accuracy and F1 of each feature subset (columns of the cached quadratic feature matrix)."""
    from retold.evaluate.msrp import FEATURE_NAMES, cross_validate

    n = len(FEATURE_NAMES)
    vector = {FEATURE_NAMES.index("cosine")} | {i for i, f in enumerate(FEATURE_NAMES) if f.startswith("align_")}
    subsets = {
        "lexical only, linear": [i for i in range(n) if i not in vector],
        "MiniLM cosine alone, linear": [FEATURE_NAMES.index("cosine")],
        f"all {n} features, linear": list(range(n)),
        f"all {n} features + pairwise products": list(range(x.shape[1])),
    }
    rows = {}
    for name, cols in subsets.items():
        r = cross_validate(x[:, cols], y, folds=folds, seed=0, l2=l2)
        rows[name] = {"features": len(cols), "accuracy": round(r.accuracy, 4), "f1": round(r.f1, 4)}
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        for name, r in rows.items():
            print(f"{name:40s} {r['features']:4d} features  accuracy {r['accuracy']:.4f}  F1 {r['f1']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
