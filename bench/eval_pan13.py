"""PAN13 text alignment, "no obfuscation" sub-corpus: plagdet, case recall, tolerant case score.

Runs ``retold pan detect`` (library call, same code) over ../shared/data/pan13-no-obfuscation and
scores the detections as ``retold pan score`` does, without merging passages and with the default
merge gaps. The copy at hand went through OCR: gold offsets point only approximately at the reused
text, so character-level figures are capped below 1 and not comparable to published PAN results.
The script also counts cases whose gold texts do not even resemble each other (word Jaccard of
the two gold stretches < 0.2: the offsets point at unrelated text) and reports case recall without
them, next to the plain figure.

    .venv/bin/python bench/eval_pan13.py [--lexical-only] [--every K] [--workers 2] [--json]

``--every K`` scores every K-th pair only (the model takes ~10 s a pair on 2 busy cores).
Exits 2 when the data is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "pan13-no-obfuscation"


def _words(s: str) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", s.lower()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lexical-only", action="store_true")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (DATA / "pairs").is_file():
        print(f"PAN13 data not found at {DATA} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    from retold import Settings
    from retold.evaluate.detect import DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP, detect
    from retold.evaluate.pan_files import read_annotation_dir, read_pairs
    from retold.evaluate.plagdet import evaluate, overlaps
    from retold.report.pan_format import DETECTION, TRUTH, merge_adjacent, pair_file_name

    pairs = read_pairs(DATA / "pairs")[:: args.every]
    work = Path(args.out or tempfile.mkdtemp(prefix="pan13-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "pairs").write_text("".join(f"{s} {r}\n" for s, r in pairs))
    settings = Settings().replace(match={"semantic": not args.lexical_only})
    t0 = time.perf_counter()
    summary = detect(work / "pairs", DATA / "susp", DATA / "src", work / "det", settings=settings,
                     workers=args.workers, merge_gap=0)
    seconds = time.perf_counter() - t0
    keep = {pair_file_name(s, r) for s, r in pairs}
    truth = {k: v for k, v in read_annotation_dir(DATA / "truth", name=TRUTH).items() if k in keep}
    raw = read_annotation_dir(work / "det", name=DETECTION)
    results = {}
    for label, gaps in (("no merge", None), ("default merge", (DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP))):
        dets = raw if gaps is None else {k: merge_adjacent(v, max_gap=gaps[0], max_source_gap=gaps[1]) for k, v in raw.items()}
        rep = evaluate(truth, dets)
        results[label] = rep.overall.to_dict()

    # Cases whose gold stretches share almost no words: the OCR copy's offsets missed the text.
    texts: dict[tuple[str, str], str] = {}

    def text(kind: str, name: str) -> str:
        if (kind, name) not in texts:
            texts[(kind, name)] = (DATA / kind / name).read_text(encoding="utf-8", errors="replace")
        return texts[(kind, name)]

    broken, found_ok, n_ok = 0, 0, 0
    dets = {k: merge_adjacent(v, max_gap=DEFAULT_MERGE_GAP, max_source_gap=DEFAULT_MERGE_SOURCE_GAP) for k, v in raw.items()}
    for f, cases in truth.items():
        for c in cases:
            a = _words(text("susp", c.this_reference)[c.this_offset : c.this_offset + c.this_length])
            b = _words(text("src", c.source_reference)[c.source_offset : c.source_offset + c.source_length])
            if len(a & b) / max(1, len(a | b)) < 0.2:
                broken += 1
                continue
            n_ok += 1
            found_ok += any(overlaps(c, r) for r in dets.get(f, ()))
    # Detections (default merging) that touch no gold case: what matching adds that is not reuse.
    stray = [r for f, rs in dets.items() for r in rs if not any(overlaps(r, c) for c in truth.get(f, ()))]
    stray_len = sorted(r.this_length for r in stray)
    out = {
        "pairs": len(pairs),
        "detections": sum(len(v) for v in dets.values()),
        "detections_touching_no_case": len(stray),
        "stray_median_chars": stray_len[len(stray_len) // 2] if stray_len else None,
        "every": args.every,
        "matching": "lexical only" if args.lexical_only else "lexical + MiniLM",
        "failed_pairs": len(summary.failed),
        "seconds": round(seconds, 1),
        "measures": results,
        "cases_with_misaligned_gold": broken,
        "case_recall_on_aligned_gold": round(found_ok / n_ok, 4) if n_ok else None,
        "detections_dir": str(work / "det"),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"PAN13 no-obfuscation: {len(pairs)} pairs ({out['matching']}), {seconds:.0f} s, {len(summary.failed)} failed")
    for label, m in results.items():
        print(f"  {label:<14} plagdet {m['plagdet']:.4f}  prec {m['precision']:.4f}  rec {m['recall']:.4f}  "
              f"gran {m['granularity']:.4f}  case recall {m['case_recall']:.4f}  tolerant case precision "
              f"{m['case_precision']:.4f}  PAN case recall {m['pan_case_recall']:.4f}")
    print(f"  gold cases whose two stretches share < 20% of words: {broken}; case recall without them: "
          f"{out['case_recall_on_aligned_gold']}")
    print(f"  detections (default merge) {out['detections']}, of which touching no case "
          f"{out['detections_touching_no_case']} (median {out['stray_median_chars']} chars)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
