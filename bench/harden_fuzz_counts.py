"""Run the hypothesis fuzz tests (tests/test_harden_fuzz.py) with more examples and count the inputs.

    .venv/bin/python bench/harden_fuzz_counts.py --examples 400

Sums hypothesis's "passing/failing/invalid examples" statistics over every property; the
suite itself runs 40 examples per property. Figures in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=400, help="max_examples per property")
    args = ap.parse_args()
    env = {**os.environ, "RETOLD_FUZZ_EXAMPLES": str(args.examples), "RETOLD_FUZZ_RANDOM": "1"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
           str(ROOT / "tests" / "test_harden_fuzz.py")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    per_test: dict[str, int] = {}
    current = None
    for line in proc.stdout.splitlines():
        m = re.match(r"tests/test_harden_fuzz\.py::(\S+):", line)
        if m:
            current = m.group(1)
        m = re.search(r"(\d+) passing, (\d+) failing, and (\d+) invalid", line)
        if m and current:
            per_test[current] = per_test.get(current, 0) + sum(int(g) for g in m.groups())
    for name, n in per_test.items():
        print(f"{n:7,d}  {name}")
    print(f"{sum(per_test.values()):7,d}  inputs in {len(per_test)} properties; pytest: {proc.stdout.strip().splitlines()[-1]}")
    failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")]
    for ln in failed:
        print(ln)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
