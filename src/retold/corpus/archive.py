"""Corpus mode: add documents to a store, index them, query one article, scan for all reuse.

The library behind ``retold add / index / query / scan``; the CLI only parses and prints.

Candidates come from three channels, then every candidate pair gets a full
:meth:`~retold.pipeline.Detector.compare_prepared` and only its verdict counts:

* **lexical** — MinHash-LSH over word 3-shingles (near-duplicates, spun copies);
* **containment** — shared winnowed fingerprints over the smaller side's fingerprints
  (excerpts and partial reuse, whose Jaccard with a long source is low);
* **semantic** — document vectors in an ANN index (paraphrases and summaries share few shingles):
  the top neighbours above a cosine floor that also stand out from the document's background
  (its cosines to a fixed sample of the corpus), so the channel stays near-linear as it grows.

Document vectors embed the *lead* (title and first ~60 words, truncated to 64 word pieces): MiniLM
does ~100 such leads/s on 2 cores against ~27/s for 128 word pieces, which is what keeps indexing
the 2,225 BBC articles under a minute. Sentence vectors are computed only when a compare needs
them, through a cache shared by the whole scan.

>>> import tempfile, os
>>> from retold.config import Settings
>>> from retold.store import Store
>>> from retold.types import Document
>>> s = Settings().replace(embed={"backend": "hash"})
>>> text = "The council approved the new bridge on Monday after a long debate about its cost. " * 3
>>> with Store(os.path.join(tempfile.mkdtemp(), "c.db"), settings=s) as st:
...     summary = add_documents(st, [Document("x", text), Document("y", text + "More follows here.")], settings=s)
...     pairs = list(Corpus(st, settings=s).scan())
>>> summary.stored, [(p.a, p.b, p.comparison.verdict) for p in pairs]
(2, [('x', 'y', 'copy')])
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from retold.candidates.channels import containment_of, containment_pairs, lexical_pairs
from retold.candidates.fingerprint import MinHasher, corpus_fingerprints, estimate_jaccard
from retold.candidates.lsh import band_keys
from retold.candidates.semantic import background_sample as _background_sample
from retold.candidates.semantic import doc_embedder, lead_text, semantic_neighbours, semantic_pairs
from retold.config import CandidateSettings, Settings
from retold.corpus.graph import PairLink, PassageClaim, assign_passages
from retold.embed import CachedEmbedder, Embedder
from retold.errors import InputError, StoreError
from retold.ingest import unencodable
from retold.ingest.corpus import FieldMap, Record, iter_records
from retold.pipeline import Detector, Prepared
from retold.report.json import to_dict
from retold.store import IndexedDocument, Store
from retold.store.ann import AnnIndex
from retold.types import Comparison, Document, Span

Progress = Callable[[str, int, int | None], None]

# The channels' numbers (lexical and containment rules, how many semantic neighbours, the cosine
# floor, the z-test against the background) are in retold.config.CandidateSettings.
PREPARED_CACHE = 4096


def _noop(stage: str, done: int, total: int | None) -> None:
    return None


def scan_digest(settings: Settings) -> str:
    """What saved scan results depend on: the settings and the code that compared them."""
    from retold import __version__

    return f"{settings.digest()}/{__version__}"


def content_hash(doc: Document) -> str:
    """SHA-256 of everything stored about a document: equal hash, nothing to do on re-add."""
    payload = [doc.id, doc.text, doc.date.isoformat() if doc.date else None, doc.title, doc.url, doc.outlet,
               json.dumps(dict(doc.meta), sort_keys=True, default=str)]
    return hashlib.sha256(json.dumps(payload).encode("utf-8", "surrogatepass")).hexdigest()


# One sentence-vector cache for the library (retold.embed); the old name stays for callers.
CachingEmbedder = CachedEmbedder


# -- add ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddSummary:
    """The outcome of ``add``: ``read == stored + rejected``; stored = added + updated + unchanged."""

    read: int
    added: int
    updated: int
    unchanged: int
    rejected: int
    errors: tuple[str, ...]
    seconds: float
    embedded: int

    @property
    def stored(self) -> int:
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "stored": self.stored, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "errors": list(self.errors),
                "seconds": round(self.seconds, 3), "embedded": self.embedded}


def index_records(
    docs: Sequence[Document],
    *,
    settings: Settings,
    minhasher: MinHasher | None = None,
    embedder: Embedder | None = None,
    origins: Sequence[str | None] | None = None,
) -> list[IndexedDocument]:
    """Fingerprint (and, with an embedder, embed the lead of) each document."""
    fp = settings.fingerprint
    mh = minhasher or MinHasher.from_settings(fp)
    vecs = embedder.encode([lead_text(d, words=settings.candidates.lead_words) for d in docs]) if embedder is not None and docs else None
    sigs, wins, counts = corpus_fingerprints([d.text for d in docs], mh, shingle_size=fp.shingle_size)
    out = []
    for i, d in enumerate(docs):
        sig, win, n = sigs[i], wins[i], counts[i]
        out.append(
            IndexedDocument(
                doc=d, content_hash=content_hash(d), sentences=(), signature=sig, winnow=win, shingles=n,
                band_keys=band_keys(sig, bands=fp.bands, rows=fp.rows)[0],
                doc_vector=None if vecs is None else vecs[i], origin=origins[i] if origins else None,
            )
        )
    return out


def add_documents(
    store: Store,
    source: Iterable[Document | Record] | Sequence[str | Path],
    *,
    settings: Settings,
    fields: FieldMap | None = None,
    embed: bool = True,
    embedder: Embedder | None = None,
    on_reject: Callable[[str], None] | None = None,
    progress: Progress = _noop,
) -> AddSummary:
    """Add documents (or every record under some paths) to ``store``, one transaction per batch.

    Records already stored with the same content are counted as ``unchanged`` and cost only a
    hash; a changed record replaces the stored one. ``embed=False`` skips document vectors
    (``retold index`` fills them in later).
    """
    t0 = time.perf_counter()
    items: Iterable[Document | Record | str | Path] = source
    if isinstance(source, (list, tuple)) and source and isinstance(source[0], (str, Path)):
        items = iter_records(source, fields=fields, settings=settings.ingest)  # type: ignore[arg-type]
    mh = MinHasher.from_settings(settings.fingerprint)
    emb = (embedder or doc_embedder(settings)) if embed else None
    read = added = updated = unchanged = rejected = embedded = 0
    errors: list[str] = []
    batch: list[tuple[Document, str | None]] = []
    seen: set[str] = set()

    def reject(msg: str) -> None:
        nonlocal rejected
        rejected += 1
        if len(errors) < 1000:
            errors.append(msg)
        if on_reject is not None:
            on_reject(msg)

    def put(todo: list[tuple[Document, str | None]]) -> None:
        nonlocal added, updated, unchanged, embedded
        recs = index_records([d for d, _ in todo], settings=settings, minhasher=mh, embedder=emb,
                             origins=[o for _, o in todo])
        res = store.put(recs)
        added, updated, unchanged = added + res.added, updated + res.updated, unchanged + res.unchanged
        embedded += len(recs) if emb is not None else 0

    def flush() -> None:
        nonlocal unchanged
        if not batch:
            return
        stored = store.content_hashes(d.id for d, _ in batch)
        todo = [(d, o) for d, o in batch if stored.get(d.id) != content_hash(d)]
        unchanged += len(batch) - len(todo)
        try:
            put(todo)
        except (sqlite3.OperationalError, MemoryError):
            raise  # the store is locked or full, the machine out of memory: no record is at fault
        except Exception:
            # One bad record fails its batch's transaction (before: the run ended, and the good
            # records of the batch and of the rest of the input were lost). Store them one by one,
            # rejecting only the records that fail on their own, each with its origin and reason.
            for one in todo:
                try:
                    put([one])
                except (sqlite3.OperationalError, MemoryError):
                    raise
                except Exception as exc:
                    doc, origin = one
                    reject(f"{origin or doc.id}: document {doc.id!r} could not be stored "
                           f"({type(exc).__name__}: {exc}); skipped")
        batch.clear()
        progress("add", read, None)

    for item in items:
        read += 1
        if isinstance(item, Document):
            doc, origin = item, None
        elif isinstance(item, Record):
            if item.doc is None:
                reject(item.error or f"{item.origin}: unreadable record")
                continue
            doc, origin = item.doc, item.origin
        else:  # pragma: no cover - typed callers never get here
            raise TypeError(f"cannot add {type(item).__name__}")
        problem = unencodable(doc)
        if problem is not None:  # a Document built by a caller, not by the readers (they check)
            reject(f"{origin or doc.id}: document {doc.id!r}: {problem}")
            continue
        if doc.id in seen:  # the same id twice in one run: the later record wins, in its own batch
            flush()
        seen.add(doc.id)
        batch.append((doc, origin))
        if len(batch) >= settings.corpus.batch_size:
            flush()
    flush()
    return AddSummary(read, added, updated, unchanged, rejected, tuple(errors), time.perf_counter() - t0, embedded)


# -- index ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexSummary:
    documents: int
    embedded: int
    sentence_vectors: int
    ann_kind: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "embedded": self.embedded, "sentence_vectors": self.sentence_vectors,
                "ann": self.ann_kind, "seconds": round(self.seconds, 3)}


def build_index(
    store: Store,
    *,
    settings: Settings,
    sentence_vectors: bool = False,
    embedder: Embedder | None = None,
    progress: Progress = _noop,
    rebuild: bool = False,
) -> IndexSummary:
    """Fill in missing document vectors (and, optionally, all sentence vectors); bring the ANN
    index up to date (grown with new documents, see :func:`load_ann`; built anew with ``rebuild``)."""
    t0 = time.perf_counter()
    missing = store.missing_vectors("doc")
    emb = embedder or doc_embedder(settings)
    step = settings.corpus.batch_size
    for i in range(0, len(missing), step):
        chunk = missing[i : i + step]
        docs = store.get_by_rowid(chunk)
        vecs = emb.encode([lead_text(docs[r], words=settings.candidates.lead_words) for r in chunk])
        store.put_vectors("doc", zip(chunk, vecs, strict=True))
        progress("embed", i + len(chunk), len(missing))
    n_sent = 0
    if sentence_vectors:
        det = Detector(settings)
        todo = store.missing_vectors("sentences")
        for i in range(0, len(todo), 64):
            chunk = todo[i : i + 64]
            docs = store.get_by_rowid(chunk)
            items = []
            for r in chunk:
                p = det.prepare(docs[r])
                items.append((r, det.embedder.encode([s.norm for s in p.segments.sentences])))
            store.put_vectors("sentences", items)
            n_sent += len(chunk)
            progress("sentence vectors", i + len(chunk), len(todo))
    ann = load_ann(store, rebuild=rebuild)
    return IndexSummary(len(store), len(missing), n_sent, ann.kind, time.perf_counter() - t0)


def load_ann(store: Store, *, rebuild: bool = False, best_effort: bool = False) -> AnnIndex:
    """The ANN index over document vectors: the saved one, grown with the documents added since
    it was saved (HNSW inserts them into its graph), or rebuilt when documents were removed or
    replaced since, or with ``rebuild``. A changed index is saved again.

    With ``best_effort`` (the read path: query, scan) the index is not saved when another
    process holds the store's write lock: the caller answers with it instead of waiting or failing.
    """
    removals = store.removals()
    stamp = f"{store.generation()}:{removals}"
    saved = None if rebuild else store.ann_stamp("doc")
    ann: AnnIndex | None = None
    if saved is not None and saved[1].partition(":")[2] == str(removals):
        try:
            ann = AnnIndex.read(store.ann_parts("doc"))
        except (ValueError, StoreError):  # written without faiss and read with it, or a part lost
            ann = None
        if ann is not None and saved[1] == stamp:
            return ann
    if ann is not None:
        have = set(ann.labels.tolist())
        new = [r for r in store.vector_rowids("doc") if r not in have]
        vecs = store.vectors("doc", new)
        new = [r for r in new if r in vecs]
        ann = ann.add(np.array(new, dtype=np.int64),
                      np.stack([vecs[r][0] for r in new]) if new else np.zeros((0, 1), dtype=np.float32))
    else:
        labels, mat = store.vector_matrix("doc")
        ann = AnnIndex.build(labels, mat)
        del mat
    index = ann

    def save() -> None:
        store.put_ann("doc", len(index), stamp, index.write)

    if best_effort:
        store.try_write(save)
    else:
        save()
    return ann


# -- candidates, query, scan ----------------------------------------------------------------------


def _saved_candidate(key: tuple[int, int], saved: Mapping[str, Any]) -> Candidate | None:
    """The candidate evidence a saved scan result carries (None for results saved before it did)."""
    got = saved.get("candidate")
    if not isinstance(got, dict):
        return None
    return Candidate(key[0], key[1], float(got.get("jaccard", 0.0)), float(got.get("containment", 0.0)),
                     float(got.get("semantic", 0.0)))


def background_sample(ann: AnnIndex, c: CandidateSettings | None = None) -> np.ndarray | None:
    """:func:`retold.candidates.semantic.background_sample` of the index's vectors."""
    return _background_sample(ann.vectors, c or CandidateSettings())


