"""Feed bytes in, entries out: RSS 0.9x/1.0/2.0 and Atom through feedparser, never by hand.

Pure: :func:`parse_feed` takes the body a fetch returned (bytes, so feedparser never goes to the
network itself) and gives frozen :class:`FeedEntry` values with a stable ``guid`` (the entry's id,
else its link, else a hash of its title and summary).

>>> body = b'''<?xml version="1.0"?><rss version="2.0"><channel><title>Daily Planet</title>
... <item><title>Bridge approved</title><link>http://planet.test/a/1</link><guid>urn:planet:1</guid>
... <pubDate>Tue, 03 Mar 2026 09:00:00 GMT</pubDate></item></channel></rss>'''
>>> feed = parse_feed(body, url="http://planet.test/rss")
>>> feed.title, [(e.guid, e.url, e.date.isoformat()) for e in feed.entries]
('Daily Planet', [('urn:planet:1', 'http://planet.test/a/1', '2026-03-03')])
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date as Date
from typing import Any
from urllib.parse import urljoin, urlsplit

from retold.errors import InputError


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: where the article is and what the feed says about it."""

    guid: str
    url: str | None
    title: str | None = None
    date: Date | None = None
    summary: str | None = None
    author: str | None = None
    # Seconds since the epoch of the entry's time (UTC), to order entries finer than by day.
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]

    @property
    def outlet(self) -> str:
        """The feed's title, else the host of its site (what the store's ``outlet`` holds)."""
        if self.title:
            return self.title.strip()
        return urlsplit(self.link or self.url).netloc


def _when(entry: Any) -> tuple[Date | None, float | None]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            try:
                return Date(t.tm_year, t.tm_mon, t.tm_mday), float(calendar.timegm(t))
            except (ValueError, AttributeError, TypeError, OverflowError):
                continue
    return None, None


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> Feed:
    """Parse an RSS or Atom document. Raises InputError when ``body`` is not a feed at all."""
    import feedparser  # the stream extra; imported here so `retold` starts without it

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    if not parsed.entries and parsed.get("bozo") and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        raise InputError(f"{url}: not an RSS or Atom feed ({type(reason).__name__ if reason else 'no entries'}: "
                         f"{reason}); check the address")
    entries = []
    for e in parsed.entries:
        link = e.get("link") or None
        if link:
            link = urljoin(url, link)
        title = e.get("title") or None
        summary = e.get("summary") or None
        guid = e.get("id") or link
        if not guid:
            guid = "sha1:" + hashlib.sha1(f"{title}\n{summary}".encode("utf-8", "replace")).hexdigest()
        day, ts = _when(e)
        entries.append(FeedEntry(guid=str(guid), url=link, title=title, date=day, summary=summary,
                                 author=e.get("author") or None, timestamp=ts))
    feed = parsed.feed
    return Feed(url=url, title=feed.get("title") or None, link=feed.get("link") or None, entries=tuple(entries))
