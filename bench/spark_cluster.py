"""Batch scan wall time: local engine, Spark local[N], and a real standalone cluster of 1 and 2 workers.

    .venv/bin/python bench/spark_cluster.py                      # 20,000 articles, every run
    .venv/bin/python bench/spark_cluster.py --n 3000 --runs local1,local2,cluster1,cluster2

Runs (each a child process started with PYTHONHASHSEED=0; wall time is the whole child, Spark's
driver JVM start-up included; a cluster's own start-up is not counted):

* ``local1``, ``local2``: ``--engine local`` with 1 and 2 processes;
* ``spark1``, ``spark2``: Spark ``local[1]`` and ``local[2]`` (one JVM, executor threads);
* ``cluster1``, ``cluster2``: a standalone master and 1 or 2 workers on 127.0.0.1 (one core and
  1 GB each; ``retold.batch.cluster.standalone_cluster``), the scan submitted to ``spark://…``.

Then a per-stage profile (``--profile``, default ``spark2,cluster2``): the same scan with a
checkpoint folder, so each stage is materialised as Parquet and its time read from the engine's
``stage NAME done in S s`` log lines (as bench/spark_stages.py); "read + check" is what came before
the first stage. Outputs of all runs are checked to be byte-identical. The corpus comes from
``retold.synth.corpus`` (30% rewritten copies), hashing embedder. Needs pyspark and Java 17.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

RUNS = {"local1": ("local", 1), "local2": ("local", 2), "spark1": ("spark", 1), "spark2": ("spark", 2),
        "cluster1": ("cluster", 1), "cluster2": ("cluster", 2)}
LABELS = {"local": "local engine, {w} process{es}", "spark": "Spark local[{w}]",
          "cluster": "standalone cluster, {w} worker{s}"}


class StageTimes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.stages: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        m = re.match(r"stage (\S+) done in ([\d.]+) s", record.getMessage())
        if m:
            self.stages[m.group(1)] = float(m.group(2))


def child(engine: str, workers: int, master: str, corpus: str, out: str, ck: str) -> None:
    from retold.batch.local import scan_corpus
    from retold.config import Settings

    handler = StageTimes()
    log = logging.getLogger("retold.spark")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    settings = Settings().replace(embed={"backend": "hash"})
    t0 = time.perf_counter()
    session_s = 0.0
    if engine == "spark":
        from retold.batch.spark import get_session

        conf = {"spark.driver.memory": "4g"} if master.startswith("local") else {}
        get_session(master=master, workers=workers, conf=conf).sparkContext.setLogLevel("ERROR")
        session_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    s = scan_corpus(corpus, out, engine=engine, settings=settings, workers=workers,  # type: ignore[arg-type]
                    master=master or None, checkpoint_dir=ck or None)
    scan_s = time.perf_counter() - t1
    print(json.dumps({"session_s": round(session_s, 1), "scan_s": round(scan_s, 1), "stages": handler.stages,
                      "candidates": s.candidates, "pairs": s.pairs}))


def measure(name: str, corpus: str, tmp: Path, *, profile: bool) -> dict:
    from retold.batch.cluster import standalone_cluster

    kind, workers = RUNS[name]
    engine = "local" if kind == "local" else "spark"
    out, ck = tmp / f"{name}{'-profile' if profile else ''}.jsonl", tmp / f"ck-{name}" if profile else ""
    with ExitStack() as stack:
        env, master = {**os.environ, "PYTHONHASHSEED": "0"}, f"local[{workers}]" if kind == "spark" else ""
        if kind == "cluster":
            t0 = time.perf_counter()
            cluster = stack.enter_context(standalone_cluster(workers=workers))
            print(f"{name}: cluster of {workers} up in {time.perf_counter() - t0:.1f} s ({cluster.master_url})",
                  file=sys.stderr)
            env, master = cluster.client_env(env), cluster.master_url
        cmd = [sys.executable, __file__, "--child", engine, str(workers), master, corpus, str(out), str(ck)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed with status {proc.returncode}:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    stages = r["stages"]
    r |= {"run": name, "kind": kind, "workers": workers, "wall_s": round(wall, 1), "profile": profile,
          "sha": hashlib.sha256(out.read_bytes()).hexdigest()[:12]}
    if profile:
        r["read_check_s"] = round(r["scan_s"] - sum(stages.values()), 1)
    return r


def label(r: dict) -> str:
    w = r["workers"]
    return LABELS[r["kind"]].format(w=w, es="es" if w > 1 else "", s="s" if w > 1 else "")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), *sys.argv[4:8])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000, help="articles (default 20000; 2000-5000 on a busy 2-core box)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated, of {', '.join(RUNS)}")
    ap.add_argument("--profile", default="spark2,cluster2", help="runs to repeat with per-stage times ('' for none)")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()
    from retold.synth.corpus import generate_corpus, write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        recs, truth = generate_corpus(args.n, seed=args.seed)
        corpus = str(write_jsonl(recs, Path(tmp) / "corpus.jsonl"))
        print(f"generated {args.n} articles ({len(truth)} rewrites) in {time.perf_counter() - t0:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
        results = []
        for name, profile in [(x, False) for x in args.runs.split(",") if x] + \
                             [(x, True) for x in args.profile.split(",") if x]:
            r = measure(name, corpus, Path(tmp), profile=profile)
            print(json.dumps(r), file=sys.stderr)
            results.append(r)
    timed = {r["run"]: r for r in results if not r["profile"]}
    print(f"{args.n} articles, hashing embedder; load average at the end {os.getloadavg()[0]:.1f}\n")
    print("| run | wall (s) | Spark session start (s) | scan (s) | candidates | pairs |\n|---|---|---|---|---|---|")
    for r in timed.values():
        session = r["session_s"] if r["kind"] != "local" else "-"
        print(f"| {label(r)} | **{r['wall_s']}** | {session} | {r['scan_s']} | {r['candidates']} | {r['pairs']} |")
    ratios = [("Spark local[2] vs local[1]", "spark1", "spark2", 1.6), ("cluster 2 workers vs 1", "cluster1", "cluster2", 1.6),
              ("local engine 2 vs 1 process", "local1", "local2", None)]
    lines = [f"* {text}: {timed[a]['wall_s'] / timed[b]['wall_s']:.2f}x faster"
             + (f" (target >= {t}x)" if t else "") for text, a, b, t in ratios if a in timed and b in timed]
    for spark in ("spark1", "spark2", "cluster1", "cluster2"):
        local = f"local{spark[-1]}"
        if spark in timed and local in timed:
            lines.append(f"* {label(timed[spark])} / {label(timed[local])}: "
                         f"{timed[spark]['wall_s'] / timed[local]['wall_s']:.2f}x the wall time (target <= 1.3x)")
    print("\n" + "\n".join(lines))
    for r in (r for r in results if r["profile"]):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        print(f"\nper stage, {label(r)} (with a checkpoint folder), seconds: session start {r['session_s']}, "
              f"read + check {r['read_check_s']}, {stages}; scan {r['scan_s']}, wall {r['wall_s']}")
    same = len({r["sha"] for r in results}) == 1
    print(f"\noutputs byte-identical across runs: {same} (sha256 {results[0]['sha'] if results else '-'})")
    if args.json:
        Path(args.json).write_text(json.dumps({"n": args.n, "results": results}, indent=1))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
