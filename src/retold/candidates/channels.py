"""The candidate channels as pure kernels: which document pairs are worth comparing.

Every scan calls these, with one :class:`retold.config.CandidateSettings`: the store scan
(``retold scan DB``) and ``query``, the batch scan's local engine, and (as DataFrame joins with the
same rules; ``tests/test_spark_scan.py`` checks the three scans agree) its Spark engine. The engines
differ only in where the data lives and how the work is spread.

* **lexical** (:func:`lexical_pairs`): documents sharing a MinHash-LSH band, kept when their
  estimated Jaccard reaches ``min_jaccard``; a band bucket of more than ``max_bucket`` documents
  proposes nothing (boilerplate);
* **containment** (:func:`containment_pairs`): documents sharing at least
  ``min_shared_fingerprints`` winnowed fingerprints, which are at least ``min_containment`` of the
  smaller side's; fingerprints in more than ``max_fingerprint_df`` documents are dropped. This is
  how a short excerpt of a long article is found (low Jaccard, high containment).

Pairs are ``(i, j)`` row numbers with ``i < j``. Arrays in, dicts out; no I/O.

>>> import numpy as np
>>> from retold.config import CandidateSettings
>>> w = [np.array([1, 2, 3, 4], np.uint32), np.array([2, 3, 4, 9], np.uint32), np.array([7], np.uint32)]
>>> containment_pairs(w, CandidateSettings())
{(0, 1): 0.75}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retold.config import CandidateSettings, FingerprintSettings

from .lsh import band_keys, candidate_pairs

# Rows of signatures turned into band keys at a time (65k x 128 x 8 bytes = 64 MB of uint64).
_KEY_BLOCK = 1 << 16


def lexical_pairs(
    signatures: np.ndarray, fp: FingerprintSettings, c: CandidateSettings
) -> dict[tuple[int, int], float]:
    """Pairs sharing a band of their ``(n, num_perm)`` signatures, with their estimated Jaccard."""
    if len(signatures) < 2:
        return {}
    # Keys in blocks of rows: band_keys widens each block to uint64 (8x the signatures' bytes).
    keys = np.empty((len(signatures), fp.bands), dtype=np.int64)
    for start in range(0, len(signatures), _KEY_BLOCK):
        keys[start : start + _KEY_BLOCK] = band_keys(signatures[start : start + _KEY_BLOCK], bands=fp.bands, rows=fp.rows)
    found = candidate_pairs(keys, max_bucket=c.max_bucket)
    del keys
    if not len(found):
        return {}
    i, j = found[:, 0], found[:, 1]
    jac = np.count_nonzero(signatures[i] == signatures[j], axis=1) / signatures.shape[1]
    keep = jac >= c.min_jaccard
    return {(int(a), int(b)): float(x) for a, b, x in zip(i[keep], j[keep], jac[keep], strict=True)}


def containment_pairs(
    winnows: Sequence[np.ndarray], c: CandidateSettings, *, max_codes: int = 1 << 25
) -> dict[tuple[int, int], float]:
    """Pairs ``(i, j)`` whose winnowed fingerprints overlap: shared / min(len_i, len_j), capped at 1.

    An inverted index built by one stable sort of all ``(hash, doc)`` postings; fingerprints in
    more than ``max_fingerprint_df`` documents are dropped, so the work is linear in the corpus
    size. Each document's fingerprints are distinct (:func:`retold.candidates.fingerprint.winnow`).
    The co-occurring pairs are counted in passes of at most about ``max_codes`` pair codes (8 bytes
    each: 256 MB), pass ``p`` taking the pairs whose code is ``p`` modulo the number of passes;
    a corpus of 100k articles needs one pass, a million several, and the result is the same.
    """
    if len(winnows) < 2:
        return {}
    lens = np.array([len(w) for w in winnows], dtype=np.int64)
    if not lens.sum():
        return {}
    docs = np.repeat(np.arange(len(winnows), dtype=np.int32), lens)
    hashes = np.concatenate(winnows).astype(np.uint32, copy=False)
    order = np.argsort(hashes, kind="stable")  # docs ascend within a hash: they were in order
    h = hashes[order]
    del hashes
    d = docs[order]
    del docs, order
    change = np.flatnonzero(h[1:] != h[:-1]) + 1
    del h
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(d)]))
    sizes = ends - starts
    keep_sizes = [int(x) for x in np.unique(sizes[(sizes >= 2) & (sizes <= c.max_fingerprint_df)]).tolist()]
    starts_of = {size: starts[sizes == size] for size in keep_sizes}
    del starts, ends, sizes, change
    total = sum(len(st) * size * (size - 1) // 2 for size, st in starts_of.items())
    passes = max(1, -(-total // max_codes))
    n = np.int64(len(winnows))
    i_all: list[np.ndarray] = []
    j_all: list[np.ndarray] = []
    shared_all: list[np.ndarray] = []
    for p in range(passes):
        codes: list[np.ndarray] = []
        for size, sel in starts_of.items():
            # All posting lists of one length at once: (groups, size) members, then their pairs.
            iu, ju = np.triu_indices(size, k=1)
            step = max(1, max_codes // len(iu))  # posting lists per block: ~max_codes codes
            for g in range(0, len(sel), step):
                members = d[sel[g : g + step, None] + np.arange(size)[None, :]].astype(np.int64)
                block = (members[:, iu] * n + members[:, ju]).ravel()
                codes.append(block if passes == 1 else block[block % passes == p])
        if not codes:
            continue
        pair_codes, shared = np.unique(np.concatenate(codes), return_counts=True)
        del codes
        hit = shared >= c.min_shared_fingerprints
        pair_codes, shared = pair_codes[hit], shared[hit]
        i_all.append(pair_codes // n)
        j_all.append(pair_codes % n)
        shared_all.append(shared)
    if not i_all:
        return {}
    i, j, shared = np.concatenate(i_all), np.concatenate(j_all), np.concatenate(shared_all)
    cont = shared / np.maximum(1, np.minimum(lens[i], lens[j]))
    keep = cont >= c.min_containment
    found = sorted(zip(i[keep].tolist(), j[keep].tolist(), cont[keep].tolist(), strict=True))
    return {(a, b): float(min(1.0, x)) for a, b, x in found}


def containment_of(shared: int, len_a: int, len_b: int, c: CandidateSettings) -> float | None:
    """The containment of one pair from its counts, or None when it misses the channel's rule
    (the per-pair form of :func:`containment_pairs`, for a query against a store's postings)."""
    cont = shared / max(1, min(len_a, len_b))
    if shared >= c.min_shared_fingerprints and cont >= c.min_containment:
        return min(1.0, cont)
    return None


__all__ = ["containment_of", "containment_pairs", "lexical_pairs"]
