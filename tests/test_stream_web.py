"""The service joins the stream: ``POST /api/documents?check=true`` and ``GET /api/events`` (SSE),
fed by API writes and by a watcher writing to the same store."""

from __future__ import annotations

import io
import json
import threading

import httpx
import pytest

from retold.config import Settings
from retold.ingest import parse_text
from retold.store import Store
from retold.stream import LineSink, Watcher, open_sources
from retold.web.app import create_app
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread
from stream_site import SEED_A, SEED_B, UNRELATED, Page, Site, article_html, rss, start

pytest.importorskip("feedparser")
TOKEN = "stream-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def service(tmp_path):
    settings = Settings().replace(embed={"backend": "hash"})
    db = tmp_path / "svc.db"
    with Store(db, settings=settings) as st:  # an empty store, made as `retold add` would
        assert len(st) == 0
    app = create_app(db, settings=settings, options=ServiceOptions(workers=2, token=TOKEN))
    with serve_in_thread(app) as url:
        yield url, db, settings


def _read_events(url: str, n: int, *, after: int = 0, timeout: float = 20.0) -> list[dict]:
    got: list[dict] = []
    with httpx.stream("GET", f"{url}/api/events", params={"after": after}, timeout=timeout) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "article":
                got.append(json.loads(line[5:]))
                if len(got) >= n:
                    break
    return got


def test_check_true_returns_hits_and_events_stream_them(service):
    url, _db, _ = service
    a = {"id": "post-1", "text": SEED_A, "title": "Original", "date": "2021-10-31"}
    b = {"id": "reprint-1", "text": SEED_B, "title": "Reprint", "date": "2021-11-01"}
    r1 = httpx.post(f"{url}/api/documents", params={"check": "true"}, json={"documents": [a]}, headers=AUTH)
    assert r1.status_code == 201, r1.text
    assert r1.json()["results"][0]["hits"] == []
    r2 = httpx.post(f"{url}/api/documents?check=true", json={"documents": [b]}, headers=AUTH, timeout=30)
    (res,) = r2.json()["results"]
    assert res["sources"] == ["post-1"] and res["hits"][0]["verdict"] == "copy" and res["hits"][0]["passages"]
    assert "degree" in res["hits"][0]
    # Plain adds (no check) still answer as before.
    plain = httpx.post(f"{url}/api/documents", json={"documents": [{"id": "x", "text": UNRELATED[0][1]}]}, headers=AUTH)
    assert plain.status_code == 201 and "results" not in plain.json()
    events = _read_events(url, 2)
    assert [e["article"]["id"] for e in events] == ["post-1", "reprint-1"]
    assert events[1]["sources"] == ["post-1"] and events[1]["hits"][0]["role"] == "source"
    assert "passages" in events[1]["hits"][0] and isinstance(events[1]["hits"][0]["passages"], int)
    # Resuming after the first event sends only the second.
    assert [e["seq"] for e in _read_events(url, 1, after=events[0]["seq"])] == [events[1]["seq"]]


def test_events_carry_what_a_watcher_adds_to_the_same_store(service):
    url, db, settings = service
    site = Site()
    server, _ = start(site)
    try:
        b = site.url
        site.put("/robots.txt", Page(b"", "text/plain"))
        site.put("/a/0", Page(article_html("Troops at the border", SEED_A)))
        site.put("/a/1", Page(article_html("Reprint", SEED_B)))
        site.put("/feed.xml", Page(rss("Wire", b, [("g0", "/a/0", "T"), ("g1", "/a/1", "R")])))
        got: list[dict] = []
        reader = threading.Thread(target=lambda: got.extend(_read_events(url, 2)))
        reader.start()
        s = settings.replace(stream={"host_interval_s": 0})
        with Store(db, settings=s) as st:
            w = Watcher(st, open_sources([f"{b}/feed.xml"], settings=s), settings=s, sink=LineSink(io.BytesIO()),
                        log=lambda m: None)
            w.run(once=True)
            w.close()
        reader.join(timeout=30)
        assert [e["article"]["id"] for e in got] == [f"{b}/a/0", f"{b}/a/1"]
        assert got[1]["sources"] == [f"{b}/a/0"]
        # And the service's own check sees what the watcher stored (its index reloads once).
        doc = parse_text(SEED_B.replace("Kofman", "Mr Kofman"), id="third")
        r = httpx.post(f"{url}/api/documents?check=true", json={"documents": [{"id": doc.id, "text": doc.text}]},
                       headers=AUTH, timeout=30)
        assert set(r.json()["results"][0]["sources"]) | set(r.json()["results"][0]["related"]) >= {f"{b}/a/0"}
    finally:
        server.shutdown()


def test_an_event_stream_outlives_the_body_timeout(tmp_path):
    import time

    settings = Settings().replace(embed={"backend": "hash"})
    db = tmp_path / "t.db"
    Store(db, settings=settings).close()
    app = create_app(db, settings=settings, options=ServiceOptions(workers=2, token=TOKEN, body_timeout_s=0.5))
    with serve_in_thread(app) as url:
        got: list[dict] = []
        reader = threading.Thread(target=lambda: got.extend(_read_events(url, 1)))
        reader.start()
        time.sleep(1.5)  # three body timeouts: the stream must still be open
        r = httpx.post(f"{url}/api/documents?check=true", json={"documents": [{"id": "late", "text": SEED_A}]},
                       headers=AUTH, timeout=30)
        assert r.status_code == 201
        reader.join(timeout=20)
        assert [e["article"]["id"] for e in got] == ["late"]
