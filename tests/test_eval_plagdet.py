"""The PAN scorer against hand-computed cases and a brute-force character-set oracle."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.evaluate.plagdet import evaluate, granularity, macro_precision, macro_recall, score
from retold.report.pan_format import (
    DETECTION,
    TRUTH,
    Annotation,
    merge_adjacent,
    pair_file_name,
    parse_xml,
    to_xml,
)


def A(t0: int, t1: int, s0: int, s1: int, *, susp: str = "s.txt", src: str = "r.txt", obf: str | None = None):
    return Annotation(susp, t0, t1 - t0, src, s0, s1 - s0, obf)


def test_perfect_detection_scores_one():
    m = score([A(0, 100, 0, 100)], [A(0, 100, 0, 100)])
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (1.0, 1.0, 1.0, 1.0)
    assert m.case_recall == m.case_precision == m.pan_case_recall == m.pan_case_precision == 1.0


def test_granularity_two_halves_a_case():
    m = score([A(0, 100, 0, 100)], [A(0, 50, 0, 50), A(50, 100, 50, 100)])
    assert m.recall == 1.0 and m.precision == 1.0
    assert m.granularity == 2.0
    # F1 = 1, divided by log2(1 + 2)
    assert m.plagdet == pytest.approx(1 / math.log2(3))
    assert m.plagdet == pytest.approx(0.63093, abs=1e-5)


def test_granularity_three_pieces_and_one_undetected_case_is_not_counted():
    cases = [A(0, 90, 0, 90), A(500, 600, 500, 600)]
    dets = [A(0, 30, 0, 30), A(30, 60, 30, 60), A(60, 90, 60, 90)]
    assert granularity(cases, dets) == 3.0  # mean over *detected* cases only
    m = score(cases, dets)
    assert m.recall == pytest.approx(0.5)  # (1 + 0) / 2
    assert m.precision == 1.0
    assert m.plagdet == pytest.approx((2 * 0.5 / 1.5) / 2.0)  # log2(1 + 3) = 2


def test_half_overlap_counts_characters_on_both_sides():
    # Overlap is 50 chars in susp and 50 in the source: (50 + 50) / (100 + 100).
    m = score([A(0, 100, 0, 100)], [A(50, 150, 50, 150)])
    assert m.recall == pytest.approx(0.5) and m.precision == pytest.approx(0.5)
    assert m.plagdet == pytest.approx(0.5)


def test_unequal_sides_weight_by_length():
    # Case: 100 susp chars, 300 source chars; the detection covers all susp, a third of the source.
    m = score([A(0, 100, 0, 300)], [A(0, 100, 0, 100)])
    assert m.recall == pytest.approx((100 + 100) / (100 + 300))
    assert m.precision == 1.0


def test_detection_spanning_two_cases():
    cases = [A(0, 100, 0, 100), A(200, 300, 500, 600)]
    det = A(0, 300, 0, 600)
    m = score(cases, [det])
    assert m.recall == 1.0
    # this: 200 of 300 chars are in cases; source: 200 of 600.
    assert m.precision == pytest.approx(400 / 900)
    assert m.granularity == 1.0  # one detection per case
    p = 400 / 900
    assert m.plagdet == pytest.approx(2 * p / (1 + p))
    assert m.detected_cases == 2 and m.case_recall == 1.0
    # PAN case level: precision 0.44 < 0.5, so neither the cases nor the detection count.
    assert m.pan_case_recall == 0.0 and m.pan_case_precision == 0.0


def test_overlap_in_one_document_only_is_no_detection():
    m = score([A(0, 100, 0, 100)], [A(0, 100, 200, 300)])
    assert m.recall == 0.0 and m.precision == 0.0 and m.plagdet == 0.0
    assert m.case_recall == 0.0 and m.detected_cases == 0


def test_other_source_document_is_no_detection():
    m = score([A(0, 100, 0, 100)], [A(0, 100, 0, 100, src="other.txt")])
    assert m.recall == 0.0 and m.precision == 0.0


def test_missed_case_and_false_detection():
    cases = [A(0, 100, 0, 100), A(300, 400, 300, 400)]
    dets = [A(0, 100, 0, 100), A(700, 800, 700, 800)]
    m = score(cases, dets)
    assert m.recall == pytest.approx(0.5) and m.precision == pytest.approx(0.5)
    assert m.case_recall == 0.5 and m.case_precision == 0.5


def test_pooled_over_files_matched_by_reference():
    cases = [A(0, 100, 0, 100, susp="s1.txt"), A(0, 100, 0, 100, susp="s2.txt")]
    dets = [A(0, 100, 0, 100, susp="s1.txt")]
    assert macro_recall(cases, dets) == pytest.approx(0.5)
    assert macro_precision(cases, dets) == 1.0


def test_tolerant_versus_pan_case_level():
    # The detection covers 40% of the case: found (tolerant), not found at tau = 0.5.
    m = score([A(0, 100, 0, 100)], [A(0, 40, 0, 40)])
    assert m.case_recall == 1.0 and m.case_precision == 1.0
    assert m.pan_case_recall == 0.0
    assert m.pan_case_precision == 0.0  # precision 1.0 but it recalls the case at only 0.4
    m2 = score([A(0, 100, 0, 100)], [A(0, 60, 0, 60)])
    assert m2.pan_case_recall == 1.0 and m2.pan_case_precision == 1.0


def test_empty_sets():
    empty = score([], [])
    assert (empty.recall, empty.precision, empty.plagdet) == (1.0, 1.0, 1.0)  # nothing to find, nothing found
    m = score([A(0, 10, 0, 10)], [])
    assert m.recall == 0.0 and m.plagdet == 0.0 and m.granularity == 1.0


def test_evaluate_breakdown_and_negatives():
    truth = {
        "a-x.xml": [A(0, 100, 0, 100, susp="a", src="x", obf="verbatim")],
        "b-x.xml": [A(0, 100, 0, 100, susp="b", src="x", obf="spin")],
        "c-y.xml": [],  # a negative pair
    }
    dets = {
        "a-x.xml": [A(0, 100, 0, 100, susp="a", src="x")],
        "b-x.xml": [A(0, 50, 0, 50, susp="b", src="x")],
        "c-y.xml": [A(0, 30, 0, 30, susp="c", src="y")],
        "stray.xml": [],
    }
    rep = evaluate(truth, dets)
    groups = {g.obfuscation: g.measures for g in rep.by_obfuscation}
    assert groups["verbatim"].plagdet == 1.0
    assert groups["spin"].recall == pytest.approx(0.5) and groups["spin"].precision == 1.0
    assert rep.negatives.pairs == 1 and rep.negatives.pairs_with_detections == 1
    assert rep.negatives.detected_chars == 30
    assert rep.overall.precision == pytest.approx((1 + 1 + 0) / 3)
    assert rep.unmatched_detection_files == ("stray.xml",)
    d = rep.to_dict()
    assert d["by_obfuscation"]["spin"]["files"] == 1


def test_xml_round_trip_and_filters():
    anns = [A(5, 10, 7, 12, susp="s.txt", src='r&"1.txt', obf="none")]
    xml = to_xml("s.txt", anns, name=TRUTH)
    assert parse_xml(xml, name=TRUTH) == anns
    assert parse_xml(xml, name=DETECTION) == []
    pan13 = (
        '<document reference="suspicious-document00005.txt">\n<feature name="plagiarism" '
        'source_length="698" source_offset="1300" source_reference="source-document01090.txt" '
        'this_length="698" this_offset="3593" type="artificial" />\n</document>'
    )
    (a,) = parse_xml(pan13)
    assert (a.this_offset, a.source_reference, a.obfuscation) == (3593, "source-document01090.txt", "artificial")
    assert pair_file_name("dir/suspicious-document00005.txt", "source-document01090.txt") == (
        "suspicious-document00005-source-document01090.xml"
    )


def test_merge_adjacent_joins_in_order_pieces_only():
    pieces = [A(0, 50, 0, 50), A(52, 100, 51, 100), A(200, 250, 10, 20)]
    merged = merge_adjacent(pieces, max_gap=5)
    assert merged[0] == A(0, 100, 0, 100)
    assert len(merged) == 2  # the third piece goes back in the source: kept apart


# --- reference oracle: character sets, exactly as the definitions read --------------------------


def _chars(a: Annotation) -> set[tuple[str, str, int]]:
    this = {("t", a.this_reference, i) for i in range(a.this_offset, a.this_offset + a.this_length)}
    src = {("s", a.source_reference, i) for i in range(a.source_offset, a.source_offset + a.source_length)}
    return this | src


def _oracle_recall(cases, dets):
    if not cases and not dets:
        return 1.0
    if not cases or not dets:
        return 0.0
    total = 0.0
    for s in cases:
        cs = _chars(s)
        hit: set = set()
        for r in dets:
            rs = _chars(r)
            both = any(k[0] == "t" for k in cs & rs) and any(k[0] == "s" for k in cs & rs)
            if both and s.pair == r.pair:
                hit |= cs & rs
        total += len(hit) / len(cs)
    return total / len(cases)


_span = st.tuples(st.integers(0, 60), st.integers(1, 40))
_ann = st.builds(
    lambda t, s, doc: Annotation(f"s{doc}", t[0], t[1], "r", s[0], s[1]),
    _span,
    _span,
    st.integers(0, 1),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ann, max_size=4), st.lists(_ann, max_size=4))
def test_macro_measures_match_character_set_oracle(cases, dets):
    cases, dets = list(dict.fromkeys(cases)), list(dict.fromkeys(dets))
    assert macro_recall(cases, dets) == pytest.approx(_oracle_recall(cases, dets))
    assert macro_precision(cases, dets) == pytest.approx(_oracle_recall(dets, cases))
    m = score(cases, dets)
    assert 0.0 <= m.plagdet <= 1.0 and m.granularity >= 1.0


def test_merge_never_bridges_source_text_placed_elsewhere():
    # Paragraph order 1, 3, 2 in the copy: joining 1 and 3 would claim paragraph 2 twice.
    pieces = [A(0, 100, 0, 100), A(102, 200, 204, 302), A(202, 300, 102, 202)]
    merged = merge_adjacent(pieces, max_gap=10, max_source_gap=500)
    assert len(merged) == 3
    # A dropped paragraph (nothing else claims it) is bridged within the source gap.
    assert merge_adjacent([A(0, 100, 0, 100), A(102, 200, 300, 398)], max_gap=10, max_source_gap=500) == [
        A(0, 200, 0, 398)
    ]
