"""Corpus acceptance on BBC News: index 2,225 articles, inject 300 synth copies, scan, query.

    .venv/bin/python bench/corpus_bbc.py [--embedder minilm|hash] [--copies 300] [--queries 100]

Steps (each timed): ``retold add`` of the BBC folder in a subprocess (start-up, model load and
document vectors included); the 300 derived copies from ``retold.synth.copies.generate`` added through
the library; ``Corpus.scan()`` over everything; ``Corpus.query`` p50/p90 for sampled articles.
Then recall per obfuscation, the 98 exact-duplicate groups, and false pairs: a found pair outside
the gold counts as real reuse only when shared 8-word sequences cover 20% of the shorter article
(``false_pairs``); the older, lenient rule (any 2 shared 8-word sequences, which also excuses two
reports quoting one sentence) is reported beside it (``false_pairs_lenient``). Reads
../shared/data/bbc-news (exits with a message when it is missing); writes only under out/bench/.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"
LEXICAL = ("verbatim", "excerpt", "reorder", "spin")
SEMANTIC = ("summary", "rewrite")


STRICT_COVER = 0.2


def shared_cover(a: str, b: str, *, n: int = 8) -> float:
    """Share of the shorter text's words inside an n-word sequence that the other text also has."""
    import re

    wa, wb = (re.findall(r"\w+", t.lower()) for t in (a, b))
    if len(wa) > len(wb):
        wa, wb = wb, wa
    other = {tuple(wb[i : i + n]) for i in range(len(wb) - n + 1)}
    covered = [False] * len(wa)
    for i in range(len(wa) - n + 1):
        if tuple(wa[i : i + n]) in other:
            covered[i : i + n] = [True] * n
    return sum(covered) / max(1, len(wa))


