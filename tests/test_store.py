"""The SQLite store: schema migrations, settings checks, add/update/delete, idempotence."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from retold.config import Settings
from retold.corpus.archive import index_records
from retold.errors import NotFoundError, SettingsMismatchError, StoreError
from retold.store import SCHEMA_VERSION, Store, settings_for_store
from retold.store.ann import AnnIndex
from retold.store.schema import MIGRATIONS
from retold.types import Document

S = Settings().replace(embed={"backend": "hash"})
TEXT = "The council approved the bridge on Monday. It will cost ten million pounds and open next year."


def _recs(*docs: Document):
    return index_records(list(docs), settings=S, embedder=None)


def test_new_store_has_current_schema_and_wal(tmp_path) -> None:
    with Store(tmp_path / "c.db", settings=S) as st:
        assert st.schema_version == SCHEMA_VERSION == 2
        assert st.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in st.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"documents", "sentences", "signatures", "embeddings", "lsh_buckets", "pairs"} <= tables
        assert st.integrity_check() == "ok"


def test_migrates_an_old_store(tmp_path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute("INSERT INTO documents(id, text, content_hash, added_at) VALUES ('x', 'kept text', 'h', 0)")
    db.commit()
    db.close()
    with Store(path) as st:
        assert st.schema_version == SCHEMA_VERSION
        assert st.get("x").text == "kept text"
        assert st.db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0


def test_refuses_newer_schema_and_non_sqlite(tmp_path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer than this retold"):
        Store(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="SQLite file"):
        Store(junk)
    with pytest.raises(StoreError, match="retold add"):
        Store(tmp_path / "missing.db", create=False)


def test_settings_mismatch_names_both_values(tmp_path) -> None:
    Store(tmp_path / "c.db", settings=S).close()
    other = S.replace(fingerprint={"num_perm": 64, "bands": 16})
    with pytest.raises(SettingsMismatchError) as err:
        Store(tmp_path / "c.db", settings=other)
    msg = str(err.value)
    assert "num_perm: store has 128, settings have 64" in msg and "bands" in msg
    with pytest.raises(SettingsMismatchError, match="--embedder hash"):
        Store(tmp_path / "c.db", settings=Settings())
    with Store(tmp_path / "c.db") as st:  # no settings: open for reading
        back = settings_for_store(st.signature or {}, Settings())
    assert back.embed.backend == "hash" and back.embed.hash_dim == 256


def test_put_is_idempotent_updates_and_deletes_with_cascade(tmp_path) -> None:
    with Store(tmp_path / "c.db", settings=S) as st:
        r = st.put(_recs(Document("a", TEXT), Document("b", TEXT + " More.")))
        assert (r.added, r.updated, r.unchanged) == (2, 0, 0)
        gen = st.generation()
        r = st.put(_recs(Document("a", TEXT)))
        assert (r.added, r.updated, r.unchanged) == (0, 0, 1)
        assert st.generation() == gen  # nothing changed: indexes stay valid
        r = st.put(_recs(Document("a", "Completely different words now, about the weather today.")))
        assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
        assert st.get("a").text.startswith("Completely") and len(st) == 2
        count = lambda t: st.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: E731
        assert count("signatures") == 2 and count("lsh_buckets") <= 2 * 32
        st.delete("a")
        assert "a" not in st and len(st) == 1
        assert count("signatures") == 1 and count("lsh_buckets") <= 32
        assert count("postings") == st.db.execute("SELECT count(*) FROM postings WHERE doc = ?", (st.rowid("b"),)).fetchone()[0]
        with pytest.raises(NotFoundError, match="no document 'a'"):
            st.delete("a")
        with pytest.raises(NotFoundError):
            st.get("zzz")


def test_metadata_round_trips(tmp_path) -> None:
    import datetime as dt

    d = Document("m", TEXT, date=dt.date(2021, 3, 4), title="T", url="http://x", outlet="Daily", meta={"k": 1})
    with Store(tmp_path / "c.db", settings=S) as st:
        st.put(_recs(d))
        assert st.get("m") == d
        assert st.dates_and_outlets() == {"m": (dt.date(2021, 3, 4), "Daily")}


def test_ann_exact_and_serialised() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(50, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = np.arange(100, 150)
    for exact_below, kind in ((1000, "faiss-flat"), (10, "faiss-hnsw")):
        idx = AnnIndex.build(labels, v, exact_below=exact_below)
        saved: list[bytes] = []
        idx.write(saved.append)
        back = AnnIndex.read(iter(saved))
        # faiss is in the corpus extra (make install has it): without it both would be "numpy"
        assert idx.kind == back.kind == kind, (exact_below, idx.kind, back.kind)
        assert np.array_equal(back.vectors, v) and np.array_equal(back.labels, labels)
        # Written in parts (an index over SQLite's 1 GB blob limit is stored so): the same index.
        parts: list[bytes] = []
        idx.write(parts.append, part_bytes=512)
        assert len(parts) > 3
        again = AnnIndex.read(iter(parts))
        assert again.search(v[:7], k=4)[0].tolist() == idx.search(v[:7], k=4)[0].tolist()
        ids, sims = back.search(v[:5], k=3)
        assert ids[:, 0].tolist() == [100, 101, 102, 103, 104]
        assert np.allclose(sims[:, 0], 1.0, atol=1e-4)
    empty = AnnIndex.build(np.zeros(0, dtype=np.int64), np.zeros((0, 16), dtype=np.float32))
    assert empty.search(v[:1], k=3)[0].tolist() == [[-1]]


def test_ann_grows_in_place_and_past_exact_search() -> None:
    rng = np.random.default_rng(1)
    v = rng.normal(size=(40, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    idx = AnnIndex.build(np.arange(20), v[:20], exact_below=30)
    assert idx.kind == "faiss-flat"
    grown = idx.add(np.arange(20, 25), v[20:25], exact_below=30)
    assert grown is idx and len(idx) == 25 and np.array_equal(idx.vectors, v[:25])
    assert idx.search(v[24:25], k=1)[0].tolist() == [[24]]
    hnsw = idx.add(np.arange(25, 40), v[25:], exact_below=30)  # 40 >= 30: rebuilt as HNSW
    assert hnsw.kind == "faiss-hnsw" and len(hnsw) == 40
    assert hnsw.search(v[39:40], k=1)[0].tolist() == [[39]]
    more = rng.normal(size=(5, 8)).astype(np.float32)
    more /= np.linalg.norm(more, axis=1, keepdims=True)
    hnsw.add(np.arange(100, 105), more, exact_below=30)
    assert len(hnsw) == 45 and hnsw.search(more[2:3], k=1)[0].tolist() == [[102]]


def test_saved_ann_index_grows_with_added_documents_and_rebuilds_after_a_removal(tmp_path, monkeypatch) -> None:
    from retold.corpus.archive import add_documents, load_ann

    s = Settings().replace(embed={"backend": "hash"})
    docs = [Document(f"d{i}", f"Article {i} about the harbour board and its {i} new cranes. " * 3) for i in range(12)]
    builds = []
    real = AnnIndex.build.__func__

    def counting(cls, labels, vectors, **kw):  # type: ignore[no-untyped-def]
        builds.append(len(labels))
        return real(cls, labels, vectors, **kw)

    monkeypatch.setattr(AnnIndex, "build", classmethod(counting))
    with Store(tmp_path / "s.db", settings=s) as st:
        add_documents(st, docs[:8], settings=s)
        first = load_ann(st)
        assert builds == [8] and len(first) == 8
        add_documents(st, docs[8:], settings=s)
        grown = load_ann(st)
        assert builds == [8] and len(grown) == 12  # grown, not rebuilt
        assert sorted(grown.labels.tolist()) == sorted(st.vector_rowids("doc"))
        assert load_ann(st).labels.tolist() == grown.labels.tolist() and builds == [8]  # saved: read back
        st.delete("d3")
        after = load_ann(st)
        assert builds == [8, 11] and len(after) == 11  # a removal rebuilds
