"""Synth benchmark: rewritten copies of BBC articles, PAN plagdet per obfuscation and verdicts.

Generates a seeded set with ``retold synth`` (the same files as
``retold synth ../shared/data/bbc-news --out OUT --n N --seed S``), compares every pair once
(a = source, b = derived) and scores both the PAN detections (``retold pan score``) and the verdicts
(``retold eval pairs``: false ``copy`` rate on same-topic negatives). Running the two CLI commands
on OUT gives the same figures in two passes; this script makes one.

    .venv/bin/python bench/eval_synth.py [--n 550] [--seed 1] [--embedder minilm|hash] [--json]

Reads ../shared/data/bbc-news relative to the repository root; exits 2 when it is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "bbc-news"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=550)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--embedder", choices=["hash", "minilm"], default="minilm")
    ap.add_argument("--merge-gap", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "out" / "bench-synth"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"BBC data not found at {DATA} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    from retold import Settings
    from retold.evaluate.detect import DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP, annotations_for
    from retold.evaluate.pairs import PairOutcome, report
    from retold.evaluate.pan_files import read_annotation_dir
    from retold.evaluate.plagdet import evaluate
    from retold.pipeline import Detector
    from retold.report.pan_format import DETECTION, TRUTH, pair_file_name, to_xml
    from retold.synth.copies import generate
    from retold.synth.io import read_articles, write_pan
    from retold.synth.wordnet import WordNet
    from retold.types import Document

    merge_gap = DEFAULT_MERGE_GAP if args.merge_gap is None else args.merge_gap
    t0 = time.perf_counter()
    s = generate(read_articles(DATA), n=args.n, seed=args.seed, thesaurus=WordNet.open())
    root = write_pan(s, args.out, overwrite=True)
    t_gen = time.perf_counter() - t0
    texts = s.texts()
    det = Detector(Settings().replace(embed={"backend": args.embedder}))
    out_dir = root / "detections"
    out_dir.mkdir(exist_ok=True)
    outcomes = []
    t1 = time.perf_counter()
    for k, p in enumerate(s.pairs, 1):
        c = det.compare(Document(p.src, texts[p.src]), Document(p.susp, texts[p.susp]))
        anns = annotations_for(c, susp=p.susp, src=p.src, merge_gap=merge_gap, merge_source_gap=max(merge_gap, DEFAULT_MERGE_SOURCE_GAP if merge_gap else 0))
        (out_dir / pair_file_name(p.susp, p.src)).write_text(to_xml(p.susp, anns, name=DETECTION), encoding="utf-8")
        outcomes.append(PairOutcome(p.label, int(c.is_reuse), max(c.reuse_a, c.reuse_b), c.verdict, p.obfuscation))
        if sys.stderr.isatty() and k % 25 == 0:
            print(f"\r{k}/{len(s.pairs)} pairs", end="", file=sys.stderr)
    t_cmp = time.perf_counter() - t1
    pan = evaluate(read_annotation_dir(root / "truth", name=TRUTH), read_annotation_dir(out_dir, name=DETECTION))
    verdicts = report(outcomes)
    result = {
        "pairs": len(s.pairs),
        "seed": args.seed,
        "sha256": s.digest(),
        "embedder": args.embedder,
        "merge_gap": merge_gap,
        "pan": pan.to_dict(),
        "verdicts": verdicts.to_dict(),
        "seconds": {"generate": round(t_gen, 1), "compare": round(t_cmp, 1)},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{len(s.pairs)} pairs, seed {args.seed}, {args.embedder} embedder, merge gap {merge_gap}; "
          f"generate {t_gen:.0f} s, compare {t_cmp:.0f} s")
    print(f"{'obfuscation':<12}{'pairs':>6}{'plagdet':>9}{'prec':>8}{'rec':>8}{'gran':>7}{'called reuse':>14}")
    groups = {g.group: g for g in verdicts.groups}
    for g in pan.by_obfuscation:
        m = g.measures
        v = groups.get(g.obfuscation)
        print(f"{g.obfuscation:<12}{g.files:>6}{m.plagdet:>9.4f}{m.precision:>8.4f}{m.recall:>8.4f}"
              f"{m.granularity:>7.3f}{(v.called_reuse if v else 0):>14.2%}")
    o = pan.overall
    print(f"{'overall':<12}{len(s.pairs):>6}{o.plagdet:>9.4f}{o.precision:>8.4f}{o.recall:>8.4f}{o.granularity:>7.3f}")
    n = pan.negatives
    print(f"negatives: {n.pairs} pairs, {n.pairs_with_detections} with detections; verdicts "
          f"{dict(verdicts.negative_verdicts)}; false copy rate {verdicts.false_copy_rate:.2%}")
    c = verdicts.confusion
    print(f"pair level: precision {c.precision:.4f} recall {c.recall:.4f} F1 {c.f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
