"""Incremental add and query: one article at a time, against everything stored before it.

:class:`LiveCorpus` keeps one :class:`~retold.corpus.archive.Corpus` (its prepared-document cache, its
sentence-vector cache) for as long as only it writes to the store, and updates the ANN index of
document vectors in place: the new vector goes into growable arrays and, with faiss, into the
same flat or HNSW index (``index.add``), so an article costs one lead embedding and one insert,
never a rebuild (a rebuild reads every stored vector: ~1.5 s at 100k documents). The lexical
indexes (LSH buckets, postings) are tables, updated by the insert itself.

When another process writes to the store (``retold add``, the service), its generation counter
moves past the one this object expects and the next query reloads the corpus, once.

>>> import tempfile, os
>>> from retold.config import Settings
>>> from retold.store import Store
>>> from retold.types import Document
>>> s = Settings().replace(embed={"backend": "hash"})
>>> text = "The council approved the new bridge on Monday after a long debate about its cost. " * 3
>>> with Store(os.path.join(tempfile.mkdtemp(), "l.db"), settings=s) as st:
...     live = LiveCorpus(st, settings=s)
...     first = live.add_and_query(Document("x", text))
...     second = live.add_and_query(Document("y", text + "More follows here."))
>>> [h.id for h in first.hits], [(h.id, h.comparison.verdict) for h in second.hits], live.rebuilds
([], [('x', 'copy')], 1)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from retold.config import Settings
from retold.corpus.archive import (
    CachingEmbedder,
    Corpus,
    QueryResult,
    background_sample,
    doc_embedder,
    index_records,
)
from retold.embed import Embedder
from retold.pipeline import Detector
from retold.store import IndexedDocument, PutResult, Store
from retold.store.ann import AnnIndex, _faiss
from retold.types import Document


class LiveCorpus:
    """A store open for a stream of single articles (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings,
        detector: Detector | None = None,
        lead_embedder: Embedder | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._detector = detector or Detector(settings)
        # The lead of a new article is embedded once: for its query, then for its stored vector.
        self.lead_embedder = CachingEmbedder(lead_embedder or doc_embedder(settings), max_items=4096)
        self.rebuilds = 0
        self._load()

    def _load(self) -> None:
        self.corpus = Corpus(self.store, settings=self.settings, detector=self._detector)
        self.corpus._doc_embedder = self.lead_embedder
        ann = self.corpus.ann()
        self.rebuilds += 1
        n = len(ann)
        dim = int(ann.vectors.shape[1]) if n else int(self.lead_embedder.dim)
        cap = max(1024, 2 * n)
        self._labels = np.empty(cap, dtype=np.int64)
        self._vectors = np.empty((cap, dim), dtype=np.float32)
        self._labels[:n] = ann.labels
        if n:
            self._vectors[:n] = ann.vectors
        self._n = n
        self._index = ann.index
        self._kind = ann.kind
        self.generation = self.store.generation()

    def warm(self) -> None:
        """Load the models now (MiniLM: seconds), so the first article's latency is its own."""
        self.lead_embedder.encode(["warm-up"])
        if self.settings.match.semantic:
            self.corpus.embedder.encode(["warm-up"])

    def sync(self) -> None:
        """Reload when another writer changed the store since this object last wrote or loaded."""
        if self.store.generation() != self.generation:
            self._load()

    # -- the two steps of one article ------------------------------------------------------------
    def query(self, doc: Document, *, top_k: int | None = None) -> QueryResult:
        """``doc`` against everything stored (itself excluded when it is stored already)."""
        self.sync()
        return self.corpus.query(doc, top_k=top_k)

    def record(self, doc: Document, *, origin: str | None = None) -> IndexedDocument:
        return index_records([doc], settings=self.settings, embedder=self.lead_embedder, origins=[origin])[0]

    def put(self, rec: IndexedDocument, *, also: Callable[[], None] | None = None) -> PutResult:
        """Store one article (``also`` runs in its transaction) and add its vector to the index."""
        before = self.generation
        res = self.store.put([rec], also=also)
        after = self.store.generation()
        if res.updated or after != before + (1 if res.added else 0):
            # A replaced document leaves its old rowid in the index, and another writer's documents
            # are not in it: reload (rare; a stream only adds).
            self._load()
        elif res.added:
            self._append(self.store.rowid(rec.doc.id), rec.doc_vector)
            self.generation = after
        return res

    def add_and_query(self, doc: Document) -> QueryResult:
        """Query ``doc``, then store it: the doctest's one-liner for the two steps."""
        result = self.query(doc)
        self.put(self.record(doc))
        return result

    # -- the in-place index ----------------------------------------------------------------------
    def _append(self, rowid: int, vector: np.ndarray | None) -> None:
        if vector is None:
            return
        v = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if v.shape[1] != self._vectors.shape[1]:
            if self._n:
                raise ValueError(f"a document vector of {v.shape[1]} dimensions in an index of {self._vectors.shape[1]}")
            self._vectors = np.empty((len(self._labels), v.shape[1]), dtype=np.float32)
        if self._n == len(self._labels):  # grow by doubling: amortised O(1) per article
            cap = 2 * len(self._labels)
            labels, vectors = np.empty(cap, dtype=np.int64), np.empty((cap, v.shape[1]), dtype=np.float32)
            labels[: self._n], vectors[: self._n] = self._labels[: self._n], self._vectors[: self._n]
            self._labels, self._vectors = labels, vectors
        self._labels[self._n] = rowid
        self._vectors[self._n] = v[0]
        self._n += 1
        faiss = _faiss()
        if self._index is None and faiss is not None:
            self._index = faiss.IndexFlatIP(v.shape[1])
            self._kind = "faiss-flat"
            if self._n > 1:
                self._index.add(self._vectors[: self._n - 1])
        if self._index is not None:
            self._index.add(v)
        ann = AnnIndex(self._labels[: self._n], self._vectors[: self._n], self._index, self._kind)
        self.corpus._ann = ann
        if self.corpus._background is None and self._n >= self.corpus.settings.candidates.semantic_background_min_docs:
            self.corpus._background = background_sample(ann, self.corpus.settings.candidates)

    @property
    def indexed(self) -> int:
        """Document vectors in the live index."""
        return self._n
