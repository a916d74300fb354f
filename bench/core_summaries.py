"""Abstractive summaries written by hand: how much of each summary retold aligns to its source.

    .venv/bin/python bench/core_summaries.py [--lexical-only]

Each file in bench/handwritten_summaries/ holds a 4-5 sentence summary of one BBC article whose
sentences fuse several source sentences (the hard case for sentence alignment). Prints the verdict,
the share of the summary's sentences aligned (reuse b) and the summary sentences left unaligned.
Reads ../shared/data/bbc-news (exits with a message when it is missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"
SUMMARIES = ROOT / "bench" / "handwritten_summaries"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lexical-only", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    from retold import Detector, Document, Settings

    settings = Settings().replace(match={"semantic": False}) if args.lexical_only else Settings()
    det = Detector(settings)
    aligned = total = 0
    for f in sorted(SUMMARIES.glob("*.json")):
        spec = json.loads(f.read_text(encoding="utf-8"))
        src = (DATA / spec["source"]).read_text(encoding="utf-8", errors="replace")
        c = det.compare(Document(spec["source"], src), Document(f.stem, spec["text"]))
        n = len(c.b_segments.sentences)
        got = len({j for p in c.passages for sp in p.pairs for j in sp.b})
        aligned, total = aligned + got, total + n
        print(f"{spec['source']}: {c.verdict}, {got}/{n} summary sentences aligned, reuse b {c.reuse_b:.2f}")
        for s in c.added:
            print(f"    unaligned: {spec['text'][s.start : s.end][:100]!r}")
    print(f"all: {aligned}/{total} summary sentences aligned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
