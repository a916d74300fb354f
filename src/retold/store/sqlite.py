"""The SQLite store: one file, WAL, a transaction per batch, migrations, settings that never mix.

>>> import tempfile, os, numpy as np
>>> from retold.config import Settings
>>> s = Settings().replace(embed={"backend": "hash"})
>>> path = os.path.join(tempfile.mkdtemp(), "demo.db")
>>> with Store(path, settings=s) as st:
...     len(st), st.schema_version
(0, 2)

Crash safety comes from SQLite: every :meth:`Store.put` is one transaction, so a killed process
leaves whole batches or nothing, and a re-run skips what is already there (content hashes).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any

import numpy as np

from retold.candidates.fingerprint import WINNOW_WINDOW
from retold.config import Settings
from retold.errors import NotFoundError, SettingsMismatchError, StoreError
from retold.store.schema import MIGRATIONS, SCHEMA_VERSION
from retold.types import Document, Span

# How document vectors are made (see retold.corpus.archive); part of what a store refuses to mix.
DOC_VECTOR_RECIPE = "lead-64wp"


def store_signature(settings: Settings) -> dict[str, Any]:
    """Everything that changes stored signatures, postings or vectors."""
    return {**settings.signature_settings(), "winnow_window": WINNOW_WINDOW, "doc_vector": DOC_VECTOR_RECIPE}


def settings_for_store(stored: Mapping[str, Any], base: Settings) -> Settings:
    """``base`` with the signature settings a store was built with (for commands given no flags)."""
    backend, _, detail = str(stored.get("embedder", "")).partition(":")
    embed: dict[str, Any] = {"backend": backend or base.embed.backend}
    if backend == "hash" and detail.isdigit():
        embed["hash_dim"] = int(detail)
    elif backend == "minilm" and detail:
        embed["model"] = detail
    fp = {k: stored[k] for k in ("shingle_size", "num_perm", "seed", "bands", "rows") if k in stored}
    norm = {"version": stored["normaliser_version"]} if "normaliser_version" in stored else {}
    return base.replace(fingerprint=fp, embed=embed, normalise=norm)


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """A document with everything ``add`` derives from it, ready to be written in one batch."""

    doc: Document
    content_hash: str
    sentences: tuple[tuple[Span, int], ...]
    signature: np.ndarray
    winnow: np.ndarray
    shingles: int
    band_keys: np.ndarray
    doc_vector: np.ndarray | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class PutResult:
    """What one batch did: new ids, ids whose text changed, and records already stored as they are."""

    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    documents: int
    sentences: int
    pairs: int
    reuse_pairs: int
    with_doc_vectors: int
    with_sentence_vectors: int
    outlets: int
    schema_version: int
    settings: Mapping[str, Any]
    path: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "pairs": self.pairs,
            "reuse_pairs": self.reuse_pairs,
            "doc_vectors": self.with_doc_vectors,
            "sentence_vectors": self.with_sentence_vectors,
            "outlets": self.outlets,
            "schema_version": self.schema_version,
            "settings": dict(self.settings),
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class StoredPair:
    a: str
    b: str
    verdict: str
    source: str | None
    score: float
    result: Mapping[str, Any]


def _blob(a: np.ndarray, dtype: Any) -> bytes:
    return np.ascontiguousarray(a, dtype=dtype).tobytes()


class Store:
    """A corpus in one SQLite file. Use as a context manager, or call :meth:`close`.

    ``settings`` are checked against the ones the store was built with (see
    :func:`store_signature`); pass ``settings=None`` to open any store for reading, showing,
    deleting or counting.
    """

    def __init__(self, path: str | Path, *, settings: Settings | None = None, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"no store at {self.path}; create one with `retold add {self.path} FILES…`")
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA busy_timeout=30000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot open {self.path} as a retold store: {exc}. Is it a SQLite file made by retold?"
            ) from None
        self.signature = self._check_settings(settings)

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this retold ({SCHEMA_VERSION}); "
                "upgrade retold to open it"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the lock.
                if self.schema_version >= version:
                    self.db.execute("COMMIT")
                    continue
                for stmt in MIGRATIONS[version - 1].split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version = {version}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _check_settings(self, settings: Settings | None) -> dict[str, Any] | None:
        raw = self._meta("signature_settings")
        stored = json.loads(raw) if raw else None
        if settings is None:
            return stored
        wanted = store_signature(settings)
        if stored is None:
            self.db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('signature_settings', ?)",
                (json.dumps(wanted, sort_keys=True),),
            )
            return wanted
        diffs = [k for k in sorted(set(stored) | set(wanted)) if stored.get(k) != wanted.get(k)]
        if diffs:
            detail = "; ".join(f"{k}: store has {stored.get(k)!r}, settings have {wanted.get(k)!r}" for k in diffs)
            hint = (
                " Use the store's settings (e.g. --embedder "
                f"{str(stored.get('embedder', '')).split(':')[0]}) or add to a new store."
                if "embedder" in diffs
                else " Use the settings the store was built with, or add to a new store."
            )
            raise SettingsMismatchError(f"{self.path} was built with other signature settings: {detail}.{hint}")
        return stored

    # -- writing ---------------------------------------------------------------------------
    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Stored content hashes of those of ``ids`` that exist (to skip unchanged records early)."""
        out: dict[str, str] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT id, content_hash FROM documents WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(dict(self.db.execute(q, chunk).fetchall()))
        return out

    def put(self, records: Sequence[IndexedDocument], *, also: Callable[[], None] | None = None) -> PutResult:
        """Write a batch in one transaction: new ids are added, changed ones replaced, same ones kept.

        ``also`` runs inside the same transaction, before it commits (``retold watch`` records the
        article as done and its output line there, so a crash keeps both or neither).
        """
        added = updated = unchanged = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for r in records:
                row = self.db.execute(
                    "SELECT rowid, content_hash FROM documents WHERE id = ?", (r.doc.id,)
                ).fetchone()
                if row is not None and row[1] == r.content_hash:
                    unchanged += 1
                    continue
                if row is not None:
                    self.db.execute("DELETE FROM documents WHERE rowid = ?", (row[0],))
                    self._bump("removals")
                    updated += 1
                else:
                    added += 1
                self._insert(r)
            if added or updated:
                self._bump()
            if also is not None:
                also()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return PutResult(added, updated, unchanged)

    def _insert(self, r: IndexedDocument) -> None:
        d = r.doc
        cur = self.db.execute(
            "INSERT INTO documents(id, text, content_hash, date, title, url, outlet, meta, origin, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d.id, d.text, r.content_hash, d.date.isoformat() if d.date else None, d.title, d.url,
                d.outlet, json.dumps(dict(d.meta), default=str), r.origin, time.time(),
            ),
        )
        rid = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT INTO sentences(doc, idx, start, end, paragraph) VALUES (?, ?, ?, ?, ?)",
            [(rid, i, sp.start, sp.end, para) for i, (sp, para) in enumerate(r.sentences)],
        )
        self.db.execute(
            "INSERT INTO signatures(doc, minhash, winnow, shingles) VALUES (?, ?, ?, ?)",
            (rid, _blob(r.signature, np.uint32), _blob(r.winnow, np.uint32), r.shingles),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO lsh_buckets(band, key, doc) VALUES (?, ?, ?)",
            [(b, int(k), rid) for b, k in enumerate(np.ravel(r.band_keys).tolist())],
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO postings(hash, doc) VALUES (?, ?)", [(int(h), rid) for h in r.winnow.tolist()]
        )
        if r.doc_vector is not None:
            self._put_vectors(rid, "doc", r.doc_vector[None, :])

    def _put_vectors(self, rid: int, kind: str, vectors: np.ndarray) -> None:
        v = np.atleast_2d(vectors)
        self.db.execute(
            "INSERT OR REPLACE INTO embeddings(doc, kind, dim, vectors) VALUES (?, ?, ?, ?)",
            (rid, kind, int(v.shape[1]) if v.size else 0, _blob(v, np.float32)),
        )

    def _bump(self, key: str = "generation") -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", (key,)
        )

    def removals(self) -> int:
        """A counter bumped by every write that removes or replaces a document: an index that
        saw the same count can be grown with the documents added since, not rebuilt (a replaced
        document may come back under its old rowid, with a new vector)."""
        return int(self._meta("removals") or 0)

    def generation(self) -> int:
        """A counter bumped by every write that changes documents (stale indexes compare it)."""
        return int(self._meta("generation") or 0)

    def delete(self, id: str) -> None:
        """Delete a document and everything derived from it; NotFoundError if there is none."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute("DELETE FROM documents WHERE id = ?", (id,))
            if cur.rowcount:
                self._bump()
                self._bump("removals")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if not cur.rowcount:
            raise NotFoundError(f"no document {id!r} in {self.path}; list ids with `retold stats {self.path} --json`")

    def put_vectors(self, kind: str, items: Iterable[tuple[int, np.ndarray]]) -> None:
        """Store vectors by rowid in one transaction (``kind`` is ``doc`` or ``sentences``)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for rid, v in items:
                self._put_vectors(rid, kind, v)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def save_pairs(self, rows: Iterable[tuple[int, int, str, str | None, float, Mapping[str, Any]]], *,
                   digest: str, replace_all: bool = False) -> None:
        """Store detected pairs ``(a_rowid, b_rowid, verdict, source, score, result JSON)``."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if replace_all:
                self.db.execute("DELETE FROM pairs")
            self.db.executemany(
                "INSERT OR REPLACE INTO pairs(a, b, verdict, source, score, result, digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(a, b, v, s, sc, json.dumps(res), digest) for a, b, v, s, sc, res in rows],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def saved_results(self, digest: str) -> dict[tuple[int, int], str]:
        """Result JSON of the pairs saved under ``digest``, by rowids: what an incremental scan
        may reuse (a changed document gets a new rowid and its pairs go with the old one)."""
        q = "SELECT a, b, result FROM pairs WHERE digest = ?"
        return {(int(a), int(b)): str(r) for a, b, r in self.db.execute(q, (digest,))}

    def delete_pairs(self, keys: Iterable[tuple[int, int]], *, keep_digest: str | None = None) -> None:
        """Delete saved pairs by rowids, and with ``keep_digest`` every pair saved under another."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("DELETE FROM pairs WHERE a = ? AND b = ?", list(keys))
            if keep_digest is not None:
                self.db.execute("DELETE FROM pairs WHERE digest != ?", (keep_digest,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def try_write(self, write: Callable[[], None], *, wait_ms: int = 100) -> bool:
        """Run ``write`` (a cache write on a read path) unless another process holds the write lock.

        Waits at most ``wait_ms`` for the lock instead of the 30 s busy timeout and returns False
        when it stayed busy (``retold add`` holds it for a whole batch), so the caller answers
        without its cache; any other error propagates.
        """
        (old,) = self.db.execute("PRAGMA busy_timeout").fetchone()
        self.db.execute(f"PRAGMA busy_timeout={min(int(old), int(wait_ms))}")
        try:
            write()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return False
        finally:
            self.db.execute(f"PRAGMA busy_timeout={int(old)}")
        return True

    def existing_rowids(self, rowids: Sequence[int]) -> set[int]:
        """Those of ``rowids`` that still name a document."""
        out: set[int] = set()
        for i in range(0, len(rowids), 500):
            chunk = list(rowids[i : i + 500])
            q = f"SELECT rowid FROM documents WHERE rowid IN ({','.join('?' * len(chunk))})"
            out.update(int(r[0]) for r in self.db.execute(q, chunk))
        return out

    def put_ann(self, name: str, count: int, stamp: str, write: Callable[[Callable[[bytes], object]], None]) -> None:
        """Replace the saved index ``name`` with the parts ``write(sink)`` hands to ``sink``, in
        one transaction: a header row ``name`` (count, stamp) and one row per part
        (``name:000000``, ...), so an index larger than SQLite's 1 GB blob limit fits and no
        step holds it whole."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM ann WHERE name = ? OR name LIKE ?", (name, f"{name}:%"))
            k = 0

            def sink(part: bytes) -> None:
                nonlocal k
                self.db.execute("INSERT INTO ann(name, count, stamp, blob) VALUES (?, ?, ?, ?)",
                                (f"{name}:{k:06d}", k, stamp, part))
                k += 1

            write(sink)
            self.db.execute("INSERT INTO ann(name, count, stamp, blob) VALUES (?, ?, ?, ?)",
                            (name, count, stamp, b"PARTS" + k.to_bytes(4, "little")))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def ann_stamp(self, name: str) -> tuple[int, str] | None:
        """``(count, stamp)`` of the saved index ``name``, or None (none saved, or one saved in
        the single-blob layout retold wrote before the index was saved in parts: rebuilt)."""
        row = self.db.execute("SELECT count, stamp, blob FROM ann WHERE name = ?", (name,)).fetchone()
        if row is None or not bytes(row[2][:5]) == b"PARTS":
            return None
        return int(row[0]), str(row[1])

    def ann_parts(self, name: str) -> Iterator[bytes]:
        """The saved index's parts in order, read one at a time."""
        (head,) = self.db.execute("SELECT blob FROM ann WHERE name = ?", (name,)).fetchone()
        n = int.from_bytes(bytes(head[5:9]), "little")
        for k in range(n):
            row = self.db.execute("SELECT blob FROM ann WHERE name = ?", (f"{name}:{k:06d}",)).fetchone()
            if row is None:
                raise StoreError(f"the saved '{name}' index lost part {k}; run `retold index` to rebuild it")
            yield bytes(row[0])

    # -- what an incremental scan needs: the documents added since the last one, their neighbours
    def scan_state(self) -> dict[str, Any] | None:
        """What the last completed scan recorded (``set_scan_state``), or None."""
        raw = self._meta("scan_state")
        return json.loads(raw) if raw else None

    def set_scan_state(self, state: Mapping[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('scan_state', ?)", (json.dumps(dict(state)),))

    def max_rowid(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(rowid), 0) FROM documents").fetchone()[0])

    def rowids_after(self, rowid: int) -> list[int]:
        return [int(r[0]) for r in self.db.execute("SELECT rowid FROM documents WHERE rowid > ? ORDER BY rowid", (rowid,))]

    def band_members(self, rowids: Sequence[int], *, max_bucket: int) -> dict[int, set[int]]:
        """For each of ``rowids``: the stored documents sharing one of its LSH band buckets;
        buckets of more than ``max_bucket`` documents are skipped."""
        out: dict[int, set[int]] = {}
        q = "SELECT doc FROM lsh_buckets WHERE band = ? AND key = ? LIMIT ?"
        for rid in rowids:
            got: set[int] = set()
            for band, key in self.db.execute("SELECT band, key FROM lsh_buckets WHERE doc = ?", (rid,)).fetchall():
                members = [int(r[0]) for r in self.db.execute(q, (band, key, max_bucket + 1))]
                if len(members) <= max_bucket:
                    got.update(members)
            got.discard(rid)
            out[rid] = got
        return out

    def posting_members(self, rowids: Sequence[int], *, max_df: int) -> dict[int, dict[int, int]]:
        """For each of ``rowids``: the stored documents sharing its winnowed fingerprints, with how
        many they share; fingerprints held by more than ``max_df`` documents are skipped."""
        out: dict[int, dict[int, int]] = {}
        q = "SELECT doc FROM postings WHERE hash = ? LIMIT ?"
        for rid in rowids:
            counts: dict[int, int] = {}
            for (h,) in self.db.execute("SELECT hash FROM postings WHERE doc = ?", (rid,)).fetchall():
                members = [int(r[0]) for r in self.db.execute(q, (h, max_df + 1))]
                if len(members) <= max_df:
                    for m in members:
                        if m != rid:
                            counts[m] = counts.get(m, 0) + 1
            out[rid] = counts
        return out

    def vector_rowids(self, kind: str) -> list[int]:
        """Rowids that have a vector of ``kind``, in order."""
        return [int(r[0]) for r in self.db.execute("SELECT doc FROM embeddings WHERE kind = ? ORDER BY doc", (kind,))]

    def vector_matrix(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """``(rowids, matrix)`` of every one-row vector of ``kind`` (document vectors), in rowid
        order, filled in place: no per-document arrays on the way."""
        n, dim = self.db.execute("SELECT count(*), max(dim) FROM embeddings WHERE kind = ?", (kind,)).fetchone()
        labels = np.empty(int(n or 0), dtype=np.int64)
        mat = np.empty((int(n or 0), int(dim or 1)), dtype=np.float32)
        k = 0
        for rid, d, blob in self.db.execute("SELECT doc, dim, vectors FROM embeddings WHERE kind = ? ORDER BY doc", (kind,)):
            if k == 0 and d != mat.shape[1]:  # the first vector sets the width (an empty store at the count)
                mat = np.empty((max(1, len(labels)), int(d)), dtype=np.float32)
                labels = np.empty(len(mat), dtype=np.int64)
            if d != mat.shape[1] or len(blob) < 4 * d:
                raise StoreError(f"document {rid}'s {kind} vector is {len(blob) // 4} numbers, the others {mat.shape[1]}; "
                                 "run `retold index --rebuild`")
            if k == len(labels):  # another process wrote since the count: grow
                labels, mat = np.resize(labels, 2 * k + 1), np.resize(mat, (2 * k + 1, mat.shape[1]))
            labels[k] = rid
            mat[k] = np.frombuffer(blob, dtype=np.float32, count=d)  # a document vector is one row
            k += 1
        return labels[:k], mat[:k]

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def __contains__(self, id: object) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (id,)).fetchone() is not None

    _DOC_COLS = "rowid, id, text, date, title, url, outlet, meta"

    @staticmethod
    def _doc(row: Sequence[Any]) -> Document:
        return Document(
            id=row[1], text=row[2], date=Date.fromisoformat(row[3]) if row[3] else None,
            title=row[4], url=row[5], outlet=row[6], meta=json.loads(row[7] or "{}"),
        )

    def get(self, id: str) -> Document:
        row = self.db.execute(f"SELECT {self._DOC_COLS} FROM documents WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no document {id!r} in {self.path}; list ids with `retold stats {self.path} --json`")
        return self._doc(row)

    def rowid(self, id: str) -> int:
        row = self.db.execute("SELECT rowid FROM documents WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no document {id!r} in {self.path}")
        return int(row[0])

    def get_by_rowid(self, rowids: Sequence[int]) -> dict[int, Document]:
        out: dict[int, Document] = {}
        for i in range(0, len(rowids), 500):
            chunk = list(rowids[i : i + 500])
            q = f"SELECT {self._DOC_COLS} FROM documents WHERE rowid IN ({','.join('?' * len(chunk))})"
            out.update({int(r[0]): self._doc(r) for r in self.db.execute(q, chunk)})
        return out

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY rowid")]

    def documents(self) -> Iterator[tuple[int, Document]]:
        """All documents in insertion order, streamed."""
        for row in self.db.execute(f"SELECT {self._DOC_COLS} FROM documents ORDER BY rowid"):
            yield int(row[0]), self._doc(row)

    def dates_and_outlets(self) -> dict[str, tuple[Date | None, str | None]]:
        """``id -> (date, outlet)`` of every document, without loading texts."""
        rows = self.db.execute("SELECT id, date, outlet FROM documents")
        return {i: (Date.fromisoformat(d) if d else None, o) for i, d, o in rows}

    def put_sentences(self, items: Iterable[tuple[int, Sequence[tuple[Span, int]]]]) -> None:
        """Record sentence spans (``rowid -> [(span, paragraph)]``), once per document."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for rid, sents in items:
                self.db.executemany(
                    "INSERT OR IGNORE INTO sentences(doc, idx, start, end, paragraph) VALUES (?, ?, ?, ?, ?)",
                    [(rid, i, sp.start, sp.end, para) for i, (sp, para) in enumerate(sents)],
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def origin(self, id: str) -> str | None:
        row = self.db.execute("SELECT origin FROM documents WHERE id = ?", (id,)).fetchone()
        return None if row is None else row[0]

    def sentence_spans(self, id: str) -> list[tuple[Span, int]]:
        rid = self.rowid(id)
        rows = self.db.execute("SELECT start, end, paragraph FROM sentences WHERE doc = ? ORDER BY idx", (rid,))
        return [(Span(s, e), p) for s, e, p in rows]

    def signatures(self) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
        """All ``(rowids, minhash matrix, winnow arrays, distinct-shingle counts)``, in rowid order."""
        # Filled in place (a million signatures are 512 MB; a list of them first would double it).
        (total,) = self.db.execute("SELECT count(*) FROM signatures").fetchone()
        width = self.signature["num_perm"] if self.signature else 0
        rids = np.empty(int(total), dtype=np.int64)
        counts = np.empty(int(total), dtype=np.int64)
        mat = np.empty((int(total), width), dtype=np.uint32)
        wins: list[np.ndarray] = []
        k = 0
        for rid, mh, wn, n in self.db.execute("SELECT doc, minhash, winnow, shingles FROM signatures ORDER BY doc"):
            if k == len(rids):  # written to since the count: grow
                rids, counts = np.resize(rids, 2 * k + 1), np.resize(counts, 2 * k + 1)
                mat = np.resize(mat, (2 * k + 1, width))
            rids[k], counts[k] = rid, n
            mat[k] = np.frombuffer(mh, dtype=np.uint32)
            wins.append(np.frombuffer(wn, dtype=np.uint32))
            k += 1
        return rids[:k], mat[:k], wins, counts[:k]

    def vectors(self, kind: str, rowids: Sequence[int] | None = None) -> dict[int, np.ndarray]:
        """Stored vectors by rowid (all of ``kind``, or only those of ``rowids``)."""
        out: dict[int, np.ndarray] = {}
        if rowids is None:
            rows: Iterable[Any] = self.db.execute("SELECT doc, dim, vectors FROM embeddings WHERE kind = ?", (kind,))
        else:
            rows = []
            rl = list(rowids)
            for i in range(0, len(rl), 500):
                chunk = rl[i : i + 500]
                q = f"SELECT doc, dim, vectors FROM embeddings WHERE kind = ? AND doc IN ({','.join('?' * len(chunk))})"
                rows.extend(self.db.execute(q, [kind, *chunk]).fetchall())
        for rid, dim, blob in rows:
            v = np.frombuffer(blob, dtype=np.float32)
            out[int(rid)] = v.reshape(-1, dim) if dim else np.zeros((0, 0), dtype=np.float32)
        return out

    def with_sentences(self) -> set[int]:
        """Rowids whose sentence spans are recorded."""
        return {int(r[0]) for r in self.db.execute("SELECT DISTINCT doc FROM sentences")}

    def missing_vectors(self, kind: str) -> list[int]:
        q = "SELECT rowid FROM documents WHERE rowid NOT IN (SELECT doc FROM embeddings WHERE kind = ?) ORDER BY rowid"
        return [int(r[0]) for r in self.db.execute(q, (kind,))]

    def lsh_hits(self, keys: np.ndarray) -> dict[int, int]:
        """For each stored rowid sharing a band key with ``keys``: in how many bands."""
        pairs = [(b, int(k)) for b, k in enumerate(np.ravel(keys).tolist())]
        counts: dict[int, int] = {}
        for band, key in pairs:
            for (rid,) in self.db.execute("SELECT doc FROM lsh_buckets WHERE band = ? AND key = ?", (band, key)):
                counts[rid] = counts.get(rid, 0) + 1
        return counts

    def posting_hits(self, hashes: np.ndarray, *, max_df: int = 200) -> dict[int, int]:
        """For each stored rowid: how many of ``hashes`` (winnowed fingerprints) it shares.

        Fingerprints held by more than ``max_df`` documents are boilerplate and ignored.
        """
        counts: dict[int, int] = {}
        hl = [int(h) for h in np.ravel(hashes).tolist()]
        for i in range(0, len(hl), 500):
            chunk = hl[i : i + 500]
            q = (
                "SELECT doc FROM postings WHERE hash IN (SELECT hash FROM postings "
                f"WHERE hash IN ({','.join('?' * len(chunk))}) GROUP BY hash HAVING count(*) <= ?)"
            )
            for (rid,) in self.db.execute(q, [*chunk, max_df]):
                counts[rid] = counts.get(rid, 0) + 1
        return counts

    def pairs(self, *, include_all: bool = False) -> Iterator[StoredPair]:
        q = (
            "SELECT da.id, db.id, p.verdict, p.source, p.score, p.result FROM pairs p "
            "JOIN documents da ON da.rowid = p.a JOIN documents db ON db.rowid = p.b"
        )
        if not include_all:
            q += " WHERE p.verdict IN ('copy', 'partial-reuse')"
        for a, b, v, s, sc, res in self.db.execute(q + " ORDER BY p.score DESC, da.id, db.id"):
            yield StoredPair(a, b, v, s, float(sc), json.loads(res))

    def pairs_of(self, id: str) -> list[StoredPair]:
        rid = self.rowid(id)
        q = (
            "SELECT da.id, db.id, p.verdict, p.source, p.score, p.result FROM pairs p "
            "JOIN documents da ON da.rowid = p.a JOIN documents db ON db.rowid = p.b "
            "WHERE (p.a = ? OR p.b = ?) AND p.verdict IN ('copy', 'partial-reuse') ORDER BY p.score DESC"
        )
        return [StoredPair(a, b, v, s, float(sc), json.loads(r)) for a, b, v, s, sc, r in self.db.execute(q, (rid, rid))]

    def stats(self) -> StoreStats:
        one = lambda q: int(self.db.execute(q).fetchone()[0])  # noqa: E731
        return StoreStats(
            documents=one("SELECT count(*) FROM documents"),
            sentences=one("SELECT count(*) FROM sentences"),
            pairs=one("SELECT count(*) FROM pairs"),
            reuse_pairs=one("SELECT count(*) FROM pairs WHERE verdict IN ('copy', 'partial-reuse')"),
            with_doc_vectors=one("SELECT count(*) FROM embeddings WHERE kind = 'doc'"),
            with_sentence_vectors=one("SELECT count(*) FROM embeddings WHERE kind = 'sentences'"),
            outlets=one("SELECT count(DISTINCT outlet) FROM documents WHERE outlet IS NOT NULL"),
            schema_version=self.schema_version,
            settings=self.signature or {},
            path=str(self.path),
        )

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``'ok'`` for a healthy file."""
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
