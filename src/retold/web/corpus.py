"""The one adapter between the service and a corpus: the routes call a :class:`CorpusBackend`.

Two implementations:

* :class:`StoreCorpus` — the SQLite store of ``retold add`` (:mod:`retold.store`, queried with
  :class:`retold.corpus.archive.Corpus`); one connection per thread, writes on the service's single
  writer thread, readers carry on (WAL);
* :class:`MemoryCorpus` — documents in a dict, compared by brute force; for tests and tiny demos,
  and an oracle for what the store should answer.

Answers are plain JSON-ready dicts, the REST contract of ``docs/service.md``:

* query: ``retold query --json``'s object (``query``, ``candidates``, ``seconds``, ``hits``; each
  hit is the compare JSON of *query* (a) against a stored document (b) plus ``id``, ``role``,
  ``candidate``), with ``document``: the query as parsed, with its text (spans point into it);
* clusters: ``{"clusters": [{id, size, origin, first_date, last_date, documents, edges}], "total",
  "pairs"}``, clusters from :func:`retold.corpus.graph.reprint_clusters`, members by date.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from retold.config import Settings
from retold.corpus.graph import PairLink, reprint_clusters
from retold.embed import Embedder
from retold.errors import NotFoundError, StoreError
from retold.pipeline import Detector, Prepared
from retold.report.json import document_to_dict, to_dict
from retold.types import Comparison, Document

QUERY_ATTEMPTS = 5


class CorpusBackend(Protocol):
    """What the service needs from a corpus. Methods other than ``describe`` run in worker threads."""

    settings: Settings

    def describe(self) -> dict[str, Any]: ...

    def get_document(self, doc_id: str) -> dict[str, Any]: ...

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]: ...

    def delete_document(self, doc_id: str) -> dict[str, Any]: ...

    def query(self, doc: Document, top_k: int) -> dict[str, Any]: ...

    def clusters(self, limit: int) -> dict[str, Any]: ...

    def add_and_check(self, docs: Sequence[Document]) -> dict[str, Any]: ...

    def events_after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]: ...

    def last_event(self) -> int: ...

    def close(self) -> None: ...


def document_json(doc: Document, *, text: bool = True) -> dict[str, Any]:
    """A document as the API shows it: the contract's document dict, plus its text."""
    out = document_to_dict(doc)
    if text:
        out["text"] = doc.text
    return out


def role_of(c: Comparison) -> str | None:
    """The stored document (b) relative to the query (a): its ``source``, its ``copy``, or None."""
    return "source" if c.source == "b" else "copy" if c.source == "a" else None


def _by_date(d: Document) -> tuple[int, str, str]:
    return (0 if d.date else 1, d.date.isoformat() if d.date else "", d.id)


@dataclass(frozen=True, slots=True)
class Link:
    """A reuse pair as the cluster view needs it: ids, verdict, which side is the source, share."""

    a: str
    b: str
    verdict: str
    source: str | None
    reuse: float

    def pair_link(self) -> PairLink:
        side = self.source if self.source in ("a", "b") else None
        return PairLink(self.a, self.b, self.verdict, side)  # type: ignore[arg-type]


def clusters_json(links: Sequence[Link], docs: dict[str, Document], limit: int) -> dict[str, Any]:
    """Clusters of reuse pairs with members ordered by date and edges pointing source → copy."""
    dates = {i: d.date for i, d in docs.items()}
    clusters = reprint_clusters((ln.pair_link() for ln in links), dates=dates)
    where = {i: k for k, c in enumerate(clusters) for i in c.ids}
    edges: list[list[dict[str, Any]]] = [[] for _ in clusters]
    for ln in links:
        directed = ln.source in ("a", "b")
        src, dst = (ln.b, ln.a) if ln.source == "b" else (ln.a, ln.b)
        edges[where[ln.a]].append(
            {"source": src, "copy": dst, "directed": directed, "verdict": ln.verdict, "reuse": round(ln.reuse, 4)}
        )
    out: list[dict[str, Any]] = []
    for k, c in enumerate(clusters[:limit]):
        members = sorted((docs[i] for i in c.ids if i in docs), key=_by_date)
        dated = [m.date.isoformat() for m in members if m.date]
        out.append(
            {
                "id": k,
                "size": len(c.ids),
                "origin": c.origin,
                "first_date": min(dated) if dated else None,
                "last_date": max(dated) if dated else None,
                "documents": [document_json(m, text=False) for m in members],
                "edges": sorted(edges[k], key=lambda e: (-e["reuse"], e["source"], e["copy"])),
            }
        )
    return {"clusters": out, "total": len(clusters), "pairs": len(links)}


