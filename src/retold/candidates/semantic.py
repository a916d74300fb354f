"""The semantic candidate channel as a pure kernel: documents whose leads say the same thing.

Every scan uses it with one :class:`retold.config.CandidateSettings`: the store scan and ``query``
(over the store's saved ANN index), the batch scan's local engine (an index built over the
corpus's lead vectors) and its Spark engine (the same, on the driver, over the vectors the
executors computed). The rules:

* a document's **lead** is its title (when the text does not already open with it) and its first
  ``lead_words`` words (:func:`lead_text`), embedded by :func:`doc_embedder` (MiniLM capped at 64
  word pieces, or the hashing fake);
* each document proposes its ``semantic_k`` nearest neighbours whose cosine reaches the backend's
  floor (:meth:`CandidateSettings.semantic_floor`) and, from ``semantic_background_min_docs``
  documents up, stands ``semantic_min_z`` standard deviations above the mean of its cosines to a
  fixed sample of ``semantic_background_sample`` indexed vectors (:func:`background_sample`):
  where all leads are alike, only the outliers are copies.

The index is anything with ``search(queries, k) -> (labels, cosines)`` (``-1`` for a missing
neighbour), such as :class:`retold.store.ann.AnnIndex`; vectors are L2-normalised float32 rows.

>>> import numpy as np
>>> class Exact:  # brute force: what AnnIndex does without faiss
...     def __init__(self, v): self.v = v
...     def search(self, q, k):
...         s = q @ self.v.T; o = np.argsort(-s, axis=1)[:, :k]
...         return o, np.take_along_axis(s, o, axis=1)
>>> v = np.array([[1, 0], [0.96, 0.28], [0, 1]], dtype=np.float32)
>>> {k: round(x, 4) for k, x in semantic_pairs(Exact(v), v, np.arange(3), CandidateSettings(), floor=0.9).items()}
{(0, 1): 0.96}
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from retold.config import CandidateSettings, Settings
from retold.embed import Embedder, get_embedder
from retold.types import Document


class NeighbourIndex(Protocol):
    def search(self, queries: np.ndarray, *, k: int) -> tuple[np.ndarray, np.ndarray]: ...


def lead_text(doc: Document, *, words: int) -> str:
    """Title (when it is not already the first line) and the first ``words`` words of the text."""
    body = " ".join(doc.text.split()[:words])
    if doc.title and not body.startswith(doc.title.strip()[:40]):
        return f"{doc.title.strip()}. {body}"
    return body


def doc_embedder(settings: Settings) -> Embedder:
    """The embedder for document leads: MiniLM capped at 64 word pieces, or the hash fake."""
    if settings.embed.backend == "minilm":
        # Imported by name, as retold.embed.get_embedder does, so the core never imports torch.
        model = importlib.import_module("retold.embed.model")
        emb: Embedder = model.MiniLMEmbedder(batch_size=settings.embed.batch_size, max_seq_length=64,
                                             threads=settings.embed.threads, precision=settings.embed.precision)
        return emb
    return get_embedder(settings.embed)


def background_sample(vectors: np.ndarray, c: CandidateSettings) -> np.ndarray | None:
    """A fixed sample of the indexed vectors (evenly spaced rows), or None for a small corpus."""
    n = len(vectors)
    if n < c.semantic_background_min_docs:
        return None
    rows = np.linspace(0, n - 1, num=min(c.semantic_background_sample, n)).astype(np.int64)
    return np.ascontiguousarray(vectors[rows])


def semantic_neighbours(
    index: NeighbourIndex, queries: np.ndarray, *, k: int, floor: float, sample: np.ndarray | None, min_z: float
) -> list[list[tuple[int, float]]]:
    """For each query row, the labels and cosines of its top-``k`` neighbours that reach ``floor``
    and, when ``sample`` is given, stand out from the row's background by ``min_z`` standard
    deviations (``CandidateSettings.semantic_min_z``)."""
    labels, sims = index.search(queries, k=k)
    if sample is not None:
        bg = np.asarray(queries, dtype=np.float32) @ sample.T
        mu, sd = bg.mean(axis=1), np.maximum(bg.std(axis=1), 1e-6)
        bar = np.maximum(floor, mu + min_z * sd)
    else:
        bar = np.full(len(labels), floor, dtype=np.float32)
    return [
        [(int(lab), float(sim)) for lab, sim in zip(labels[r].tolist(), sims[r].tolist(), strict=True)
         if lab >= 0 and sim >= bar[r]]
        for r in range(len(labels))
    ]


def semantic_pairs(
    index: NeighbourIndex,
    vectors: np.ndarray,
    labels: np.ndarray,
    c: CandidateSettings,
    *,
    floor: float,
    rows: Sequence[int] | None = None,
) -> dict[tuple[int, int], float]:
    """Pairs of labels ``(i, j)``, ``i < j``, where either document proposes the other, with
    their cosine. Row ``r`` of ``vectors`` is the document ``index`` knows as ``labels[r]``.
    With ``rows``, only those documents propose (an incremental scan's new documents)."""
    if len(vectors) < 2:
        return {}
    sample = background_sample(vectors, c)
    labels = np.asarray(labels)
    todo = np.arange(len(vectors)) if rows is None else np.asarray(rows, dtype=np.int64)
    out: dict[tuple[int, int], float] = {}
    for start in range(0, len(todo), c.semantic_query_block):
        block = todo[start : start + c.semantic_query_block]
        hits = semantic_neighbours(index, vectors[block], k=c.semantic_k + 1, floor=floor, sample=sample,
                                   min_z=c.semantic_min_z)
        for i, row in zip(labels[block].tolist(), hits, strict=True):
            for j, sim in row:
                if j != i:
                    key = (min(i, j), max(i, j))
                    out[key] = max(out.get(key, 0.0), sim)
    return out


__all__ = ["NeighbourIndex", "background_sample", "doc_embedder", "lead_text", "semantic_neighbours", "semantic_pairs"]
