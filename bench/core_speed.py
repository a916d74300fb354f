"""Core compare speed: two ~800-word articles, warm, median and p90 (issue 2: median <= 150 ms).

    .venv/bin/python bench/core_speed.py [--runs 30] [--warmup 5] [--load-runs 3]

Pairs (built at run time from ../shared/data/bbc-news; exits with a message when it is missing):

* ``spun copy`` — tech/288.txt (800 words) against its split-join + spin + typography rewrite;
* ``paraphrase`` — the sources of the hand-written paraphrases in bench/handwritten/, paragraph
  by paragraph until the source reaches 800 words, against the paraphrased paragraphs;
* ``unrelated`` — tech/288.txt against tech/005.txt (804 words, same topic, different story).

Each pair is compared ``--runs`` times with one warm :class:`retold.Detector` (model loaded, the
process warmed with ``--warmup`` runs of every pair first); the time is the whole
``Detector.compare`` call (normalise, segment, match with embeddings, align, attribute). Then the
same with ``match.semantic = False`` (lexical only). The model load time is measured in fresh
processes: ``import retold`` and loading all-MiniLM-L6-v2 (torch import included) up to the first
encoded sentence. The load average is printed: other work on the machine slows every wall-clock
figure; the CPU time of the process (all its threads) is printed too, as it moves less under load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import core_gold as cg
from core_quality import DATA, HANDWRITTEN, read_bbc

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
import retold
from retold.embed import get_embedder
t1 = time.perf_counter()
emb = get_embedder(retold.Settings().embed)
emb.encode(["The minister said the plan would cost more."])
t2 = time.perf_counter()
import json, torch
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "threads": torch.get_num_threads()}))
"""


def pairs() -> dict[str, tuple[str, str]]:
    base = read_bbc(DATA / "tech" / "288.txt")
    spun = cg.make_copy(
        "split-join+spin+typography",
        cg.Article.parse("tech/288.txt", base),
        cg.Article.parse("x", "x"),
        random.Random("speed"),
    )
    src_paras: list[str] = []
    para_paras: list[str] = []
    words = 0
    for f in sorted(HANDWRITTEN.glob("*.json")):
        spec = json.loads(f.read_text(encoding="utf-8"))
        art = cg.Article.parse(spec["source"], read_bbc(DATA / spec["source"]))
        for i, j in spec["alignment"]:
            if words >= 800:
                break
            s, e = art.paragraph_span(i)
            src_paras.append(art.text[s:e])
            para_paras.append(spec["paragraphs"][j])
            words += len(src_paras[-1].split())
    other = read_bbc(DATA / "tech" / "005.txt")
    return {
        "spun copy": (base, spun.text),
        "paraphrase": ("\n\n".join(src_paras), "\n\n".join(para_paras)),
        "unrelated": (base, other),
    }


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--load-runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2

    print(
        f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
        f"cpus: {os.cpu_count()}"
    )
    loads = []
    for _ in range(args.load_runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], capture_output=True, text=True, check=True)
        loads.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if loads:
        print(
            f"cold start ({len(loads)} fresh processes, median): import retold "
            f"{statistics.median(x['import'] for x in loads) * 1000:.0f} ms; model import + load + first encode "
            f"{statistics.median(x['load'] for x in loads):.2f} s; torch threads {loads[0]['threads']}"
        )

    from retold import Detector, Document, Settings

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
        print(f"torch threads set to {args.threads}")
    ps = pairs()
    print(
        "\n| pair | words a / b | settings | verdict | median ms | p90 ms | min ms | match ms (median) "
        "| CPU ms (median, all threads) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, settings in (
        ("default", Settings()),
        ("lexical only", Settings().replace(match={"semantic": False})),
    ):
        det = Detector(settings)
        docs = {k: (Document(id="a", text=a), Document(id="b", text=b)) for k, (a, b) in ps.items()}
        for _ in range(args.warmup):
            for a, b in docs.values():
                det.compare(a, b)
        for name, (a, b) in docs.items():
            times, match, cpu = [], [], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                c = det.compare(a, b)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                match.append(c.timings.get("match", 0.0))
            print(
                f"| {name} | {len(a.text.split())} / {len(b.text.split())} | {label} | {c.verdict} | "
                f"{statistics.median(times) * 1000:.0f} | {pct(times, 0.9) * 1000:.0f} | {min(times) * 1000:.0f} | "
                f"{statistics.median(match) * 1000:.0f} | {statistics.median(cpu) * 1000:.0f} |"
            )
    print(f"\nload average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
