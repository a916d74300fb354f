"""The learned sentence judgement: per-sentence evidence, its labels, the model file, readmission."""

from __future__ import annotations

import json

import pytest

from retold import Settings
from retold.decision import DecisionModel, Logistic, load_model
from retold.errors import ConfigError
from retold.evaluate.training import PairSpec, fit_sentences, sentence_examples
from retold.evidence import SENTENCE_FEATURES, sentence_evidence
from retold.match import featurize
from retold.pipeline import _readmit
from retold.segment import segment
from retold.types import Document, Passage, Span

HASH = Settings().replace(embed={"backend": "hash"})
POOL = ("The council approved a new tram line on Tuesday after a four-hour debate. "
        "The line will link the station with the western estates by 2029. "
        "Opponents said the cost of 300 million pounds was far too high.")
PAPER = ("The council approved a new tram line on Tuesday after a long debate. "
         "Local shops are already preparing for the building work next year. "
         "\"It is a great day for the city,\" the mayor told reporters outside.")


def _features(text: str):  # type: ignore[no-untyped-def]
    return featurize(segment(text))


def test_sentence_evidence_tells_a_taken_sentence_from_a_new_one() -> None:
    rows = sentence_evidence(_features(POOL), _features(PAPER))
    assert len(rows) == 3 and all(len(r) == len(SENTENCE_FEATURES) for r in rows)
    col = {f: k for k, f in enumerate(SENTENCE_FEATURES)}
    taken, new, quoted = rows
    assert taken[col["best_cont"]] > 0.6 and new[col["best_cont"]] < 0.3
    assert taken[col["cov3"]] > new[col["cov3"]]
    assert quoted[col["quoted"]] > 0.5 and taken[col["quoted"]] == 0.0
    assert taken[col["pos"]] == 0.0 and 0.0 < new[col["pos"]] < 1.0


def test_sentence_labels_come_from_word_spans_on_the_shorter_side() -> None:
    first_end = PAPER.index("Local")
    spec = PairSpec("meter", "p1", "story-1", 1, "partially", Document("pa", POOL + " " + POOL),
                    Document("np", PAPER), {"spans": [{"start": 0, "end": first_end, "type": "Rewrite"},
                                                      {"start": first_end, "end": len(PAPER), "type": "New"}]})
    data = sentence_examples([spec], settings=HASH)
    assert data.y.tolist() == [1, 0, 0]
    assert set(data.sides) == {"b"} and data.groups == ("story-1",) * 3
    unlabelled = PairSpec("meter", "p2", "story-2", 1, "partially", spec.a, spec.b, {})
    assert len(sentence_examples([unlabelled], settings=HASH).y) == 0
    assert len(sentence_examples([unlabelled], settings=HASH, labelled_only=False).y) == 3


def test_fitted_sentence_model_ranks_taken_sentences_higher() -> None:
    first_end = PAPER.index("Local")
    specs = [
        PairSpec("meter", f"p{k}", f"s{k}", 1, "partially", Document(f"a{k}", POOL), Document(f"b{k}", PAPER),
                 {"spans": [{"start": 0, "end": first_end, "type": "Verbatim"}]})
        for k in range(3)
    ]
    data = sentence_examples(specs, settings=HASH)
    judge = fit_sentences(data)
    p = [judge.predict(r) for r in data.x[:3]]
    assert p[0] > 0.5 > max(p[1], p[2])


def _model(intercept: float) -> DecisionModel:
    base = load_model("")
    n = len(SENTENCE_FEATURES)
    return DecisionModel(base.features, base.reuse, base.wholly, base.meta,
                         Logistic((0.0,) * n, (1.0,) * n, (0.0,) * n, intercept), base.calibration)


def test_sentence_model_round_trips_and_a_wrong_feature_list_says_how_to_fix() -> None:
    m = _model(1.5)
    again = DecisionModel.from_json(m.to_json())
    assert again.sentence == m.sentence and again.derived([[0.0] * len(SENTENCE_FEATURES)]) == m.derived(
        [[0.0] * len(SENTENCE_FEATURES)])
    doc = json.loads(m.to_json())
    doc["sentence"]["features"] = ["best_cont"]
    with pytest.raises(ConfigError, match="retrain it with `retold train`"):
        DecisionModel.from_json(json.dumps(doc))


def test_shipped_model_has_a_sentence_judgement_that_discounts_quotes() -> None:
    m = load_model("")
    assert m.sentence is not None and m.meta and int(m.meta["sentences"]) > 1000  # type: ignore[call-overload]
    coef = dict(zip(SENTENCE_FEATURES, m.sentence.coef, strict=True))
    # What two reporters share by hearing the same witness is weak evidence; own words are strong.
    assert coef["quoted"] < 0 < coef["best_cont"]


def test_readmit_takes_back_rejected_passages_the_judgement_reads_as_derived() -> None:
    fa, fb = _features(POOL + " " + POOL), _features(PAPER)
    sents = fb.segments.sentences
    proposed = [
        Passage(Span(0, 10), sents[k].span, "paraphrased", 0.6, ()) for k in range(3)  # type: ignore[arg-type]
    ]
    rejected = {0: "too-short", 1: "scattered-weak", 2: "weak-single"}
    assert _readmit(proposed, rejected, fa, fb, _model(4.0), 0.5) == {1, 2}  # never a too-short one
    assert _readmit(proposed, rejected, fa, fb, _model(-4.0), 0.5) == set()
