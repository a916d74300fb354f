"""The one module of :mod:`retold.stream` that touches the network: a polite HTTP client on httpx.

Every request — feed, article page, robots.txt — goes through :meth:`Fetcher.get`, which

* sends a clear ``User-Agent`` (``stream.user_agent``) and, for feeds, the validators of the last
  answer (``If-None-Match`` / ``If-Modified-Since``), so an unchanged feed costs a 304;
* waits ``stream.host_interval_s`` between two requests to one host (longer when its robots.txt
  asks with ``Crawl-delay``);
* gives up after ``stream.timeout_s`` without a byte (3x that for a whole response) and retries
  connection errors, timeouts, 429 and 5xx ``stream.retries`` times with exponential backoff
  (honouring ``Retry-After``);
* reads at most ``stream.max_bytes`` of any body (the ``Content-Length`` is checked first, then the
  bytes as they arrive, after decompression, so a gzip bomb stops at the cap too);
* asks the host's ``robots.txt`` first (RFC 9309: a 4xx robots.txt allows everything, a 5xx or an
  unreachable one disallows everything until it is asked again).

As in httpx, the transport is a seam: tests pass ``httpx.MockTransport`` or talk to a real server
on 127.0.0.1.

>>> import httpx
>>> from retold.config import StreamSettings
>>> def app(request):
...     if request.url.path == "/robots.txt":
...         return httpx.Response(404)
...     return httpx.Response(200, text="<rss/>", headers={"ETag": '"v1"'})
>>> f = Fetcher(StreamSettings(host_interval_s=0), transport=httpx.MockTransport(app))
>>> r = f.get("http://example.test/feed.xml")
>>> r.status, r.etag, r.body
(200, '"v1"', b'<rss/>')
>>> f.close()
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from retold.config import StreamSettings
from retold.errors import FetchError, ResponseTooLargeError, RobotsDisallowedError

# A robots.txt that could not be read (5xx, timeout) is asked again after this long, not robots_ttl_s.
ROBOTS_RETRY_S = 60.0
# Longest single wait between two attempts of one request, whatever Retry-After says: a longer
# one is the feed's next poll, not this request's business.
MAX_RETRY_WAIT_S = 30.0
# A whole response (headers and body) may take this many times stream.timeout_s.
TOTAL_TIMEOUT_FACTOR = 3


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One answer: ``status`` 200 with ``body``, or 304 (``not_modified``, empty body)."""

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    seconds: float
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def mime(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.content_type.split(";")[1:]:
            k, _, v = part.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                return v.strip().strip('"')
        return None


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Fetcher:
    """A polite HTTP client (see the module docstring), safe to share between threads: the
    per-host slots and the robots.txt cache are locked, and httpx's client is thread-safe."""

    def __init__(
        self,
        settings: StreamSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or StreamSettings()
        s = self.settings
        self.client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(s.timeout_s),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self.clock = clock
        self.sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._host_interval: dict[str, float] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | bool]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.requests = 0
        self.not_modified = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- robots.txt ------------------------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets ``stream.user_agent`` fetch ``url`` (always True with robots off)."""
        if not self.settings.robots:
            return True
        host = host_of(url)
        with self._lock:
            host_lock = self._robots_locks.setdefault(host, threading.Lock())
        with host_lock:  # one robots.txt request per host, however many threads ask at once
            now = self.clock()
            cached = self._robots.get(host)
            if cached is None or cached[0] <= now:
                cached = self._read_robots(host, now)
                self._robots[host] = cached
        rules = cached[1]
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self._agent_token(), url)

    def _agent_token(self) -> str:
        # robots.txt groups name a product token ("retold-watch"), not the whole User-Agent line.
        return self.settings.user_agent.split("/", 1)[0].split()[0]

    def _read_robots(self, host: str, now: float) -> tuple[float, urllib.robotparser.RobotFileParser | bool]:
        try:
            r = self._request(f"{host}/robots.txt", headers={})
        except ResponseTooLargeError:
            return now + self.settings.robots_ttl_s, True  # RFC 9309: parse what fits; we allow
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return now + self.settings.robots_ttl_s, True
            return now + ROBOTS_RETRY_S, False
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(r.body.decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self._agent_token())
        if delay is not None:  # a Crawl-delay stretches this host's interval (capped at a minute)
            self._host_interval[host] = min(max(float(delay), self.settings.host_interval_s), 60.0)
        return now + self.settings.robots_ttl_s, parser

    # -- requests --------------------------------------------------------------------------------
    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str | None = None
    ) -> FetchResult:
        """GET ``url`` politely; a 304 comes back as a result, every other failure as FetchError."""
        if not self.allowed(url):
            raise RobotsDisallowedError(f"{url}: robots.txt of {host_of(url)} disallows it for "
                                        f"{self._agent_token()!r}; skipped", url=url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        return self._request(url, headers=headers)

    def _wait_for_host(self, url: str) -> None:
        host = host_of(url)
        with self._lock:  # reserve this request's slot, then wait for it outside the lock
            now = self.clock()
            slot = max(self._next_slot.get(host, now), now)
            self._next_slot[host] = slot + self._host_interval.get(host, self.settings.host_interval_s)
        if slot > now:
            self.sleep(slot - now)

    def _request(self, url: str, *, headers: dict[str, str]) -> FetchResult:
        s = self.settings
        last: FetchError | None = None
        for attempt in range(s.retries + 1):
            if attempt:
                wait = s.backoff_s * 2 ** (attempt - 1)
                if last is not None and getattr(last, "retry_after", None):
                    wait = max(wait, float(last.retry_after))  # type: ignore[attr-defined]
                self.sleep(min(wait, MAX_RETRY_WAIT_S, s.max_backoff_s))
            self._wait_for_host(url)
            try:
                return self._once(url, headers, attempt + 1)
            except FetchError as exc:
                if not exc.retryable:
                    raise
                last = exc
        assert last is not None
        raise last

    def _once(self, url: str, headers: dict[str, str], attempt: int) -> FetchResult:
        s = self.settings
        t0 = time.perf_counter()
        with self._lock:
            self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    with self._lock:
                        self.not_modified += 1
                    return self._result(url, r, b"", t0, attempt)
                if r.status_code != 200:
                    err = FetchError(
                        f"{url}: HTTP {r.status_code} {r.reason_phrase}" + (
                            "; will retry later" if r.status_code >= 500 or r.status_code == 429 else ""),
                        url=url, status=r.status_code, retryable=r.status_code >= 500 or r.status_code == 429,
                    )
                    err.retry_after = _retry_after(r.headers.get("Retry-After"))  # type: ignore[attr-defined]
                    raise err
                declared = r.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > s.max_bytes:
                    raise self._too_large(url, f"declares {int(declared):,} bytes")
                chunks: list[bytes] = []
                size = 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > s.max_bytes:
                        raise self._too_large(url, f"sent more than {s.max_bytes:,} bytes")
                    if time.perf_counter() - t0 > TOTAL_TIMEOUT_FACTOR * s.timeout_s:
                        # httpx's read timeout restarts with every chunk: a server that drips bytes
                        # would hold the watcher for ever without this bound on the whole body.
                        raise FetchError(f"{url}: the body took more than {TOTAL_TIMEOUT_FACTOR} x stream.timeout_s "
                                         f"= {TOTAL_TIMEOUT_FACTOR * s.timeout_s:g} s", url=url, retryable=True)
                    chunks.append(chunk)
                return self._result(url, r, b"".join(chunks), t0, attempt)
        except httpx.TimeoutException:
            raise FetchError(f"{url}: no answer within stream.timeout_s = {s.timeout_s:g} s", url=url,
                             retryable=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}", url=url, retryable=True) from None
        except httpx.HTTPError as exc:  # invalid URL, too many redirects, decoding errors
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}", url=url) from None

    def _too_large(self, url: str, what: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{url}: the response {what}, over stream.max_bytes = {self.settings.max_bytes:,}; "
            "skipped (raise it with RETOLD_STREAM__MAX_BYTES if such pages are wanted)",
            url=url,
        )

    @staticmethod
    def _result(url: str, r: httpx.Response, body: bytes, t0: float, attempt: int) -> FetchResult:
        return FetchResult(
            url=str(r.url) if r.url else url, status=r.status_code, body=body,
            content_type=r.headers.get("Content-Type", ""), etag=r.headers.get("ETag"),
            last_modified=r.headers.get("Last-Modified"), seconds=time.perf_counter() - t0, attempts=attempt,
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
