"""Watch state in the store: sources, a durable queue of articles, what was seen, and an outbox.

The tables live in the store's own SQLite file, so one transaction can hold an article, its
queue row and its output line (:meth:`retold.store.Store.put` with ``also``). They are created by
the first ``retold watch`` on a store (``CREATE TABLE IF NOT EXISTS``): a store never watched
keeps the schema ``retold add`` made, and older retold versions still open it.

* ``stream_sources(name, …)`` — per feed or folder: validators (ETag, Last-Modified), last and
  next poll, consecutive failures, the last error, counts of polls and 304s;
* ``stream_items(source, key, …)`` — the queue: one row per article found (``key`` is the feed
  entry's GUID, or a file's path and version), ``status`` pending → done | duplicate | rejected |
  failed, ``entry`` (JSON: what is known before fetching), attempts and the next try;
* ``stream_seen(kind, key)`` — URLs, GUIDs and content hashes already stored (dedup across feeds);
* ``stream_outbox(seq, …)`` — every output line, ``emitted`` once written out. ``GET /api/events``
  tails it, so hits from ``watch`` and from ``POST /api/documents?check=true`` reach the page.

Exactly-once: a source's new entries and its validators are saved in one transaction (a crash
before it re-reads the feed, after it finds the entries queued); an article's document, its queue
row (done) and its output line are saved in one transaction; a line is written, then marked
emitted, and a restart first writes the lines not marked (checking the output file's last line
when it is a file, so the one line that may have been written just before the kill is not
written twice).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS stream_sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_poll REAL,
    next_poll REAL NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    polls INTEGER NOT NULL DEFAULT 0,
    not_modified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS stream_items (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    entry TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'done', 'duplicate', 'rejected', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    error TEXT,
    doc_id TEXT,
    found_at REAL NOT NULL,
    done_at REAL,
    PRIMARY KEY (source, key)
);
CREATE INDEX IF NOT EXISTS stream_items_pending ON stream_items(status, next_try);
CREATE TABLE IF NOT EXISTS stream_seen (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    at REAL NOT NULL,
    line TEXT NOT NULL,
    emitted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS stream_outbox_pending ON stream_outbox(emitted) WHERE emitted = 0;
"""


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the stream tables when missing (idempotent; one transaction)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                db.execute(stmt)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def has_schema(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream_outbox'").fetchone()
    return row is not None


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    kind: str
    etag: str | None = None
    last_modified: str | None = None
    last_poll: float | None = None
    next_poll: float = 0.0
    failures: int = 0
    last_error: str | None = None
    polls: int = 0
    not_modified: int = 0


@dataclass(frozen=True, slots=True)
class Item:
    """One queued article: ``entry`` is what the feed (or file, or line) said about it."""

    source: str
    key: str
    entry: Mapping[str, Any]
    attempts: int
    found_at: float


@dataclass(frozen=True, slots=True)
class OutLine:
    seq: int
    doc_id: str
    line: str


class StreamState:
    """The stream tables of one store connection. Writes are short transactions of their own,
    except :meth:`finish_sql`, which runs inside the transaction that stores the article."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        ensure_schema(db)

    def _tx(self, work: Any) -> Any:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            out = work()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return out

    # -- sources ---------------------------------------------------------------------------------
    def source(self, name: str, kind: str) -> SourceState:
        row = self.db.execute(
            "SELECT name, kind, etag, last_modified, last_poll, next_poll, failures, last_error, polls, not_modified "
            "FROM stream_sources WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return SourceState(name, kind)
        return SourceState(*row)

    def save_poll(
        self,
        state: SourceState,
        items: Iterable[tuple[str, Mapping[str, Any]]],
        *,
        seen_kind: str | None = None,
        mark: Iterable[tuple[str, str]] = (),
    ) -> int:
        """Queue the new ``(key, entry)`` items of one poll and save the source's state, at once.

        Keys already queued for this source (any status) are skipped, and so, with ``seen_kind``,
        are keys already in ``stream_seen`` under that kind (a GUID another feed brought in).
        ``mark`` adds ``(kind, key)`` rows to ``stream_seen`` (a folder's file, read whole).
        Returns how many were queued.
        """
        now = time.time()

        def work() -> int:
            n = 0
            for key, entry in items:
                if seen_kind is not None and self.db.execute(
                    "SELECT 1 FROM stream_seen WHERE kind = ? AND key = ?", (seen_kind, key)
                ).fetchone():
                    continue
                url = entry.get("url")
                if url and self.db.execute("SELECT 1 FROM stream_seen WHERE kind = 'url' AND key = ?", (url,)).fetchone():
                    continue
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO stream_items(source, key, entry, found_at) VALUES (?, ?, ?, ?)",
                    (state.name, key, json.dumps(dict(entry), default=str), now),
                )
                n += cur.rowcount
            self.db.executemany("INSERT OR IGNORE INTO stream_seen(kind, key, doc_id) VALUES (?, ?, '')", list(mark))
            self._put_source(state)
            return n

        return int(self._tx(work))

    def save_source(self, state: SourceState) -> None:
        self._tx(lambda: self._put_source(state))

    def _put_source(self, s: SourceState) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO stream_sources(name, kind, etag, last_modified, last_poll, next_poll, failures, "
            "last_error, polls, not_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (s.name, s.kind, s.etag, s.last_modified, s.last_poll, s.next_poll, s.failures, s.last_error, s.polls,
             s.not_modified),
        )

    # -- the queue -------------------------------------------------------------------------------
    def pending(self, *, now: float | None = None, limit: int = 100) -> list[Item]:
        """Queued articles due now, oldest first."""
        t = time.time() if now is None else now
        rows = self.db.execute(
            "SELECT source, key, entry, attempts, found_at FROM stream_items WHERE status = 'pending' "
            "AND next_try <= ? ORDER BY found_at, rowid LIMIT ?", (t, limit)
        ).fetchall()
        return [Item(s, k, json.loads(e), int(a), float(f)) for s, k, e, a, f in rows]

    def count_pending(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM stream_items WHERE status = 'pending'").fetchone()[0])

    def next_try(self) -> float | None:
        row = self.db.execute("SELECT min(next_try) FROM stream_items WHERE status = 'pending'").fetchone()
        return None if row[0] is None else float(row[0])

    def retry_later(self, item: Item, error: str, *, delay_s: float, max_attempts: int) -> bool:
        """Count a failed attempt; the item is given up (``failed``) after ``max_attempts``."""
        attempts = item.attempts + 1
        give_up = attempts >= max_attempts
        self._tx(lambda: self.db.execute(
            "UPDATE stream_items SET attempts = ?, error = ?, next_try = ?, status = ? WHERE source = ? AND key = ?",
            (attempts, error, time.time() + delay_s, "failed" if give_up else "pending", item.source, item.key),
        ))
        return give_up

    def close_item(self, item: Item, status: str, error: str | None = None, doc_id: str | None = None) -> None:
        """Mark an item rejected or duplicate (nothing stored, nothing reported)."""
        self._tx(lambda: self._close(item, status, error, doc_id))

    def _close(self, item: Item, status: str, error: str | None, doc_id: str | None) -> None:
        self.db.execute(
            "UPDATE stream_items SET status = ?, error = ?, doc_id = ?, attempts = attempts + 1, done_at = ? "
            "WHERE source = ? AND key = ?", (status, error, doc_id, time.time(), item.source, item.key)
        )

    def seen(self, kind: str, key: str) -> str | None:
        row = self.db.execute("SELECT doc_id FROM stream_seen WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else str(row[0])

    def finish_sql(
        self, item: Item | None, doc_id: str, seen: Iterable[tuple[str, str]], line: str, *, emitted: bool = False
    ) -> None:
        """Inside the article's transaction: item done, its keys seen, its output line queued
        (``emitted``: already delivered, as an API answer, so no watcher writes it out)."""
        if item is not None:
            self._close(item, "done", None, doc_id)
        self.db.executemany(
            "INSERT OR IGNORE INTO stream_seen(kind, key, doc_id) VALUES (?, ?, ?)", [(k, v, doc_id) for k, v in seen]
        )
        self.db.execute("INSERT INTO stream_outbox(doc_id, at, line, emitted) VALUES (?, ?, ?, ?)",
                        (doc_id, time.time(), line, int(emitted)))

    # -- the outbox ------------------------------------------------------------------------------
    def unemitted(self) -> list[OutLine]:
        rows = self.db.execute("SELECT seq, doc_id, line FROM stream_outbox WHERE emitted = 0 ORDER BY seq")
        return [OutLine(int(s), str(d), str(ln)) for s, d, ln in rows]

    def mark_emitted(self, seqs: Iterable[int]) -> None:
        keys = [(int(s),) for s in seqs]
        if keys:
            self._tx(lambda: self.db.executemany("UPDATE stream_outbox SET emitted = 1 WHERE seq = ?", keys))

    def stats(self) -> dict[str, Any]:
        by_status = dict(self.db.execute("SELECT status, count(*) FROM stream_items GROUP BY status").fetchall())
        sources = self.db.execute(
            "SELECT name, kind, polls, not_modified, failures, last_error FROM stream_sources ORDER BY name"
        ).fetchall()
        return {
            "items": by_status,
            "lines": int(self.db.execute("SELECT count(*) FROM stream_outbox").fetchone()[0]),
            "sources": [{"name": n, "kind": k, "polls": p, "not_modified": nm, "failures": f, "last_error": e}
                        for n, k, p, nm, f, e in sources],
        }


def events_after(db: sqlite3.Connection, seq: int, *, limit: int = 100) -> list[tuple[int, str]]:
    """Output lines with a sequence number above ``seq`` (for ``GET /api/events``); [] without tables."""
    try:
        rows = db.execute("SELECT seq, line FROM stream_outbox WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [(int(s), str(ln)) for s, ln in rows]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise


def last_seq(db: sqlite3.Connection) -> int:
    try:
        row = db.execute("SELECT max(seq) FROM stream_outbox").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0] or 0)
