"""Identity check for refactors of the matcher: one digest of every sentence pair it makes.

    .venv/bin/python bench/match_identity.py snapshot [--dir DIR]   # once, before the refactor
    .venv/bin/python bench/match_identity.py check [--dir DIR] [--expect DIGEST]

``snapshot`` builds a fixed set of document pairs and stores their *features* (segmented,
tokenised; pickled) and MiniLM sentence vectors for a subset, so that ``check`` measures the
matcher alone: edits to normalise/segment made meanwhile by others cannot move the digest.
The pairs:

* the seed pair in examples/;
* bench/core_quality.py's set (per kind 2, seed 2: generated copies and bench/handwritten/),
  its ``retold.synth.copies`` copies (per kind 2) and 20 same-topic negatives;
* bench/handwritten_embedded/ (a paragraph pasted into a host) and bench/handwritten_summaries/;
* the first 40 PAN13 no-obfuscation pairs (../shared/data/pan13-no-obfuscation).

``check`` runs :func:`retold.match.match_sentences` on every pair three ways: lexical only, with
the hashing embedder (at the default and a loose semantic threshold), and (for the MiniLM subset) with the stored vectors, both passed as
``vectors_a/vectors_b`` and through an embedder that looks the stored vectors up by text. It prints
one sha256 over all ``(a, b, score, lexical, semantic)`` tuples (floats by ``repr``; ``via`` left
out), per-way digests, a separate digest and counts of ``via``, and writes every tuple to
DIR/check.json for diffing.

The digest depends on the snapshot (segmentation changes move it), so compare two commits on one
snapshot: take it, run ``check`` at the reference commit (``git worktree add``), then at yours.
Recorded on a snapshot taken at 338c507: 2ba79aab65f168ad there (match.py, one function) and
after the split into retold/match/ (93079c5, 4ba7104).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
PAN = SHARED / "pan13-no-obfuscation"
DEFAULT_DIR = ROOT / "out" / "match-identity"


def _pairs() -> list[tuple[str, str, str]]:
    """(name, a text, b text) for every pair of the set."""
    out = []
    ex = sorted((ROOT / "examples").glob("*.txt"))[:2]
    out.append(("seed", ex[0].read_text(encoding="utf-8"), ex[1].read_text(encoding="utf-8")))
    bbc = SHARED / "bbc-news"
    if bbc.is_dir():
        import core_quality as cq

        corpus = cq.load_corpus()
        for k, item in enumerate(cq.build_set(corpus, per_kind=2, seed=2)):
            out.append((f"quality:{item['kind']}:{k}", item["a"], item["b"]))
        for k, item in enumerate(cq.build_synth_set(corpus, per_kind=2, seed=2)):
            out.append((f"{item['kind']}:{k}", item["a"], item["b"]))
        for x, y in cq.negative_pairs(corpus, n=20, seed=2):
            out.append((f"negative:{x}:{y}", corpus[x], corpus[y]))
        for f in sorted((ROOT / "bench" / "handwritten_embedded").glob("*.json")):
            spec = json.loads(f.read_text(encoding="utf-8"))
            src = (bbc / spec["source"]).read_text(encoding="utf-8", errors="replace")
            host = (bbc / spec["host"]).read_text(encoding="utf-8", errors="replace").split("\n\n")
            k = spec["insert_after_paragraph"]
            out.append((f"embedded:{f.stem}", src, "\n\n".join([*host[:k], spec["paragraph"], *host[k:]])))
        for f in sorted((ROOT / "bench" / "handwritten_summaries").glob("*.json")):
            spec = json.loads(f.read_text(encoding="utf-8"))
            src = (bbc / spec["source"]).read_text(encoding="utf-8", errors="replace")
            out.append((f"summary:{f.stem}", src, spec["text"]))
    else:
        print(f"missing {bbc}: BBC pairs left out", file=sys.stderr)
    if (PAN / "pairs").is_file():
        for line in (PAN / "pairs").read_text().splitlines()[:40]:
            s, r = line.split()
            a = (PAN / "src" / r).read_text(encoding="utf-8", errors="replace")
            b = (PAN / "susp" / s).read_text(encoding="utf-8", errors="replace")
            out.append((f"pan:{s}:{r}", a, b))
    else:
        print(f"missing {PAN}: PAN pairs left out", file=sys.stderr)
    return out


def _minilm_subset(names: list[str]) -> list[str]:
    """The pairs also run with MiniLM: the seed, the hand-written sets, a few of each other kind."""
    picked: list[str] = []
    seen: dict[str, int] = {}
    for n in names:
        kind = n.split(":")[0] if not n.startswith("quality:") else ":".join(n.split(":")[:2])
        limit = {"pan": 4, "negative": 4}.get(kind, 2)
        if n == "seed" or n.startswith(("embedded:", "summary:", "quality:paraphrase")) or seen.get(kind, 0) < limit:
            picked.append(n)
            seen[kind] = seen.get(kind, 0) + 1
    return picked


def snapshot(d: Path) -> None:
    from retold import Detector, Document, Settings

    det = Detector(Settings())
    items = []
    for name, a, b in _pairs():
        pa, pb = det.prepare(Document("a", a)), det.prepare(Document("b", b))
        items.append((name, pa.features, pb.features))
    minilm = set(_minilm_subset([n for n, _, _ in items]))
    emb = det.embedder  # default settings: MiniLM
    vectors = {}
    for name, fa, fb in items:
        if name in minilm:
            vectors[name] = (
                emb.encode([s.norm for s in fa.segments.sentences]),
                emb.encode([s.norm for s in fb.segments.sentences]),
            )
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "snapshot.pkl", "wb") as fh:
        pickle.dump({"items": items, "vectors": vectors}, fh)
    print(f"{len(items)} pairs, {len(vectors)} with MiniLM vectors -> {d / 'snapshot.pkl'}")


class _LookupEmbedder:
    """The stored MiniLM vectors, looked up by sentence text (the embedder path of the matcher)."""

    name = "lookup"

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table
        self.dim = len(next(iter(table.values())))

    def encode(self, texts: Any) -> np.ndarray:
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)


def _rows(pairs: Any) -> list[list[Any]]:
    return [[list(p.a), list(p.b), repr(p.score), repr(p.lexical), repr(p.semantic)] for p in pairs]


def check(d: Path, expect: str | None) -> int:
    from retold.config import MatchSettings
    from retold.embed import HashEmbedder
    from retold.match import match_sentences

    with open(d / "snapshot.pkl", "rb") as fh:
        snap = pickle.load(fh)
    lexical = MatchSettings(semantic=False)
    default = MatchSettings()
    hashing = HashEmbedder(256)
    # A loose threshold makes the hashing fake reach the semantic passes (its cosines run lower).
    loose = MatchSettings(semantic_threshold=0.45)
    results: dict[str, dict[str, Any]] = {
        "lexical": {}, "hash": {}, "hash-loose": {}, "minilm-vectors": {}, "minilm-embedder": {}
    }
    vias: dict[str, list[str]] = {}
    via_counts: dict[str, int] = {}

    def rows(way: str, name: str, pairs: Any) -> None:
        results[way][name] = _rows(pairs)
        vias[f"{way}/{name}"] = [getattr(p, "via", "") for p in pairs]
        for p in pairs:
            v = getattr(p, "via", "")
            via_counts[v] = via_counts.get(v, 0) + 1

    for name, fa, fb in snap["items"]:
        rows("lexical", name, match_sentences(fa, fb, settings=lexical))
        rows("hash", name, match_sentences(fa, fb, settings=default, embedder=hashing))
        rows("hash-loose", name, match_sentences(fa, fb, settings=loose, embedder=hashing))
        if name in snap["vectors"]:
            va, vb = snap["vectors"][name]
            rows("minilm-vectors", name, match_sentences(fa, fb, settings=default, vectors_a=va, vectors_b=vb))
            table = {s.norm: v for s, v in zip(fa.segments.sentences, va, strict=True)}
            table.update({s.norm: v for s, v in zip(fb.segments.sentences, vb, strict=True)})
            rows("minilm-embedder", name, match_sentences(fa, fb, settings=default, embedder=_LookupEmbedder(table)))
    (d / "check.json").write_text(json.dumps(results, indent=0, sort_keys=True))
    for way, per in results.items():
        n = sum(len(v) for v in per.values())
        h = hashlib.sha256(json.dumps(per, sort_keys=True).encode()).hexdigest()[:16]
        print(f"{way:16s} {len(per):3d} pairs {n:5d} sentence pairs  {h}")
    digest = hashlib.sha256(json.dumps(results, sort_keys=True).encode()).hexdigest()[:16]
    # The passes that made the pairs, apart: a refactor that moves work between passes changes
    # this one only.
    via = hashlib.sha256(json.dumps(vias, sort_keys=True).encode()).hexdigest()[:16]
    print(f"via digest {via} ({', '.join(f'{k} {n}' for k, n in sorted(via_counts.items()))})")
    print(f"digest {digest}")
    if expect and digest != expect:
        print(f"MISMATCH: expected {expect}; diff {d / 'check.json'} against a run at the reference commit")
        return 1
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("snapshot", "check"))
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--expect")
    args = ap.parse_args()
    if args.command == "snapshot":
        snapshot(args.dir)
        return 0
    return check(args.dir, args.expect)


if __name__ == "__main__":
    sys.exit(main())
