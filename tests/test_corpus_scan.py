"""Corpus mode end to end on generated articles: add, scan, query, show, stats, delete (hash embedder)."""

from __future__ import annotations

import json
import random

import pytest

from retold.candidates.channels import containment_pairs
from retold.cli import main
from retold.config import CandidateSettings, Settings
from retold.corpus.archive import Corpus, add_documents
from retold.corpus.graph import PairLink, outlet_table, reprint_clusters, source_graph
from retold.store import Store
from retold.types import Document
from test_corpus_helpers import article, corpus

S = Settings().replace(embed={"backend": "hash"})


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory):
    """30 originals (00 dated), a verbatim copy, an excerpt, a reordered copy, and a near-duplicate with edits."""
    root = tmp_path_factory.mktemp("docs")
    texts = corpus(30, seed=3)
    for i, t in enumerate(texts):
        (root / f"orig/{i:02d}.txt").parent.mkdir(exist_ok=True)
        (root / f"orig/{i:02d}.txt").write_text(t)
    paras = texts[0].split("\n\n")
    (root / "copies").mkdir()
    (root / "copies/verbatim.txt").write_text(" date 2021-01-05 " + texts[0])
    (root / "copies/excerpt.txt").write_text("\n\n".join(paras[2:4]))
    (root / "copies/reorder.txt").write_text("\n\n".join([paras[3], paras[0], paras[5], paras[1], paras[2], paras[4]]))
    rnd = random.Random(9)
    edited = " ".join(w if rnd.random() > 0.08 else "changed" for w in texts[1].split(" "))
    (root / "copies/edited.jsonl").write_text(json.dumps({"id": "edited", "text": edited, "outlet": "Copycat"}) + "\n")
    (root / "orig/00.txt").write_text(" date 2021-01-01 " + texts[0])
    return root


EXPECTED = {
    frozenset({"orig/00.txt", "copies/verbatim.txt"}),
    frozenset({"orig/00.txt", "copies/excerpt.txt"}),
    frozenset({"orig/00.txt", "copies/reorder.txt"}),
    frozenset({"orig/01.txt", "edited"}),
}


def test_library_scan_finds_every_copy_and_nothing_else(docs_dir, tmp_path) -> None:
    with Store(tmp_path / "c.db", settings=S) as st:
        summary = add_documents(st, [docs_dir], settings=S)
        assert summary.read == summary.stored + summary.rejected == 34
        pairs = list(Corpus(st, settings=S).scan())
        found = {frozenset((p.a, p.b)) for p in pairs}
        # Copies of one source also reuse each other; everything found must be one of those.
        copies0 = {"orig/00.txt", "copies/verbatim.txt", "copies/excerpt.txt", "copies/reorder.txt"}
        assert EXPECTED <= found
        assert all(p <= copies0 or p == frozenset({"orig/01.txt", "edited"}) for p in found)
        by = {frozenset((p.a, p.b)): p for p in pairs}
        exc = by[frozenset({"orig/00.txt", "copies/excerpt.txt"})]
        assert "containment" in exc.candidate.channels
        line = exc.to_dict()
        assert {"a", "b", "verdict", "source", "reuse", "passages"} <= set(line)
        # Spans point into each document's stored text.
        p0 = line["passages"][0]
        a_text, b_text = st.get(line["a"]).text, st.get(line["b"]).text
        assert a_text[p0["a"]["start"] : p0["a"]["end"]] and b_text[p0["b"]["start"] : p0["b"]["end"]]
        # The dated pair is attributed by date: the earlier article is the source.
        v = by[frozenset({"orig/00.txt", "copies/verbatim.txt"})]
        src = v.a if v.comparison.source == "a" else v.b
        assert src == "orig/00.txt"
        assert st.stats().sentences > 0  # spans recorded for prepared documents
        # Re-adding is a no-op.
        again = add_documents(st, [docs_dir], settings=S)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 34)


def test_query_ranks_source_first(docs_dir, tmp_path) -> None:
    with Store(tmp_path / "c.db", settings=S) as st:
        add_documents(st, [docs_dir / "orig"], settings=S)
        c = Corpus(st, settings=S)
        q = Document("new", (docs_dir / "copies/excerpt.txt").read_text())
        res = c.query(q)
        assert res.hits and res.hits[0].id == "00.txt" and res.hits[0].comparison.is_reuse
        out = res.to_dict()
        assert out["query"] == "new" and out["hits"][0]["id"] == "00.txt"
        fresh = Document("fresh", article(random.Random(99)))
        assert not [h for h in c.query(fresh).hits if h.comparison.is_reuse]


