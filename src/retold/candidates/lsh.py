"""Banded MinHash LSH (core: arrays in, candidate ids and pairs out).

A signature of ``bands * rows`` values is cut into ``bands`` bands; each band is hashed to one
63-bit key (it fits a SQLite INTEGER). Two documents are candidates when they share a key in any
band, which happens with probability ``1 - (1 - J**rows)**bands`` for Jaccard ``J``: with the
default 32 x 4 that is 0.12 at J=0.25, 0.50 at J=0.42, 0.95 at J=0.6 (see :func:`hit_probability`).

Two ways to use it:

* :class:`LSHIndex` — an incremental index (``add``, ``remove``, ``query``) for ``retold query``;
* :func:`candidate_pairs` — every colliding pair of a whole corpus at once, by sorting the keys of
  each band (no Python loop per document), for ``retold scan`` and the Spark backend.

>>> import numpy as np
>>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
>>> keys = band_keys(sigs, bands=2, rows=2)
>>> candidate_pairs(keys).tolist()
[[0, 1]]
>>> idx = LSHIndex(bands=2, rows=2); idx.add(["x", "y", "z"], keys); sorted(idx.query(keys[1]))
['x', 'y']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

import numpy as np

# Odd multipliers, one per row position inside a band.
_ROW_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
# A bucket shared by more documents than this is boilerplate (an agency footer, an empty text):
# it would add n^2/2 pairs and no reuse; 1,000 keeps the worst case of one bucket at ~500k pairs.
MAX_BUCKET = 1000


def hit_probability(jaccard: float, *, bands: int, rows: int) -> float:
    """Chance that two documents with this Jaccard similarity share at least one band."""
    return float(1.0 - (1.0 - jaccard**rows) ** bands)


def band_keys(signatures: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` int64 keys (non-negative, 63 bits) of ``(n, bands * rows)`` signatures.

    The band number is mixed in, so equal values in different bands give different keys.
    """
    sig = np.atleast_2d(signatures)
    if sig.shape[1] != bands * rows:
        raise ValueError(
            f"signatures have {sig.shape[1]} values but bands x rows = {bands} x {rows} = {bands * rows}; "
            "use the fingerprint settings the signatures were made with"
        )
    x = sig.reshape(len(sig), bands, rows).astype(np.uint64)
    mix = np.resize(_ROW_MIX, rows)
    with np.errstate(over="ignore"):
        acc = np.zeros((len(sig), bands), dtype=np.uint64)
        for r in range(rows):
            acc = (acc ^ (x[:, :, r] * mix[r])) * np.uint64(0x100000001B3)
        acc ^= (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        acc ^= acc >> np.uint64(31)
        acc *= np.uint64(0xBF58476D1CE4E5B9)
        acc ^= acc >> np.uint64(29)
    return (acc >> np.uint64(1)).astype(np.int64)


def candidate_pairs(keys: np.ndarray, *, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """All pairs ``(i, j)``, ``i < j``, of rows of ``keys`` that share a key in some band.

    Returns a sorted ``(m, 2)`` int64 array without duplicates. Buckets with more than
    ``max_bucket`` members are skipped (see :data:`MAX_BUCKET`).
    """
    n = len(keys)
    chunks: list[np.ndarray] = []
    for band in range(keys.shape[1] if keys.ndim == 2 else 0):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        if n < 2:
            continue
        # Runs of equal keys: boundaries where the sorted key changes.
        change = np.flatnonzero(sk[1:] != sk[:-1]) + 1
        starts = np.concatenate(([0], change))
        ends = np.concatenate((change, [n]))
        sizes = ends - starts
        keep = (sizes >= 2) & (sizes <= max_bucket)
        for s, e in zip(starts[keep], ends[keep], strict=True):
            members = np.sort(order[s:e])
            i, j = np.triu_indices(len(members), k=1)
            chunks.append(np.stack((members[i], members[j]), axis=1))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks).astype(np.int64)
    return np.unique(pairs, axis=0)


class LSHIndex:
    """An incremental banded LSH index over band keys (see :func:`band_keys`)."""

    def __init__(self, *, bands: int, rows: int) -> None:
        self.bands = bands
        self.rows = rows
        self._tables: list[dict[int, set[Hashable]]] = [defaultdict(set) for _ in range(bands)]
        self._keys: dict[Hashable, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, id: object) -> bool:
        return id in self._keys

    def add(self, ids: Sequence[Hashable], keys: np.ndarray) -> None:
        """Insert documents (re-adding an id replaces its keys)."""
        keys = np.atleast_2d(keys)
        if len(ids) != len(keys):
            raise ValueError(f"{len(ids)} ids but {len(keys)} rows of keys")
        for id_, row in zip(ids, keys, strict=True):
            if id_ in self._keys:
                self.remove(id_)
            self._keys[id_] = row
            for band, k in enumerate(row.tolist()):
                self._tables[band][k].add(id_)

    def remove(self, id: Hashable) -> None:
        row = self._keys.pop(id, None)
        if row is None:
            return
        for band, k in enumerate(row.tolist()):
            bucket = self._tables[band].get(k)
            if bucket is not None:
                bucket.discard(id)
                if not bucket:
                    del self._tables[band][k]

    def query(self, keys: np.ndarray, *, max_bucket: int = MAX_BUCKET) -> set[Hashable]:
        """Ids sharing at least one band key with ``keys`` (one row of :func:`band_keys`)."""
        found: set[Hashable] = set()
        for band, k in enumerate(np.ravel(keys).tolist()):
            bucket = self._tables[band].get(k)
            if bucket and len(bucket) <= max_bucket:
                found |= bucket
        return found

    def query_counts(self, keys: np.ndarray) -> dict[Hashable, int]:
        """For each colliding id, in how many bands it collides (a cheap similarity rank)."""
        counts: dict[Hashable, int] = defaultdict(int)
        for band, k in enumerate(np.ravel(keys).tolist()):
            for id_ in self._tables[band].get(k, ()):
                counts[id_] += 1
        return dict(counts)

    @classmethod
    def from_items(cls, items: Iterable[tuple[Hashable, np.ndarray]], *, bands: int, rows: int) -> LSHIndex:
        idx = cls(bands=bands, rows=rows)
        for id_, row in items:
            idx.add([id_], row)
        return idx


__all__ = ["MAX_BUCKET", "LSHIndex", "band_keys", "candidate_pairs", "hit_probability"]
