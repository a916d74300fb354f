"""Spark batch scan, time per stage: session start, reading and counting, then each stage.

    .venv/bin/python bench/spark_stages.py [--n 2000] [--workers 2] [--seed 0] [--embed hash|minilm]

Generates ``--n`` articles with ``retold.synth.corpus`` (30% rewritten copies, as
bench/spark_scale.py), starts a Spark ``local[--workers]`` session (timed), then runs
``retold.batch.local.scan_corpus(engine="spark", checkpoint_dir=...)`` and reads each stage's time from
the engine's ``stage NAME done in S s`` log lines; "read + count" is what the scan spent before
its first stage (reading the JSONL, checking records, counting). Needs pyspark and Java 17.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
from pathlib import Path


class StageTimes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.stages: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        m = re.match(r"stage (\S+) done in ([\d.]+) s", record.getMessage())
        if m:
            self.stages[m.group(1)] = float(m.group(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embed", choices=("hash", "minilm"), default="hash")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from retold import Settings
    from retold.batch.local import scan_corpus
    from retold.batch.spark import get_session
    from retold.synth.corpus import generate_corpus, write_jsonl

    handler = StageTimes()
    log = logging.getLogger("retold.spark")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    settings = Settings().replace(embed={"backend": args.embed})
    with tempfile.TemporaryDirectory() as tmp:
        src = write_jsonl(generate_corpus(args.n, seed=args.seed)[0], Path(tmp) / "corpus.jsonl")
        t0 = time.perf_counter()
        get_session(workers=args.workers)
        session_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = scan_corpus(src, Path(tmp) / "pairs.jsonl", engine="spark", workers=args.workers, settings=settings,
                        checkpoint_dir=Path(tmp) / "ck", clusters_path=Path(tmp) / "clusters.jsonl")
        scan_s = time.perf_counter() - t0
    report = {"n": args.n, "workers": args.workers, "embed": args.embed, "session_start_s": round(session_s, 1),
              "read_and_count_s": round(scan_s - sum(handler.stages.values()), 1),
              "stages_s": handler.stages, "scan_s": round(scan_s, 1), "candidates": s.candidates, "pairs": s.pairs}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in handler.stages.items())
        print(f"Spark local[{args.workers}], {args.n} articles ({args.embed}): session start {session_s:.1f} s, "
              f"read + count {report['read_and_count_s']} s, {stages}; scan {scan_s:.1f} s, "
              f"{s.candidates} candidates, {s.pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
