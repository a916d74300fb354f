"""The Spark engine (local[2]) against the local engine and the store scan: same pairs and passages, resume, small inputs.

One SparkSession serves every test (start-up is 10-30 s); the whole file is one full scan of a
300-article generated corpus (stopped after `candidates`, then resumed) plus two tiny scans.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retold.batch.local import scan_corpus
from retold.synth.corpus import generate_corpus, write_jsonl

pytestmark = pytest.mark.spark

TEXT = (
    "The finance minister said on Tuesday that the new rail line would cost five billion pounds. "
    "Construction is expected to begin next spring and to last for at least seven years. "
    "Opposition leaders called the plan a waste of public money and demanded an inquiry."
)
OTHER = (
    "A rare orchid has been found growing in an abandoned quarry near the coast. "
    "Botanists counted forty flowering plants and asked visitors to keep their distance."
)


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'retold[spark]'")
    if shutil.which("java") is None and not __import__("os").environ.get("JAVA_HOME"):
        pytest.skip("Spark tests need Java 17 (no java on PATH and no JAVA_HOME)")
    from retold.batch.spark import get_session

    session = get_session(master="local[2]", conf={"spark.sql.shuffle.partitions": "2"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_spark_matches_local_and_resumes_after_a_stage(spark, tmp_path: Path, fast_settings, capsys) -> None:
    recs, truth = generate_corpus(300, seed=11)
    src = write_jsonl(recs, tmp_path / "corpus.jsonl")
    local_out = tmp_path / "local.jsonl"
    # Two local workers run with PYTHONHASHSEED=0 like Spark's Python workers: identical bytes.
    local = scan_corpus(src, local_out, settings=fast_settings, workers=2, clusters_path=tmp_path / "lc.jsonl")
    out, ck = tmp_path / "spark.jsonl", tmp_path / "ck"
    first = scan_corpus(src, out, engine="spark", settings=fast_settings, checkpoint_dir=ck, stop_after="candidates")
    assert first.stopped_after == "candidates" and not out.exists()
    assert first.candidates == local.candidates
    resumed = scan_corpus(src, out, engine="spark", settings=fast_settings, checkpoint_dir=ck,
                          clusters_path=tmp_path / "sc.jsonl")
    assert resumed.resumed == ("fingerprint", "candidates")
    a, b = _lines(local_out), _lines(out)
    assert len(a) == len(b) >= len(truth)
    assert [(x["a"], x["b"]) for x in a] == [(x["a"], x["b"]) for x in b]
    assert [x["passages"] for x in a] == [x["passages"] for x in b]
    assert out.read_bytes() == local_out.read_bytes()
    assert (tmp_path / "sc.jsonl").read_bytes() == (tmp_path / "lc.jsonl").read_bytes()
    for field in ("documents", "candidates", "compared", "pairs", "reuse_pairs", "passages", "clusters"):
        assert getattr(resumed, field) == getattr(local, field), field
    # The store scan (retold add + retold scan DB) proposes pairs through the same candidate
    # kernels (retold.candidates.channels): the same pairs, verdicts and passages.
    store = _store_scan(src, tmp_path / "news.db", capsys)
    assert [(x["a"], x["b"]) for x in store] == [(x["a"], x["b"]) for x in a]
    for s, x in zip(store, a, strict=True):
        assert (s["verdict"], s["degree"], s["source"]) == (x["verdict"], x["degree"], x["source"]), (x["a"], x["b"])
        assert _spans(s["passages"]) == _spans(x["passages"]), (x["a"], x["b"])


def _spans(passages: list[dict]) -> list[tuple]:
    return [(p["type"], p["a"]["start"], p["a"]["end"], p["b"]["start"], p["b"]["end"]) for p in passages]


def _store_scan(src: Path, db: Path, capsys) -> list[dict]:
    """``retold add DB CORPUS --embedder hash`` then ``retold scan DB --jsonl``, through the CLI."""
    from retold.cli import main

    capsys.readouterr()
    assert main(["add", str(db), str(src), "--embedder", "hash", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["scan", str(db), "--jsonl", "--quiet"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    return sorted(lines, key=lambda x: (x["a"], x["b"]))


def test_small_inputs_never_give_empty_output(spark, tmp_path: Path, fast_settings) -> None:
    src = write_jsonl([{"id": "x", "text": TEXT}, {"id": "y", "text": TEXT}, {"id": "z", "text": OTHER}], tmp_path / "c.jsonl")
    out = tmp_path / "out.jsonl"
    s = scan_corpus(src, out, engine="spark", settings=fast_settings)
    assert [(x["a"], x["b"], x["verdict"]) for x in _lines(out)] == [("x", "y", "copy")]
    assert (s.documents, s.pairs) == (3, 1)
    lonely = write_jsonl([{"id": "x", "text": TEXT}, {"id": "z", "text": OTHER}, {"bad": 1}], tmp_path / "d.jsonl")
    s = scan_corpus(lonely, out, engine="spark", settings=fast_settings)
    assert out.exists() and out.read_text() == "" and (s.documents, s.rejected, s.pairs) == (2, 1, 0)
