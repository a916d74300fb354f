"""A stream of new articles: watch feeds, folders and standard input (``retold watch``).

The package is an edge (it fetches, reads files and writes the store); the tree follows the data:

* :mod:`~retold.stream.http` — the only module that touches the network: a polite httpx client
  (conditional GET, per-host rate limit, timeouts, retries with backoff, a size cap, robots.txt);
* :mod:`~retold.stream.feeds` — pure: feed bytes to entries (feedparser);
* :mod:`~retold.stream.sources` — feeds, folders and standard input, polled into the queue;
* :mod:`~retold.stream.state` — the queue, dedup keys, validators and the outbox, in the store;
* :mod:`~retold.stream.live` — incremental add and query (the ANN index updated in place);
* :mod:`~retold.stream.watch` — the loop: fetch, extract, dedup, query, store, emit one JSON line.
"""

from __future__ import annotations

from retold.stream.feeds import Feed, FeedEntry, parse_feed
from retold.stream.http import Fetcher, FetchResult
from retold.stream.live import LiveCorpus
from retold.stream.sources import FeedSource, FolderSource, StdinSource, open_sources
from retold.stream.state import StreamState
from retold.stream.watch import LineSink, Watcher, WatchSummary

__all__ = [
    "Feed",
    "FeedEntry",
    "FeedSource",
    "FetchResult",
    "Fetcher",
    "FolderSource",
    "LineSink",
    "LiveCorpus",
    "StdinSource",
    "StreamState",
    "WatchSummary",
    "Watcher",
    "open_sources",
    "parse_feed",
]
