"""``retold watch`` against a real HTTP server on 127.0.0.1: feeds and pages that appear over time.

The site has two outlets' feeds (RSS and Atom), a feed that answers 500, an oversized page (one
declaring its length, one streaming without), a PDF, a page robots.txt forbids, and a rewritten
copy of an earlier article that appears on a later poll.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from retold.config import Settings, StreamSettings
from retold.errors import FetchError, ResponseTooLargeError
from retold.store import Store
from retold.stream import Fetcher, LineSink, Watcher, open_sources, parse_feed
from retold.stream.state import StreamState
from stream_site import SEED_A, SEED_B, UNRELATED, Page, Site, article_html, atom, rss, start

pytest.importorskip("feedparser")


@pytest.fixture()
def site():
    s = Site()
    server, _ = start(s)
    s.put("/robots.txt", Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"))
    yield s
    server.shutdown()
    server.server_close()


def _settings(**stream):
    return Settings().replace(embed={"backend": "hash"},
                              stream={"host_interval_s": 0, "backoff_s": 0.01, "max_bytes": 100_000, **stream})


def _lines(buf: io.BytesIO) -> list[dict]:
    return [json.loads(x) for x in buf.getvalue().decode().splitlines()]


def _watch(db: Path, urls: list[str], settings: Settings, buf: io.BytesIO, logs: list[str] | None = None):
    with Store(db, settings=settings) as st:
        w = Watcher(st, open_sources(urls, settings=settings), settings=settings, sink=LineSink(buf),
                    log=(logs.append if logs is not None else lambda m: None))
        try:
            return w.run(once=True), StreamState(st.db).stats()
        finally:
            w.close()


def test_watch_reports_copies_and_survives_bad_feeds_and_pages(site, tmp_path):
    b = site.url
    site.put("/a/1", Page(article_html("Russian troops mass on the border", SEED_A)))
    site.put("/a/u1", Page(article_html(*UNRELATED[0])))
    site.put("/feed-a.xml", Page(rss("Daily Post", b, [("a1", "/a/1", "Troops"), ("u1", "/a/u1", "Cycle lanes")]),
                                 "application/rss+xml"))
    site.put("/feed-500.xml", Page(b"oops", "text/plain", status=500))
    site.put("/b/big", Page(b"<html><body>" + b"<p>word </p>" * 20_000 + b"</body></html>"))
    site.put("/b/stream", Page(b"<html><body>" + b"<p>word </p>" * 20_000 + b"</body></html>", chunked=True))
    site.put("/b/pdf", Page(b"%PDF-1.4 not a web page", "application/pdf"))
    site.put("/private/x", Page(article_html(*UNRELATED[1])))
    site.put("/feed-b.xml", Page(atom("Reprinter", b, [("big", "/b/big", "Big"), ("stream", "/b/stream", "Stream"),
                                                        ("pdf", "/b/pdf", "Pdf"), ("p", "/private/x", "Private")]),
                                 "application/atom+xml"))
    urls = [f"{b}/feed-500.xml", f"{b}/feed-a.xml", f"{b}/feed-b.xml"]
    s, db, buf, logs = _settings(), tmp_path / "w.db", io.BytesIO(), []

    summary, stats = _watch(db, urls, s, buf, logs)
    first = _lines(buf)
    assert [d["article"]["id"] for d in first] == [f"{b}/a/1", f"{b}/a/u1"]
    assert all(d["hits"] == [] and d["sources"] == [] for d in first)  # nothing stored before them
    assert first[0]["article"]["outlet"] == "Daily Post" and first[0]["article"]["date"] == "2026-03-01"
    # The failing feed was retried (1 + stream.retries requests), reported, and did not stop the others.
    assert site.count("/feed-500.xml") == 1 + s.stream.retries
    assert any("feed-500.xml" in m and "HTTP 500" in m for m in logs)
    # Size cap: both the declared and the streamed oversized page; not HTML; robots.txt.
    assert any("/b/big" in m and "max_bytes" in m for m in logs)
    assert any("/b/stream" in m and "max_bytes" in m for m in logs)
    assert any("/b/pdf" in m and "not an HTML page" in m for m in logs)
    assert any("/private/x" in m and "robots.txt" in m for m in logs)
    assert site.count("/private/x") == 0
    assert summary.reported == 2 and summary.rejected == 4
    assert {x["name"]: x["failures"] for x in stats["sources"]}[f"{b}/feed-500.xml"] == 1

    # Later: a rewritten copy of /a/1 appears in the other feed; feed-a has not changed (304).
    site.put("/b/1", Page(article_html("Reprint: troops at the border", SEED_B)))
    site.put("/feed-b.xml", Page(atom("Reprinter", b, [("b1", "/b/1", "Reprint"), ("big", "/b/big", "Big")]),
                                 "application/atom+xml"))
    buf2 = io.BytesIO()
    summary2, stats2 = _watch(db, urls, s, buf2)
    (line,) = _lines(buf2)
    assert site.count("/feed-a.xml", 304) == 1
    assert {x["name"]: x["not_modified"] for x in stats2["sources"]}[f"{b}/feed-a.xml"] == 1
    assert line["article"]["id"] == f"{b}/b/1" and line["article"]["outlet"] == "Reprinter"
    assert line["sources"] == [f"{b}/a/1"] and line["copies"] == []
    (hit,) = line["hits"]
    assert hit["id"] == f"{b}/a/1" and hit["role"] == "source" and hit["verdict"] == "copy"
    assert hit["confidence"] > 0.5 and "degree" in hit
    assert hit["passages"] and all(p["a"]["end"] > p["a"]["start"] for p in hit["passages"])
    assert line["seq"] == 3 and summary2.reported == 1
    # The oversized page is not fetched again (rejected for good), the GUIDs are remembered.
    assert site.count("/b/big") == 1


def test_dedup_by_url_guid_and_text(site, tmp_path):
    b = site.url
    site.put("/a/1", Page(article_html(*UNRELATED[2])))
    site.put("/a/1-amp", Page(article_html(*UNRELATED[2])))
    # The same story under a second address in the same feed, and the same URL in a second feed.
    site.put("/feed.xml", Page(rss("Outlet", b, [("g1", "/a/1", "Museum"), ("g2", "/a/1-amp", "Museum")])))
    site.put("/feed2.xml", Page(rss("Outlet", b, [("g1-other", "/a/1", "Museum")])))
    buf, logs = io.BytesIO(), []
    summary, _ = _watch(tmp_path / "d.db", [f"{b}/feed.xml", f"{b}/feed2.xml"], _settings(), buf, logs)
    assert [d["article"]["id"] for d in _lines(buf)] == [f"{b}/a/1"]
    assert summary.duplicates == 2  # /a/1-amp: same text, same outlet; feed2: the same URL
    assert site.count("/a/1") == 1  # the second feed's entry was dropped by URL before fetching


def test_fetcher_conditional_get_retries_and_caps():
    calls: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/robots.txt":
            return httpx.Response(503)
        return httpx.Response(200, text="x")

    f = Fetcher(StreamSettings(host_interval_s=0, backoff_s=0, retries=1), transport=httpx.MockTransport(app))
    # RFC 9309: an unreachable robots.txt (5xx) disallows the whole site for now.
    with pytest.raises(FetchError, match="robots.txt"):
        f.get("http://x.test/a")

    def app2(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304)
        if request.url.path == "/flaky" and sum(c.url.path == "/flaky" for c in calls) == 1:
            return httpx.Response(502)
        if request.url.path == "/huge":
            return httpx.Response(200, content=b"x" * 5000)
        return httpx.Response(200, text="ok", headers={"ETag": '"v1"'})

    sleeps: list[float] = []
    f = Fetcher(StreamSettings(host_interval_s=0, backoff_s=0.25, retries=2, max_bytes=4096),
                transport=httpx.MockTransport(app2), sleep=sleeps.append)
    r = f.get("http://y.test/feed")
    assert r.status == 200 and r.etag == '"v1"' and "retold-watch" in calls[-1].headers["User-Agent"]
    assert f.get("http://y.test/feed", etag=r.etag).not_modified
    assert f.get("http://y.test/flaky").attempts == 2 and sleeps == [0.25]
    with pytest.raises(ResponseTooLargeError):
        f.get("http://y.test/huge")


def test_parse_feed_atom_and_rss():
    feed = parse_feed(atom("A", "http://h.test", [("urn:1", "/x", "X")]), url="http://h.test/atom")
    assert [(e.guid, e.url) for e in feed.entries] == [("urn:1", "http://h.test/x")]
    with pytest.raises(Exception, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>hello</body></html>", url="http://h.test/page")


def test_folder_and_stdin_sources(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "incoming"
    folder.mkdir()
    s = _settings(settle_s=0.0)
    db, buf = tmp_path / "f.db", io.BytesIO()
    (folder / "original.txt").write_text(SEED_A)
    (folder / "more.jsonl").write_text(json.dumps({"id": "u1", "text": UNRELATED[0][1]}) + "\n")
    with Store(db, settings=s) as st:
        w = Watcher(st, open_sources([str(folder)], settings=s), settings=s, sink=LineSink(buf), log=lambda m: None)
        assert w.run(once=True).reported == 2
        (folder / "reprint.txt").write_text(SEED_B)  # a file that appears later
        assert w.run(once=True).reported == 1
    lines = _lines(buf)
    assert sorted(d["article"]["id"] for d in lines[:2]) == ["original.txt", "u1"]
    assert lines[2]["article"]["id"] == "reprint.txt"
    assert lines[-1]["sources"] == ["original.txt"]

    # `-`: JSON Lines on standard input, through the command line; a bad line is reported and skipped.
    stdin = "\n".join([json.dumps({"id": "s1", "text": SEED_A, "date": "2021-10-31"}), "not json",
                       json.dumps({"id": "s2", "text": SEED_B, "date": "2021-11-01"})]) + "\n"
    r = subprocess.run([sys.executable, "-m", "retold.cli", "watch", str(tmp_path / "s.db"), "-", "--embedder", "hash"],
                       input=stdin.encode(), capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    out = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [d["article"]["id"] for d in out] == ["s1", "s2"] and out[1]["sources"] == ["s1"]
    assert b"<stdin>:2: invalid JSON" in r.stderr and b"2 reported" in r.stderr


def test_a_failing_page_is_retried_on_a_later_run_then_given_up(site, tmp_path):
    import time

    b = site.url
    site.put("/a/flaky", Page(b"busy", "text/plain", status=503))
    site.put("/a/down", Page(b"down", "text/plain", status=503))
    site.put("/feed.xml", Page(rss("Outlet", b, [("f", "/a/flaky", "Flaky"), ("d", "/a/down", "Down")])))
    s, db, buf = _settings(max_attempts=2), tmp_path / "r.db", io.BytesIO()
    first, stats = _watch(db, [f"{b}/feed.xml"], s, buf)
    assert first.retried == 2 and first.reported == 0 and stats["items"] == {"pending": 2}
    site.put("/a/flaky", Page(article_html(*UNRELATED[1])))
    time.sleep(0.1)  # past the item's backoff (4 x stream.backoff_s)
    second, stats = _watch(db, [f"{b}/feed.xml"], s, buf)
    assert second.reported == 1 and second.failed == 1  # /a/down: 2 attempts, given up
    assert stats["items"] == {"done": 1, "failed": 1}
    assert [d["article"]["id"] for d in _lines(buf)] == [f"{b}/a/flaky"]


def test_host_interval_and_crawl_delay():
    now = [100.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(round(s, 3))
        now[0] += s

    def app(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow.test" and request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: retold-watch\nCrawl-delay: 5\nDisallow: /no\n")
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, text="ok")

    f = Fetcher(StreamSettings(host_interval_s=1.0), transport=httpx.MockTransport(app), clock=lambda: now[0],
                sleep=sleep)
    f.get("http://fast.test/a")  # robots.txt, then the page: one interval between them
    f.get("http://fast.test/b")
    assert sleeps == [1.0, 1.0]
    sleeps.clear()
    f.get("http://slow.test/a")
    f.get("http://slow.test/b")
    assert sleeps == [1.0, 5.0]  # the Crawl-delay applies once robots.txt has been read
    with pytest.raises(FetchError, match="robots.txt"):
        f.get("http://slow.test/no")


def test_stream_settings_layers_and_digest(tmp_path):
    from retold.config.files import load_settings
    from retold.errors import ConfigError

    f = tmp_path / "r.toml"
    f.write_text("[stream]\npoll_interval_s = 30\nuser_agent = 'newsroom-bot/1 (ops@example.org)'\n")
    s = load_settings(f, env={"RETOLD_STREAM__MAX_BYTES": "2000000"})
    assert s.stream.poll_interval_s == 30.0 and s.stream.max_bytes == 2_000_000
    assert s.stream.user_agent.startswith("newsroom-bot")
    # Scheduling knobs do not change what saved results depend on.
    assert s.digest() == Settings().digest()
    with pytest.raises(ConfigError, match="stream.max_bytes"):
        Settings().replace(stream={"max_bytes": 10})


def test_a_page_that_drips_is_cut_off(site):
    site.put("/slow", Page(b"<html>" + b"x" * 2000 + b"</html>", drip_s=0.05))
    f = Fetcher(StreamSettings(host_interval_s=0, timeout_s=0.2, retries=0))
    try:
        with pytest.raises(FetchError, match="took more than"):
            f.get(f"{site.url}/slow")
    finally:
        f.close()


def test_slow_sites_are_fetched_side_by_side(site, tmp_path):
    b = site.url
    for k in range(4):
        site.put(f"/slow/{k}", Page(article_html(f"Slow {k}", UNRELATED[k % 3][1] + f" Item {k}."), delay_s=0.6))
    site.put("/feed-1.xml", Page(rss("One", b, [("s0", "/slow/0", "S0"), ("s1", "/slow/1", "S1")]), delay_s=0.6))
    site.put("/feed-2.xml", Page(rss("Two", b, [("s2", "/slow/2", "S2"), ("s3", "/slow/3", "S3")]), delay_s=0.6))
    summary, _ = _watch(tmp_path / "p.db", [f"{b}/feed-1.xml", f"{b}/feed-2.xml"], _settings(), io.BytesIO())
    assert summary.reported == 4

    def spread(prefix: str) -> float:
        starts = [h.started for h in site.hits if h.path.startswith(prefix)]
        return max(starts) - min(starts)

    # One after the other, each request would start >= 0.6 s after the previous one.
    assert spread("/feed-") < 0.45 and spread("/slow/") < 0.45
