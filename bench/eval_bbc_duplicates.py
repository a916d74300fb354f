"""Are the BBC News corpus's exact-duplicate groups all found?

The BBC set (Greene & Cunningham 2006) holds 98 groups of byte-identical articles (196 files):
that is the reference. Grouping by a hash of retold's normalised text (typography folded,
whitespace collapsed, case folded) finds those and a few more copies that differ only in
whitespace or case; both counts are reported, and every normalised group is checked. Each group
member is compared with the group's first member by ``retold.compare``; a group counts as found
when every comparison says ``copy`` with passages covering at least 95% of both texts.

    .venv/bin/python bench/eval_bbc_duplicates.py [--embedder hash|minilm] [--json]

Reads ../shared/data/bbc-news relative to the repository root; exits 2 when it is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "bbc-news"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", choices=["hash", "minilm"], default="minilm")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"BBC data not found at {DATA} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    from retold import Settings
    from retold.normalise import normalise
    from retold.pipeline import Detector
    from retold.synth.io import read_articles

    t0 = time.perf_counter()
    articles = read_articles(DATA)
    exact: dict[str, list] = {}
    for f in sorted(DATA.glob("*/*.txt")):
        exact.setdefault(hashlib.sha256(f.read_bytes()).hexdigest(), []).append(f)
    exact_groups = [g for g in exact.values() if len(g) > 1]
    groups: dict[str, list] = {}
    for a in articles:
        norm = re.sub(r"\s+", " ", normalise(a.text).text).strip().casefold()
        groups.setdefault(hashlib.sha256(norm.encode()).hexdigest(), []).append(a)
    dup_groups = [g for g in groups.values() if len(g) > 1]
    det = Detector(Settings().replace(embed={"backend": args.embedder}))
    found, missed = 0, []
    found_ids: set[str] = set()
    comparisons = 0
    for g in dup_groups:
        ok = True
        for other in g[1:]:
            c = det.compare(g[0].text, other.text)
            comparisons += 1
            covered_a = sum(len(p.a) for p in c.passages) / max(1, len(c.a.text.strip()))
            covered_b = sum(len(p.b) for p in c.passages) / max(1, len(c.b.text.strip()))
            if c.verdict != "copy" or min(covered_a, covered_b) < 0.95:
                ok = False
                missed.append({"a": g[0].id, "b": other.id, "verdict": c.verdict, "covered": round(min(covered_a, covered_b), 3)})
        found += ok
        if ok:
            found_ids.update(a.id for a in g)
    exact_found = sum(all("-".join(f.parts[-2:]) in found_ids for f in g) for g in exact_groups)
    out = {
        "articles": len(articles),
        "byte_identical_groups": len(exact_groups),
        "byte_identical_groups_found": exact_found,
        "duplicate_groups": len(dup_groups),
        "articles_in_groups": sum(len(g) for g in dup_groups),
        "comparisons": comparisons,
        "groups_found": found,
        "missed": missed,
        "embedder": args.embedder,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"byte-identical groups found: {exact_found}/{len(exact_groups)}; normalised-text groups "
              f"({out['articles_in_groups']} articles) found: {found}/{len(dup_groups)} as copy with >= 95% "
              f"coverage; {comparisons} comparisons, {args.embedder} embedder, {out['seconds']} s")
        for m in missed:
            print("  missed:", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
