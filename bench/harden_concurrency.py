"""`retold add` in another process while HTTP clients read and write the same store, bigger than the test.

    .venv/bin/python bench/harden_concurrency.py --records 10000 --clients 8 --seconds 60

Runs ``hammer`` from tests/test_harden_concurrency.py and prints requests by status, how many
overlapped the add, the add summary and SQLite's integrity check. Figures in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_harden_concurrency import hammer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        t0 = time.monotonic()
        got = hammer(Path(d) / "bench.db", add_records=args.records, clients=args.clients, seconds=args.seconds)
        took = time.monotonic() - t0
    statuses = dict(sorted(got["statuses"].items()))  # type: ignore[attr-defined]
    summary = json.loads(str(got["add_out"])) if got["add_rc"] == 0 else {"error": got["add_err"]}
    ids: list[str] = got["ids"]  # type: ignore[assignment]
    print(f"requests {sum(statuses.values()):,} ({got['during']:,} while `retold add` ran) in {took:.1f} s: {statuses}")
    print(f"unexpected answers: {len(got['bad'])}  {got['bad'][:3]}")  # type: ignore[arg-type,index]
    print(f"service writes {len(got['written'])}, deletes {len(got['gone'])}")  # type: ignore[arg-type]
    print(f"retold add: read {summary.get('read')}, stored {summary.get('stored')}, rejected {summary.get('rejected')}")
    print(f"integrity_check: {got['integrity']}; documents {len(ids):,}, distinct {len(set(ids)):,}")
    return 0 if not got["bad"] and got["integrity"] == "ok" and len(ids) == len(set(ids)) else 1


if __name__ == "__main__":
    sys.exit(main())
