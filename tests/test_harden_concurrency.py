"""Concurrency: ``retold add`` (another process) writes the store while the service reads and writes it.

``test_web_store.py`` covers the service's own writer against its readers; here a second process
holds SQLite's write lock in a loop of batch transactions while HTTP clients query, read, list
clusters, add and delete. Required: no corruption, no 500, and a busy or raced store either
waits (SQLite's busy timeout), is re-run (a query raced by a write), or answers 503 with advice.
The figures go to docs/reliability.md (``bench/harden_concurrency.py`` runs it bigger).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from retold.config import Settings
from retold.corpus.archive import add_documents
from retold.store import Store
from retold.types import Document
from retold.web.app import create_app
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread

HASH = Settings().replace(embed={"backend": "hash"})
TOKEN = "harden-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WORDS = "minister council river police market school court budget plan pounds said would year".split()


def _text(i: int) -> str:
    w = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(30)]
    return f"Report {i}. " + " ".join(w[:10]).capitalize() + ". " + " ".join(w[10:20]).capitalize() + "."


def hammer(db: Path, *, add_records: int, clients: int, seconds: float) -> dict[str, object]:
    """Run ``retold add`` on ``add_records`` records while ``clients`` threads call the service."""
    with Store(db, settings=HASH) as st:
        add_documents(st, [Document(id=f"seed{i}", text=_text(10_000 + i)) for i in range(20)], settings=HASH)
    src = db.parent / "feed.jsonl"
    with src.open("w") as f:
        for i in range(add_records):
            f.write(json.dumps({"id": f"cli{i:05d}", "text": _text(i)}) + "\n")
    app = create_app(db, options=ServiceOptions(token=TOKEN, workers=2, max_pending=256, timeout_s=60))
    statuses: Counter[int] = Counter()
    bad: list[str] = []
    written: set[str] = set()
    deleted: set[str] = set()
    gone: set[str] = set()
    during = 0
    lock = threading.Lock()
    env = {**os.environ, "RETOLD_CORPUS__BATCH_SIZE": "20"}
    cmd = [sys.executable, "-m", "retold.cli", "add", str(db), str(src), "--embedder", "hash", "--json", "--quiet"]
    with serve_in_thread(app) as url:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            nonlocal during
            n = 0
            with httpx.Client(base_url=url, timeout=90) as http:
                while time.monotonic() < stop and (proc.poll() is None or n < 8):
                    n += 1
                    op = (k + n) % 6
                    if op == 0:
                        doc_id = f"web{k}-{n}"
                        r = http.post("/api/documents", headers=AUTH,
                                      json={"documents": [{"id": doc_id, "text": _text(50_000 + k * 1000 + n)}]})
                        if r.status_code == 201:
                            with lock:
                                written.add(doc_id)
                    elif op == 1 and written:
                        with lock:
                            victim = next(iter(sorted(written - deleted)), None)
                            if victim:
                                deleted.add(victim)
                        if victim is None:
                            continue
                        r = http.delete(f"/api/documents/{victim}", headers=AUTH)
                        if r.status_code == 200:
                            with lock:
                                gone.add(victim)
                    elif op in (2, 3):
                        r = http.post("/api/query", json={"document": _text(n * 13 + k), "top_k": 5})
                    elif op == 4:
                        r = http.get(f"/api/documents/seed{n % 20}")
                    else:
                        r = http.get("/api/clusters") if n % 2 else http.get("/api/health")
                    with lock:
                        during += proc.poll() is None
                        statuses[r.status_code] += 1
                        if r.status_code >= 500 and not (r.status_code == 503 and "retry" in r.text.lower()):
                            bad.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")
                        elif r.status_code >= 400 and r.status_code != 503:
                            bad.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            out, err = proc.communicate(timeout=180)
        finally:
            proc.kill()
    with Store(db) as st:
        integrity = st.integrity_check()
        ids = [r[0] for r in st.db.execute("SELECT id FROM documents")]
    return {"statuses": statuses, "bad": bad, "written": written, "deleted": deleted, "gone": gone, "during": during, "add_rc": proc.returncode,
            "add_out": out, "add_err": err, "integrity": integrity, "ids": ids}


@pytest.mark.slow
def test_retold_add_while_the_service_reads_and_writes(tmp_path: Path) -> None:
    got = hammer(tmp_path / "shared.db", add_records=3000, clients=6, seconds=25)
    assert got["add_rc"] == 0, got["add_err"]
    summary = json.loads(str(got["add_out"]))
    assert summary["read"] == 3000 == summary["stored"] and summary["rejected"] == 0
    assert got["integrity"] == "ok"
    assert got["bad"] == [], got["bad"]
    statuses: Counter[int] = got["statuses"]  # type: ignore[assignment]
    assert statuses[200] + statuses[201] >= 50, statuses
    ids: list[str] = got["ids"]  # type: ignore[assignment]
    assert len(ids) == len(set(ids))
    present = set(ids)
    assert {f"cli{i:05d}" for i in range(3000)} <= present
    assert {f"seed{i}" for i in range(20)} <= present
    written: set[str] = got["written"]  # type: ignore[assignment]
    deleted: set[str] = got["deleted"]  # type: ignore[assignment]
    assert written, "some service writes must have gone through"
    assert (written - deleted) <= present
    gone: set[str] = got["gone"]  # type: ignore[assignment]
    assert gone and not (gone & present), "a delete answered 200 must stay deleted"
    assert int(got["during"]) >= 30, "the requests must overlap the `retold add` run"  # type: ignore[call-overload]
    print(f"\nserved {sum(statuses.values())} requests, {got['during']} while `retold add` ran: "
          f"{dict(sorted(statuses.items()))}")


@pytest.fixture()
def locked_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store whose write lock another connection holds, with the service's busy timeout cut to 0.2 s."""
    import sqlite3

    import retold.store.sqlite as store_sqlite

    db = tmp_path / "locked.db"
    with Store(db, settings=HASH) as st:
        add_documents(st, [Document(id=f"s{i}", text=_text(i)) for i in range(5)], settings=HASH)
    real_init = store_sqlite.Store.__init__

    def quick_init(self: Store, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        self.db.execute("PRAGMA busy_timeout=200")  # 30 s in production: the test need not wait that long

    monkeypatch.setattr(store_sqlite.Store, "__init__", quick_init)
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # as `retold add` does for each batch
    try:
        yield db
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_write_blocked_past_the_busy_timeout_is_503_with_advice(locked_store: Path) -> None:
    # Regression: sqlite3.OperationalError ("database is locked") used to escape as a bare 500.
    app = create_app(locked_store, options=ServiceOptions(token=TOKEN))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/documents", headers=AUTH, json={"documents": [{"id": "n", "text": _text(99)}]})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert "retold add" in r.json()["detail"] and "retry" in r.json()["detail"]
        assert c.delete("/api/documents/s1", headers=AUTH).status_code == 503
        assert c.get("/api/documents/s1").status_code == 200  # readers carry on (WAL)
    with Store(locked_store) as st:
        assert "n" not in {r[0] for r in st.db.execute("SELECT id FROM documents")}


def test_a_query_answers_while_another_process_holds_the_write_lock(locked_store: Path) -> None:
    app = create_app(locked_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/query", json={"document": _text(1)})
    assert r.status_code == 200, r.text


def test_a_query_whose_lazy_write_races_a_delete_is_run_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: Corpus.query records sentence spans of the documents it prepares; when one of them
    # is deleted before the write, SQLite raises IntegrityError (FOREIGN KEY), which was a 500.
    # Reproduced with a real writer: another connection, on another thread, deletes a document
    # whose spans the query is about to write, after the query has checked which rows still exist.
    import retold.corpus.archive
    import retold.store.sqlite as store_sqlite

    db = tmp_path / "race.db"
    with Store(db, settings=HASH) as st:
        add_documents(st, [Document(id=f"s{i}", text=_text(i)) for i in range(5)], settings=HASH)
    real_query, real_put = retold.corpus.archive.Corpus.query, store_sqlite.Store.put_sentences
    calls: list[int] = []
    deleted: list[str] = []
    errors: list[BaseException] = []

    def delete_then_put(self: store_sqlite.Store, items) -> None:  # type: ignore[no-untyped-def]
        items = list(items)
        if not deleted:
            victim = self.get_by_rowid([items[0][0]])[items[0][0]].id

            def delete() -> None:
                try:
                    with Store(db) as other:
                        other.delete(victim)
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            t = threading.Thread(target=delete)
            t.start()
            t.join(30)
            deleted.append(victim)
        real_put(self, items)

    def counted(self: retold.corpus.archive.Corpus, doc: Document, *, top_k: int | None = None) -> object:
        calls.append(1)
        return real_query(self, doc, top_k=top_k)

    monkeypatch.setattr(store_sqlite.Store, "put_sentences", delete_then_put)
    monkeypatch.setattr(retold.corpus.archive.Corpus, "query", counted)
    with TestClient(create_app(db)) as c:
        r = c.post("/api/query", json={"document": _text(1)})
        again = c.post("/api/query", json={"document": _text(1)})
    assert not errors and deleted, (errors, deleted)
    assert r.status_code == 200 and again.status_code == 200, (r.text, again.text)
    assert deleted[0] not in {h["id"] for h in again.json()["hits"]}
    with Store(db) as st:
        assert st.integrity_check() == "ok" and deleted[0] not in st
        rid_rows = st.db.execute("SELECT COUNT(*) FROM sentences WHERE doc NOT IN (SELECT rowid FROM documents)")
        assert rid_rows.fetchone()[0] == 0


def test_spans_of_a_document_deleted_before_the_flush_are_dropped(tmp_path: Path) -> None:
    # Regression: Corpus.flush kept the sentence spans of a document deleted since it was prepared,
    # so that flush and every later one failed with IntegrityError (FOREIGN KEY constraint failed).
    from retold.corpus.archive import Corpus

    with Store(tmp_path / "flush.db", settings=HASH) as st:
        add_documents(st, [Document(id=f"s{i}", text=_text(i)) for i in range(6)], settings=HASH)
        corpus = Corpus(st, settings=HASH)
        seen: set[str] = set()
        for pair in corpus.scan(include_all=True, save=False):  # the spans are written at the end
            seen |= {pair.a, pair.b}
            if pair.a in st:
                st.delete(pair.a)
        assert len(seen) >= 3 and corpus._new_sentences == []
        recorded = {st.get_by_rowid([r])[r].id for r in st.with_sentences()}
        assert recorded and recorded <= seen and all(i in st for i in recorded)
        corpus.flush()
