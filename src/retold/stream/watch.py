"""The watch loop: poll sources, then for each queued article fetch, extract, dedup, query, store, emit.

One article, in order (each step's failure is reported on stderr and never stops the loop):

1. fetch the page (feed items; robots.txt asked first) with the feed entry's date, outlet and URL;
2. extract text, title and date with trafilatura (:func:`retold.ingest.corpus.html_document`);
3. drop duplicates: a URL or GUID already stored, or the same text (SHA-256 of its normalised
   words) from the same outlet — one story under a second address. The same text from *another*
   outlet is not dropped: that is a verbatim copy, what retold is for;
4. query it against everything stored before (:class:`~retold.stream.live.LiveCorpus`);
5. store it, its queue row and its output line in one transaction; then write the line and mark
   it written (see :mod:`retold.stream.state` for why that is exactly-once).

Each output line is one JSON object (:mod:`retold.stream.report`) led by ``seq``, the outbox
number, for consumers that dedup.

For crash tests, ``RETOLD_STREAM_FAULT=STAGE:N`` SIGKILLs the process the N-th time it reaches
STAGE (``polled``, ``fetched``, ``stored``, ``emitted``): the windows between the durable steps.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import IO, Any

from retold.config import Settings
from retold.errors import FetchError, InputError
from retold.ingest import decode_bytes, document_from_mapping, parse_text
from retold.ingest.corpus import html_document
from retold.store import Store
from retold.stream.http import Fetcher
from retold.stream.live import LiveCorpus
from retold.stream.report import article_line, dumps, text_key
from retold.stream.sources import FeedSource, Source, StdinSource
from retold.stream.state import Item, StreamState
from retold.types import Document

Log = Callable[[str], None]
HTML_TYPES = {"text/html", "application/xhtml+xml"}


# -- fault points (crash tests) -------------------------------------------------------------------

_FAULT = os.environ.get("RETOLD_STREAM_FAULT", "")
_fault_counts: dict[str, int] = {}


def fault_point(stage: str) -> None:
    """SIGKILL this process at the N-th arrival at ``stage`` when RETOLD_STREAM_FAULT=stage:N."""
    if not _FAULT:
        return
    want, _, n = _FAULT.partition(":")
    if want != stage:
        return
    _fault_counts[stage] = _fault_counts.get(stage, 0) + 1
    if _fault_counts[stage] >= int(n or 1):
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


# -- output ---------------------------------------------------------------------------------------


class LineSink:
    """Writes output lines to a binary stream; for a regular file it can tell which seq came last.

    The check reads the file's last complete line (a partial one, cut by a kill, is truncated
    away), so a line written just before a SIGKILL, and not yet marked, is not written again.
    """

    def __init__(self, stream: IO[bytes], *, path: str | None = None) -> None:
        self.stream = stream
        self.path = path
        self.lines = 0

    @classmethod
    def for_stdout(cls) -> LineSink:
        fd = sys.stdout.fileno()
        path = None
        try:
            import stat

            if stat.S_ISREG(os.fstat(fd).st_mode) and os.path.exists(f"/proc/self/fd/{fd}"):
                path = os.path.realpath(f"/proc/self/fd/{fd}")
        except (OSError, ValueError):
            path = None
        return cls(sys.stdout.buffer, path=path)

    @classmethod
    def for_file(cls, path: str) -> LineSink:
        return cls(open(path, "ab"), path=path)

    def last_seq(self) -> int | None:
        """The ``seq`` of the file's last complete line (None for a pipe or an empty file)."""
        if self.path is None:
            return None
        self.stream.flush()
        with open(self.path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4 * 1024 * 1024))
            tail = f.read()
        if tail and not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n") + 1
            keep = size - (len(tail) - cut)
            os.truncate(self.path, keep)
            tail = tail[:cut]
        lines = tail.splitlines()
        if not lines:
            return None
        try:
            return int(json.loads(lines[-1]).get("seq"))
        except (ValueError, TypeError, AttributeError):
            return None

    def write(self, seq: int, line: str) -> None:
        data = (f'{{"seq": {int(seq)}, ' + line[1:] + "\n").encode("utf-8", "surrogatepass")
        self.stream.write(data)
        self.stream.flush()
        self.lines += 1


# -- one article ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchSummary:
    polls: int
    queued: int
    reported: int
    duplicates: int
    rejected: int
    failed: int
    retried: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"polls": self.polls, "queued": self.queued, "reported": self.reported, "duplicates": self.duplicates,
                "rejected": self.rejected, "failed": self.failed, "retried": self.retried,
                "seconds": round(self.seconds, 3)}


