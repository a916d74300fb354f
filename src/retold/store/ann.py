"""Approximate nearest neighbours over document vectors: faiss-cpu, with an exact numpy fallback.

Vectors are L2-normalised, so inner product is cosine. Below :data:`EXACT_BELOW` vectors an exact
``IndexFlatIP`` is used (2,225 BBC articles: ~1 ms per query, nothing to tune); above it HNSW
(M=32, efSearch=64). ``bench/ann_hnsw.py --n 200000`` (clustered synthetic vectors, 2 cores at load
~10): build 740 s, 880 queries/s, recall@10 0.976 against exact search; the first, script-less
measurement on a quiet machine said ~68 s, 7-12k queries/s, recall ~1.0 (docs/benchmarks.md).
usearch was slower on every figure we measured and its exact search crashed on a 10k-query batch,
so faiss it is. Without faiss the numpy path is exact.

>>> import numpy as np
>>> v = np.eye(4, dtype=np.float32)
>>> idx = AnnIndex.build(np.array([10, 11, 12, 13]), v)
>>> ids, sims = idx.search(v[:1], k=2)
>>> int(ids[0, 0]), round(float(sims[0, 0]), 3)
(10, 1.0)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

EXACT_BELOW = 50_000


def _faiss() -> Any | None:
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is in the corpus extra
        return None
    return faiss


@dataclass(frozen=True, slots=True)
class AnnIndex:
    """An index over ``vectors`` whose rows are labelled by ``labels`` (store rowids)."""

    labels: np.ndarray
    vectors: np.ndarray
    index: Any | None = None
    kind: str = "numpy"

    @classmethod
    def build(cls, labels: np.ndarray, vectors: np.ndarray, *, exact_below: int = EXACT_BELOW) -> AnnIndex:
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        faiss = _faiss()
        if faiss is None or len(vecs) == 0:
            return cls(labels, vecs)
        dim = vecs.shape[1]
        if len(vecs) < exact_below:
            index = faiss.IndexFlatIP(dim)
            kind = "faiss-flat"
        else:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 64
            kind = "faiss-hnsw"
        index.add(vecs)
        return cls(labels, vecs, index, kind)

    def __len__(self) -> int:
        return len(self.labels)

    def search(self, queries: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` labels and cosines for each query row; missing neighbours are label -1."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self.labels))) if len(self.labels) else 1
        if len(self.labels) == 0:
            return np.full((len(q), k), -1, dtype=np.int64), np.zeros((len(q), k), dtype=np.float32)
        if self.index is not None:
            sims, pos = self.index.search(q, k)
        else:
            scores = q @ self.vectors.T
            pos = np.argsort(-scores, axis=1)[:, :k]
            sims = np.take_along_axis(scores, pos, axis=1)
        labels = np.where(pos >= 0, self.labels[np.clip(pos, 0, None)], -1)
        return labels, sims.astype(np.float32)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, labels=self.labels, vectors=self.vectors, kind=np.array(self.kind))
        faiss = _faiss()
        if self.index is not None and faiss is not None and self.kind == "faiss-hnsw":
            # Only HNSW is worth serialising: a flat index rebuilds from the vectors in ~1 ms.
            graph = faiss.serialize_index(self.index).tobytes()
            return b"HNSW" + len(graph).to_bytes(8, "little") + graph + buf.getvalue()
        return b"VECS" + buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> AnnIndex:
        tag = blob[:4]
        if tag == b"HNSW":
            n = int.from_bytes(blob[4:12], "little")
            graph, rest = blob[12 : 12 + n], blob[12 + n :]
            data = np.load(io.BytesIO(rest))
            faiss = _faiss()
            if faiss is not None:
                index = faiss.deserialize_index(np.frombuffer(graph, dtype=np.uint8))
                index.hnsw.efSearch = 64
                return cls(data["labels"], data["vectors"], index, "faiss-hnsw")
            return cls(data["labels"], data["vectors"])
        data = np.load(io.BytesIO(blob[4:]))
        return cls.build(data["labels"], data["vectors"])