@dataclass(frozen=True, slots=True)
class _Pair:
    a: str
    b: str


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="minilm", choices=["minilm", "hash"])
    ap.add_argument("--copies", type=int, default=300)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="reuse an existing store (skip the add step)")
    ap.add_argument("--rescore", action="store_true",
                    help="with --keep: take verdicts from the last scan stored in DB instead of comparing again")
    ap.add_argument("--index-only", action="store_true", help="only time `retold add` of the BBC folder")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    out = ROOT / "out" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"bbc-{args.embedder}.db"
    report: dict[str, object] = {"embedder": args.embedder}

    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "retold"), "add", str(db), str(DATA), "--embedder",
                        args.embedder, "--quiet"], check=True)
        report["index_bbc_seconds"] = round(time.perf_counter() - t0, 2)
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds are what a busy shared machine inflates least; on 2 idle cores wall >= cpu / 2.
        report["index_bbc_cpu_seconds"] = round(ru.ru_utime + ru.ru_stime, 2)
        print(f"indexed BBC (retold add, end to end): {report['index_bbc_seconds']} s wall, "
              f"{report['index_bbc_cpu_seconds']} s CPU", flush=True)

    if args.index_only:
        print(json.dumps(report, indent=2))
        return 0

    from retold.config import Settings
    from retold.corpus.archive import Corpus, add_documents
    from retold.store import Store
    from retold.synth.copies import generate, ngrams
    from retold.synth.io import read_articles
    from retold.synth.wordnet import WordNet
    from retold.types import Document

    settings = Settings().replace(embed={"backend": args.embedder})
    articles = read_articles(DATA)
    th = WordNet.open() if WordNet.available() else None
    synth = generate(articles, n=args.copies, seed=args.seed, negative_share=0.0, thesaurus=th,
                     id_format="synth/{i:04d}-{obfuscation}.txt")
    # Store ids are paths relative to the folder ("sport/199.txt"); synth ids join them with "-".
    store_id = {a.id: a.id.replace("-", "/", 1) for a in articles}

    with Store(db, settings=settings) as store:
        if args.keep:
            # The synth generator may have changed since the store was built: replace stale copies.
            now = {d.id: d.text for d in synth.derived}
            old = [i for i in store.ids() if i.startswith("synth/")]
            stale = [i for i in old if i not in now or store.get(i).text != now[i]]
            for i in stale:
                store.delete(i)
            fresh = [Document(d.id, d.text, date=d.date) for d in synth.derived if d.id not in set(old) - set(stale)]
            add_documents(store, fresh, settings=settings)
            report["replaced_copies"] = len(fresh)
        if not args.keep:
            t0 = time.perf_counter()
            docs = [Document(d.id, d.text, date=d.date) for d in synth.derived]
            add_documents(store, docs, settings=settings)
            report["add_copies_seconds"] = round(time.perf_counter() - t0, 2)
        corpus = Corpus(store, settings=settings)
        t0 = time.perf_counter()
        cands = corpus.all_candidates()
        t_cand = time.perf_counter() - t0
        if args.rescore:
            # Verdicts of the previous scan (same settings digest) for the current candidates:
            # evaluates a change of candidate thresholds without re-running every compare.
            stored = {(a, b): v for a, b, v in store.db.execute("SELECT a, b, verdict FROM pairs")}
            ids = dict(store.db.execute("SELECT rowid, id FROM documents").fetchall())
            missing = [c for c in cands if (c.a, c.b) not in stored]
            report["rescore_compared_pairs"] = len(missing)
            rows = []
            for c in missing:
                cmp = corpus.detector.compare_prepared(corpus._prepare(c.a), corpus._prepare(c.b))
                stored[(c.a, c.b)] = cmp.verdict
                rows.append((c.a, c.b, cmp.verdict, cmp.source, max(cmp.reuse_a, cmp.reuse_b), {"verdict": cmp.verdict}))
            store.save_pairs(rows, digest=settings.digest())
            pairs = [_Pair(ids[c.a], ids[c.b]) for c in cands if stored.get((c.a, c.b)) in ("copy", "partial-reuse")]
        else:
            pairs = list(corpus.scan())
        report["scan_seconds"] = round(time.perf_counter() - t0, 2)
        report["candidates"] = len(cands)
        report["candidate_seconds"] = round(t_cand, 2)
        report["reuse_pairs"] = len(pairs)
        print(f"scan: {len(cands)} candidates, {len(pairs)} reuse pairs in {report['scan_seconds']} s", flush=True)

        # Query latency: articles and copies given as new documents (their own id excluded).
        rnd = random.Random(args.seed)
        ids = rnd.sample(store.ids(), min(args.queries, len(store)))[: args.queries]
        lat, cpu = [], []
        if ids:
            corpus.query(store.get(ids[0]))  # warm the embedder and the ANN index
        for i in ids:
            d = store.get(i)
            t0, c0 = time.perf_counter(), time.process_time()
            corpus.query(d)
            lat.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        lat.sort()
        if lat:
            report["query_p50_cpu_ms"] = round(1000 * statistics.median(cpu), 1)
            report["query_p50_ms"] = round(1000 * statistics.median(lat), 1)
            report["query_p90_ms"] = round(1000 * lat[int(0.9 * (len(lat) - 1))], 1)
            print(f"query p50 {report['query_p50_ms']} ms (CPU {report['query_p50_cpu_ms']} ms), "
                  f"p90 {report['query_p90_ms']} ms", flush=True)

        # Exact-duplicate groups among the originals.
        by_text: dict[str, list[str]] = defaultdict(list)
        for a in articles:
            by_text[a.text.strip()].append(store_id[a.id])
        groups = [sorted(g) for g in by_text.values() if len(g) > 1]

    found = {frozenset((p.a, p.b)) for p in pairs}
    dup_of: dict[str, set[str]] = defaultdict(set)
    for g in groups:
        for x in g:
            dup_of[x] = set(g)
    groups_found = sum(all(frozenset((x, y)) in found for x in g for y in g if x < y) for g in groups)

    def same(x: str) -> set[str]:
        return dup_of.get(x) or {x}

    recall: dict[str, list[int]] = defaultdict(list)
    true_pairs: set[frozenset[str]] = set()
    for g in groups:
        true_pairs |= {frozenset((x, y)) for x in g for y in g if x < y}
    derived_sources: dict[str, set[str]] = {}
    for d in synth.derived:
        srcs = {s for c in d.cases for s in same(store_id[c.source_id])}
        derived_sources[d.id] = srcs
        true_pairs |= {frozenset((d.id, s)) for s in srcs}
        primary = same(store_id[d.sources[0]])
        recall[d.obfuscation].append(int(any(frozenset((d.id, s)) in found for s in primary)))
    # Two copies of one source reuse each other too.
    dl = list(derived_sources.items())
    for i, (x, sx) in enumerate(dl):
        for y, sy in dl[i + 1 :]:
            if sx & sy:
                true_pairs.add(frozenset((x, y)))
    # BBC holds near-duplicates beyond the 98 exact groups (updated stories). Which pairs outside
    # the gold are real reuse? Two rules, both reported:
    # * lenient (the figure before issue 12): 2 or more shared 8-word sequences. Two reports of one
    #   event quoting the same 16-word sentence pass it, so it rescues exactly the same-story pairs
    #   the detector should not report;
    # * strict (the headline figure since): the shared 8-word sequences cover at least
    #   STRICT_COVER of the shorter article's words: verbatim or spun passages (a spinner that swaps
    #   14% of the words leaves ~30% of 8-grams whole), never one shared quote or a stock phrase.
    texts = {store_id[a.id]: a.text for a in articles} | {d.id: d.text for d in synth.derived}
    found = {p for p in found if all(x in texts for x in p)}
    outside = [sorted(p) for p in found if p not in true_pairs]
    lenient_real = [p for p in outside if len(ngrams(texts[p[0]]) & ngrams(texts[p[1]])) >= 2]
    real = [p for p in outside if shared_cover(texts[p[0]], texts[p[1]]) >= STRICT_COVER]
    false = [p for p in outside if p not in real]
    lenient_false = [p for p in outside if p not in lenient_real]
    among_originals = [p for p in false if not any(x.startswith("synth/") for x in p)]
    report["reuse_outside_gold_with_shared_8grams"] = len(lenient_real)
    report["reuse_outside_gold_strict"] = len(real)
    report["false_pairs_lenient"] = len(lenient_false)
    report["false_pair_share_lenient"] = round(len(lenient_false) / max(1, len(found)), 4)
    report["strict_cover"] = STRICT_COVER
    report["rescued_by_lenient_only"] = [p for p in lenient_real if p not in real]
    report["duplicate_groups"] = len(groups)
    report["duplicate_groups_found"] = groups_found
    report["recall"] = {k: round(sum(v) / len(v), 3) for k, v in sorted(recall.items())}
    report["recall_counts"] = {k: f"{sum(v)}/{len(v)}" for k, v in sorted(recall.items())}
    for name, keys in (("lexical_group", LEXICAL), ("semantic_group", SEMANTIC)):
        vals = [x for k in keys for x in recall.get(k, [])]
        report[f"recall_{name}"] = round(sum(vals) / max(1, len(vals)), 3)
    report["false_pairs"] = len(false)
    report["false_pairs_among_originals"] = len(among_originals)
    report["false_pair_share"] = round(len(false) / max(1, len(found)), 4)
    report["false_examples"] = false
    print(json.dumps(report, indent=2))
    (out / f"corpus_bbc-{args.embedder}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
