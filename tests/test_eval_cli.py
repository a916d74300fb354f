"""pan detect / pan score / eval pairs / eval msrp, end to end on small generated data (hash embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retold.cli import main
from retold.evaluate.detect import detect
from retold.evaluate.msrp import (
    best_threshold,
    cross_validate,
    features,
    fit_logistic,
    parse_msrp,
    train_test,
)
from retold.evaluate.pairs import confusion, parse_pairs_jsonl, report, sweep
from retold.report.pan_format import DETECTION, parse_xml
from retold.synth.copies import generate
from retold.synth.io import read_articles, write_docs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "corpus"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo-layout set: dated originals and copies in one folder, so offsets must count markers."""
    s = generate(read_articles(CORPUS), n=8, seed=5, obfuscations=("verbatim", "excerpt", "reorder", "dropped"),
                 negative_copies=False, dated=True, id_format="copy-{i:02d}.txt")
    return s, write_docs(s, tmp_path_factory.mktemp("demo"))


def test_detect_offsets_count_the_date_marker(demo, fast_settings, tmp_path):
    s, root = demo
    out = tmp_path / "det"
    summary = detect(root / "pairs", root / "docs", root / "docs", out, settings=fast_settings, merge_gap=0)
    assert not summary.failed and len(summary.results) == len(s.pairs)
    checked = 0
    for p in s.pairs:
        if not p.label:
            continue
        xml = (out / f"{p.susp[:-4]}-{p.src[:-4]}.xml").read_text(encoding="utf-8")
        anns = parse_xml(xml, name=DETECTION)
        assert anns, p
        susp_raw = (root / "docs" / p.susp).read_text(encoding="utf-8")
        src_raw = (root / "docs" / p.src).read_text(encoding="utf-8")
        for a in anns:
            this = susp_raw[a.this_offset : a.this_offset + a.this_length]
            source = src_raw[a.source_offset : a.source_offset + a.source_length]
            # verbatim-derived kinds: the detected stretch is the same text in both files
            assert this.split() == source.split(), (p.obfuscation, this[:60], source[:60])
            checked += 1
    assert checked >= 4


def test_a_failing_pair_is_reported_and_the_rest_go_on(demo, fast_settings, tmp_path):
    _s, root = demo
    pairs = (root / "pairs").read_text().splitlines()
    (tmp_path / "pairs").write_text("\n".join([*pairs[:2], "missing.txt " + pairs[0].split()[1]]) + "\n")
    summary = detect(tmp_path / "pairs", root / "docs", root / "docs", tmp_path / "out", settings=fast_settings)
    assert len(summary.results) == 3 and len(summary.failed) == 1
    assert "missing.txt" in summary.failed[0].susp and "cannot read" in (summary.failed[0].error or "")
    assert len(list((tmp_path / "out").glob("*.xml"))) == 2


