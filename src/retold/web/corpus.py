"""The one adapter between the service and a corpus: the routes call a :class:`CorpusBackend`.

Two implementations:

* :class:`StoreCorpus` — the SQLite store of ``retold add`` (``retold.store`` and ``retold.corpus``);
  SQLite connections are per thread, and writes arrive on the service's single writer thread;
* :class:`MemoryCorpus` — documents in a dict, compared by brute force; for tests and tiny demos,
  and an oracle for what the store should answer.

Answers are plain JSON-ready dicts (the REST contract, documented in ``docs/service.md``); every
comparison in them is :func:`retold.report.json.to_dict`, with ``a`` = the query or first member.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from retold.config import Settings
from retold.errors import NotFoundError, StoreError
from retold.pipeline import Detector, Prepared
from retold.report.json import document_to_dict, to_dict
from retold.types import Comparison, Document


class CorpusBackend(Protocol):
    """What the service needs from a corpus. Methods are called from worker threads."""

    def describe(self) -> dict[str, Any]: ...

    def get_document(self, doc_id: str) -> dict[str, Any]: ...

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]: ...

    def delete_document(self, doc_id: str) -> dict[str, Any]: ...

    def query(self, doc: Document, top_k: int) -> dict[str, Any]: ...

    def clusters(self, limit: int) -> dict[str, Any]: ...

    def close(self) -> None: ...


def document_json(doc: Document, *, text: bool = True) -> dict[str, Any]:
    """A document as the API shows it: the contract's document dict, plus its text."""
    out = document_to_dict(doc)
    if text:
        out["text"] = doc.text
    return out


def relation(c: Comparison) -> str:
    """How a match relates to the query (side a): ``source``, ``copy`` or ``related``."""
    if c.attribution.source == "b":
        return "source"
    if c.attribution.source == "a":
        return "copy"
    return "related"


def query_json(doc: Document, comparisons: Sequence[Comparison]) -> dict[str, Any]:
    """The ``POST /api/query`` answer: the query (with its text) and ranked matches."""
    matches = [
        {"document": document_json(c.b, text=False), "relation": relation(c), "comparison": to_dict(c)}
        for c in comparisons
    ]
    return {"query": document_json(doc), "matches": matches}


def _sort_key(d: Document) -> tuple[int, str, str]:
    return (0 if d.date else 1, d.date.isoformat() if d.date else "", d.id)


