from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import retold
from retold import ConfigError, Settings, compare
from retold.config.files import load_settings
from retold.report.json import to_dict

SRC = Path(retold.__file__).parent


def test_public_api_is_pinned():
    assert retold.__all__ == sorted(retold.__all__)
    assert retold.__all__ == [
        "Attribution", "Comparison", "ConfigError", "Detector", "Document", "Edit", "InputError",
        "ModelError", "NotFoundError", "Passage", "Prepared", "RetoldError", "Segmented", "Sentence",
        "SentencePair", "Settings", "SettingsMismatchError", "Span", "Store", "StoreError", "compare",
    ]


def test_results_are_frozen(seed_docs, fast_settings):
    c = compare(*seed_docs, settings=fast_settings)
    with pytest.raises(AttributeError):
        c.verdict = "unrelated"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        c.passages[0].a.start = 0  # type: ignore[misc]


def test_json_contract(seed_docs, fast_settings):
    c = compare(*seed_docs, settings=fast_settings)
    d = json.loads(json.dumps(to_dict(c)))
    for key in ("verdict", "confidence", "source", "source_reason", "reuse", "passages", "added", "dropped"):
        assert key in d
    assert d["verdict"] in ("copy", "partial-reuse", "same-story", "unrelated")
    assert 0.0 <= d["confidence"] <= 1.0 and d["source"] in ("a", "b", None)
    assert set(d["reuse"]) == {"a", "b"}
    a_text, b_text = seed_docs[0].text, seed_docs[1].text
    for p in d["passages"]:
        assert p["type"] in ("verbatim", "near-verbatim", "spun", "paraphrased", "summarised")
        assert 0.0 <= p["score"] <= 1.0
        assert 0 <= p["a"]["start"] < p["a"]["end"] <= len(a_text)
        assert 0 <= p["b"]["start"] < p["b"]["end"] <= len(b_text)
        for e in p["edits"]:
            assert e["op"] in ("substitute", "insert", "delete", "move") and set(e) >= {"op", "a", "b"}
    for s in d["added"]:
        assert 0 <= s["start"] < s["end"] <= len(b_text)
    for s in d["dropped"]:
        assert 0 <= s["start"] < s["end"] <= len(a_text)


# The core takes strings and returns dataclasses: files, sockets, SQLite, torch, pyspark and web
# frameworks live at the edges. Walk the imports of every core module to keep it so.
# retold.decision is left out: it reads its parameter file (package data, or the file settings name).
CORE = ["types", "errors", "config/__init__", "normalise", "segment", "tokens", "evidence", "candidates", "embed/__init__", "match", "align", "edits", "attribute", "pipeline"]
FORBIDDEN = {"sqlite3", "socket", "http", "urllib", "requests", "httpx", "fastapi", "uvicorn", "torch",
             "sentence_transformers", "pyspark", "subprocess", "shutil", "pathlib", "tempfile", "io",
             "retold.store", "retold.web", "retold.cli", "retold.spark", "retold.batch", "retold.ingest",
             "retold.embed.model", "retold.config.files", "retold.corpus", "retold.stream", "retold.synth",
             "retold.evaluate"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("name", CORE)
def test_core_does_no_io(name):
    path = SRC / f"{name}.py"
    files = [path] if path.exists() else sorted((SRC / name).glob("*.py"))  # a module or a package
    assert files, f"core module retold.{name} is missing: update CORE in this test after a move"
    bad = {m for p in files for m in _imports(p) for f in FORBIDDEN if m == f or m.startswith(f + ".")}
    assert not bad, f"core module retold.{name} imports {bad}"


def test_settings_layers(tmp_path):
    f = tmp_path / "r.toml"
    f.write_text('[match]\nmin_similarity = 0.6\n[embed]\nbackend = "hash"\n')
    s = load_settings(f, env={"RETOLD_MATCH__MIN_SIMILARITY": "0.7"}, overrides={"align": {"max_gap": 2}})
    assert s.match.min_similarity == 0.7 and s.embed.backend == "hash" and s.align.max_gap == 2
    with pytest.raises(ConfigError, match="unknown setting match.nope"):
        Settings.from_mapping({"match": {"nope": 1}})
    with pytest.raises(ConfigError, match="must be a number"):
        Settings().replace(match={"min_similarity": "high"})
    with pytest.raises(ConfigError, match="bands x fingerprint.rows"):
        Settings().replace(fingerprint={"bands": 10})
    assert Settings().signature_settings()["embedder"].startswith("minilm")