def test_cli_detect_then_score(demo, tmp_path, capsys):
    _s, root = demo
    out = tmp_path / "det"
    args = ["pan", "detect", "--pairs", str(root / "pairs"), "--susp", str(root / "docs"), "--src", str(root / "docs")]
    assert main([*args, "--out", str(out), "--embedder", "hash", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] == summary["pairs"] == 8 and summary["failed"] == []
    assert main(["pan", "score", "--truth", str(root / "truth"), "--detections", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["overall"]["plagdet"] > 0.9 and rep["overall"]["case_recall"] == 1.0
    assert set(rep["by_obfuscation"]) == {"verbatim", "excerpt", "reorder", "dropped"}
    assert rep["negatives"]["pairs"] == 2
    assert main(["pan", "score", "--truth", str(root / "truth"), "--detections", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1].startswith("overall") and "negative pairs: 2" in text


def test_cli_eval_pairs(demo, capsys):
    _s, root = demo
    assert main(["eval", "pairs", str(root / "pairs.jsonl"), "--embedder", "hash", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["pairs"] == 8 and rep["confusion"]["recall"] == 1.0 and rep["false_copy_rate"] == 0.0
    assert len(rep["sweep"]) == 21 and set(rep["groups"]) >= {"verbatim", "negative"}


def test_pair_metrics_by_hand():
    c = confusion([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])
    assert (c.tp, c.fn, c.fp, c.tn) == (2, 1, 1, 1)
    assert c.precision == pytest.approx(2 / 3) and c.recall == pytest.approx(2 / 3) and c.accuracy == 0.6
    pts = sweep([1, 0], [0.7, 0.3], steps=2)
    assert [(p.threshold, p.confusion.tp, p.confusion.fp) for p in pts] == [(0.0, 1, 1), (0.5, 1, 0), (1.0, 0, 0)]
    from retold.evaluate.pairs import PairOutcome

    r = report([PairOutcome(0, 1, 0.9, "copy", None), PairOutcome(0, 0, 0.0, "unrelated", None), PairOutcome(1, 1, 1.0, "copy", "spin")])
    assert r.false_copy_rate == 0.5 and r.negative_verdicts == {"copy": 1, "unrelated": 1}


def test_pairs_jsonl_accepts_texts_and_objects_and_says_what_is_wrong():
    from retold.errors import InputError

    text = '{"a": "x y", "b": {"text": "x y z", "date": "2024-01-01"}, "label": 1, "obfuscation": "spin"}\n'
    (p,) = parse_pairs_jsonl(text)
    assert p.b.date is not None and p.group == "spin" and p.label == 1
    with pytest.raises(InputError, match='"a", "b" and "label"'):
        parse_pairs_jsonl('{"a": "x"}\n', where="f.jsonl")
    with pytest.raises(InputError, match="f.jsonl:1"):
        parse_pairs_jsonl("{oops\n", where="f.jsonl")


MSRP = (
    "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"
    '1\t1\t2\tHe said "no" to the 3 offers.\tHe said no to the three offers.\r\n'
    "0\t3\t4\tShares fell 5% on Monday.\tThe company hired 200 staff in May.\r\n"
)


def test_msrp_reader_keeps_stray_quotes_and_strips_bom():
    rows = parse_msrp(MSRP)
    assert [r.label for r in rows] == [1, 0]
    assert rows[0].a == 'He said "no" to the 3 offers.'
    x = features(rows)
    assert x.shape == (2, 34) and x[0, 0] > x[1, 0]
    q = features(rows, quadratic=True)
    assert q.shape == (2, 34 + 34 * 35 // 2)


def test_logistic_regression_learns_and_threshold_is_fitted_on_train():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0.3).astype(int)
    m = fit_logistic(x, y)
    assert np.mean(m.predict(x) == y) > 0.95
    res = cross_validate(x, y, folds=5)
    assert res.accuracy > 0.93 and len(res.folds) == 5
    tt = train_test(x[:300], y[:300], x[300:], y[300:])
    assert tt.accuracy > 0.9 and tt.train_pairs == 300 and tt.test_pairs == 100
    assert best_threshold(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == pytest.approx(0.5)


def test_cli_eval_msrp_train_test(tmp_path, capsys):
    rows = ["Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"]
    for i in range(30):
        rows.append(f"1\t{i}\t{i}\tThe council approved plan number {i} on Monday.\tOn Monday the council approved plan {i}.")
        rows.append(f"0\t{i}\t{i}\tThe council approved plan number {i} on Monday.\tStorms closed {i} roads across the north.")
    f = tmp_path / "m.tsv"
    f.write_text("\ufeff" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    assert main(["eval", "msrp", "--train", str(f), "--test", str(f), "--embedder", "hash"]) == 0
    out = capsys.readouterr().out
    assert "accuracy 1.0000" in out and "f1 1.0000" in out
    assert main(["eval", "msrp", "--train", str(f), "--folds", "3", "--embedder", "hash", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "3-fold"
