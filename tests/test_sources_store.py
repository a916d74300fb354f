"""Siblings and one passage, one source, end to end on a store (hash embedder, our own texts)."""

from __future__ import annotations

import json

from retold.cli import main
from retold.config import Settings
from retold.corpus.archive import Corpus, add_documents
from retold.store import Store
from test_corpus_helpers import corpus

S = Settings().replace(embed={"backend": "hash"})


def _write(root, name: str, text: str, date: str) -> None:
    (root / f"{name}.jsonl").write_text(json.dumps({"id": name, "text": text, "date": date}) + "\n")


def test_two_papers_rewriting_one_wire_story(tmp_path, capsys) -> None:
    wire, filler1, filler2 = corpus(3, seed=11)
    paras = wire.split("\n\n")
    # Both papers take most of the wire story and add a paragraph of their own.
    times = "\n\n".join(paras[:5] + filler1.split("\n\n")[1:2])
    guardian = "\n\n".join(paras[1:6] + filler2.split("\n\n")[2:3])
    root = tmp_path / "in"
    root.mkdir()
    _write(root, "wire", wire, "2001-03-01")
    _write(root, "times", times, "2001-03-02")
    _write(root, "guardian", guardian, "2001-03-03")
    db = tmp_path / "s.db"
    with Store(db, settings=S) as st:
        add_documents(st, [root], settings=S)
        corpus_ = Corpus(st, settings=S)
        d = corpus_.query(st.get("times")).to_dict()
    hits = {h["id"]: h for h in d["hits"]}
    assert {"wire", "guardian"} <= set(hits)
    # The passages Times shares with both belong to the wire story; the Guardian's copy of them
    # is listed as secondary.
    assert any(p["primary"] and "guardian" in p["also_in"] for p in hits["wire"]["passages"])
    assert all(not p["primary"] for p in hits["guardian"]["passages"] if "wire" in p["also_in"])
    assert main(["scan", str(db), "--format", "json", "--embedder", "hash"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(s["a"], s["b"], s["via"]) for s in out["siblings"]] == [("guardian", "times", ["wire"])]
    # Times copies Guardian-shared wire text too (by dates Guardian is later): each passage of a
    # copy is held by one source only.
    held = {}
    for pair in out["pairs"]:
        if "guardian" in (pair["a"], pair["b"]) and pair["source"]:
            src = pair[pair["source"]]
            held[src] = [(p["primary"], p["also_in"]) for p in pair["passages"]]
    assert set(held) == {"wire", "times"}
    # The text Guardian shares with Times is wire text: each such passage is primary in one place.
    shared = [x for x in held["times"] if "wire" in x[1]]
    assert shared and all(not primary for primary, _ in shared)
    assert any(primary and "times" in rivals for primary, rivals in held["wire"])
    edges = {(e["source"], e["copy"]) for e in out["graph"]}
    assert edges == {("wire", "times"), ("wire", "guardian")}

