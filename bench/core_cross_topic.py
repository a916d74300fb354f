"""Random BBC pairs across topics: how many does compare call reuse? (no pair should be)

    .venv/bin/python bench/core_cross_topic.py [--pairs 600] [--seed 0] [--lexical-only]

Draws ``--pairs`` random pairs of BBC articles from two different topic folders (seeded; pairs
whose normalised texts are identical are skipped, though across topics there are none), runs
``retold.compare`` with default settings (MiniLM) and prints the verdict counts, the number of
pairs with any passage, and each pair called reuse with its passages' text. Reads
../shared/data/bbc-news (exits 2 when it is missing).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"
TOPICS = ("business", "entertainment", "politics", "sport", "tech")


def read(f: Path) -> str:
    raw = f.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # sport/199.txt is latin-1
        return raw.decode("latin-1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lexical-only", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    from retold import Detector, Document, Settings

    files = {t: sorted((DATA / t).glob("*.txt")) for t in TOPICS}
    rng = random.Random(args.seed)
    settings = Settings().replace(match={"semantic": False}) if args.lexical_only else Settings()
    det = Detector(settings)
    verdicts: Counter[str] = Counter()
    with_passages, flagged = 0, []
    t0 = time.perf_counter()
    for _ in range(args.pairs):
        ta, tb = rng.sample(TOPICS, 2)
        fa, fb = rng.choice(files[ta]), rng.choice(files[tb])
        a = Document(f"{ta}/{fa.name}", read(fa))
        b = Document(f"{tb}/{fb.name}", read(fb))
        c = det.compare(a, b)
        verdicts[c.verdict] += 1
        with_passages += bool(c.passages)
        if c.is_reuse:
            flagged.append({"a": a.id, "b": b.id, "verdict": c.verdict,
                            "passages": [p.b.of(b.text)[:160] for p in c.passages]})
    report = {"pairs": args.pairs, "seed": args.seed, "verdicts": dict(sorted(verdicts.items())),
              "pairs_with_passages": with_passages, "called_reuse": flagged,
              "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{args.pairs} cross-topic BBC pairs (seed {args.seed}): {dict(sorted(verdicts.items()))}; "
              f"{with_passages} with passages; {len(flagged)} called reuse; {report['seconds']} s")
        for x in flagged:
            print(f"  {x['a']} / {x['b']}: {x['verdict']}: {x['passages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
