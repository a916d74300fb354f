"""The store-less batch scan on the local engine: contract, recall, rejects, checkpoints and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retold.batch.local import (
    BatchOptions,
    Fingerprinter,
    cluster_lines,
    clusters_of,
    read_corpus,
    scan_corpus,
)
from retold.errors import ConfigError, InputError
from retold.synth.corpus import generate_corpus, write_jsonl

TEXT = (
    "The finance minister said on Tuesday that the new rail line would cost five billion pounds. "
    "Construction is expected to begin next spring and to last for at least seven years. "
    "Opposition leaders called the plan a waste of public money and demanded an inquiry."
)
OTHER = (
    "A rare orchid has been found growing in an abandoned quarry near the coast. "
    "Botanists counted forty flowering plants and asked visitors to keep their distance. "
    "The species was last recorded in the region more than a century ago."
)


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, str]]]:
    recs, truth = generate_corpus(120, seed=5)
    path = write_jsonl(recs, tmp_path_factory.mktemp("corpus") / "c.jsonl")
    return path, truth


def test_two_documents_give_one_pair_with_the_scan_contract(tmp_path: Path, fast_settings) -> None:
    src = write_jsonl([{"id": "x", "text": TEXT, "date": "2021-01-01"}, {"id": "y", "text": TEXT.replace("said", "stated")},
                       {"id": "z", "text": OTHER}], tmp_path / "c.jsonl")
    out = tmp_path / "out.jsonl"
    s = scan_corpus(src, out, settings=fast_settings)
    (line,) = _lines(out)
    assert (line["a"], line["b"]) == ("x", "y")
    assert {"verdict", "source", "reuse", "passages"} <= set(line)
    assert line["verdict"] == "copy" and line["passages"]
    assert (s.documents, s.rejected, s.pairs, s.reuse_pairs, s.clusters) == (3, 0, 1, 1, 1)
    assert s.stopped_after is None and s.resumed == ()


def test_no_reuse_still_writes_an_empty_file(tmp_path: Path, fast_settings) -> None:
    src = write_jsonl([{"id": "x", "text": TEXT}, {"id": "z", "text": OTHER}], tmp_path / "c.jsonl")
    out = tmp_path / "out.jsonl"
    s = scan_corpus(src, out, settings=fast_settings)
    assert out.exists() and out.read_text() == "" and s.pairs == 0


def test_generated_rewrites_are_all_found_and_sorted(corpus, tmp_path: Path, fast_settings) -> None:
    path, truth = corpus
    out, clusters = tmp_path / "out.jsonl", tmp_path / "clusters.jsonl"
    s = scan_corpus(path, out, settings=fast_settings, clusters_path=clusters)
    lines = _lines(out)
    keys = [(x["a"], x["b"]) for x in lines]
    assert keys == sorted(keys) and all(a < b for a, b in keys)
    found = set(keys)
    missed = [(src, cp, kind) for src, cp, kind in truth if (min(src, cp), max(src, cp)) not in found]
    assert missed == []
    assert all(x["verdict"] in ("copy", "partial-reuse") for x in lines)
    assert s.passages == sum(len(x["passages"]) for x in lines)
    members = [m for c in _lines(clusters) for m in c["members"]]
    assert len(members) == len(set(members)) and {a for a, _ in keys} <= set(members)


def test_parquet_input_gives_the_same_output(corpus, tmp_path: Path, fast_settings) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, _ = corpus
    recs = [json.loads(x) for x in path.read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "c.parquet")
    scan_corpus(path, tmp_path / "a.jsonl", settings=fast_settings)
    scan_corpus(tmp_path / "c.parquet", tmp_path / "b.jsonl", settings=fast_settings)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_bad_records_are_skipped_and_counted(tmp_path: Path, fast_settings) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text(
        "\n".join([json.dumps({"id": "x", "text": TEXT}), "{not json", json.dumps({"text": "no id"}),
                   json.dumps({"id": "w"}), json.dumps({"id": "v", "text": "x", "date": "yesterday"}),
                   json.dumps({"id": "y", "text": TEXT})]) + "\n"
    )
    s = scan_corpus(src, tmp_path / "out.jsonl", settings=fast_settings)
    assert (s.documents, s.rejected, s.pairs) == (2, 4, 1)


def test_repeated_ids_and_missing_input_are_errors(tmp_path: Path, fast_settings) -> None:
    src = write_jsonl([{"id": "x", "text": TEXT}, {"id": "x", "text": OTHER}], tmp_path / "c.jsonl")
    with pytest.raises(InputError, match="repeated document ids"):
        scan_corpus(src, tmp_path / "out.jsonl", settings=fast_settings)
    with pytest.raises(InputError, match="does not exist"):
        read_corpus(str(tmp_path / "nope.jsonl"))
    with pytest.raises(ConfigError, match="engine"):
        scan_corpus(src, tmp_path / "out.jsonl", engine="dask")  # type: ignore[arg-type]


def test_stop_after_candidates_then_resume_gives_the_same_output(corpus, tmp_path: Path, fast_settings) -> None:
    path, _ = corpus
    fresh = tmp_path / "fresh.jsonl"
    scan_corpus(path, fresh, settings=fast_settings, include_all=True)
    out, ck = tmp_path / "out.jsonl", tmp_path / "ck"
    first = scan_corpus(path, out, settings=fast_settings, checkpoint_dir=ck, stop_after="candidates", include_all=True)
    assert first.stopped_after == "candidates" and not out.exists()
    assert (ck / "candidates" / "_SUCCESS").exists() and not (ck / "compare").exists()
    second = scan_corpus(path, out, settings=fast_settings, checkpoint_dir=ck, include_all=True)
    assert second.resumed == ("fingerprint", "candidates")
    assert out.read_bytes() == fresh.read_bytes()
    third = scan_corpus(path, out, settings=fast_settings, checkpoint_dir=ck, include_all=True)
    assert third.resumed == ("fingerprint", "candidates", "compare", "passages", "clusters")
    assert out.read_bytes() == fresh.read_bytes()
    with pytest.raises(ConfigError, match="another run"):
        scan_corpus(path, out, settings=fast_settings.replace(fingerprint={"seed": 2}), checkpoint_dir=ck)


def test_worker_processes_match_one_process(corpus, tmp_path: Path, fast_settings) -> None:
    path, _ = corpus
    one = scan_corpus(path, tmp_path / "one.jsonl", settings=fast_settings)
    two = scan_corpus(path, tmp_path / "two.jsonl", settings=fast_settings, workers=2)
    a, b = _lines(tmp_path / "one.jsonl"), _lines(tmp_path / "two.jsonl")
    assert one.pairs == two.pairs
    # Same pairs, verdicts and passage spans; the last digit of a score may follow the hash seed.
    strip = lambda xs: [(x["a"], x["b"], x["verdict"], [(p["a"], p["b"], p["type"]) for p in x["passages"]]) for x in xs]  # noqa: E731
    assert strip(a) == strip(b)


def test_clusters_are_connected_components() -> None:
    labels = clusters_of([("b", "c"), ("d", "e"), ("a", "c")])
    assert labels == {"a": "a", "b": "a", "c": "a", "d": "d", "e": "d"}
    assert [json.loads(x)["members"] for x in cluster_lines(labels)] == [["a", "b", "c"], ["d", "e"]]


def test_fingerprint_rows_do_not_depend_on_batching(fast_settings) -> None:
    from retold.types import Document

    fper = Fingerprinter(fast_settings, BatchOptions())
    docs = [Document(id=str(i), text=f"{TEXT} {i} {OTHER[: i * 7]}") for i in range(9)]
    together = fper.rows(docs)
    alone = [fper.rows([d])[0] for d in docs]
    assert together == alone
    assert all(len(r.vec) == len(together[0].vec) > 0 for r in together)
    off = Fingerprinter(fast_settings, BatchOptions(semantic=False)).rows(docs)
    assert [r.vec for r in off] == [[]] * len(docs) and [r.keys for r in off] == [r.keys for r in together]


def test_cli_batch_mode_passes_checkpoints_and_clusters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from retold.cli import main

    recs, _ = generate_corpus(30, seed=3)
    src = write_jsonl(recs, tmp_path / "c.jsonl")
    out, ck, clusters = tmp_path / "out.jsonl", tmp_path / "ck", tmp_path / "clusters.jsonl"
    args = ["scan", "--input", str(src), "--output", str(out), "--engine", "local", "--embedder", "hash",
            "--workers", "1", "--checkpoint-dir", str(ck), "--clusters", str(clusters)]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert first["documents"] == 30 and first["pairs"] == len(_lines(out)) > 0 and first["resumed"] == []
    assert (ck / "clusters" / "_SUCCESS").exists() and first["clusters"] == len(_lines(clusters)) > 0
    assert main(args) == 0  # the same folder again: every stage is resumed
    second = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert second["resumed"] == ["fingerprint", "candidates", "compare", "passages", "clusters"]
    assert main(["scan", "db.sqlite", "--clusters", str(clusters)]) != 0
    assert "batch mode" in capsys.readouterr().err


def test_batch_semantic_channel_is_the_store_scans(tmp_path: Path, fast_settings) -> None:
    """The batch scan's semantic pairs are the store scan's: the same lead vectors, index,
    neighbours, floor and background z-test (retold.candidates.semantic), whatever the row order."""
    from retold.batch.local import local_semantic_pairs
    from retold.corpus.archive import Corpus, add_documents
    from retold.store import Store
    from retold.types import Document

    recs, _ = generate_corpus(240, seed=9)
    docs = [Document(r["id"], r["text"]) for r in recs]
    rows = Fingerprinter(fast_settings, BatchOptions()).rows(docs)
    batch = set(local_semantic_pairs([r.id for r in rows], [r.vec for r in rows], fast_settings))
    assert set(local_semantic_pairs([r.id for r in rows][::-1], [r.vec for r in rows][::-1], fast_settings)) == batch
    with Store(tmp_path / "s.db", settings=fast_settings) as st:
        add_documents(st, docs, settings=fast_settings)
        ids = dict(st.db.execute("SELECT rowid, id FROM documents").fetchall())
        store = {tuple(sorted((ids[c.a], ids[c.b]))) for c in Corpus(st, settings=fast_settings).all_candidates()
                 if c.semantic}
    assert batch and batch == store
    # at least one background estimate was made (240 >= semantic_background_min_docs)
    assert len(docs) >= fast_settings.candidates.semantic_background_min_docs


def test_batch_options_come_from_settings() -> None:
    from retold.config.files import load_settings

    s = load_settings(env={"RETOLD_BATCH__SEMANTIC": "false", "RETOLD_CANDIDATES__MAX_BUCKET": "50"})
    assert isinstance(s.batch, BatchOptions)
    assert (s.batch.semantic, s.candidates.max_bucket) == (False, 50)
    with pytest.raises(ConfigError, match="max_bucket"):
        load_settings(env={"RETOLD_CANDIDATES__MAX_BUCKET": "1"})
