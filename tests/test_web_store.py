"""The service over a real SQLite store (retold add + scan): documents, query, clusters, writes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from retold.config import Settings
from retold.corpus.archive import Corpus, add_documents
from retold.errors import SettingsMismatchError
from retold.ingest import parse_text
from retold.store import Store
from retold.types import Document
from retold.web.app import create_app
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
SEED_A = (ROOT / "examples" / "000_f1f864ec94766fbf.txt").read_text(encoding="utf-8")
SEED_B = (ROOT / "examples" / "001_fa24727afca519d2.txt").read_text(encoding="utf-8")
HASH = Settings().replace(embed={"backend": "hash"})
TOKEN = "store-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BUS = ("The council met on Tuesday to discuss the new bus timetable for the northern suburbs. Residents asked "
       "for later evening services and more buses at weekends, and the council promised a reply in March.")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "corpus.db"
    docs = [
        parse_text(SEED_A, id="wp"),
        parse_text(" date 2021-11-01 " + SEED_B, id="reprint"),
        Document(id="bus", text=BUS, title="Bus timetable"),
    ]
    with Store(path, settings=HASH) as st:
        add_documents(st, docs, settings=HASH)
        list(Corpus(st, settings=HASH).scan())  # saves the detected pairs for /api/clusters
    return path


@pytest.fixture()
def client(db: Path) -> Iterator[TestClient]:
    # Default Settings name MiniLM: the service must adopt the store's hash embedder instead.
    app = create_app(db, options=ServiceOptions(token=TOKEN))
    with TestClient(app) as c:
        yield c


def test_service_adopts_the_store_settings(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["embedder"] == "hash-256"
    assert h["store"]["kind"] == "sqlite" and h["store"]["documents"] == 3


def test_strict_settings_refuse_a_store_built_otherwise(db: Path) -> None:
    with pytest.raises(SettingsMismatchError, match="embedder"):
        create_app(db, settings=Settings(), strict_settings=True)


def test_get_query_and_clusters_from_the_store(client: TestClient) -> None:
    doc = client.get("/api/documents/wp").json()
    assert doc["date"] == "2021-10-31" and doc["text"] == parse_text(SEED_A, id="wp").text
    assert client.get("/api/documents/nope").status_code == 404

    q = client.post("/api/query", json={"document": " date 2021-11-05 " + SEED_B}).json()
    ids = [h["id"] for h in q["hits"]]
    assert "wp" in ids and "bus" not in ids
    wp = q["hits"][ids.index("wp")]
    assert wp["role"] == "source" and wp["verdict"] == "copy"
    text = q["document"]["text"]
    for p in wp["passages"]:  # spans of side a point into the returned query text
        assert 0 <= p["a"]["start"] < p["a"]["end"] <= len(text)

    cl = client.get("/api/clusters").json()
    assert cl["total"] == 1
    (cluster,) = cl["clusters"]
    assert [d["id"] for d in cluster["documents"]] == ["wp", "reprint"]
    assert cluster["origin"] == "wp"
    assert cluster["edges"][0]["source"] == "wp" and cluster["edges"][0]["copy"] == "reprint"


def test_writes_go_through_the_writer_while_reads_continue(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    path.write_bytes(db.read_bytes())
    app = create_app(path, options=ServiceOptions(token=TOKEN, workers=2))
    new = {"documents": [{"id": f"n{i}", "text": BUS.replace("Tuesday", f"day {i}"), "date": "2021-12-01"}
                         for i in range(5)]}
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        r = http.post("/api/documents", json=new, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["added"] == 5 and r.json()["ids"] == [f"n{i}" for i in range(5)]
        assert http.post("/api/documents", json=new, headers=AUTH).json()["unchanged"] == 5  # idempotent
        assert http.get("/api/documents/n3").json()["date"] == "2021-12-01"
        # A reader thread sees the new documents in a query (its Corpus is rebuilt on the new generation).
        q = http.post("/api/query", json={"document": BUS}).json()
        assert {"n0", "n4", "bus"} <= {h["id"] for h in q["hits"]}
        assert http.delete("/api/documents/n3", headers=AUTH).json() == {"deleted": "n3"}
        assert http.get("/api/documents/n3").status_code == 404
        assert http.delete("/api/documents/n3", headers=AUTH).status_code == 404
    with Store(path) as st:
        assert st.integrity_check() == "ok" and len(st) == 7


def in_another_thread(write: Callable[[], object]) -> None:
    """Run ``write`` on its own thread (its own SQLite connection) and wait for it: a real writer."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not t.is_alive() and not errors, errors


def test_a_query_raced_by_a_write_is_run_again(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer replaces a candidate document after the query chose it and before it is read.

    Nothing raises on purpose: the writer is a real second connection on another thread, run at
    the one moment that loses (the candidate's old rowid is gone), and the service must notice
    that the store moved and run the query again.
    """
    import retold.corpus.archive

    path = tmp_path / "race.db"
    path.write_bytes(db.read_bytes())
    real_prepare, real_query = retold.corpus.archive.Corpus._prepare, retold.corpus.archive.Corpus.query
    replaced: list[str] = []
    queries: list[int] = []

    def replace_then_prepare(self: retold.corpus.archive.Corpus, rowid: int, doc: Document | None = None) -> object:
        if doc is None and not replaced:
            victim = self.store.get_by_rowid([rowid])[rowid]

            def replace() -> None:
                with Store(path, settings=HASH) as other:
                    add_documents(other, [Document(id=victim.id, text=victim.text + " Updated.")], settings=HASH)

            in_another_thread(replace)
            replaced.append(victim.id)
        return real_prepare(self, rowid, doc)

    def counted(self: retold.corpus.archive.Corpus, doc: Document, *, top_k: int | None = None) -> object:
        queries.append(1)
        return real_query(self, doc, top_k=top_k)

    monkeypatch.setattr(retold.corpus.archive.Corpus, "_prepare", replace_then_prepare)
    monkeypatch.setattr(retold.corpus.archive.Corpus, "query", counted)
    with TestClient(create_app(path)) as c:
        r = c.post("/api/query", json={"document": SEED_B})
    assert r.status_code == 200, r.text
    assert replaced and len(queries) == 2, (replaced, queries)  # the first attempt lost, the second ran
    assert "wp" in {h["id"] for h in r.json()["hits"]}
    with Store(path) as st:
        assert st.integrity_check() == "ok" and st.get(replaced[0]).text.endswith(" Updated.")
