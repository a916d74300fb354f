"""Where new articles come from: feeds, folders and standard input, each polled into the queue.

A source's :meth:`poll` finds what is new and hands it to :meth:`StreamState.save_poll`, which
queues the items and saves the source's state in one transaction. Items are plain JSON:

* a feed entry: ``{"kind": "page", "url", "guid", "title", "date", "outlet", "feed"}`` — the page
  is fetched when the item is processed;
* a record of a file or of a line of standard input: ``{"kind": "doc", "doc": {...}, "origin"}``
  — the document itself (so a crash after the poll loses nothing, even of standard input).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from retold.config import Settings
from retold.errors import FetchError, InputError
from retold.ingest.corpus import iter_files, iter_records
from retold.report.json import document_to_dict
from retold.stream.feeds import Feed, parse_feed
from retold.stream.http import Fetcher, FetchResult
from retold.stream.state import SourceState, StreamState
from retold.types import Document

Log = Callable[[str], None]
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


def doc_entry(doc: Document, origin: str) -> dict[str, Any]:
    d = document_to_dict(doc)
    d.pop("chars", None)
    return {"kind": "doc", "origin": origin, "doc": {**dict(doc.meta), **d, "text": doc.text}}


class Source:
    """A thing to poll. ``name`` keys its state; ``done`` once it can bring nothing more (stdin EOF)."""

    kind = "source"
    name: str
    done = False

    def due(self, state: SourceState, now: float) -> bool:
        return now >= state.next_poll

    def poll(self, state: StreamState, fetcher: Fetcher, log: Log) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class FeedSource(Source):
    """An RSS or Atom feed, fetched with its validators; a failure backs off, never raises."""

    kind = "feed"

    def __init__(self, url: str, *, settings: Settings) -> None:
        self.name = url
        self.settings = settings

    def poll(self, state: StreamState, fetcher: Fetcher, log: Log) -> int:
        st = state.source(self.name, self.kind)
        return self.save(state, st, self.fetch(fetcher, st), log)

    def fetch(self, fetcher: Fetcher, st: SourceState) -> FeedFetch:
        """The network half of a poll (no store access, so it may run in a worker thread)."""
        try:
            r = fetcher.get(self.name, etag=st.etag, last_modified=st.last_modified, accept=FEED_ACCEPT)
            if r.not_modified:
                return FeedFetch(time.time(), r, None, None)
            return FeedFetch(time.time(), r, parse_feed(r.body, url=self.name, content_type=r.content_type), None)
        except (FetchError, InputError) as exc:
            return FeedFetch(time.time(), None, None, exc)

    def save(self, state: StreamState, st: SourceState, got: FeedFetch, log: Log) -> int:
        """The store half: queue the new entries and save the validators, in one transaction."""
        s = self.settings.stream
        now = got.at
        if got.error is not None or got.result is None:
            failures = st.failures + 1
            wait = min(s.poll_interval_s * 2 ** (failures - 1), s.max_backoff_s)
            log(f"feed failed: {got.error} (failure {failures}; next try in {wait:g} s)")
            state.save_source(replace(st, last_poll=now, next_poll=now + wait, failures=failures,
                                      last_error=str(got.error), polls=st.polls + 1))
            return 0
        r, feed = got.result, got.feed
        if r.not_modified or feed is None:
            state.save_source(replace(st, last_poll=now, next_poll=now + s.poll_interval_s, failures=0,
                                      last_error=None, polls=st.polls + 1, not_modified=st.not_modified + 1))
            return 0
        # Oldest first, so an article is stored before the copies that follow it: feeds list the
        # newest first, so undated entries go in reverse feed order, dated ones by date.
        entries = sorted(reversed(feed.entries), key=lambda e: (e.timestamp is None, e.timestamp or 0.0))
        items = [
            (e.guid, {"kind": "page", "url": e.url, "guid": e.guid, "title": e.title,
                      "date": e.date.isoformat() if e.date else None, "outlet": feed.outlet, "feed": self.name})
            for e in entries if e.url
        ]
        new = replace(st, etag=r.etag, last_modified=r.last_modified, last_poll=now, next_poll=now + s.poll_interval_s,
                      failures=0, last_error=None, polls=st.polls + 1)
        return state.save_poll(new, items, seen_kind="guid")


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """What one feed request brought: the response and the parsed feed, or the error."""

    at: float
    result: FetchResult | None
    feed: Feed | None
    error: Exception | None


class FolderSource(Source):
    """A folder: every file that appears (or changes) in it, once it has settled, is read."""

    kind = "folder"

    def __init__(self, path: str | Path, *, settings: Settings) -> None:
        self.path = Path(path)
        self.name = str(self.path.resolve())
        self.settings = settings
        self._known: set[str] = set()

    def due(self, state: SourceState, now: float) -> bool:
        return now >= (state.last_poll or 0) + self.settings.stream.folder_interval_s

    def poll(self, state: StreamState, fetcher: Fetcher, log: Log) -> int:
        st = state.source(self.name, self.kind)
        now = time.time()
        queued = 0
        try:
            files = list(iter_files([self.path]))
        except (InputError, OSError) as exc:
            log(f"folder {self.path}: {exc}")
            files = []
        for path, rel in files:
            try:
                info = path.stat()
            except OSError:
                continue  # removed since the listing
            key = f"{rel}@{info.st_mtime_ns}:{info.st_size}"
            if key in self._known or now - info.st_mtime < self.settings.stream.settle_s:
                continue
            if state.seen("file", f"{self.name}/{key}") is not None:
                self._known.add(key)
                continue
            items = []
            for n, rec in enumerate(iter_records([path], settings=self.settings.ingest)):
                if rec.doc is None:
                    log(f"folder {self.path}: {rec.error}")
                    continue
                doc = rec.doc if rec.doc.id != path.name else replace(rec.doc, id=rel)
                items.append((f"{key}#{n}", doc_entry(doc, rec.origin)))
            queued += state.save_poll(st, items, mark=[("file", f"{self.name}/{key}")])
            self._known.add(key)
        state.save_source(replace(st, last_poll=now, polls=st.polls + 1))
        return queued


class StdinSource(Source):
    """JSON Lines on standard input, read by a background thread (one document object a line)."""

    kind = "stdin"

    def __init__(self, stream: IO[bytes]) -> None:
        self.name = "-"
        self._lines: queue.Queue[bytes | None] = queue.Queue(maxsize=10_000)
        self._lineno = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), name="retold-stdin", daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            for raw in stream:
                self._lines.put(raw)
        finally:
            self._lines.put(None)

    def due(self, state: SourceState, now: float) -> bool:
        return not self.done and not self._lines.empty()

    def wait(self, timeout: float) -> None:
        """Block until a line is ready or ``timeout`` passes (the watcher's idle wait)."""
        if self.done:
            time.sleep(timeout)
            return
        deadline = time.monotonic() + timeout
        while self._lines.empty() and time.monotonic() < deadline:
            time.sleep(min(0.01, timeout))

    def poll(self, state: StreamState, fetcher: Fetcher, log: Log) -> int:
        st = state.source(self.name, self.kind)
        items: list[tuple[str, dict[str, Any]]] = []
        while len(items) < 1000:
            try:
                raw = self._lines.get_nowait()
            except queue.Empty:
                break
            if raw is None:
                self.done = True
                break
            self._lineno += 1
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            where = f"<stdin>:{self._lineno}"
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise InputError(f'{where}: expected a JSON object with a "text" field')
                from retold.ingest import document_from_mapping

                doc = document_from_mapping(obj, default_id=f"stdin:{hashlib.sha1(raw).hexdigest()[:12]}", where=where)
            except json.JSONDecodeError as exc:
                log(f"{where}: invalid JSON ({exc.msg} at column {exc.colno}); skipped")
                continue
            except InputError as exc:
                log(f"{exc}; skipped")
                continue
            # The key is the document id and a hash of its line: the same line twice is one article.
            items.append((f"{doc.id}#{hashlib.sha1(raw.strip()).hexdigest()[:16]}", doc_entry(doc, where)))
        return state.save_poll(replace(st, last_poll=time.time(), polls=st.polls + 1), items) if items else 0


def open_sources(specs: list[str], *, settings: Settings, stdin: IO[bytes] | None = None) -> list[Source]:
    """Sources from command-line words: ``-``, an http(s) URL, or a folder."""
    out: list[Source] = []
    for spec in specs:
        if spec == "-":
            if stdin is None:
                raise InputError("`-` reads JSON Lines from standard input, but none was given")
            out.append(StdinSource(stdin))
        elif spec.startswith(("http://", "https://")):
            if importlib.util.find_spec("feedparser") is None:
                raise InputError(f"{spec}: reading feeds needs feedparser; install it with pip install 'retold[stream]'")
            out.append(FeedSource(spec, settings=settings))
        elif os.path.isdir(spec):
            out.append(FolderSource(spec, settings=settings))
        else:
            raise InputError(f"{spec}: not a feed URL (http:// or https://), a folder, or - for standard input")
    return out