@dataclass
class MemoryCorpus:
    """An in-memory corpus compared by brute force (n compares per query, n² for clusters).

    >>> from retold.config import Settings
    >>> m = MemoryCorpus(Detector(Settings().replace(embed={"backend": "hash"})))
    >>> m.add_documents([Document(id="x", text="Officials said the plan would cost 5 billion pounds.")])["added"]
    1
    >>> m.get_document("x")["chars"]
    52
    """

    detector: Detector
    docs: dict[str, Document] = field(default_factory=dict)
    _prepared: dict[str, Prepared] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.detector.settings

    def describe(self) -> dict[str, Any]:
        return {"kind": "memory", "documents": len(self.docs)}

    def get_document(self, doc_id: str) -> dict[str, Any]:
        doc = self.docs.get(doc_id)
        if doc is None:
            raise NotFoundError(f"no document {doc_id!r} in the store")
        return document_json(doc)

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]:
        prepared = [self.detector.prepare(d) for d in docs]
        with self._lock:
            added = sum(d.id not in self.docs for d in docs)
            for d, p in zip(docs, prepared, strict=True):
                self.docs[d.id] = d
                self._prepared[d.id] = p
        return {"ids": [d.id for d in docs], "read": len(docs), "added": added, "updated": len(docs) - added}

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        with self._lock:
            if self.docs.pop(doc_id, None) is None:
                raise NotFoundError(f"no document {doc_id!r} in the store; nothing was deleted")
            self._prepared.pop(doc_id, None)
        return {"deleted": doc_id}

    def query(self, doc: Document, top_k: int) -> dict[str, Any]:
        t0 = time.perf_counter()
        pq = self.detector.prepare(doc)
        with self._lock:
            stored = [p for p in self._prepared.values() if p.doc.id != doc.id]
        found = [self.detector.compare_prepared(pq, p) for p in stored]
        found = sorted((c for c in found if c.is_reuse), key=lambda c: (-max(c.reuse_a, c.reuse_b), c.b.id))
        hits = [
            {"id": c.b.id, "role": role_of(c), "candidate": {"channels": ["exhaustive"]}, **to_dict(c)}
            for c in found[:top_k]
        ]
        return {"query": doc.id, "candidates": len(stored), "seconds": round(time.perf_counter() - t0, 4),
                "hits": hits, "document": document_json(doc)}

    def clusters(self, limit: int) -> dict[str, Any]:
        with self._lock:
            stored = sorted(self._prepared.values(), key=lambda p: p.doc.id)
            docs = dict(self.docs)
        links = []
        for i, pa in enumerate(stored):
            for pb in stored[i + 1 :]:
                c = self.detector.compare_prepared(pa, pb)
                if c.is_reuse:
                    links.append(Link(pa.doc.id, pb.doc.id, c.verdict, c.source, max(c.reuse_a, c.reuse_b)))
        return clusters_json(links, docs, limit)

    def add_and_check(self, docs: Sequence[Document]) -> dict[str, Any]:
        """Each document against everything before it, then stored; its hits are events too."""
        from retold.stream.report import event_of

        results = []
        for d in docs:
            res = self.query(d, 20)
            res.pop("document", None)
            line = {"article": {**document_json(d, text=False), "source": "api", "guid": None},
                    "sources": [h["id"] for h in res["hits"] if h["role"] == "source"],
                    "copies": [h["id"] for h in res["hits"] if h["role"] == "copy"],
                    "related": [h["id"] for h in res["hits"] if h["role"] is None],
                    "hits": res["hits"], "candidates": res["candidates"]}
            self.add_documents([d])
            with self._lock:
                seq = len(self._events) + 1
                self._events.append((seq, event_of(seq, line)))
            results.append(line)
        return {"ids": [d.id for d in docs], "read": len(docs), "results": results}

    def events_after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        with self._lock:
            return [e for e in self._events if e[0] > seq][:limit]

    def last_event(self) -> int:
        with self._lock:
            return len(self._events)

    def close(self) -> None:
        pass


