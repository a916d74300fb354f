"""The learned pair decision: evidence features, the model file, training, calibration."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest

from retold import Settings
from retold.decision import FEATURES, DecisionModel, Logistic, load_model
from retold.errors import ConfigError
from retold.evaluate.training import Example, PairSpec, expected_calibration_error, extract, fit, story_folds
from retold.evidence import quote_spans, shared_sequences
from retold.match import featurize
from retold.pipeline import Detector
from retold.report.json import to_dict
from retold.segment import segment
from retold.types import Document

HASH = Settings().replace(embed={"backend": "hash"})
FIXTURES = Path(__file__).parent / "fixtures" / "handwritten"
# sha256 of the shipped model file: retraining (`retold train`) changes it on purpose; update
# this pin in the same commit, with the new figures of bench/eval_meter.py in docs/benchmarks.md.
SHIPPED_SHA256 = "eefd9251e3dbfe43f2553e8f9f395fc6c8e615fc91ba8abc397381742fce11fb"


def _quoted(text: str) -> list[str]:
    return [text[s:e] for s, e in quote_spans(text)]


def test_quote_spans_double_curly_and_single_quotes() -> None:
    assert _quoted('He said "we will win" and left.') == ["we will win"]
    assert _quoted("She said \u201cno comment\u201d.") == ["no comment"]
    assert _quoted("The judge said: 'You knew the misery it causes.' He was jailed.") == [
        "You knew the misery it causes."
    ]


def test_a_backtick_opens_a_quote_in_wire_copy() -> None:
    assert _quoted("She said to him: `What were you doing to me?' The court was silent.") == [
        "What were you doing to me?"
    ]


def test_apostrophes_do_not_open_quotes() -> None:
    assert _quoted("The judges' ruling didn't change Smith's plan.") == []


def test_a_quote_reopened_in_the_next_paragraph_is_two_quotes() -> None:
    text = '"It was dark,\n\n"and then the lights went out," she said.'
    assert _quoted(text) == ["It was dark,", "and then the lights went out,"]


def _seq(a: str, b: str) -> dict[str, float]:
    return shared_sequences(featurize(segment(a)), featurize(segment(b)))


def test_a_shared_quote_is_quoted_evidence_not_narrative() -> None:
    quote = '"We will appeal against this verdict because the jury never heard the evidence," Mr Hale said.'
    a = "Tom Hale was cleared at Leeds Crown Court after a three-week trial. " + quote
    b = "A builder walked free yesterday when a jury found him not guilty of fraud. " + quote
    ev = _seq(a, b)
    assert ev["quote_cov5"] == pytest.approx(1.0)
    assert ev["narr_cov5"] < 0.5


def test_shared_narrative_is_narrative_evidence() -> None:
    a = "Tom Hale was cleared at Leeds Crown Court after a three-week trial over the missing funds."
    b = "Yesterday Tom Hale was cleared at Leeds Crown Court after a three-week trial over the missing funds."
    ev = _seq(a, b)
    assert ev["narr_cov5"] > 0.8
    assert ev["quote_cov5"] == 0.0
    assert ev["narr_run"] > 3.5  # log2(1 + 15 words)


def test_features_are_symmetric_in_a_and_b() -> None:
    a = "The council approved the plan on Monday. Residents objected to the cost of 4 million pounds."
    b = "Residents objected to the cost of 4 million pounds, but the council approved the plan."
    fa, fb = featurize(segment(a)), featurize(segment(b))
    assert shared_sequences(fa, fb) == shared_sequences(fb, fa)


def test_compare_reports_degree_probabilities_and_rejected_filters() -> None:
    seed_a = (Path(__file__).parents[1] / "examples" / "000_f1f864ec94766fbf.txt").read_text(encoding="utf-8")
    seed_b = (Path(__file__).parents[1] / "examples" / "001_fa24727afca519d2.txt").read_text(encoding="utf-8")
    c = Detector(HASH).compare(seed_a, seed_b)
    assert c.degree == "wholly" and c.verdict == "copy"
    assert c.probabilities["reuse"] == pytest.approx(c.confidence, abs=1e-4)
    assert set(c.features) == set(FEATURES)
    d = to_dict(c)
    assert d["degree"] == "wholly" and 0.9 < d["probabilities"]["reuse"] <= 1.0
    assert all("filter" in r for r in d["rejected"])


def test_a_pair_of_unrelated_articles_is_not_derived() -> None:
    a = "The city council approved a new cycle lane on Monday after a long debate about parking."
    b = "Shares in the mining group fell sharply after it warned that copper prices would stay low."
    c = Detector(HASH).compare(a, b)
    assert c.degree == "not" and not c.is_reuse
    assert c.confidence == pytest.approx(1 - c.probabilities["reuse"], abs=1e-4)


def test_learned_decision_off_follows_the_rule_verdict() -> None:
    a = "The minister said the plan would cost 5 billion pounds and take ten years to finish."
    b = "The minister announced the plan would cost 5 billion pounds and take ten years to finish."
    c = Detector(HASH.replace(decision={"learned": False})).compare(a, b)
    assert c.verdict == "copy" and c.degree == "wholly" and c.probabilities == {}


def test_model_file_round_trips_and_bad_files_say_how_to_fix() -> None:
    m = DecisionModel.default()
    again = DecisionModel.from_json(m.to_json())
    assert again.to_json() == m.to_json()
    bad = json.loads(m.to_json())
    bad["version"] = 99
    with pytest.raises(ConfigError, match="retold train"):
        DecisionModel.from_json(json.dumps(bad))
    with pytest.raises(ConfigError, match="not found"):
        load_model("/nonexistent/decision.json")


def test_shipped_model_digest_is_pinned_and_names_its_command() -> None:
    raw = resources.files("retold").joinpath("data", "decision.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHIPPED_SHA256
    meta = json.loads(raw)["meta"]
    assert meta["command"].startswith("retold train")
    assert len(meta["data_digest"]) == 16


def _fixture_specs() -> list[PairSpec]:
    out = []
    for f in sorted(FIXTURES.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        label = int(d["label"])
        degree = "not" if not label else ("partially" if d["kind"] in ("partial", "pasted") else "wholly")
        out.append(
            PairSpec("fixture", d["id"], d["id"].split("-", 1)[-1], label, degree,  # type: ignore[arg-type]
                     Document(d["a"]["id"], d["a"]["text"]), Document(d["b"]["id"], d["b"]["text"]))
        )
    return out


def test_training_is_deterministic_on_a_tiny_fixture_set() -> None:
    examples = extract(_fixture_specs(), settings=HASH, cache_dir=None)
    assert len(examples) >= 10 and {e.label for e in examples} == {0, 1}
    first = fit(examples, meta={"command": "test"}).to_json()
    second = fit(list(reversed(examples)), meta={"command": "test"}).to_json()
    assert first == second
    model = DecisionModel.from_json(first)
    # Trained on these pairs, it separates most of them (the two reworded excerpts are hard).
    right = sum((model.decide(e.features).probability >= 0.5) == bool(e.label) for e in examples)
    assert right >= 0.8 * len(examples)


def test_folds_keep_each_story_together() -> None:
    ex = [Example("meter", f"{g}-{k}", g, 1, "wholly", dict.fromkeys(FEATURES, 0.0)) for g in "abcdefg" for k in range(3)]
    folds = story_folds(ex, 5)
    for g in "abcdefg":
        assert len({f for e, f in zip(ex, folds, strict=True) if e.group == g}) == 1
    assert len(set(folds)) == 5


def test_expected_calibration_error_on_a_fixture() -> None:
    # Calibrated: in the 0.2 bin 1 of 5 is positive, in the 0.8 bin 4 of 5.
    p = [0.2] * 5 + [0.8] * 5
    y = [1, 0, 0, 0, 0] + [1, 1, 1, 1, 0]
    ece, bins = expected_calibration_error(p, y)
    assert ece == pytest.approx(0.0, abs=1e-9)
    assert [b[2] for b in bins] == [5, 5]
    # Overconfident: says 0.9, right half the time.
    ece, _ = expected_calibration_error([0.9] * 4, [1, 0, 1, 0])
    assert ece == pytest.approx(0.4)


def test_logistic_predicts_through_standardisation() -> None:
    m = Logistic((1.0, 0.0), (2.0, 1.0), (2.0, 0.0), 0.0)
    assert m.predict([1.0, 5.0]) == pytest.approx(0.5)
    assert m.predict([3.0, 5.0]) > 0.85
