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
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

EXACT_BELOW = 50_000
# HNSW graph degree, build and search beams (faiss's M, efConstruction, efSearch).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64
# Serialised indexes are stored in parts of about this size (SQLite caps a blob at 1 GB).
PART_BYTES = 64 * 2**20


def _faiss() -> Any | None:
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is in the corpus extra
        return None
    return faiss


class AnnIndex:
    """An index over ``vectors`` whose rows are labelled by ``labels`` (store rowids).

    With faiss the vectors live once, in the faiss index (``vectors`` is a view of its storage:
    at a million 256-dimensional vectors a second copy would cost 1 GB); :meth:`add` grows it in
    place, so take ``vectors`` again after adding.
    """

    __slots__ = ("_vectors", "index", "kind", "labels")

    def __init__(self, labels: np.ndarray, vectors: np.ndarray | None, index: Any | None = None, kind: str = "numpy") -> None:
        self.labels = np.asarray(labels, dtype=np.int64)
        self._vectors = vectors
        self.index = index
        self.kind = kind

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is not None or self.index is None:
            return self._vectors if self._vectors is not None else np.zeros((0, 1), dtype=np.float32)
        faiss: Any = _faiss()
        n, d = int(self.index.ntotal), int(self.index.d)
        if n == 0:
            return np.zeros((0, d), dtype=np.float32)
        flat = faiss.downcast_index(self.index.storage) if hasattr(self.index, "storage") else self.index
        return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)

    @classmethod
    def build(cls, labels: np.ndarray, vectors: np.ndarray, *, exact_below: int = EXACT_BELOW) -> AnnIndex:
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        faiss = _faiss()
        if faiss is None or len(vecs) == 0:
            return cls(labels, vecs)
        index, kind = _new_index(faiss, vecs.shape[1], hnsw=len(vecs) >= exact_below)
        index.add(vecs)
        return cls(labels, None, index, kind)

    def add(self, labels: np.ndarray, vectors: np.ndarray, *, exact_below: int = EXACT_BELOW) -> AnnIndex:
        """This index with more rows: grown in place (HNSW inserts them into its graph), or rebuilt
        when it outgrows exact search (flat -> HNSW at ``exact_below``) or has no faiss index."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if not len(vecs):
            return self
        labels = np.asarray(labels, dtype=np.int64)
        grows_past = self.kind == "faiss-flat" and len(self.labels) + len(vecs) >= exact_below
        if self.index is None or grows_past:
            return AnnIndex.build(np.concatenate([self.labels, labels]),
                                  np.concatenate([self.vectors.reshape(-1, vecs.shape[1]), vecs]), exact_below=exact_below)
        self.index.add(vecs)
        self.labels = np.concatenate([self.labels, labels])
        return self

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

    def write(self, sink: Callable[[bytes], object], *, part_bytes: int = PART_BYTES) -> None:
        """Serialise to ``sink`` in parts of about ``part_bytes``: a header (tag, kind, labels),
        then the faiss index as faiss writes it (or, without faiss, the vectors). Nothing is held
        whole in memory: a million-vector HNSW index is ~1.3 GB, over SQLite's 1 GB blob limit."""
        head = io.BytesIO()
        np.save(head, self.labels)
        sink(b"ANN2" + self.kind.encode().ljust(16) + head.getvalue())
        faiss = _faiss()
        if self.index is None or faiss is None:
            out = io.BytesIO()
            np.save(out, np.ascontiguousarray(self.vectors, dtype=np.float32))
            data = out.getvalue()
            for i in range(0, len(data), part_bytes):
                sink(data[i : i + part_bytes])
            return
        buf = bytearray()

        def take(chunk: bytes) -> int:
            view = memoryview(chunk)
            while len(buf) + len(view) >= part_bytes:  # a chunk may be the whole vector storage
                cut = part_bytes - len(buf)
                buf.extend(view[:cut])
                sink(bytes(buf))
                buf.clear()
                view = view[cut:]
            buf.extend(view)
            return len(chunk)

        writer = faiss.PyCallbackIOWriter(take)
        faiss.write_index(self.index, writer)
        del writer
        if buf:
            sink(bytes(buf))

    @classmethod
    def read(cls, parts: Iterator[bytes]) -> AnnIndex:
        """The index :meth:`write` wrote, from its parts in order."""
        head = next(parts)
        if head[:4] != b"ANN2":
            raise ValueError("not an ANN index written by AnnIndex.write")
        kind = head[4:20].decode().strip()
        labels = np.load(io.BytesIO(head[20:]))
        stream = _PartReader(parts)
        faiss = _faiss()
        if kind == "numpy" or faiss is None:
            if kind != "numpy":  # written with faiss, read without: the caller rebuilds
                raise ValueError("this ANN index needs faiss to read")
            return cls(labels, np.load(io.BytesIO(stream.read(-1))))
        index = faiss.read_index(faiss.PyCallbackIOReader(stream.read))
        if kind == "faiss-hnsw":
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(labels, None, index, kind)


class _PartReader:
    """A file-like ``read(n)`` over an iterator of byte strings (faiss's callback reader)."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._buf = b""
        self._pos = 0

    def read(self, n: int) -> bytes:
        out: list[bytes] = []
        while n < 0 or n > 0:
            if self._pos >= len(self._buf):
                nxt = next(self._parts, None)
                if nxt is None:
                    break
                self._buf, self._pos = nxt, 0
                continue
            take = len(self._buf) - self._pos if n < 0 else min(n, len(self._buf) - self._pos)
            out.append(self._buf[self._pos : self._pos + take])
            self._pos += take
            if n > 0:
                n -= take
        return b"".join(out)


def _new_index(faiss: Any, dim: int, *, hnsw: bool) -> tuple[Any, str]:
    if not hnsw:
        return faiss.IndexFlatIP(dim), "faiss-flat"
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index, "faiss-hnsw"