class StoreCorpus:
    """The SQLite store of ``retold add``: a connection and a :class:`~retold.corpus.archive.Corpus` per thread.

    SQLite connections may not cross threads, and the Corpus caches (prepared documents, the ANN
    index) go stale when the store changes, so each thread keeps its own and rebuilds its Corpus
    when the store's generation counter moves (any add or delete, by the service or `retold add`).
    """

    # The document count shown by /api/health is refreshed at most this often (it runs on the
    # event loop; COUNT(*) over 100k documents takes a few ms).
    COUNT_TTL_S = 2.0

    def __init__(self, path: str | Path, *, settings: Settings, detector: Detector) -> None:
        self.path = Path(path)
        self.settings = settings
        self.detector = detector
        self._local = threading.local()
        self._doc_embedder: Embedder | None = None
        self._lock = threading.Lock()
        self._count: tuple[float, int] = (0.0, 0)
        self._clusters: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    @classmethod
    def open(cls, path: str | Path, *, settings: Settings, strict: bool = False) -> StoreCorpus:
        """Open a store made by ``retold add``; settings follow the store's unless ``strict``.

        With ``strict`` (the user chose an embedder or a config file) a store built otherwise is a
        SettingsMismatchError naming both values; without it the service adopts the store's
        signature settings (embedder, shingles, MinHash), as the corpus commands do.
        """
        from retold.store import Store, settings_for_store

        with Store(path, settings=settings if strict else None, create=False) as st:
            if not strict and st.signature:
                settings = settings_for_store(st.signature, settings)
        return cls(path, settings=settings, detector=Detector(settings))

    # -- per-thread state -------------------------------------------------------------------------
    def _store(self) -> Any:
        st = getattr(self._local, "store", None)
        if st is None:
            from retold.store import Store

            st = Store(self.path, settings=self.settings, create=False)
            self._local.store = st
        return st

    def _corpus(self) -> Any:
        from retold.corpus.archive import Corpus

        st = self._store()
        gen = st.generation()
        corpus = getattr(self._local, "corpus", None)
        if corpus is None or self._local.generation != gen:
            corpus = Corpus(st, settings=self.settings, detector=self.detector)
            if hasattr(corpus, "_doc_embedder"):  # share one lead embedder (MiniLM loads in ~0.6 s)
                corpus._doc_embedder = self.doc_embedder()
            self._local.corpus, self._local.generation = corpus, gen
        return corpus

    def doc_embedder(self) -> Embedder:
        with self._lock:
            if self._doc_embedder is None:
                from retold.corpus.archive import doc_embedder

                self._doc_embedder = doc_embedder(self.settings)
            return self._doc_embedder

    # -- the backend -----------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        stamp, count = self._count
        now = time.monotonic()
        if now - stamp > self.COUNT_TTL_S:
            count = len(self._store())
            self._count = (now, count)
        return {"kind": "sqlite", "path": str(self.path), "documents": count,
                "embedder": self.settings.embed.backend}

    def get_document(self, doc_id: str) -> dict[str, Any]:
        return document_json(self._store().get(doc_id))

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]:
        from retold.corpus.archive import add_documents

        summary = add_documents(self._store(), list(docs), settings=self.settings, embedder=self.doc_embedder())
        self._count = (0.0, 0)
        return {"ids": [d.id for d in docs], **summary.to_dict()}

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        self._store().delete(doc_id)
        self._count = (0.0, 0)
        return {"deleted": doc_id}

    def query(self, doc: Document, top_k: int) -> dict[str, Any]:
        # Corpus.query reads in several statements (buckets, postings, ANN, then documents by rowid),
        # so a write landing between them (an update replaces a row) can leave a candidate rowid
        # pointing nowhere: 7 KeyErrors in 1,000 queries under the load test's 2 % writes. When the
        # store's generation moved during the query, it is simply run again on the new state.
        st = self._store()
        for _attempt in range(QUERY_ATTEMPTS):
            corpus = self._corpus()
            seen = self._local.generation
            try:
                result = corpus.query(doc, top_k=top_k)
            except (KeyError, sqlite3.IntegrityError):
                # IntegrityError: the query's lazy write of sentence spans named a document deleted
                # meanwhile (FOREIGN KEY failed; 1 in ~300 queries under test_harden_concurrency).
                if st.generation() != seen:
                    continue
                raise
            return {**result.to_dict(), "document": document_json(doc)}
        raise StoreError(f"the store changed under the query {QUERY_ATTEMPTS} times in a row; retry in a moment")

    def clusters(self, limit: int) -> dict[str, Any]:
        st = self._store()
        # Reading the pairs parses every stored compare JSON (~60 ms for 500 pairs), and they only
        # change on a scan or a write: keep the answer until the pairs or documents change.
        key = (st.generation(), *st.db.execute("SELECT count(*), total(score) FROM pairs").fetchone(), limit)
        with self._lock:
            if self._clusters is not None and self._clusters[0] == key:
                return self._clusters[1]
        links = [Link(p.a, p.b, p.verdict, p.source, p.score) for p in st.pairs()]
        ids = sorted({i for ln in links for i in (ln.a, ln.b)})
        out = clusters_json(links, _documents(st, ids), limit)
        if not links:
            out["hint"] = f"no reuse pairs stored yet: run `retold scan {self.path}` to detect them"
        with self._lock:
            self._clusters = (key, out)
        return out

    def add_and_check(self, docs: Sequence[Document]) -> dict[str, Any]:
        """Query each document, then store it (on the writer thread: one LiveCorpus, updated in
        place, so a stream of checks never rebuilds the ANN index); lines go to the outbox."""
        from retold.stream.check import check_and_add
        from retold.stream.live import LiveCorpus
        from retold.stream.state import StreamState

        st = self._store()
        live = getattr(self._local, "live", None)
        if live is None:
            live = LiveCorpus(st, settings=self.settings, detector=self.detector, lead_embedder=self.doc_embedder())
            self._local.live, self._local.stream_state = live, StreamState(st.db)
        results = check_and_add(live, self._local.stream_state, docs)
        self._count = (0.0, 0)
        return {"ids": [d.id for d in docs], "read": len(docs), "results": results}

    def events_after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        import json

        from retold.stream.report import event_of
        from retold.stream.state import events_after

        return [(s, event_of(s, json.loads(line))) for s, line in events_after(self._store().db, seq, limit=limit)]

    def last_event(self) -> int:
        from retold.stream.state import last_seq

        return last_seq(self._store().db)

    def close(self) -> None:
        st = getattr(self._local, "store", None)
        if st is not None:  # other threads' connections close when their pools' threads end
            st.close()
            self._local.store = None


def _documents(store: Any, ids: Iterable[str]) -> dict[str, Document]:
    out = {}
    for i in ids:
        try:
            out[i] = store.get(i)
        except NotFoundError:  # deleted since the scan: its pairs went with it, but be safe
            continue
    return out


def open_backend(db: str | Path, *, settings: Settings, strict: bool = False) -> StoreCorpus:
    """The backend for a store path (see :meth:`StoreCorpus.open`)."""
    return StoreCorpus.open(db, settings=settings, strict=strict)
