"""MinHash from raw text: retold's corpus kernels against datasketch's fastest mode, on the BBC articles.

    .venv/bin/python bench/corpus_minhash.py [--limit N] [--repeats 3]

Reads ../shared/data/bbc-news (exits with a message when it is missing). Each side goes from the
raw texts to 128-permutation signatures of the 3-word shingles, timed in three steps, best of
``--repeats`` runs per step:

* retold: :func:`corpus_tokens` (tokenise), :func:`corpus_token_hashes` + :func:`corpus_shingle_hashes`
  (hash), :meth:`MinHasher.signatures_flat` (signatures);
* datasketch: the same words, joined into 3-word shingle byte strings, then ``MinHash.bulk`` with
  an xxh32 hash function (its fastest CPU mode: the default ``affine32`` permutations). Its words
  come from retold's plain per-document :func:`tokens` (what a datasketch user would write) and,
  in a second row, from retold's faster :func:`word_bytes`; datasketch hashes inside ``bulk``.

Checks: retold's corpus path gives the same words, shingle hashes and signatures, bit for bit, as
the per-document reference (``tokens``, ``shingle_hashes``, ``MinHasher.signature``); datasketch
got the same shingles (equal distinct-shingle count in every document). datasketch's permutations
differ from retold's, so its signatures cannot be equal; they are compared through the LSH
candidate pairs (32 bands x 4 rows on both sides).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from retold.candidates.fingerprint import (
    MinHasher,
    corpus_shingle_hashes,
    corpus_token_hashes,
    corpus_tokens,
    shingle_hashes,
    tokens,
    word_bytes,
)
from retold.candidates.lsh import LSHIndex, band_keys, candidate_pairs
from retold.config import FingerprintSettings

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc-news"
T = TypeVar("T")


def best(repeats: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``repeats`` runs of ``fn`` and the result of the last one."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ds_shingles(docs: list[list[str]] | list[list[bytes]]) -> list[list[bytes]]:
    """3-word shingles as byte strings, as retold makes them: all the words when fewer than 3, none
    for no words."""
    out = []
    for t in docs:
        w = [x.encode() if isinstance(x, str) else x for x in t]
        n = len(w) - 2 if len(w) >= 3 else min(len(w), 1)
        out.append([b" ".join(w[i : i + 3]) for i in range(n)])
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    try:
        import datasketch
        import xxhash
        from datasketch import MinHash, MinHashLSH
    except ImportError as e:
        print(f"datasketch and xxhash are needed for this bench: {e}", file=sys.stderr)
        return 2
    files = sorted(DATA.glob("*/*.txt"))[: args.limit or None]
    texts = [f.read_bytes().decode("utf-8", errors="replace") for f in files]
    fp = FingerprintSettings()
    mh = MinHasher.from_settings(fp)
    k, r = fp.shingle_size, args.repeats

    # retold, corpus path
    t_tok, toks = best(r, lambda: corpus_tokens(texts))

    def hash_step() -> tuple[np.ndarray, np.ndarray]:
        return corpus_shingle_hashes(corpus_token_hashes(toks), toks.offsets, shingle_size=k)

    t_hash, (sh, sh_off) = best(r, hash_step)
    t_sig, sigs = best(r, lambda: mh.signatures_flat(sh, sh_off))
    ours_total = t_tok + t_hash + t_sig

    # retold, per-document reference (today's code path), timed once
    t0 = time.perf_counter()
    ref_toks = [tokens(t) for t in texts]
    ref_sh = [shingle_hashes(t, shingle_size=k) for t in ref_toks]
    ref_sigs = np.stack([mh.signature(h) for h in ref_sh]) if ref_sh else np.zeros((0, mh.num_perm), np.uint32)
    t_ref = time.perf_counter() - t0
    same_words = sum(toks.words(d) == [w.encode() for w in ref_toks[d]] for d in range(len(texts)))
    same_sh = sum(np.array_equal(sh[sh_off[d] : sh_off[d + 1]], ref_sh[d]) for d in range(len(texts)))
    same_sigs = bool(np.array_equal(sigs, ref_sigs))

    # datasketch: MinHash.bulk with xxh32, fed the same words
    h32 = xxhash.xxh32_intdigest

    def plain_words() -> list[list[str]]:
        return [tokens(t) for t in texts]

    def fast_words() -> list[list[bytes]]:
        return [word_bytes(t).split() for t in texts]

    rows = []
    sets: list[list[bytes]] = []
    mhs: list[MinHash] = []
    tokenisers: list[tuple[str, Callable[[], list[list[str]] | list[list[bytes]]]]] = [
        ("tokens()", plain_words),
        ("word_bytes()", fast_words),
    ]
    for name, tok_fn in tokenisers:
        d_tok, words = best(r, tok_fn)
        d_sh, sets = best(r, partial(ds_shingles, words))
        d_sig, mhs = best(r, partial(MinHash.bulk, sets, num_perm=fp.num_perm, hashfunc=h32, scheme="affine32"))
        rows.append((name, d_tok, d_sh, d_sig, d_tok + d_sh + d_sig))
    same_sets = sum(len(set(s)) == len(np.unique(sh[sh_off[d] : sh_off[d + 1]])) for d, s in enumerate(sets))

    # LSH candidate pairs on both sides (32 x 4 bands), and one query
    keys = band_keys(sigs, bands=fp.bands, rows=fp.rows)
    t0 = time.perf_counter()
    ours = {tuple(p) for p in candidate_pairs(keys).tolist()}
    t_lsh = time.perf_counter() - t0
    idx = LSHIndex(bands=fp.bands, rows=fp.rows)
    idx.add(list(range(len(keys))), keys)
    q0 = time.perf_counter()
    for key in keys[:500]:
        idx.query(key)
    our_q = (time.perf_counter() - q0) / max(1, min(500, len(keys)))
    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=fp.num_perm, params=(fp.bands, fp.rows))
    for i, m in enumerate(mhs):
        lsh.insert(i, m)
    theirs = {tuple(sorted((i, j))) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i}
    t_dslsh = time.perf_counter() - t0
    q0 = time.perf_counter()
    for m in mhs[:500]:
        lsh.query(m)
    ds_q = (time.perf_counter() - q0) / max(1, min(500, len(mhs)))
    both = len(ours & theirs)

    n = len(texts)
    print(f"documents: {n} ({len(toks.starts):,} words, {len(sh):,} shingles), {fp.num_perm} permutations, "
          f"{k}-word shingles, best of {r} runs per step")
    print(f"{'seconds':40} {'tokenise':>9} {'hash':>9} {'signatures':>11} {'total':>8} {'ratio':>7}")
    print(f"{'retold corpus path':40} {t_tok:9.3f} {t_hash:9.3f} {t_sig:11.3f} {ours_total:8.3f} {'1.00':>7}")
    for name, d_tok, d_sh, d_sig, d_total in rows:
        print(f"{'datasketch ' + datasketch.__version__ + ', words of ' + name:40} {d_tok:9.3f} {d_sh:9.3f} "
              f"{d_sig:11.3f} {d_total:8.3f} {d_total / ours_total:6.2f}x")
    print("  (datasketch: hash = building the shingle byte strings; signatures = MinHash.bulk, "
          "xxh32 of each shingle + affine32 permutations)")
    print(f"retold per-document reference (tokens, shingle_hashes, signature), one run: {t_ref:.3f} s")
    print(f"identity, corpus path vs reference: words {same_words}/{n} documents, shingle hashes "
          f"{same_sh}/{n}, signatures {'bit-identical' if same_sigs else 'DIFFERENT'} ({n} x {fp.num_perm})")
    print(f"same shingles given to datasketch: {same_sets}/{n} documents with equal distinct-shingle counts")
    print("datasketch's permutations differ from retold's, so its signatures are compared through LSH pairs:")
    print(f"  retold     LSH all pairs: {t_lsh:.3f} s   one query: {our_q * 1e6:.0f} us   pairs: {len(ours)}")
    print(f"  datasketch LSH insert+query all: {t_dslsh:.3f} s   one query: {ds_q * 1e6:.0f} us   "
          f"pairs: {len(theirs)}")
    print(f"  pairs found by both: {both} (Jaccard of the two pair sets {both / max(1, len(ours | theirs)):.3f})")
    ok = same_words == n and same_sh == n and same_sigs
    if not ok:
        print("FAILED: the corpus path differs from the reference", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
