"""REST API: contract, limits, auth, errors and concurrency (TestClient and a real loopback server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retold.config import Settings
from retold.embed import HashEmbedder
from retold.ingest import parse_text
from retold.pipeline import Detector, compare
from retold.report.json import to_dict
from retold.web.app import create_app
from retold.web.corpus import MemoryCorpus
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
SEED_A = (ROOT / "examples" / "000_f1f864ec94766fbf.txt").read_text(encoding="utf-8")
SEED_B = (ROOT / "examples" / "001_fa24727afca519d2.txt").read_text(encoding="utf-8")
HASH = Settings().replace(embed={"backend": "hash"})
TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _client(**opts: object) -> TestClient:
    detector = Detector(HASH)
    corpus = MemoryCorpus(detector)
    app = create_app(settings=HASH, options=ServiceOptions(**opts), corpus=corpus)  # type: ignore[arg-type]
    return TestClient(app)


@pytest.fixture()
def client() -> Iterator[TestClient]:
    with _client(token=TOKEN, max_body_bytes=64 * 1024, max_documents=3) as c:
        yield c


def test_health_reports_embedder_store_and_limits(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok"
    assert h["embedder"] == "hash-256"
    assert h["store"] == {"kind": "memory", "documents": 0}
    assert h["writes"] is True
    assert h["limits"]["max_documents"] == 3


def test_compare_matches_the_library_json_contract(client: TestClient) -> None:
    r = client.post("/api/compare", json={"a": SEED_A, "b": SEED_B})
    assert r.status_code == 200
    expected = to_dict(compare(parse_text(SEED_A, id="a"), parse_text(SEED_B, id="b"), settings=HASH))
    assert r.json() == expected
    assert r.json()["verdict"] == "copy"
    assert r.json()["documents"]["a"]["date"] == "2021-10-31"  # the date marker was read


def test_compare_with_document_objects_and_text(client: TestClient) -> None:
    body = {
        "a": {"text": SEED_A.split(" ", 3)[3], "date": "2021-10-31", "title": "Troops", "id": "wp"},
        "b": {"text": SEED_B, "date": "2021-11-02", "url": "https://example.org/b"},
    }
    r = client.post("/api/compare", params={"include_text": "true"}, json=body)
    assert r.status_code == 200
    d = r.json()
    assert d["documents"]["a"]["title"] == "Troops" and d["documents"]["a"]["id"] == "wp"
    assert d["documents"]["b"]["url"] == "https://example.org/b"
    assert d["source"] == "a"
    text_a = d["documents"]["a"]["text"]
    for p in d["passages"]:  # spans point into the returned text
        assert text_a[p["a"]["start"] : p["a"]["end"]] == p["a_text"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"a": "x"}, 422, "b"),
        ({"a": "x", "b": "y", "c": "z"}, 422, "extra"),
        ({"a": {"text": "x", "date": "31/10/2021"}, "b": "y"}, 422, "YYYY-MM-DD"),
        ({"a": {"title": "no text"}, "b": "y"}, 422, "text"),
    ],
)
def test_bad_compare_bodies_say_what_is_wrong(client: TestClient, body: dict, status: int, needle: str) -> None:
    r = client.post("/api/compare", json=body)
    assert r.status_code == status
    assert needle in r.text


def test_body_over_the_limit_is_413_by_header_and_by_stream(client: TestClient) -> None:
    big = {"a": "word " * 20_000, "b": "x"}  # ~100 KB > 64 KiB
    r = client.post("/api/compare", json=big)
    assert r.status_code == 413
    assert "--max-body" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield b'{"a": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'", "b": "y"}'

    r = client.post("/api/compare", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_document_over_max_chars_is_413() -> None:
    settings = HASH.replace(ingest={"max_document_chars": 100})
    with TestClient(create_app(settings=settings)) as c:
        r = c.post("/api/compare", json={"a": "y" * 101, "b": "x"})
    assert r.status_code == 413
    assert "max_document_chars" in r.json()["detail"]


def test_writes_need_the_bearer_token(client: TestClient) -> None:
    doc = {"documents": [{"id": "seed-a", "text": SEED_A}]}
    r = client.post("/api/documents", json=doc)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/documents", json=doc, headers={"Authorization": "Bearer wrong-token"}).status_code == 403
    r = client.post("/api/documents", json=doc, headers=AUTH)
    assert r.status_code == 201 and r.json()["ids"] == ["seed-a"] and r.json()["added"] == 1
    assert client.delete("/api/documents/seed-a").status_code == 401
    assert client.delete("/api/documents/seed-a", headers=AUTH).json() == {"deleted": "seed-a"}
    assert client.get("/api/documents/seed-a").status_code == 404


def test_writes_are_refused_without_a_configured_token() -> None:
    with _client() as c:
        r = c.post("/api/documents", json={"documents": [{"text": "x"}]}, headers=AUTH)
    assert r.status_code == 403
    assert "--token" in r.json()["detail"]


def test_too_many_documents_is_413(client: TestClient) -> None:
    docs = {"documents": [{"id": f"d{i}", "text": "Some text."} for i in range(4)]}
    r = client.post("/api/documents", json=docs, headers=AUTH)
    assert r.status_code == 413
    assert "limit is 3" in r.json()["detail"]


def test_documents_query_and_clusters(client: TestClient) -> None:
    docs = [
        {"id": "wp", "text": parse_text(SEED_A, id="wp").text, "date": "2021-10-31"},
        {"id": "reprint", "text": SEED_B, "date": "2021-11-01"},
        {"id": "bus", "text": "The council met on Tuesday to discuss the bus timetable for the northern suburbs."},
    ]
    assert client.post("/api/documents", json={"documents": docs}, headers=AUTH).status_code == 201
    got = client.get("/api/documents/wp").json()
    assert got["date"] == "2021-10-31" and got["text"].startswith("Officials from the United States")
    assert client.get("/api/health").json()["store"]["documents"] == 3

    q = client.post("/api/query", json={"document": SEED_B, "top_k": 5}).json()
    assert {h["id"] for h in q["hits"]} == {"reprint", "wp"}  # not the bus story
    wp = next(h for h in q["hits"] if h["id"] == "wp")
    assert wp["role"] == "source"  # the stored, dated original is the source of the query
    assert wp["verdict"] == "copy" and wp["documents"]["b"]["id"] == "wp"
    assert q["document"]["text"] == SEED_B

    cl = client.get("/api/clusters").json()
    assert cl["total"] == 1 and cl["pairs"] == 1
    (cluster,) = cl["clusters"]
    assert [d["id"] for d in cluster["documents"]] == ["wp", "reprint"]  # by date
    assert cluster["origin"] == "wp"
    assert cluster["first_date"] == "2021-10-31" and cluster["last_date"] == "2021-11-01"
    assert [(e["source"], e["copy"], e["directed"]) for e in cluster["edges"]] == [("wp", "reprint", True)]


def test_store_routes_without_a_store_say_how_to_start_one() -> None:
    with TestClient(create_app(settings=HASH)) as c:
        r = c.post("/api/query", json={"document": "x"})
        assert r.status_code == 503 and "retold serve" in r.json()["detail"]
        assert c.get("/api/clusters").status_code == 503


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/compare", "/api/query", "/api/documents", "/api/documents/{doc_id}", "/api/clusters", "/api/health"):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text
    assert client.get("/redoc", follow_redirects=False).headers["location"] == "/docs"


def test_security_headers_and_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


STATIC = ROOT / "src" / "retold" / "web" / "static"


def test_static_files_load_nothing_from_the_network() -> None:
    for f in STATIC.iterdir():
        text = f.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, f.name


@pytest.mark.parametrize("name", ["app.js", "docs.js"])
def test_scripts_never_parse_text_as_html(name: str) -> None:
    code = (STATIC / name).read_text(encoding="utf-8")
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, f"{name} uses {sink}"


def test_allowed_hosts_reject_foreign_host_header() -> None:
    with _client(allowed_hosts=("127.0.0.1", "localhost")) as c:
        assert c.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
        assert c.get("/api/health", headers={"Host": "127.0.0.1:8000"}).status_code == 200


class _GatedEmbedder:
    """Blocks every encode until the test opens the gate: work that is 'still running'."""

    def __init__(self) -> None:
        self.inner = HashEmbedder(256)
        self.name, self.dim = "gated", 256
        self.gate = threading.Event()
        self.entered = threading.Event()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.entered.set()
        self.gate.wait(timeout=30)
        return self.inner.encode(texts)


def _gated_app(**opts: object) -> tuple[object, _GatedEmbedder]:
    emb = _GatedEmbedder()
    emb.gate.set()  # let start-up (which touches the embedder) through
    app = create_app(settings=HASH, embedder=emb, options=ServiceOptions(**opts))  # type: ignore[arg-type]
    return app, emb


PARAPHRASE = (
    "The minister said the new plan would cost five billion pounds over the next ten years.",
    "According to the minister, the scheme will need five billion pounds across a decade.",
)


def test_health_answers_while_workers_are_busy_and_overload_is_503() -> None:
    app, emb = _gated_app(workers=1, max_pending=1)
    with serve_in_thread(app) as url:
        emb.gate.clear()
        emb.entered.clear()
        results: list[int] = []
        slow = threading.Thread(
            target=lambda: results.append(
                httpx.post(f"{url}/api/compare", json={"a": PARAPHRASE[0], "b": PARAPHRASE[1]}, timeout=30).status_code
            )
        )
        slow.start()
        assert emb.entered.wait(timeout=10), "the compare never reached the embedder"
        # The event loop is free: health answers although the only worker is blocked.
        h = httpx.get(f"{url}/api/health", timeout=5).json()
        assert h["pending"] == 1
        # A second CPU job is shed at once instead of queueing.
        r = httpx.post(f"{url}/api/compare", json={"a": PARAPHRASE[0], "b": PARAPHRASE[1]}, timeout=5)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        emb.gate.set()
        slow.join(timeout=30)
    assert results == [200]


def test_a_job_past_its_deadline_is_503_with_advice() -> None:
    app, emb = _gated_app(workers=1, timeout_s=0.2)
    with TestClient(app) as c:
        emb.gate.clear()
        try:
            r = c.post("/api/compare", json={"a": PARAPHRASE[0], "b": PARAPHRASE[1]})
        finally:
            emb.gate.set()
    assert r.status_code == 503
    assert "--timeout" in r.json()["detail"]


def test_a_body_that_trickles_in_is_408() -> None:
    import socket

    app = create_app(settings=HASH, options=ServiceOptions(body_timeout_s=0.3))
    with serve_in_thread(app) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(b"POST /api/compare HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{\"a\": ")
            reply = b""
            while b"send it in one go" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 408")
    assert b"send it in one go" in reply


@pytest.mark.model
def test_service_with_the_real_model() -> None:
    with TestClient(create_app(settings=Settings())) as c:  # loads MiniLM at start-up
        assert c.get("/api/health").json()["embedder"] == "all-MiniLM-L6-v2"
        r = c.post("/api/compare", json={"a": PARAPHRASE[0], "b": PARAPHRASE[1]})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert passages and passages[0]["sentence_pairs"][0]["semantic"] is not None


def test_lone_surrogates_come_back_escaped(client: TestClient) -> None:
    text = "The minister said the plan would cost five billion pounds \ud800 over ten years. " * 3
    body = json.dumps({"a": text, "b": text})  # JSON may carry a lone surrogate as \\ud800
    r = client.post("/api/compare?include_text=true", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json()["documents"]["a"]["text"] == text


_fuzz_client = None


def _fuzz() -> TestClient:
    global _fuzz_client
    if _fuzz_client is None:
        _fuzz_client = TestClient(create_app(settings=HASH), raise_server_exceptions=False)
    return _fuzz_client


_words = st.sampled_from(["the", "minister", "said", "plan", "<script>", "€", "\u00a0", "\n\n", ".", "date",
                          "2021-10-31", "«", "»", "\u200b", "É", "😀", "\r\n", "  "])
_texts = st.one_of(st.text(max_size=300), st.lists(_words, max_size=80).map(" ".join))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_texts, b=_texts, include=st.booleans())
def test_any_text_pair_gets_an_answer_never_a_5xx(a: str, b: str, include: bool) -> None:
    r = _fuzz().post(f"/api/compare?include_text={str(include).lower()}", json={"a": a, "b": b})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200 and include:
        d = r.json()
        for p in d["passages"]:  # spans point into the texts the answer carries
            assert d["documents"]["a"]["text"][p["a"]["start"] : p["a"]["end"]] == p["a_text"]
            assert d["documents"]["b"]["text"][p["b"]["start"] : p["b"]["end"]] == p["b_text"]
