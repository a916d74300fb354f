"""MinHash + LSH: retold's numpy kernels side by side with datasketch, on the BBC articles.

    .venv/bin/python bench/corpus_minhash.py [--limit N]

Reads ../shared/data/bbc-news (exits with a message when it is missing). Both sides get the same
3-word shingles; datasketch uses ``MinHash.bulk`` with an xxhash hash function (its fast path) and
``MinHashLSH`` with the same 32 x 4 bands. Reports seconds and the agreement of the candidate pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from retold.candidates.fingerprint import MinHasher, shingle_hashes, tokens
from retold.candidates.lsh import band_keys, candidate_pairs
from retold.config import FingerprintSettings

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc-news"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"missing {DATA}: the BBC News set lives in ../shared/data (see its README)", file=sys.stderr)
        return 2
    files = sorted(DATA.glob("*/*.txt"))[: args.limit or None]
    texts = [f.read_bytes().decode("utf-8", errors="replace") for f in files]
    fp = FingerprintSettings()

    t0 = time.perf_counter()
    toks = [tokens(t) for t in texts]
    t_tok = time.perf_counter() - t0
    t0 = time.perf_counter()
    sh = [shingle_hashes(t, shingle_size=fp.shingle_size) for t in toks]
    sigs = MinHasher.from_settings(fp).signatures(sh)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = {tuple(p) for p in candidate_pairs(band_keys(sigs, bands=fp.bands, rows=fp.rows)).tolist()}
    t_lsh = time.perf_counter() - t0

    import xxhash
    from datasketch import MinHash, MinHashLSH

    def h32(b: bytes) -> int:
        return xxhash.xxh32_intdigest(b)

    t0 = time.perf_counter()
    sets = [[" ".join(t[i : i + 3]).encode() for i in range(max(1, len(t) - 2))] for t in toks]
    mhs = MinHash.bulk(sets, num_perm=fp.num_perm, hashfunc=h32)
    t_ds = time.perf_counter() - t0
    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=fp.num_perm, params=(fp.bands, fp.rows))
    for i, m in enumerate(mhs):
        lsh.insert(i, m)
    theirs = {tuple(sorted((i, j))) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i}
    t_dslsh = time.perf_counter() - t0
    q0 = time.perf_counter()
    for m in mhs[:500]:
        lsh.query(m)
    ds_q = (time.perf_counter() - q0) / min(500, len(mhs))

    from retold.candidates.lsh import LSHIndex

    keys = band_keys(sigs, bands=fp.bands, rows=fp.rows)
    idx = LSHIndex(bands=fp.bands, rows=fp.rows)
    idx.add(list(range(len(keys))), keys)
    q0 = time.perf_counter()
    for k in keys[:500]:
        idx.query(k)
    our_q = (time.perf_counter() - q0) / min(500, len(keys))

    both = len(ours & theirs)
    print(f"documents: {len(texts)}, tokenising: {t_tok:.2f} s")
    print(f"retold   shingles+MinHash: {t_ours:.2f} s   LSH all pairs: {t_lsh:.3f} s   query: {our_q * 1e6:.0f} us"
          f"   pairs: {len(ours)}")
    print(f"datasketch MinHash.bulk:   {t_ds:.2f} s   LSH insert+query all: {t_dslsh:.3f} s   query: "
          f"{ds_q * 1e6:.0f} us   pairs: {len(theirs)}")
    print(f"pairs found by both: {both} (Jaccard of the two pair sets "
          f"{both / max(1, len(ours | theirs)):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