def test_cli_commands(docs_dir, tmp_path, capsys) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["add", db, str(docs_dir), "--embedder", "hash", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["read"] == summary["stored"] + summary["rejected"] == 34
    assert main(["stats", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 34
    assert main(["scan", db, "--jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {frozenset((x["a"], x["b"])) for x in lines} >= EXPECTED
    assert all(x["verdict"] in ("copy", "partial-reuse") for x in lines)
    assert main(["scan", db]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["clusters"][0]["size"] == 4 and doc["graph"] and doc["outlets"]
    assert main(["scan", db, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("a,b,verdict,source")
    pq = tmp_path / "pairs.parquet"
    assert main(["scan", db, "--parquet", str(pq), "--format", "jsonl"]) == 0
    import pyarrow.parquet as pqm

    assert pqm.read_table(pq).num_rows == len(lines)
    capsys.readouterr()
    assert main(["query", db, str(docs_dir / "copies/excerpt.txt")]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert {h["id"] for h in hits} >= {"orig/00.txt"}
    assert main(["show", db, "orig/00.txt", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["date"] == "2021-01-01" and len(shown["pairs"]) == 3
    assert main(["delete", db, "edited"]) == 0
    assert main(["stats", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 33
    assert main(["show", db, "edited"]) == 2
    assert main(["scan", db, "--embedder", "minilm"]) == 2  # store was built with hash: refused
    assert "embedder" in capsys.readouterr().err


def test_containment_pairs_matches_brute_force() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    wins = [np.unique(rng.integers(0, 60, size=rng.integers(1, 20))).astype(np.uint32) for _ in range(25)]
    got = containment_pairs(wins, CandidateSettings(min_shared_fingerprints=2, min_containment=0.3, max_fingerprint_df=100))
    want = {}
    for i in range(25):
        for j in range(i + 1, 25):
            shared = len(np.intersect1d(wins[i], wins[j]))
            c = shared / min(len(wins[i]), len(wins[j]))
            if shared >= 2 and c >= 0.3:
                want[(i, j)] = min(1.0, c)
    assert got.keys() == want.keys()
    assert all(abs(got[k] - want[k]) < 1e-9 for k in want)


def test_clusters_graph_and_outlets() -> None:
    import datetime as dt

    links = [
        PairLink("b", "a", "copy", "b", 0.9, "dates"),
        PairLink("a", "c", "partial-reuse", "a", 0.8, "text"),
        PairLink("x", "y", "copy", None),
    ]
    clusters = reprint_clusters(links, dates={"a": dt.date(2020, 1, 1), "b": dt.date(2020, 1, 2)})
    assert [(c.ids, c.origin, c.pairs) for c in clusters] == [(("a", "b", "c"), "a", 2), (("x", "y"), None, 1)]
    edges = source_graph(links)
    assert [(e.source, e.copy) for e in edges] == [("a", "b"), ("a", "c")]
    rows = outlet_table(edges, {"a": "Wire", "b": "Wire", "c": "Daily"})
    assert [(r.source, r.copier, r.count) for r in rows] == [("Wire", "Daily", 1), ("Wire", "Wire", 1)]


def test_incremental_scan_equals_full_scan_and_compares_only_new_pairs(tmp_path) -> None:
    texts = corpus(12, seed=21)
    base = [Document(f"d{i:02d}", t) for i, t in enumerate(texts)]
    base.append(Document("copy-of-d00", texts[0] + "\n\nA closing line the copier added on its own."))
    base += [Document(f"copy-of-d{i:02d}", texts[i]) for i in (5, 7)]
    with Store(tmp_path / "inc.db", settings=S) as st:
        add_documents(st, base, settings=S)
        c = Corpus(st, settings=S)
        first = [p.to_dict() for p in c.scan(incremental=True)]
        assert c.compared >= 1 and first
        n_first = c.compared
        # A new copy, an updated document (same id, new text) and a deletion.
        paras = texts[3].split("\n\n")
        add_documents(st, [Document("excerpt-of-d03", "\n\n".join(paras[1:4])),
                           Document("copy-of-d00", texts[0])], settings=S)
        st.delete("d11")
        inc = Corpus(st, settings=S)
        incremental = [json.dumps(p.to_dict(), sort_keys=True) for p in inc.scan(include_all=True, incremental=True)]
        full = Corpus(st, settings=S)
        everything = [json.dumps(p.to_dict(), sort_keys=True) for p in full.scan(include_all=True)]
        assert incremental == everything
        # Only pairs with the new or the changed document were compared again.
        assert inc.compared == 2 and full.compared == 4 and n_first == 3
        found = {frozenset((json.loads(x)["a"], json.loads(x)["b"])) for x in incremental
                 if json.loads(x)["verdict"] in ("copy", "partial-reuse")}
        assert {frozenset({"d00", "copy-of-d00"}), frozenset({"d03", "excerpt-of-d03"})} <= found
        # Saved pairs follow the candidates: nothing left for the deleted document.
        assert not [p for p in st.pairs(include_all=True) if "d11" in (p.a, p.b)]
        again = Corpus(st, settings=S)
        assert [json.dumps(p.to_dict(), sort_keys=True) for p in again.scan(include_all=True, incremental=True)] == everything
        assert again.compared == 0


def test_cli_scan_reuses_saved_results(docs_dir, tmp_path, capsys) -> None:
    db = str(tmp_path / "again.db")
    assert main(["add", db, str(docs_dir), "--embedder", "hash", "--quiet"]) == 0
    capsys.readouterr()
    outs, errs = [], []
    for extra in ([], [], ["--full"]):
        assert main(["scan", db, "--jsonl", *extra]) == 0
        got = capsys.readouterr()
        outs.append(got.out)
        errs.append(got.err)
    assert outs[0] == outs[1] == outs[2] and outs[0].count("\n") >= 4
    assert ", 0 taken from" in errs[0] and ": 0 compared" in errs[1] and ", 0 taken from" in errs[2]


def test_a_rescan_after_additions_searches_only_the_new_documents(tmp_path) -> None:
    texts = corpus(14, seed=33)
    base = [Document(f"d{i:02d}", t) for i, t in enumerate(texts[:10])]
    base += [Document("copy-of-d02", texts[2]), Document("copy-of-d04", texts[4] + "\n\nOne more line of its own.")]
    with Store(tmp_path / "grow.db", settings=S) as st:
        add_documents(st, base, settings=S)
        first = Corpus(st, settings=S)
        list(first.scan(incremental=True))
        assert st.scan_state()["max_rowid"] == st.max_rowid()
        paras = texts[6].split("\n\n")
        added = [Document("excerpt-of-d06", "\n\n".join(paras[1:4])), Document("copy-of-d01", texts[1]),
                 Document("d10", texts[10]), Document("d11", texts[11])]
        add_documents(st, added, settings=S)
        new = st.rowids_after(st.scan_state()["max_rowid"])
        assert len(new) == 4
        # The new documents' candidates are exactly the full search's pairs that involve them.
        probe = Corpus(st, settings=S)
        full_pairs = {(c.a, c.b): c for c in probe.all_candidates() if c.a in new or c.b in new}
        fresh = {(c.a, c.b): c for c in probe.new_candidates(new)}
        lexical = {k for k, c in full_pairs.items() if c.jaccard or c.containment}
        assert lexical == {k for k, c in fresh.items() if c.jaccard or c.containment}
        for k in lexical:
            assert (fresh[k].jaccard, fresh[k].containment) == pytest.approx((full_pairs[k].jaccard, full_pairs[k].containment))
        inc = Corpus(st, settings=S)
        got = {json.dumps(p.to_dict(), sort_keys=True) for p in inc.scan(include_all=True, incremental=True)}
        assert inc.compared == len(fresh) and inc.compared < inc.candidates
        everything = {json.dumps(p.to_dict(), sort_keys=True) for p in Corpus(st, settings=S).scan(include_all=True)}
        reuse = lambda lines: {frozenset((json.loads(x)["a"], json.loads(x)["b"])) for x in lines  # noqa: E731
                               if json.loads(x)["verdict"] in ("copy", "partial-reuse")}
        assert reuse(got) == reuse(everything)
        assert {frozenset({"d06", "excerpt-of-d06"}), frozenset({"d01", "copy-of-d01"})} <= reuse(got)
        # A removal since the last scan: the next one searches everything again.
        st.delete("d10")
        seen: list[str] = []
        list(Corpus(st, settings=S).scan(incremental=True, progress=lambda stage, k, n: seen.append(stage)))
        assert "candidates: lexical" in seen and "candidates: new documents" not in seen
