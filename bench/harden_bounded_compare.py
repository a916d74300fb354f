"""Two maximum-size documents (ingest.max_document_chars each) compared: seconds and peak RSS.

    nice .venv/bin/python bench/harden_bounded_compare.py
    nice .venv/bin/python bench/harden_bounded_compare.py --kinds repetitive --max-sentences 6000

Issue 13 asks for <= 30 s and <= 1.5 GB. Each pair runs in a fresh subprocess so its peak RSS is
its own. Kinds: ``repetitive`` (12-word sentences over a 13-word vocabulary: every sentence is a
candidate for every other, the matcher's worst case), ``natural`` (BBC articles concatenated,
from ../shared/data/bbc-news), ``dots`` (runs of full stops and quotes: finding 1's input at
full size) and ``one-line`` (no space, no full stop). b is a shifted window of the same text, so
there is reuse to align. Hash embedder, lexical and semantic passes on. Figures in
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "bbc-news"
WORDS = "minister plan cost billion pounds said council river house market court police school".split()
KINDS = ("repetitive", "natural", "dots", "one-line")


def text_of(kind: str, n: int) -> str:
    if kind == "repetitive":
        rnd = random.Random(1)
        out, size = [], 0
        while size < n:
            s = " ".join(rnd.choice(WORDS) for _ in range(12)).capitalize() + "."
            out.append(s)
            size += len(s) + 1
        return " ".join(out)[:n]
    if kind == "natural":
        files = sorted(DATA.rglob("*.txt"))
        if not files:
            raise SystemExit(f"missing {DATA}: the BBC articles are needed for the natural pair")
        text, k = "", 0
        while len(text) < n:
            text += files[k % len(files)].read_text(errors="replace") + "\n\n"
            k += 1
        return text[:n]
    if kind == "dots":
        return ('Stop. "' + "." * 997 + '" Then ')[:1000] * (n // 1000)
    return ("wordwithoutspace" * (n // 16 + 1))[:n]


def one(kind: str, max_sentences: int | None) -> None:
    from retold.config import Settings
    from retold.pipeline import Detector

    settings = Settings().replace(embed={"backend": "hash"})
    if max_sentences:
        settings = settings.replace(segment={"max_sentences": max_sentences})
    n = settings.ingest.max_document_chars
    full = text_of(kind, 2 * n)
    a, b = full[:n], full[n // 2 : n // 2 + n]
    t0 = time.perf_counter()
    c = Detector(settings).compare(a, b)
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "chars": [len(a), len(b)], "sentences": [len(c.a_segments.sentences),
                      len(c.b_segments.sentences)], "truncated": list(c.truncated), "verdict": c.verdict,
                      "seconds": round(seconds, 1), "peak_rss_mb": round(rss_mb)}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--max-sentences", type=int, help="segment.max_sentences (default: the setting's)")
    ap.add_argument("--one", choices=KINDS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args.one, args.max_sentences)
        return 0
    print(f"{'kind':<11} {'chars a / b':>17} {'sentences a / b':>16} {'truncated':>9} {'seconds':>8} {'peak RSS':>9}  verdict")
    worst_s = worst_mb = 0.0
    for kind in args.kinds:
        cmd = [sys.executable, __file__, "--one", kind]
        if args.max_sentences:
            cmd += ["--max-sentences", str(args.max_sentences)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        worst_s, worst_mb = max(worst_s, r["seconds"]), max(worst_mb, r["peak_rss_mb"])
        print(f"{kind:<11} {r['chars'][0]:>8,d} / {r['chars'][1]:<7,d} {r['sentences'][0]:>7,d} / {r['sentences'][1]:<6,d} "
              f"{','.join(r['truncated']) or '-':>9} {r['seconds']:>8.1f} {r['peak_rss_mb']:>6,d} MB  {r['verdict']}",
              flush=True)
    ok = worst_s <= 30 and worst_mb <= 1536
    print(f"slowest {worst_s:.1f} s, largest peak RSS {worst_mb:,.0f} MB: {'within' if ok else 'OVER'} 30 s / 1.5 GB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
