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


def lexical_pairs(
    signatures: np.ndarray, fp: FingerprintSettings, c: CandidateSettings
) -> dict[tuple[int, int], float]:
    """Pairs sharing a band of their ``(n, num_perm)`` signatures, with their estimated Jaccard."""
    if len(signatures) < 2:
        return {}
    found = candidate_pairs(band_keys(signatures, bands=fp.bands, rows=fp.rows), max_bucket=c.max_bucket)
    if not len(found):
        return {}
    i, j = found[:, 0], found[:, 1]
    jac = np.count_nonzero(signatures[i] == signatures[j], axis=1) / signatures.shape[1]
    keep = jac >= c.min_jaccard
    return {(int(a), int(b)): float(x) for a, b, x in zip(i[keep], j[keep], jac[keep], strict=True)}


def containment_pairs(winnows: Sequence[np.ndarray], c: CandidateSettings) -> dict[tuple[int, int], float]:
    """Pairs ``(i, j)`` whose winnowed fingerprints overlap: shared / min(len_i, len_j), capped at 1.

    An inverted index built by one sort of all ``(hash, doc)`` postings; fingerprints in more than
    ``max_fingerprint_df`` documents are dropped, so the work is linear in the corpus size. Each
    document's fingerprints are distinct (:func:`retold.candidates.fingerprint.winnow`).
    """
    if len(winnows) < 2:
        return {}
    lens = np.array([len(w) for w in winnows], dtype=np.int64)
    docs = np.repeat(np.arange(len(winnows), dtype=np.int64), lens)
    hashes = np.concatenate(winnows).astype(np.int64) if lens.sum() else np.zeros(0, dtype=np.int64)
    order = np.lexsort((docs, hashes))
    h, d = hashes[order], docs[order]
    change = np.flatnonzero(h[1:] != h[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(h)]))
    sizes = ends - starts
    codes: list[np.ndarray] = []
    n = np.int64(len(winnows))
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= c.max_fingerprint_df)]).tolist():
        # All posting lists of one length at once: (groups, size) members, then their pairs.
        sel = starts[sizes == size]
        members = d[sel[:, None] + np.arange(size)[None, :]]
        iu, ju = np.triu_indices(size, k=1)
        codes.append((members[:, iu] * n + members[:, ju]).ravel())
    if not codes:
        return {}
    pair_codes, shared = np.unique(np.concatenate(codes), return_counts=True)
    i, j = pair_codes // n, pair_codes % n
    cont = shared / np.maximum(1, np.minimum(lens[i], lens[j]))
    keep = (shared >= c.min_shared_fingerprints) & (cont >= c.min_containment)
    return {(int(a), int(b)): float(min(1.0, x)) for a, b, x in zip(i[keep], j[keep], cont[keep], strict=True)}


def containment_of(shared: int, len_a: int, len_b: int, c: CandidateSettings) -> float | None:
    """The containment of one pair from its counts, or None when it misses the channel's rule
    (the per-pair form of :func:`containment_pairs`, for a query against a store's postings)."""
    cont = shared / max(1, min(len_a, len_b))
    if shared >= c.min_shared_fingerprints and cont >= c.min_containment:
        return min(1.0, cont)
    return None


__all__ = ["containment_of", "containment_pairs", "lexical_pairs"]
