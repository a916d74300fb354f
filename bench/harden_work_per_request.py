"""How long one compare takes as documents grow: the work one request or `retold compare` can cause.

    .venv/bin/python bench/harden_work_per_request.py --sizes 100000 400000

Two inputs per size: natural news text (BBC articles from ../shared/data/bbc-news, concatenated)
and adversarial text (12-word sentences over a 13-word vocabulary, so every sentence is a
candidate for every other). b is the second half of a shifted window, so there is reuse to align.
Hash embedder. Figures in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from retold.config import Settings
from retold.pipeline import Detector

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bbc-news"
WORDS = "minister plan cost billion pounds said council river house market court police school".split()


def repetitive(n: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n:
        s = " ".join(rnd.choice(WORDS) for _ in range(12)).capitalize() + "."
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 100_000, 200_000])
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC articles are needed for the natural-text rows", file=sys.stderr)
        return 2
    files = sorted(DATA.rglob("*.txt"))
    natural = "\n\n".join(f.read_text(errors="replace") for f in files[:800])
    det = Detector(Settings().replace(embed={"backend": "hash"}))
    print(f"{'kind':12s} {'chars a':>9s} {'chars b':>9s} {'seconds':>8s}  verdict")
    for n in args.sizes:
        for kind, text in (("natural", natural), ("repetitive", repetitive(2 * n))):
            a, b = text[:n], text[n // 2 : n // 2 + n]
            t0 = time.perf_counter()
            c = det.compare(a, b)
            print(f"{kind:12s} {len(a):9,d} {len(b):9,d} {time.perf_counter() - t0:8.1f}  {c.verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
