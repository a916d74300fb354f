"""``python -m retold.spark CORPUS OUT.jsonl`` — the batch scan on Spark, also usable from spark-submit.

Under ``spark-submit`` the master, memory and executors come from its command line (this script
never overrides them); run directly, it starts ``local[--workers]``. It prints the summary as one
JSON object on stdout; logs go to stderr. Example::

    spark-submit --master yarn --deploy-mode client \\
        --conf spark.executorEnv.PYTHONHASHSEED=0 \\
        "$(python -c 'import retold.spark.__main__ as m; print(m.__file__)')" \\
        hdfs:///news/2024.parquet out.jsonl --checkpoint-dir hdfs:///tmp/retold-ck
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from retold.batch.local import STAGES, scan_corpus
from retold.config.files import load_settings
from retold.errors import RetoldError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m retold.spark", description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="corpus: JSONL or Parquet with id, text and optional date, title, url, outlet")
    p.add_argument("output", help="output JSONL (the `retold scan` contract), sorted by (a, b)")
    p.add_argument("--master", default=None, help="Spark master URL (default: spark-submit's, else local[WORKERS])")
    p.add_argument("--workers", type=int, default=2, help="N of local[N] when no master is given (default 2)")
    p.add_argument("--checkpoint-dir", default=None, help="Parquet per stage; re-run with the same folder to resume")
    p.add_argument("--clusters", default=None, help="also write reprint clusters (JSONL) to this file")
    p.add_argument("--all", action="store_true", help="also write same-story and unrelated pairs")
    p.add_argument("--stop-after", choices=STAGES, default=None, help="stop after this stage (checkpointed)")
    p.add_argument("--embed", choices=("minilm", "hash"), default=None, help="embedder (default: settings)")
    p.add_argument("--no-semantic", action="store_true", help="lexical candidates only (no document vectors)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # RETOLD_CONFIG (a TOML file) and RETOLD_<GROUP>__<KEY> variables apply, as for the CLI.
    settings = load_settings(overrides=None if args.embed is None else {"embed": {"backend": args.embed}})
    try:
        summary = scan_corpus(
            args.input, args.output, engine="spark", settings=settings, workers=args.workers,
            checkpoint_dir=args.checkpoint_dir, include_all=args.all, clusters_path=args.clusters,
            options=replace(settings.batch, semantic=not args.no_semantic),
            stop_after=args.stop_after, master=args.master,
        )
    except RetoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