@dataclass(frozen=True, slots=True)
class Candidate:
    """Why two documents were compared: the evidence of each channel (0 where it did not fire)."""

    a: int
    b: int
    jaccard: float = 0.0
    containment: float = 0.0
    semantic: float = 0.0

    @property
    def channels(self) -> tuple[str, ...]:
        out = []
        if self.jaccard:
            out.append("lexical")
        if self.containment:
            out.append("containment")
        if self.semantic:
            out.append("semantic")
        return tuple(out)

    @property
    def rank(self) -> float:
        return max(self.jaccard, self.containment, self.semantic - 0.3)

    def to_dict(self) -> dict[str, Any]:
        return {"channels": list(self.channels), "jaccard": round(self.jaccard, 4),
                "containment": round(self.containment, 4), "semantic": round(self.semantic, 4)}


@dataclass(frozen=True, slots=True)
class ScanPair:
    """One compared candidate pair (``a`` and ``b`` are document ids).

    ``comparison`` is the full result; an incremental scan that reuses a saved result has only
    ``saved``, its compare JSON, and leaves ``comparison`` None. The properties read either.
    """

    a: str
    b: str
    comparison: Comparison | None
    candidate: Candidate
    saved: Mapping[str, Any] | None = None

    @property
    def verdict(self) -> str:
        return self.comparison.verdict if self.comparison is not None else str(self._saved["verdict"])

    @property
    def is_reuse(self) -> bool:
        return self.verdict in ("copy", "partial-reuse")

    @property
    def _saved(self) -> Mapping[str, Any]:
        if self.saved is None:
            raise ValueError(f"pair {self.a} / {self.b} has neither a comparison nor a saved result")
        return self.saved

    def to_dict(self) -> dict[str, Any]:
        """The scan line contract: ``{"a", "b", "verdict", "source", "reuse", "passages", …}``."""
        body = to_dict(self.comparison) if self.comparison is not None else self._saved
        rest = {k: v for k, v in body.items() if k not in ("a", "b", "candidate")}
        return {"a": self.a, "b": self.b, **rest, "candidate": self.candidate.to_dict()}

    def link(self) -> PairLink:
        c = self.comparison
        if c is not None:
            return PairLink(self.a, self.b, c.verdict, c.source, c.attribution.confidence, c.attribution.method)
        d = self._saved
        return PairLink(self.a, self.b, d["verdict"], d["source"], float(d["source_confidence"]), d["source_method"])