class Watcher:
    """Polls ``sources`` into the store's queue and reports each new article (module docstring)."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[Source],
        *,
        settings: Settings,
        sink: LineSink,
        fetcher: Fetcher | None = None,
        log: Log = lambda msg: print(msg, file=sys.stderr, flush=True),
        include_all: bool = False,
        live: LiveCorpus | None = None,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.settings = settings
        self.sink = sink
        self.fetcher = fetcher or Fetcher(settings.stream)
        self.log = log
        self.include_all = include_all
        self.state = StreamState(store.db)
        self.live = live or LiveCorpus(store, settings=settings)
        self.stop = threading.Event()
        self.counts = dict.fromkeys(("polls", "queued", "reported", "duplicates", "rejected", "failed", "retried"), 0)
        self._skip: set[tuple[str, str]] | None = None
        self.pool = ThreadPoolExecutor(max_workers=settings.stream.fetch_workers, thread_name_prefix="retold-fetch")

    # -- the loop --------------------------------------------------------------------------------
    def run(self, *, once: bool = False, max_seconds: float | None = None) -> WatchSummary:
        """Run until stopped (``self.stop``), or with ``once`` after one pass over every source."""
        t0 = time.monotonic()
        self.counts = dict.fromkeys(self.counts, 0)
        # With --once an article that failed is left for the next run (cron), not retried in this one.
        self._skip = set() if once else None
        self.emit_pending(recovering=True)
        if not once:
            self.live.warm()
        polled_once: set[str] = set()
        while not self.stop.is_set():
            now = time.time()
            due = [src for src in self.sources
                   if not (once and src.name in polled_once and not isinstance(src, StdinSource))
                   and (once or src.due(self.state.source(src.name, src.kind), now))]
            # Feeds are fetched side by side in the pool; what they found is saved here, in order.
            fetches = {src.name: self.pool.submit(src.fetch, self.fetcher, self.state.source(src.name, src.kind))
                       for src in due if isinstance(src, FeedSource)}
            for src in due:
                if self.stop.is_set():
                    break
                if isinstance(src, FeedSource):
                    st = self.state.source(src.name, src.kind)
                    self.counts["queued"] += src.save(self.state, st, fetches[src.name].result(), self.log)
                else:
                    self.counts["queued"] += src.poll(self.state, self.fetcher, self.log)
                self.counts["polls"] += 1
                polled_once.add(src.name)
                fault_point("polled")
            worked = self.process_pending(limit=20)
            stdin_open = any(isinstance(s, StdinSource) and not s.done for s in self.sources)
            if once and not worked and not stdin_open:
                break
            if not once and not worked and self.sources and all(isinstance(s, StdinSource) and s.done
                                                               for s in self.sources):
                if not self.state.pending(limit=1):
                    break  # standard input alone, and it has ended
            if max_seconds is not None and time.monotonic() - t0 > max_seconds:
                break
            if not worked:
                self._idle(once)
        return WatchSummary(**self.counts, seconds=time.monotonic() - t0)

    def close(self) -> None:
        """Stop the fetch threads and close the HTTP client."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.fetcher.close()

    def _idle(self, once: bool) -> None:
        stdin = [s for s in self.sources if isinstance(s, StdinSource) and not s.done]
        if once:
            if stdin:
                stdin[0].wait(0.05)
            else:
                self.stop.wait(0.05)
            return
        now = time.time()
        nxt = [self.state.source(s.name, s.kind).next_poll for s in self.sources if not isinstance(s, StdinSource)]
        folders = [s for s in self.sources if s.kind == "folder"]
        if folders:
            nxt.append(now + self.settings.stream.folder_interval_s)
        retry = self.state.next_try()
        if retry is not None:
            nxt.append(retry)
        wait = max(0.02, min([*nxt, now + 1.0]) - now)
        if stdin:
            stdin[0].wait(min(wait, 1.0))
        else:
            self.stop.wait(min(wait, 1.0))

    def process_pending(self, *, limit: int) -> int:
        skip = self._skip
        items = [i for i in self.state.pending(limit=limit + len(skip or ()))
                 if not skip or (i.source, i.key) not in skip][:limit]
        # Pages are fetched and extracted side by side; articles are then stored one by one, in
        # queue order, on this thread (the store's single writer). A URL already stored, or one
        # that an earlier item of the batch fetches, is not fetched again.
        futures: dict[tuple[str, str], Future[Document]] = {}
        urls: set[str] = set()
        for item in items:
            url = item.entry.get("url")
            if item.entry.get("kind") == "doc" or not url or url in urls or self.state.seen("url", str(url)):
                continue
            urls.add(str(url))
            futures[(item.source, item.key)] = self.pool.submit(self._materialise, item)
        for item in items:
            if self.stop.is_set():
                break
            self.process(item, fetched=futures.get((item.source, item.key)))
        return len(items)

    # -- one article -----------------------------------------------------------------------------
    def process(self, item: Item, *, fetched: Future[Document] | None = None) -> None:
        s = self.settings.stream
        t0 = time.perf_counter()
        url = item.entry.get("url")
        other = self.state.seen("url", str(url)) if url else None
        if other is not None:  # queued by two feeds before either was processed: no second fetch
            self.state.close_item(item, "duplicate", f"same url as {other}", other)
            self.counts["duplicates"] += 1
            return
        try:
            doc = fetched.result() if fetched is not None else self._materialise(item)
        except FetchError as exc:
            if exc.retryable:
                # 4x, 8x, 16x backoff_s: later than the request's own retries; with --once the
                # article waits for the next run (cron), still up to max_attempts in all.
                delay = min(s.backoff_s * 2 ** (item.attempts + 2), s.max_backoff_s)
                gave_up = self.state.retry_later(item, str(exc), delay_s=delay, max_attempts=s.max_attempts)
                if self._skip is not None:
                    self._skip.add((item.source, item.key))
                self.counts["failed" if gave_up else "retried"] += 1
                self.log(f"{exc}" + ("; given up" if gave_up else f" (attempt {item.attempts + 1})"))
            else:
                self.state.close_item(item, "rejected", str(exc))
                self.counts["rejected"] += 1
                self.log(str(exc))
            return
        except InputError as exc:
            self.state.close_item(item, "rejected", str(exc))
            self.counts["rejected"] += 1
            self.log(str(exc))
            return
        t_fetch = time.perf_counter() - t0
        fault_point("fetched")
        seen = [("text", text_key(doc))]
        if doc.url:
            seen.append(("url", doc.url))
        guid = item.entry.get("guid")
        if guid:
            seen.append(("guid", str(guid)))
        for kind, key in seen:
            other = self.state.seen(kind, key)
            if other is not None:
                self.state.close_item(item, "duplicate", f"same {kind} as {other}", other)
                self.counts["duplicates"] += 1
                self.log(f"{doc.id}: a duplicate of {other} (same {kind}); not reported")
                return
        t1 = time.perf_counter()
        result = self.live.query(doc)
        t_query = time.perf_counter() - t1
        line = self._line(doc, item, result, {"fetch": t_fetch, "query": t_query})
        rec = self.live.record(doc, origin=str(item.entry.get("origin") or doc.url or item.source))
        self.live.put(rec, also=lambda: self.state.finish_sql(item, doc.id, seen, line))
        fault_point("stored")
        self.counts["reported"] += 1
        self.emit_pending()

    def emit_pending(self, *, recovering: bool = False) -> None:
        """Write every stored line not yet written, in order (after a crash: the ones it missed).

        Only when ``recovering`` (the start of a run) can a line be written but not marked, so
        only then is the output file's last line read.
        """
        pending = self.state.unemitted()
        if not pending:
            return
        last = self.sink.last_seq() if recovering else None
        for out in pending:
            if last is not None and out.seq <= last:
                self.state.mark_emitted([out.seq])  # written before the kill, not yet marked
                continue
            self.sink.write(out.seq, out.line)
            fault_point("emitted")
            self.state.mark_emitted([out.seq])

    def _materialise(self, item: Item) -> Document:
        e = item.entry
        if e.get("kind") == "doc":
            return document_from_mapping(e["doc"], default_id=item.key, where=str(e.get("origin") or item.source))
        url = str(e["url"])
        r = self.fetcher.get(url, accept="text/html, application/xhtml+xml, text/plain;q=0.5")
        where = url
        if r.mime in HTML_TYPES or (not r.mime and r.body.lstrip()[:1] == b"<"):
            html = decode_bytes(r.body, where=where, encoding=r.charset)
            doc = html_document(html, id=url, where=where, url=url, max_chars=self.settings.ingest.max_document_chars)
        elif r.mime == "text/plain":
            doc = parse_text(decode_bytes(r.body, where=where, encoding=r.charset), id=url)
            if not doc.text.strip():
                raise InputError(f"{where}: an empty page; skipped")
        else:
            raise InputError(f"{where}: not an HTML page (Content-Type {r.content_type or 'missing'}); skipped")
        if len(doc.text) > self.settings.ingest.max_document_chars:
            raise InputError(f"{where}: {len(doc.text):,} characters of text, over ingest.max_document_chars")
        entry_date = e.get("date")
        meta = {**dict(doc.meta), "feed": e.get("feed"), "guid": e.get("guid")}
        return replace(
            doc, url=url, title=doc.title or e.get("title"), outlet=e.get("outlet") or doc.outlet,
            date=document_from_mapping({"text": "", "date": entry_date}, default_id="", where=where).date
            if entry_date else doc.date, meta=meta,
        )

    def _line(self, doc: Document, item: Item, result: Any, timings: dict[str, float]) -> str:
        guid = item.entry.get("guid")
        return dumps(article_line(doc, result, source=item.source, guid=str(guid) if guid else None,
                                  include_all=self.include_all, found_at=item.found_at, timings=timings))
