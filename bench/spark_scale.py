"""Batch scan on a generated corpus: local engine vs Spark local[1] vs local[2], wall time and peak memory.

    .venv/bin/python bench/spark_scale.py --n 20000            # all four runs, a Markdown table
    .venv/bin/python bench/spark_scale.py --n 2000 --runs local1,spark2

Each run is a child process started with PYTHONHASHSEED=0; its peak memory is the largest sum of
the resident set sizes of the child and all its descendants (the JVM and Spark's Python workers
included), polled from /proc every 0.2 s. Outputs of all runs are checked to be byte-identical.
The corpus comes from ``retold.synth.corpus`` (30% rewritten copies); the embedder is the hashing
fake unless ``--embed minilm`` (MiniLM would add ~n/140 s of document vectors on 2 cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = {"local1": ("local", 1), "local2": ("local", 2), "spark1": ("spark", 1), "spark2": ("spark", 2)}


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 once it is gone)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def child(engine: str, workers: int, corpus: str, out: str, embed: str) -> None:
    from retold.batch.local import scan_corpus
    from retold.config import Settings

    settings = Settings().replace(embed={"backend": embed})
    if engine == "spark":
        from retold.batch.spark import get_session

        get_session(master=f"local[{workers}]", workers=workers, conf={"spark.driver.memory": "4g"})
    s = scan_corpus(corpus, out, engine=engine, settings=settings, workers=workers)  # type: ignore[arg-type]
    print(json.dumps(s.to_dict()))


def measure(engine: str, workers: int, corpus: str, out: str, embed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, __file__, "--child", engine, str(workers), corpus, out, embed]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{engine} x{workers} failed with status {proc.returncode}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()[:12]
    return {"engine": engine, "workers": workers, "wall_s": round(wall, 1), "scan_s": summary["seconds"],
            "peak_rss_mb": round(peak / 2**20), "pairs": summary["pairs"], "candidates": summary["candidates"],
            "sha": digest}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", default="local1,local2,spark1,spark2")
    ap.add_argument("--embed", choices=("hash", "minilm"), default="hash")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()
    from retold.synth.corpus import generate_corpus, write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        recs, truth = generate_corpus(args.n, seed=args.seed)
        corpus = str(write_jsonl(recs, Path(tmp) / "corpus.jsonl"))
        print(f"generated {args.n} articles ({len(truth)} rewrites) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        results = []
        for name in args.runs.split(","):
            engine, workers = RUNS[name]
            r = measure(engine, workers, corpus, str(Path(tmp) / f"{name}.jsonl"), args.embed)
            print(json.dumps(r), file=sys.stderr)
            results.append(r)
    same = len({r["sha"] for r in results}) == 1
    print("| run | wall (s) | scan (s) | peak RSS, process tree (MiB) | candidates | pairs |\n|---|---|---|---|---|---|")
    for r in results:
        label = f"local, {r['workers']} process{'es' if r['workers'] > 1 else ''}" if r["engine"] == "local" else f"Spark local[{r['workers']}]"
        print(f"| {label} | {r['wall_s']} | {r['scan_s']} | {r['peak_rss_mb']} | {r['candidates']} | {r['pairs']} |")
    print(f"\noutputs byte-identical across runs: {same}")
    if args.json:
        Path(args.json).write_text(json.dumps({"n": args.n, "embed": args.embed, "results": results}, indent=1))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