@dataclass(frozen=True, slots=True)
class Hit:
    """A document found by a query: ``role`` is ``source`` (the query copies it), ``copy`` or None."""

    id: str
    role: str | None
    comparison: Comparison
    candidate: Candidate

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "candidate": self.candidate.to_dict(), **to_dict(self.comparison)}


@dataclass(frozen=True, slots=True)
class QueryResult:
    query: Document
    hits: tuple[Hit, ...]
    candidates: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def passage_owners(self) -> dict[tuple[str, int], tuple[bool, tuple[str, ...]]]:
        """One passage, one source: ``(hit id, passage index) -> (primary, rival sources)``.

        A passage of the query found in several stored articles belongs to the one where it is
        best (score x length); the others list it as secondary.
        """
        claims = [
            PassageClaim(h.id, k, p.a.start, p.a.end, p.score * len(p.a))
            for h in self.hits if h.comparison.is_reuse
            for k, p in enumerate(h.comparison.passages)
        ]
        return assign_passages(claims)

    def to_dict(self, *, include_all: bool = False) -> dict[str, Any]:
        hits = [h for h in self.hits if include_all or h.comparison.is_reuse]
        owners = self.passage_owners()
        out = []
        for h in hits:
            d = h.to_dict()
            for k, p in enumerate(d["passages"]):
                primary, rivals = owners.get((h.id, k), (True, ()))
                p["primary"] = primary
                p["also_in"] = list(rivals)
            out.append(d)
        return {"query": self.query.id, "candidates": self.candidates, "seconds": round(self.seconds, 4),
                "hits": out}


