"""Precision on same-story pairs: independent BBC reports of one event must not read as reuse.

    .venv/bin/python bench/core_same_story.py [--topic politics] [--pairs 60]

Pairs of different articles of one topic whose lead sentences are closest (MiniLM cosine of the
first three sentences > 0.6) are labelled by whether they share at least two 8-word sequences
(``reuse``) or not (``indep``), then compared with default settings. Prints the confusion of
label and verdict, and the independent pairs reported as reuse. Reads ../shared/data/bbc-news.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

import numpy as np

from retold import Detector, Document, Settings
from retold.segment import segment

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc-news"


def grams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[k : k + n]) for k in range(len(w) - n + 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--topic", default="politics")
    ap.add_argument("--pairs", type=int, default=60)
    args = ap.parse_args()
    folder = DATA / args.topic
    if not folder.is_dir():
        print(f"missing {folder}: the BBC News data set is needed (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    files = sorted(folder.glob("*.txt"))
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    norm = [" ".join(re.findall(r"\w+", t.lower())) for t in texts]
    det = Detector(Settings())
    leads = [" ".join(s.norm for s in segment(t).sentences[:3]) for t in texts]
    v = det.embedder.encode(leads)
    sim = v @ v.T
    cands = sorted(
        ((float(sim[i, j]), i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))
         if sim[i, j] > 0.6 and norm[i] != norm[j]),
        reverse=True,
    )[: args.pairs]
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for c, i, j in cands:
        shared = len(grams(texts[i]) & grams(texts[j]))
        label = "reuse" if shared >= 2 else "indep"
        r = det.compare(Document(files[i].name, texts[i]), Document(files[j].name, texts[j]))
        counts[(label, r.verdict)] += 1
        if label == "indep" and r.is_reuse:
            print(f"indep but {r.verdict}: {files[i].name} {files[j].name} (lead cosine {c:.2f})")
        elif label == "reuse" and not r.is_reuse:
            print(f"reuse but {r.verdict}: {files[i].name} {files[j].name} ({shared} shared 8-grams)")
    for (label, verdict), n in sorted(counts.items()):
        print(f"{label:6s} {verdict:14s} {n}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
