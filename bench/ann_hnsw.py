"""The store's ANN index above its exact-search limit: HNSW build time, query rate, recall@10.

    .venv/bin/python bench/ann_hnsw.py [--n 200000] [--queries 2000] [--seed 0] [--json]

Builds ``retold.store.ann.AnnIndex`` over ``--n`` unit vectors of 384 dimensions with
``exact_below=0`` (so HNSW: M=32, efConstruction=80, efSearch=64, as the store uses above 50k
documents), times the build and a batch of ``--queries`` top-10 searches (queries are stored
vectors plus noise, as a near-copy's lead would be), and scores recall@10 against an exact
inner-product search. The vectors are clustered (2,000 centres, noise 0.6): a stand-in for
document leads, whose neighbourhoods are not uniform. Needs faiss-cpu (the corpus extra);
no data set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def vectors(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(2000, dim)).astype(np.float32)
    v = centres[rng.integers(0, len(centres), size=n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import faiss

    from retold.store.ann import AnnIndex

    rng = np.random.default_rng(args.seed)
    v = vectors(args.n, 384, rng)
    picks = rng.choice(args.n, size=args.queries, replace=False)
    q = v[picks] + 0.05 * rng.normal(size=(args.queries, 384)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    labels = np.arange(args.n, dtype=np.int64)

    t0 = time.perf_counter()
    idx = AnnIndex.build(labels, v, exact_below=0)
    build_s = time.perf_counter() - t0
    assert idx.kind == "faiss-hnsw", idx.kind
    t0 = time.perf_counter()
    got, _ = idx.search(q, k=10)
    search_s = time.perf_counter() - t0

    exact = faiss.IndexFlatIP(384)
    exact.add(v)
    _, truth = exact.search(q, 10)
    recall = float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got.tolist(), truth.tolist(), strict=True)]))
    top1 = float(np.mean(got[:, 0] == picks))
    report = {"n": args.n, "dim": 384, "queries": args.queries, "threads": faiss.omp_get_max_threads(),
              "build_s": round(build_s, 1), "queries_per_s": round(args.queries / search_s),
              "recall_at_10": round(recall, 4), "query_finds_its_source": round(top1, 4)}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"HNSW over {args.n:,} x 384 ({report['threads']} threads): build {report['build_s']} s, "
              f"{report['queries_per_s']:,} queries/s, recall@10 {report['recall_at_10']} against exact search, "
              f"top-1 is the query's source {report['query_finds_its_source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