class Corpus:
    """Query and scan one store with one set of settings (caches prepared documents and vectors)."""

    def __init__(self, store: Store, *, settings: Settings, detector: Detector | None = None) -> None:
        self.store = store
        self.settings = settings
        base = detector or Detector(settings)
        inner = base.embedder.inner if isinstance(base.embedder, CachedEmbedder) else base.embedder
        self.embedder = CachedEmbedder(inner, max_items=500_000) if settings.match.semantic else base.embedder
        self.detector = Detector(settings, embedder=self.embedder)
        self._prepared: OrderedDict[int, Prepared] = OrderedDict()
        self._ann: AnnIndex | None = None
        self._background: np.ndarray | None = None  # background_sample of the ANN index
        self.compared = 0
        self.candidates = 0
        self._doc_embedder: Embedder | None = None
        self._new_sentences: list[tuple[int, list[tuple[Span, int]]]] = []
        self._has_sentences: set[int] | None = None

    # caches
    def ann(self) -> AnnIndex:
        if self._ann is None:
            self._ann = load_ann(self.store, best_effort=True)
            self._background = background_sample(self._ann, self.settings.candidates)
        return self._ann

    def _prepare(self, rowid: int, doc: Document | None = None) -> Prepared:
        p = self._prepared.get(rowid)
        if p is not None:
            self._prepared.move_to_end(rowid)
            return p
        if doc is None:
            doc = self.store.get_by_rowid([rowid])[rowid]
        vec = self.store.vectors("sentences", [rowid]).get(rowid)
        try:
            p = self.detector.prepare(doc, vectors=vec)
        except InputError:  # stale stored vectors: compute them at compare time instead
            p = self.detector.prepare(doc)
        if self._has_sentences is None:
            self._has_sentences = self.store.with_sentences()
        if rowid not in self._has_sentences:
            # Sentence spans are recorded the first time a document is prepared (lazily: segmenting
            # costs ~8 ms per article, a third of the whole indexing budget for the BBC set).
            self._has_sentences.add(rowid)
            self._new_sentences.append((rowid, [(s.span, s.paragraph) for s in p.segments.sentences]))
            if len(self._new_sentences) >= 256:
                self.flush()
        self._prepared[rowid] = p
        if len(self._prepared) > PREPARED_CACHE:
            self._prepared.popitem(last=False)
        return p

    def flush(self) -> None:
        """Write the sentence spans recorded since the last flush.

        They are a cache, so the write is best-effort: while another process holds the write lock
        they wait for the next flush, and those of documents deleted since they were prepared
        (FOREIGN KEY failed) are dropped rather than failing every later flush.
        """
        for attempt in range(2):
            if not self._new_sentences:
                return
            pending = self._new_sentences
            try:
                if self.store.try_write(partial(self.store.put_sentences, pending)):
                    self._new_sentences = []
                return
            except sqlite3.IntegrityError:
                live = self.store.existing_rowids([rid for rid, _ in pending])
                for rid, _ in pending:
                    if rid not in live:
                        self._prepared.pop(rid, None)
                        if self._has_sentences is not None:
                            self._has_sentences.discard(rid)
                self._new_sentences = [(rid, sents) for rid, sents in pending if rid in live]
                if attempt:  # another delete landed in between: the caller runs again
                    raise

    def all_candidates(self, *, progress: Progress = _noop) -> list[Candidate]:
        """Every candidate pair of the store, from the three channels (see the module docstring)."""
        rids, sigs, wins, _counts = self.store.signatures()
        n = len(rids)
        fp = self.settings.fingerprint
        found: dict[tuple[int, int], dict[str, float]] = {}
        cs = self.settings.candidates
        for pair, jac in lexical_pairs(sigs, fp, cs).items():
            found.setdefault(pair, {})["jaccard"] = jac
        progress("candidates: lexical", len(found), None)
        for pair, c in containment_pairs(wins, cs).items():
            found.setdefault(pair, {})["containment"] = c
        progress("candidates: containment", len(found), None)
        # semantic
        if n >= 2:
            ann = self.ann()
            if len(ann):
                pos = {int(r): k for k, r in enumerate(rids.tolist())}
                floor = cs.semantic_floor(self.settings.embed.backend)
                for (ra, rb), sim in semantic_pairs(ann, ann.vectors, ann.labels, cs, floor=floor).items():
                    i, j = pos.get(ra), pos.get(rb)
                    if i is None or j is None:
                        continue
                    d = found.setdefault((min(i, j), max(i, j)), {})
                    d["semantic"] = max(d.get("semantic", 0.0), sim)
        progress("candidates: semantic", len(found), None)
        return [Candidate(int(rids[i]), int(rids[j]), **ev) for (i, j), ev in sorted(found.items())]

    def new_candidates(self, new: Sequence[int]) -> list[Candidate]:
        """The candidate pairs that involve a document of ``new`` (rowids), by the rules of
        :meth:`all_candidates`, found through the store's band and posting tables and the ANN
        index: what an incremental scan compares after documents were added. Lexical and
        containment pairs are exactly the full search's; semantic pairs are those a new
        document proposes (a stored document that would now rank a new one among its own nearest
        is not asked)."""
        s = self.settings
        cs = s.candidates
        found: dict[tuple[int, int], dict[str, float]] = {}

        def key(a: int, b: int) -> tuple[int, int]:
            return (a, b) if a < b else (b, a)

        bands = self.store.band_members(new, max_bucket=cs.max_bucket)
        sigs = self._signatures_of(sorted({r for r in new} | {m for ms in bands.values() for m in ms}))
        for rid, members in bands.items():
            for m in members:
                if rid in sigs and m in sigs:
                    jac = estimate_jaccard(sigs[rid], sigs[m])
                    if jac >= cs.min_jaccard:
                        found.setdefault(key(rid, m), {})["jaccard"] = jac
        posts = self.store.posting_members(new, max_df=cs.max_fingerprint_df)
        lens = self._winnow_counts(sorted({r for r in new} | {m for c in posts.values() for m in c}))
        for rid, counts in posts.items():
            for m, shared in counts.items():
                c = containment_of(shared, lens.get(rid, 0), lens.get(m, 0), cs)
                if c is not None:
                    found.setdefault(key(rid, m), {})["containment"] = c
        ann = self.ann()
        pos = {int(r): k for k, r in enumerate(ann.labels.tolist())}
        rows = [pos[r] for r in new if r in pos]
        if rows:
            floor = cs.semantic_floor(s.embed.backend)
            for pair, sim in semantic_pairs(ann, ann.vectors, ann.labels, cs, floor=floor, rows=rows).items():
                found.setdefault(pair, {})["semantic"] = sim
        return [Candidate(a, b, **ev) for (a, b), ev in sorted(found.items())]

    def scan(
        self,
        *,
        include_all: bool = False,
        save: bool = True,
        incremental: bool = False,
        progress: Progress = _noop,
    ) -> Iterator[ScanPair]:
        """Compare every candidate pair; yield reuse pairs (all pairs with ``include_all``).

        Every compared pair is saved in the store's ``pairs`` table as it goes (``retold show``
        lists them), under a digest of the settings and the retold version. With ``incremental``
        a candidate pair saved under the current digest is not compared again: its saved result is
        yielded (``comparison`` None, ``saved`` set). A changed or deleted document takes its saved
        pairs with it, so the output equals a full scan's; saved pairs that are no longer
        candidates are removed at the end. ``self.compared`` counts the compares of the last scan,
        ``self.candidates`` its candidate pairs.
        """
        digest = scan_digest(self.settings)
        reuse = {k: json.loads(raw) for k, raw in self.store.saved_results(digest).items()} if incremental else {}
        state = self.store.scan_state() if incremental else None
        top = self.store.max_rowid()
        removals = self.store.removals()
        if state and state.get("digest") == digest and state.get("removals") == removals and reuse:
            # Only documents were added since the last scan (same settings, nothing removed or
            # replaced): its pairs stand, and the new documents' candidates are searched alone.
            old = [_saved_candidate(k, saved) for k, saved in reuse.items()]
            if all(c is not None for c in old):
                fresh = self.new_candidates(self.store.rowids_after(int(state["max_rowid"])))
                merged = {(c.a, c.b): c for c in old if c is not None}
                merged.update({(c.a, c.b): c for c in fresh})
                cands = [merged[k] for k in sorted(merged)]
                progress("candidates: new documents", len(fresh), None)
            else:  # results saved by an older retold carry no candidate evidence
                cands = self.all_candidates(progress=progress)
        else:
            cands = self.all_candidates(progress=progress)
        if save:  # set again when this scan completes: an interrupted one leaves the next a full search
            self.store.set_scan_state({})
        pending: list[tuple[int, int, str, str | None, float, dict[str, Any]]] = []
        first = not incremental
        self.compared, self.candidates = 0, len(cands)
        for k, cand in enumerate(cands):
            saved = reuse.get((cand.a, cand.b))
            if saved is not None and "passages" in saved:  # results saved by older scans lack it
                pair = ScanPair(saved["a"], saved["b"], None, cand, saved)
            else:
                pa, pb = self._prepare(cand.a), self._prepare(cand.b)
                c = self.detector.compare_prepared(pa, pb)
                self.compared += 1
                pair = ScanPair(pa.doc.id, pb.doc.id, c, cand)
                if save:
                    result = {"a": pair.a, "b": pair.b, **to_dict(c), "candidate": cand.to_dict()}
                    pending.append((cand.a, cand.b, c.verdict, c.source, max(c.reuse_a, c.reuse_b), result))
                    if len(pending) >= 500:
                        self.store.save_pairs(pending, digest=digest, replace_all=first)
                        pending, first = [], False
            progress("compare", k + 1, len(cands))
            if include_all or pair.is_reuse:
                yield pair
        if save and (pending or first):
            self.store.save_pairs(pending, digest=digest, replace_all=first)
        if save and incremental:
            current = {(c.a, c.b) for c in cands}
            self.store.delete_pairs([key for key in reuse if key not in current], keep_digest=digest)
        if save:
            self.store.set_scan_state({"digest": digest, "max_rowid": top, "removals": removals})
        self.flush()

    def query(self, doc: Document, *, top_k: int | None = None) -> QueryResult:
        """Sources and copies of ``doc`` in the store, best first, each with its comparison."""
        t0 = time.perf_counter()
        s = self.settings
        k = top_k or s.corpus.top_k
        fp = s.fingerprint
        rec = index_records([doc], settings=s, embedder=None)[0]
        own = self.store.content_hashes([doc.id])
        timings: dict[str, float] = {}
        lsh = self.store.lsh_hits(rec.band_keys)
        cs = s.candidates
        post = self.store.posting_hits(rec.winnow, max_df=cs.max_fingerprint_df)
        t1 = time.perf_counter()
        timings["lexical"] = t1 - t0
        evidence: dict[int, dict[str, float]] = {}
        n_win = max(1, len(rec.winnow))
        sig_rows = self._signatures_of(list(lsh))
        for rid, bands in lsh.items():
            jac = estimate_jaccard(sig_rows[rid], rec.signature) if rid in sig_rows else bands / fp.bands
            if jac >= cs.min_jaccard:
                evidence.setdefault(rid, {})["jaccard"] = jac
        win_counts = self._winnow_counts(list(post))
        for rid, shared in post.items():
            c = containment_of(shared, n_win, win_counts.get(rid, n_win), cs)
            if c is not None:
                evidence.setdefault(rid, {})["containment"] = c
        ann = self.ann()
        if len(ann):
            if self._doc_embedder is None:
                self._doc_embedder = doc_embedder(s)
            qv = self._doc_embedder.encode([lead_text(doc, words=cs.lead_words)])
            floor = cs.semantic_floor(s.embed.backend)
            for lab, sim in semantic_neighbours(ann, qv, k=cs.semantic_k, floor=floor, sample=self._background,
                                                min_z=cs.semantic_min_z)[0]:
                evidence.setdefault(lab, {})["semantic"] = sim
        t2 = time.perf_counter()
        timings["semantic"] = t2 - t1
        self_rid = self.store.rowid(doc.id) if doc.id in own else None
        cands = sorted(
            (Candidate(-1, rid, **ev) for rid, ev in evidence.items() if rid != self_rid),
            key=lambda c: -c.rank,
        )[:k]
        q = self.detector.prepare(doc)
        hits = []
        for cand in cands:
            other = self._prepare(cand.b)
            cmp = self.detector.compare_prepared(q, other)
            role = "source" if cmp.source == "b" else "copy" if cmp.source == "a" else None
            hits.append(Hit(other.doc.id, role, cmp, cand))
        hits.sort(key=lambda h: (not h.comparison.is_reuse, -max(h.comparison.reuse_a, h.comparison.reuse_b)))
        timings["compare"] = time.perf_counter() - t2
        self.flush()
        return QueryResult(doc, tuple(hits), len(evidence), time.perf_counter() - t0, timings)

    def _signatures_of(self, rowids: list[int]) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i : i + 500]
            q = f"SELECT doc, minhash FROM signatures WHERE doc IN ({','.join('?' * len(chunk))})"
            out.update({int(r): np.frombuffer(b, dtype=np.uint32) for r, b in self.store.db.execute(q, chunk)})
        return out

    def _winnow_counts(self, rowids: list[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for i in range(0, len(rowids), 500):
            chunk = rowids[i : i + 500]
            q = f"SELECT doc, length(winnow) / 4 FROM signatures WHERE doc IN ({','.join('?' * len(chunk))})"
            out.update({int(r): int(n) for r, n in self.store.db.execute(q, chunk)})
        return out


__all__ = [
    "AddSummary",
    "Candidate",
    "CachingEmbedder",
    "Corpus",
    "Hit",
    "IndexSummary",
    "QueryResult",
    "ScanPair",
    "add_documents",
    "build_index",
    "containment_pairs",
    "content_hash",
    "index_records",
    "lead_text",
    "load_ann",
]
