"""MiniLM in float32, bfloat16 and dynamic int8: how far the vectors and pair cosines move.

    .venv/bin/python bench/embed_precision.py [--sentences 300] [--seed 0] [--json]

Encodes ``--sentences`` sentences sampled (seeded) from the BBC News set with the model in each
precision, then compares every sentence pair's cosine (n x n pairs: 300 gives 90,000) with the
float32 one, and each sentence's vector with its float32 vector. bfloat16 is retold's
``embed.precision = "bf16"`` (autocast of the linear layers; ``auto`` picks it on CPUs with native
bfloat16). int8 is ``torch.ao.quantization.quantize_dynamic`` of the Linear layers, which retold
does not ship: the figures say why (docs/benchmarks.md, "Speed"). Also prints the CPU time of each
encoding pass. Reads ../shared/data/bbc-news (exits 2 when it is missing).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "bbc-news"


def sample_sentences(n: int, seed: int) -> list[str]:
    from retold.segment import segment

    files = sorted(DATA.glob("*/*.txt"))
    rng = random.Random(seed)
    rng.shuffle(files)
    out: list[str] = []
    for f in files:
        text = f.read_bytes().decode("utf-8", errors="replace")
        sents = [s.span.of(text) for s in segment(text).sentences]
        sents = [s for s in sents if len(s.split()) >= 6]
        if sents:
            out.append(rng.choice(sents))
        if len(out) == n:
            break
    return out


def encode(emb, texts: list[str]) -> tuple[np.ndarray, float]:  # type: ignore[no-untyped-def]
    emb.encode(texts[:8])  # warm
    c0 = time.process_time()
    v = np.asarray(emb.encode(texts), dtype=np.float64)
    return v, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sentences", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    import torch

    from retold.embed.model import MiniLMEmbedder, _cpu_has_bf16

    texts = sample_sentences(args.sentences, args.seed)
    fp32, t32 = encode(MiniLMEmbedder(precision="fp32"), texts)
    bf16, t16 = encode(MiniLMEmbedder(precision="bf16"), texts)
    q = MiniLMEmbedder(precision="fp32")
    q._model = torch.ao.quantization.quantize_dynamic(q._load(), {torch.nn.Linear}, dtype=torch.qint8)
    int8, t8 = encode(q, texts)

    base = fp32 @ fp32.T
    report: dict[str, object] = {"sentences": len(texts), "pairs": len(texts) ** 2, "cpu_native_bf16": _cpu_has_bf16()}
    for name, v, t in (("bf16", bf16, t16), ("int8", int8, t8)):
        d = np.abs(v @ v.T - base)
        own = np.sum(v * fp32, axis=1)
        report[name] = {
            "pair_cosine_delta_mean": round(float(d.mean()), 4),
            "pair_cosine_delta_max": round(float(d.max()), 4),
            "vector_cosine_to_fp32_mean": round(float(own.mean()), 5),
            "vector_cosine_to_fp32_min": round(float(own.min()), 5),
            "cpu_s": round(t, 2),
            "cpu_speedup_vs_fp32": round(t32 / t, 2),
        }
    report["fp32_cpu_s"] = round(t32, 2)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{len(texts)} BBC sentences, {len(texts) ** 2:,} pairs; native bf16: {report['cpu_native_bf16']}")
        for name in ("bf16", "int8"):
            r = report[name]
            assert isinstance(r, dict)
            print(f"{name}: pair cosines move {r['pair_cosine_delta_mean']} on average, {r['pair_cosine_delta_max']} at most; "
                  f"vectors at cosine {r['vector_cosine_to_fp32_mean']} (min {r['vector_cosine_to_fp32_min']}) to fp32's; "
                  f"CPU {r['cpu_s']} s vs fp32 {report['fp32_cpu_s']} s ({r['cpu_speedup_vs_fp32']}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
