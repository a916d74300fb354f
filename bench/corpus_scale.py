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


def generate(n: int, copy_share: float, seed: int, truth: list[tuple[str, str]] | None = None):  # type: ignore[no-untyped-def]
    """Yield ``n`` generated articles, then ``copy_share * n`` copies of random ones; each
    (copy, source) id pair is appended to ``truth``. Streamed: article ``i`` is drawn from its own
    generator (seed, i), so a copy regenerates its source instead of holding the corpus (a
    million articles as Python strings would be ~2 GB of the peak this bench measures)."""
    import numpy as np
    from wordfreq import top_n_list

    from retold.types import Document

    words = np.array([w for w in top_n_list("en", 4000) if w.isalpha()])
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.9
    cdf = np.cumsum(weights / weights.sum())

    def text_of(i: int) -> str:
        rng = np.random.default_rng((seed, i))
        idx = np.minimum(np.searchsorted(cdf, rng.random((20, 15))), len(words) - 1)
        sents = [" ".join(words[row]).capitalize() + "." for row in idx]
        return "\n\n".join(" ".join(sents[k : k + 4]) for k in range(0, 20, 4))

    for i in range(n):
        yield Document(f"a{i:06d}", text_of(i))
    rng = np.random.default_rng((seed, n, 1))
    for c in range(int(n * copy_share)):
        src = int(rng.integers(n))
        source = text_of(src)
        kind = ("verbatim", "excerpt", "edited")[c % 3]
        if kind == "verbatim":
            text = source
        elif kind == "excerpt":
            sents = source.replace("\n\n", " ").split(". ")
            k = int(rng.integers(0, 14))
            text = ". ".join(sents[k : k + 5]) + "."
        else:
            toks = source.split(" ")
            sub = rng.random(len(toks)) < 0.1
            text = " ".join(words[int(rng.integers(len(words)))] if s else t for t, s in zip(toks, sub, strict=True))
        if truth is not None:
            truth.append((f"c{c:06d}-{kind}", f"a{src:06d}"))
        yield Document(f"c{c:06d}-{kind}", text)


class _StageTimer:
    """A scan progress callback: seconds from ``t0`` to the first compare (the candidate search,
    the ANN index built or grown included)."""

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.candidates_s = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage == "compare" and not self.candidates_s:
            self.candidates_s = time.perf_counter() - self.t0


def _peak_mb(*, reset: bool) -> int:
    """This process's peak RSS since the last reset (Linux: VmHWM, reset by /proc/self/clear_refs)."""
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) // 1024
    if reset:
        Path("/proc/self/clear_refs").write_text("5")
    return peak


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
    truth: list[tuple[str, str]] = []
    db = workdir / f"scale-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Store(db, settings=s) as st:
        t0 = time.perf_counter()
        add_documents(st, generate(n, copy_share, seed=n, truth=truth), settings=s)
        t_add = time.perf_counter() - t0  # generating the text included (~5% of it)
        add_peak = _peak_mb(reset=True)
        corpus = Corpus(st, settings=s)
        t0 = time.perf_counter()
        timer = _StageTimer(t0)
        found = {frozenset((p.a, p.b)) for p in corpus.scan(incremental=True, progress=timer)}
        t_scan = time.perf_counter() - t0
        scan_peak = _peak_mb(reset=False)
        compared, n_cands = corpus.compared, corpus.candidates
        # A stream: 1% more documents (half of them copies of stored ones), then a rescan that
        # compares only the pairs it has no saved result for.
        extra = [Document(f"new-{d.id}", d.text) for d in generate(n // 200, 0.0, seed=n + 1)] + [
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
        "documents": n + len(truth), "copies": len(truth), "add_s": round(t_add, 1),
        "candidates": n_cands, "candidates_s": round(timer.candidates_s, 1), "scan_s": round(t_scan, 1),
        "reuse_pairs": len(found), "copy_recall": round(recall, 4), "compared": compared,
        "stream_docs": len(extra), "stream_add_s": round(t_add_more, 1), "rescan_s": round(t_rescan, 1),
        "rescan_compared": corpus.compared, "rescan_new_reuse_pairs": len(found_again - found),
        "peak_rss_mb": round(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024),
        "add_peak_rss_mb": add_peak, "scan_peak_rss_mb": scan_peak,
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
          "(add / scan) | store MB | +1% docs: add s | rescan s | rescan / scan | rescan compared |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = 1000 * float(r["scan_s"]) / int(r["documents"])  # type: ignore[arg-type]
        print(f"| {r['documents']:,} | {r['add_s']} | {r['candidates']:,} | {r['candidates_s']} | {r['scan_s']} | "
              f"{per:.2f} | {r['copy_recall']} | {r['peak_rss_mb']} ({r['add_peak_rss_mb']} / {r['scan_peak_rss_mb']}) | "
              f"{r['db_mb']} | {r['stream_add_s']} | {r['rescan_s']} | "
              f"{100 * float(r['rescan_s']) / max(1e-9, float(r['scan_s'])):.0f}% | {r['rescan_compared']} |")
    if len(rows) > 1:
        growth = (float(rows[-1]["scan_s"]) / float(base["scan_s"])) / (int(rows[-1]["documents"]) / int(base["documents"]))  # type: ignore[arg-type]
        print(f"\nscan cost growth relative to linear ({base['documents']:,} -> {rows[-1]['documents']:,}): {growth:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
