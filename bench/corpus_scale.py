"""Scale: index and scan generated corpora of growing size; time and peak memory per size.

    .venv/bin/python bench/corpus_scale.py --sizes 10000 30000 100000 [--copy-share 0.05]

Each size runs in its own process (so peak RSS is that size's): generate N articles (20 sentences
of 15 words drawn from the 4,000 most frequent English words, Zipf-weighted) plus
``copy-share * N`` copies (verbatim, excerpt of 5 sentences, 10% of words substituted), add
them to a fresh store with the hash embedder, then scan. Then a stream step: add 1% more
(half new articles, half verbatim copies of stored ones) and rescan incrementally (only pairs
without a saved result are compared). Prints one JSON line per size and a
table; needs no external data. MiniLM document vectors are left out here: at ~100 leads/s they
would dominate (100k articles = ~17 min) and are measured by bench/corpus_bbc.py instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(n: int, copy_share: float, seed: int):  # type: ignore[no-untyped-def]
    import numpy as np
    from wordfreq import top_n_list

    from retold.types import Document

    words = np.array([w for w in top_n_list("en", 4000) if w.isalpha()])
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.9
    weights /= weights.sum()
    rng = np.random.default_rng(seed)
    docs = []
    for i in range(n):
        idx = rng.choice(len(words), size=(20, 15), p=weights)
        sents = [" ".join(words[row]).capitalize() + "." for row in idx]
        text = "\n\n".join(" ".join(sents[k : k + 4]) for k in range(0, 20, 4))
        docs.append(Document(f"a{i:06d}", text))
    truth = []
    for c in range(int(n * copy_share)):
        src = docs[int(rng.integers(n))]
        kind = ("verbatim", "excerpt", "edited")[c % 3]
        if kind == "verbatim":
            text = src.text
        elif kind == "excerpt":
            sents = src.text.replace("\n\n", " ").split(". ")
            k = int(rng.integers(0, 14))
            text = ". ".join(sents[k : k + 5]) + "."
        else:
            toks = src.text.split(" ")
            sub = rng.random(len(toks)) < 0.1
            text = " ".join(words[int(rng.integers(len(words)))] if s else t for t, s in zip(toks, sub, strict=True))
        docs.append(Document(f"c{c:06d}-{kind}", text))
        truth.append((f"c{c:06d}-{kind}", src.id))
    return docs, truth


def _copies_of(store, k: int, seed: int):  # type: ignore[no-untyped-def]
    """``k`` verbatim copies of stored documents picked at random: ((copy id, source id), text)."""
    import random

    ids = store.ids()
    rnd = random.Random(seed)
    return [((f"copy{i:05d}", src), store.get(src).text) for i, src in enumerate(rnd.sample(ids, k))]


def one(n: int, copy_share: float, workdir: Path) -> dict[str, object]:
    from retold.config import Settings
    from retold.corpus.archive import Corpus, add_documents
    from retold.store import Store
    from retold.types import Document

    s = Settings().replace(embed={"backend": "hash"})
    t0 = time.perf_counter()
    docs, truth = generate(n, copy_share, seed=n)
    t_gen = time.perf_counter() - t0
    db = workdir / f"scale-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Store(db, settings=s) as st:
        t0 = time.perf_counter()
        add_documents(st, docs, settings=s)
        t_add = time.perf_counter() - t0
        del docs
        corpus = Corpus(st, settings=s)
        t0 = time.perf_counter()
        cands = corpus.all_candidates()
        t_cand = time.perf_counter() - t0
        t0 = time.perf_counter()
        found = {frozenset((p.a, p.b)) for p in corpus.scan(incremental=True)}
        t_scan = time.perf_counter() - t0
        compared = corpus.compared
        # A stream: 1% more documents (half of them copies of stored ones), then a rescan that
        # compares only the pairs it has no saved result for.
        extra, extra_truth = generate(max(2, n // 200), 1.0, seed=n + 1)
        extra = [Document(f"new-{d.id}", d.text) for d in extra[: n // 200]] + [
            Document(f"new-{c}", text) for (c, src), text in _copies_of(st, n // 200, seed=n + 2)
        ]
        t0 = time.perf_counter()
        add_documents(st, extra, settings=s)
        t_add_more = time.perf_counter() - t0
        corpus = Corpus(st, settings=s)
        t0 = time.perf_counter()
        found_again = {frozenset((p.a, p.b)) for p in corpus.scan(incremental=True)}
        t_rescan = time.perf_counter() - t0
    recall = sum(frozenset(t) in found for t in truth) / max(1, len(truth))
    return {
        "documents": n + len(truth), "copies": len(truth), "generate_s": round(t_gen, 1), "add_s": round(t_add, 1),
        "candidates": len(cands), "candidates_s": round(t_cand, 1), "scan_s": round(t_scan, 1),
        "reuse_pairs": len(found), "copy_recall": round(recall, 4), "compared": compared,
        "stream_docs": len(extra), "stream_add_s": round(t_add_more, 1), "rescan_s": round(t_rescan, 1),
        "rescan_compared": corpus.compared, "rescan_new_reuse_pairs": len(found_again - found),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "db_mb": round(db.stat().st_size / 2**20),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--copy-share", type=float, default=0.05)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    workdir = ROOT / "out" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(one(args.one, args.copy_share, workdir)), flush=True)
        return 0
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--copy-share", str(args.copy_share)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            return out.returncode
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = rows[0]
    print("\n| documents | add s | candidates | candidates s | scan s | scan s per 1k docs | copy recall | peak RSS MB "
          "| store MB | +1% docs: add s | rescan s | rescan compared |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = 1000 * float(r["scan_s"]) / int(r["documents"])  # type: ignore[arg-type]
        print(f"| {r['documents']:,} | {r['add_s']} | {r['candidates']:,} | {r['candidates_s']} | {r['scan_s']} | "
              f"{per:.2f} | {r['copy_recall']} | {r['peak_rss_mb']} | {r['db_mb']} | {r['stream_add_s']} | "
              f"{r['rescan_s']} | {r['rescan_compared']} |")
    if len(rows) > 1:
        growth = (float(rows[-1]["scan_s"]) / float(base["scan_s"])) / (int(rows[-1]["documents"]) / int(base["documents"]))  # type: ignore[arg-type]
        print(f"\nscan cost growth relative to linear ({base['documents']:,} -> {rows[-1]['documents']:,}): {growth:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
