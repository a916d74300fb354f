"""Incremental add and query: the ANN index grows in place, never rebuilt per article, and the
answers equal a fresh Corpus over the same store."""

from __future__ import annotations

from retold.config import Settings
from retold.corpus.archive import Corpus, add_documents
from retold.store import Store
from retold.stream import LiveCorpus
from retold.types import Document
from stream_site import SEED_A, SEED_B, UNRELATED


def _docs() -> list[Document]:
    docs = [Document(f"u{i}-{k}", text + f" Report number {i}.") for i in range(10) for k, (_, text) in enumerate(UNRELATED)]
    return [*docs, Document("original", SEED_A), Document("reprint", SEED_B)]


def test_live_index_grows_in_place_and_matches_a_fresh_corpus(tmp_path):
    s = Settings().replace(embed={"backend": "hash"})
    with Store(tmp_path / "l.db", settings=s) as st:
        live = LiveCorpus(st, settings=s)
        results = {}
        for d in _docs():
            results[d.id] = live.add_and_query(d)
        assert live.rebuilds == 1 and live.indexed == len(st) == 32
        assert [h.id for h in results["reprint"].hits if h.comparison.is_reuse][:1] == ["original"]
        # The same query through a Corpus built from scratch (its ANN loaded from the store) agrees.
        probe = Document("probe", SEED_B.replace("Kofman", "Mr Kofman"))
        fresh = Corpus(st, settings=s).query(probe)
        mine = live.query(probe)
        assert [(h.id, h.comparison.verdict) for h in mine.hits] == [(h.id, h.comparison.verdict) for h in fresh.hits]
        assert live.rebuilds == 1


def test_another_writer_makes_it_reload_once(tmp_path):
    s = Settings().replace(embed={"backend": "hash"})
    db = tmp_path / "l.db"
    with Store(db, settings=s) as st, Store(db, settings=s) as other:
        live = LiveCorpus(st, settings=s)
        live.add_and_query(Document("original", SEED_A))
        add_documents(other, [Document("x", UNRELATED[0][1])], settings=s)  # `retold add` meanwhile
        res = live.add_and_query(Document("reprint", SEED_B))
        assert live.rebuilds == 2 and live.indexed == 3
        assert res.hits and res.hits[0].id == "original"
