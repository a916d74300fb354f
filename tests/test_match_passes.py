"""Each pass of the matcher on its own (retold.match.passes.PASSES), its tuning fields, and ``via``.

Documents are a few hand-written sentences; vectors are built by hand or come from the hashing
embedder, so the file runs in about a second.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from retold import Settings, compare
from retold.config import MatchSettings, MatchTuning
from retold.config.files import load_settings
from retold.embed import HashEmbedder
from retold.errors import ConfigError
from retold.match import PASSES, Alignment, featurize, match_sentences, without
from retold.match.lexical import extension, lexical_anchors, sandwiches
from retold.match.semantic import embedding, semantic_extension, semantic_joins, semantic_pairs
from retold.match.summary import summary_chain, summary_gaps, widen_weak_singles
from retold.report.html import render_html
from retold.report.json import to_dict
from retold.segment import segment

P1 = "The central bank raised interest rates by half a point on Tuesday, its third rise this year."
P2 = "Officials in Frankfurt said inflation in the eurozone reached 7.5% in March, a record high."
P3 = "Analysts at Deutsche Bank expect another increase before the summer holidays begin in July."
P4 = "Farmers in Normandy protested against new fertiliser rules outside the regional parliament."
P5 = "A spokesman for the ministry declined to comment on the size of the planned subsidies."


def doc(*paragraphs: str):
    return featurize(segment("\n\n".join(paragraphs)))


def align(a, b, **match):
    return Alignment(a, b, settings=MatchSettings(**match))


def vias(al: Alignment) -> dict[tuple[tuple[int, ...], tuple[int, ...]], str]:
    return {(p.a, p.b): p.via for p in al.pairs()}


def unit(*rows):
    m = np.array(rows, dtype=np.float64)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_passes_are_named_in_order():
    assert [p.name for p in PASSES] == [
        "lexical_anchors",
        "extension",
        "embedding",
        "semantic_pairs",
        "semantic_extension",
        "semantic_joins",
        "summary_chain",
        "sandwiches",
        "widen_weak_singles",
        "widen_weak_singles_mirrored",
        "summary_gaps",
        "summary_gaps_mirrored",
        "headlines",
    ]
    assert [p.name for p in without("sandwiches", "embedding")][2:4] == ["semantic_pairs", "semantic_extension"]
    with pytest.raises(ConfigError, match="unknown pass.*sandwich"):
        without("sandwich")


def test_lexical_anchors_pair_rewrites_and_record_splits():
    a = doc(f"{P1} {P2}")
    b = doc(f"{P2} {P1}")
    al = align(a, b)
    lexical_anchors(al)
    assert vias(al) == {((0,), (1,)): "lexical", ((1,), (0,)): "lexical"}
    # One sentence split in two: the second half is mostly made of the source sentence.
    a = doc("The minister, who arrived on Monday, met farmers in Normandy and promised new subsidies for dairy producers.")
    b = doc("The minister arrived on Monday. She met farmers in Normandy and promised new subsidies for dairy producers.")
    al = align(a, b)
    lexical_anchors(al)
    assert vias(al) == {((0,), (0, 1)): "lexical+split"}
    mirror = align(b, a)
    lexical_anchors(mirror)
    assert vias(mirror) == {((0, 1), (0,)): "lexical+join"}


def test_lexical_anchors_tuning_fields():
    a, b = doc(P1), doc("The central bank raised rates on Tuesday, the third rise of the year.")
    al = align(a, b)
    lexical_anchors(al)
    assert vias(al) == {((0,), (0,)): "lexical"}
    # Raise the shared weight needed past what the pair shares: no anchor.
    strict = align(a, b, tuning=MatchTuning(min_overlap_weight=1000.0))
    lexical_anchors(strict)
    assert strict.groups.groups == []


def test_extension_aligns_short_neighbours_in_step():
    a = doc(f"{P1} What is it? {P2}")
    b = doc(f"{P1} What is it really? {P4}")
    al = align(a, b)
    lexical_anchors(al)
    assert (1,) not in {p.a for p in al.pairs()}
    extension(al)
    assert vias(al)[((1,), (1,))] == "extension"
    off = align(a, b, tuning=MatchTuning(extension_dice=0.99))
    lexical_anchors(off)
    extension(off)
    assert ((1,), (1,)) not in vias(off)


def test_embedding_only_where_something_is_shared():
    a = doc(P1, P2)
    b = doc(P1, "Officials in Frankfurt reported that prices across the euro area hit a record 7.5% last month.")
    al = Alignment(a, b, settings=MatchSettings(), embedder=HashEmbedder(64))
    lexical_anchors(al)
    embedding(al)
    assert al.cos is not None and al.cos[1, 1] > -1.0 and 1 in al.vec_a and 1 in al.vec_b
    # Lexical only, or nothing shared at all: no embedding, and the semantic passes do nothing.
    for al in (
        Alignment(a, b, settings=MatchSettings(semantic=False), embedder=HashEmbedder(64)),
        Alignment(doc(P3), doc(P4), settings=MatchSettings(), embedder=HashEmbedder(64)),
    ):
        lexical_anchors(al)
        embedding(al)
        semantic_pairs(al)
        assert al.cos is None and all(how == "lexical" for _, _, how in al.groups.groups)


def test_semantic_pairs_mutual_best_above_threshold():
    a, b = doc(P1, P2), doc(P3, P4)
    al = align(a, b, tuning=MatchTuning(embed_min_dice=0.0))
    al.cos = np.array([[0.80, 0.30], [0.20, 0.60]])
    semantic_pairs(al)
    assert vias(al) == {((0,), (0,)): "semantic"}  # 0.60 is below semantic_threshold (0.72)
    low = align(a, b, semantic_threshold=0.55, tuning=MatchTuning(embed_min_dice=0.0))
    low.cos = np.array([[0.80, 0.30], [0.20, 0.60]])
    semantic_pairs(low)
    assert set(vias(low)) == {((0,), (0,)), ((1,), (1,))}


def test_semantic_extension_uses_its_own_cosine():
    a, b = doc(f"{P1} {P3}"), doc(f"{P1} {P4}")
    al = align(a, b)
    lexical_anchors(al)
    al.cos = np.array([[1.0, -1.0], [-1.0, 0.65]])
    semantic_extension(al)
    assert vias(al)[((1,), (1,))] == "semantic-extension"
    strict = align(a, b, tuning=MatchTuning(extension_cosine=0.7))
    lexical_anchors(strict)
    strict.cos = al.cos
    semantic_extension(strict)
    assert ((1,), (1,)) not in vias(strict)


def test_semantic_joins_merge_a_neighbour_that_raises_the_cosine():
    a, b = doc(f"{P1} {P2}"), doc(P3)
    al = align(a, b)
    # b's sentence is half of each a sentence: alone each scores 0.71, merged close to 1.
    va = unit([1.0, 0.0, 0.2], [0.0, 1.0, 0.2])
    vb = unit([1.0, 1.0, 0.3])
    al.cos = va @ vb.T
    al.vec_a, al.vec_b = {0: va[0], 1: va[1]}, {0: vb[0]}
    al.groups.new(0, 0, "semantic")
    semantic_joins(al)
    assert vias(al) == {((0, 1), (0,)): "semantic+join"}
    assert al.groups.cosine[0] > 0.95


def test_summary_chain_aligns_windows_in_order():
    a = doc(P1, P2, P3, P4, P5)
    b = doc("Summary one.", "Summary two.", "Summary three.")
    al = align(a, b)
    rng = np.random.default_rng(1)
    va = unit(*rng.normal(size=(5, 16)))
    al.vec_a = dict(enumerate(va))
    # b0 condenses a0+a1, b1 is a2, b2 condenses a3+a4 (length-weighted like the pass).
    w = [max(1, len(k)) for k in a.keys]
    vb = unit(va[0] * w[0] + va[1] * w[1], va[2], va[3] * w[3] + va[4] * w[4])
    al.vec_b = dict(enumerate(vb))
    summary_chain(al)
    assert vias(al) == {((0, 1), (0,)): "summary", ((2,), (1,)): "summary", ((3, 4), (2,)): "summary"}
    # With nothing else aligned, a chain shorter than summary_min_chain is not trusted.
    longer = align(a, b, tuning=MatchTuning(summary_min_chain=4))
    longer.vec_a, longer.vec_b = al.vec_a, al.vec_b
    summary_chain(longer)
    assert longer.groups.groups == []


def test_sandwiches_fill_a_lone_slot():
    a = doc(f"{P1} The talks ended late on Friday night. {P2}")
    b = doc(f"{P1} Negotiations finished on Friday. {P2}")
    al = align(a, b)
    lexical_anchors(al)
    extension(al)
    assert ((1,), (1,)) not in vias(al)
    sandwiches(al)
    assert vias(al)[((1,), (1,))] == "sandwich"
    strict = align(a, b, tuning=MatchTuning(sandwich_dice=0.9))
    lexical_anchors(strict)
    sandwiches(strict)
    assert ((1,), (1,)) not in vias(strict)


FUSED = (
    "The plant in Leeds closed in March, and its 300 workers moved to the new site in Bradford "
    "run by Yorkshire Water."
)
PARTS = (
    "The plant in Leeds closed in March.",
    "Its 300 workers moved to a new site.",
    "The new site in Bradford is run by Yorkshire Water.",
)


def test_widen_weak_singles_grows_into_the_fused_window():
    a, b = doc(" ".join(PARTS)), doc(FUSED)
    al = align(a, b)
    al.groups.new(0, 0, "lexical")
    widen_weak_singles(al)
    assert vias(al) == {((0, 1, 2), (0,)): "lexical+widen"}
    assert al.groups.containment[0] >= MatchTuning().gap_containment
    # Mirrored: a fuses, b holds the parts.
    m = align(b, a)
    m.groups.new(0, 0, "lexical")
    m_pass = next(p for p in PASSES if p.name == "widen_weak_singles_mirrored")
    m_pass.run(m)
    assert vias(m) == {((0,), (0, 1, 2)): "lexical+widen"}


def test_summary_gaps_fill_between_groups():
    a = doc(f"{P1} {' '.join(PARTS)} {P2}")
    b = doc(f"{P1} {FUSED} {P2}")
    al = align(a, b)
    al.groups.new(0, 0, "lexical")
    al.groups.new(4, 2, "lexical")
    summary_gaps(al)
    assert vias(al)[((1, 2, 3), (1,))] == "summary-gap"
    narrow = align(a, b, tuning=MatchTuning(gap_window=1))
    narrow.groups.new(0, 0, "lexical")
    narrow.groups.new(4, 2, "lexical")
    summary_gaps(narrow)
    assert all(p.b != (1,) for p in narrow.pairs())
    mirrored = next(p for p in PASSES if p.name == "summary_gaps_mirrored")
    m = align(b, a)
    m.groups.new(0, 0, "lexical")
    m.groups.new(2, 4, "lexical")
    mirrored.run(m)
    assert vias(m)[((1,), (1, 2, 3))] == "summary-gap"


def test_match_sentences_runs_a_chosen_subset_of_passes():
    a = doc(f"{P1} The talks ended late on Friday night. {P2}")
    b = doc(f"{P1} Negotiations finished on Friday. {P2}")
    full = {(p.a, p.b): p.via for p in match_sentences(a, b)}
    assert full[((1,), (1,))] == "sandwich"
    less = {(p.a, p.b) for p in match_sentences(a, b, passes=without("sandwiches"))}
    assert ((1,), (1,)) not in less and ((0,), (0,)) in less


def test_tuning_is_reachable_from_settings_toml_and_env(tmp_path):
    s = Settings().replace(match={"tuning": {"gap_max": "8", "sandwich_dice": 0.3}})
    assert s.match.tuning.gap_max == 8 and s.match.tuning.sandwich_dice == 0.3
    assert s.match.tuning.extension_dice == MatchTuning().extension_dice
    assert s.digest() != Settings().digest()
    assert Settings().replace(match={"tuning": {}}).digest() == Settings().digest()
    with pytest.raises(ConfigError, match="match.tuning.gap_maxx"):
        Settings().replace(match={"tuning": {"gap_maxx": 3}})
    with pytest.raises(ConfigError, match="must be an integer"):
        Settings().replace(match={"tuning": {"gap_max": "many"}})
    f = tmp_path / "retold.toml"
    f.write_text("[match]\nmin_similarity = 0.55\n[match.tuning]\ngap_max = 9\njoin_gain = 0.05\n")
    loaded = load_settings(f, env={"RETOLD_MATCH__TUNING__GAP_MAX": "7"})
    assert (loaded.match.min_similarity, loaded.match.tuning.gap_max, loaded.match.tuning.join_gain) == (0.55, 7, 0.05)
    assert loaded.to_dict()["match"]["tuning"]["gap_max"] == 7
    assert dataclasses.is_dataclass(loaded.match.tuning)


def test_via_is_in_the_json_and_html_reports():
    a = f"{P1} {P2} {P3}"
    b = f"{P1} {P2} {P4}"
    c = compare(a, b, settings=Settings().replace(embed={"backend": "hash"}))
    pairs = [sp for p in to_dict(c)["passages"] for sp in p["sentence_pairs"]]
    assert pairs and all(sp["via"] == "lexical" for sp in pairs)
    json.dumps(to_dict(c))
    assert "sentences via lexical" in render_html(c)