def clusters_json(docs: dict[str, Document], pairs: Sequence[Comparison], limit: int) -> dict[str, Any]:
    """Group reuse pairs into clusters (connected components), members ordered by date."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in pairs:
        parent[find(c.a.id)] = find(c.b.id)
    groups: dict[str, list[str]] = {}
    for doc_id in parent:
        groups.setdefault(find(doc_id), []).append(doc_id)
    edges: dict[str, list[dict[str, Any]]] = {}
    for c in pairs:
        src, dst = (c.b, c.a) if c.attribution.source == "b" else (c.a, c.b)
        edges.setdefault(find(c.a.id), []).append(
            {
                "source": src.id,
                "copy": dst.id,
                "directed": c.attribution.source is not None,
                "verdict": c.verdict,
                "reuse": max(c.reuse_a, c.reuse_b),
            }
        )
    out: list[dict[str, Any]] = []
    for root, ids in groups.items():
        members = sorted((docs[i] for i in ids), key=_sort_key)
        dates = [m.date.isoformat() for m in members if m.date]
        out.append(
            {
                "size": len(members),
                "first_date": min(dates) if dates else None,
                "last_date": max(dates) if dates else None,
                "documents": [document_json(m, text=False) for m in members],
                "edges": edges.get(root, []),
            }
        )
    out.sort(key=lambda c: (-c["size"], c["first_date"] or "9999"))
    for i, cluster in enumerate(out):
        cluster["id"] = i
    return {"clusters": out[:limit], "total": len(out)}


@dataclass
class MemoryCorpus:
    """An in-memory corpus compared by brute force (O(n) compares per query, O(n²) for clusters).

    >>> from retold.config import Settings
    >>> m = MemoryCorpus(Detector(Settings().replace(embed={"backend": "hash"})))
    >>> m.add_documents([Document(id="x", text="Officials said the plan would cost 5 billion pounds.")])["count"]
    1
    >>> m.get_document("x")["chars"]
    52
    """

    detector: Detector
    docs: dict[str, Document] = field(default_factory=dict)
    _prepared: dict[str, Prepared] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self) -> dict[str, Any]:
        return {"kind": "memory", "documents": len(self.docs)}

    def get_document(self, doc_id: str) -> dict[str, Any]:
        doc = self.docs.get(doc_id)
        if doc is None:
            raise NotFoundError(f"no document with id {doc_id!r}; list ids with `retold scan` or `retold stats`")
        return document_json(doc)

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]:
        prepared = [self.detector.prepare(d) for d in docs]
        with self._lock:
            for d, p in zip(docs, prepared, strict=True):
                self.docs[d.id] = d
                self._prepared[d.id] = p
        return {"added": [d.id for d in docs], "count": len(docs)}

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        with self._lock:
            if self.docs.pop(doc_id, None) is None:
                raise NotFoundError(f"no document with id {doc_id!r}; nothing was deleted")
            self._prepared.pop(doc_id, None)
        return {"deleted": doc_id}

    def query(self, doc: Document, top_k: int) -> dict[str, Any]:
        pq = self.detector.prepare(doc)
        with self._lock:
            stored = list(self._prepared.values())
        found = [self.detector.compare_prepared(pq, p) for p in stored if p.doc.id != doc.id]
        found = [c for c in found if c.verdict != "unrelated"]
        found.sort(key=lambda c: (-max(c.reuse_a, c.reuse_b), c.b.id))
        return query_json(doc, found[:top_k])

    def clusters(self, limit: int) -> dict[str, Any]:
        with self._lock:
            stored = sorted(self._prepared.values(), key=lambda p: p.doc.id)
            docs = dict(self.docs)
        pairs = []
        for i, pa in enumerate(stored):
            for pb in stored[i + 1 :]:
                c = self.detector.compare_prepared(pa, pb)
                if c.is_reuse:
                    pairs.append(c)
        return clusters_json(docs, pairs, limit)

    def close(self) -> None:
        pass


class StoreCorpus:
    """The SQLite store of ``retold add``, one connection per thread (WAL: readers never wait)."""

    def __init__(self, path: str | Path, *, settings: Settings, detector: Detector) -> None:
        from retold import store as store_mod  # the store needs the corpus extra

        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"no store at {self.path}; create one with `retold add {self.path} FILES...`")
        self._store_mod = store_mod
        self.settings = settings
        self.detector = detector
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        self._store()  # open once now, so a bad path or mismatched settings fail at start-up

    def _store(self) -> Any:
        st = getattr(self._local, "store", None)
        if st is None:
            st = self._store_mod.Store(self.path, settings=self.settings)
            self._local.store = st
            with self._lock:
                self._opened.append(st)
        return st

    def describe(self) -> dict[str, Any]:
        return {"kind": "sqlite", "path": str(self.path)}

    def get_document(self, doc_id: str) -> dict[str, Any]:
        return document_json(self._store().get(doc_id))

    def add_documents(self, docs: Sequence[Document]) -> dict[str, Any]:
        self._store().add(docs)
        return {"added": [d.id for d in docs], "count": len(docs)}

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        self._store().delete(doc_id)
        return {"deleted": doc_id}

    def query(self, doc: Document, top_k: int) -> dict[str, Any]:
        raise StoreError("query is not wired to the store yet")

    def clusters(self, limit: int) -> dict[str, Any]:
        raise StoreError("clusters are not wired to the store yet")

    def close(self) -> None:
        with self._lock:
            for st in self._opened:
                close = getattr(st, "close", None)
                if close is not None:
                    close()
            self._opened.clear()


def open_backend(db: str | Path, *, settings: Settings, detector: Detector) -> CorpusBackend:
    """The backend for a store path."""
    return StoreCorpus(db, settings=settings, detector=detector)
