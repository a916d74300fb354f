from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from retold import Settings, compare
from retold.align import build_passages, describe_groups
from retold.edits import word_edits
from retold.embed import HashEmbedder
from retold.match import featurize, match_sentences, sentence_features
from retold.segment import segment
from retold.tokens import tokenize

P1 = "The central bank raised interest rates by half a point on Tuesday, its third rise this year."
P2 = "Officials in Frankfurt said inflation in the eurozone reached 7.5% in March, a record high."
P3 = "Analysts at Deutsche Bank expect another increase before the summer holidays begin in July."
P4 = "Farmers in Normandy protested against new fertiliser rules outside the regional parliament."


def feats(text):
    return featurize(segment(text))


def test_one_to_one_and_reorder():
    a = " ".join([P1, P2, P3])
    b = " ".join([P3, P1, P2])
    pairs = match_sentences(feats(a), feats(b))
    assert {(p.a, p.b) for p in pairs} == {((2,), (0,)), ((0,), (1,)), ((1,), (2,))}
    fa, fb = feats(a), feats(b)
    passages = build_passages(describe_groups(pairs, fa, fb), fa, fb)
    # the moved sentence is its own passage; the two in order form another
    assert len(passages) == 2
    assert all(p.type == "verbatim" for p in passages)


def test_split_and_join():
    a = "The minister, who arrived on Monday, met farmers in Normandy and promised new subsidies for dairy producers."
    b = "The minister arrived on Monday. She met farmers in Normandy and promised new subsidies for dairy producers."
    pairs = match_sentences(feats(a), feats(b))
    assert [(p.a, p.b) for p in pairs] == [((0,), (0, 1))]
    pairs = match_sentences(feats(b), feats(a))
    assert [(p.a, p.b) for p in pairs] == [((0, 1), (0,))]


def test_unrelated_sentences_do_not_match():
    assert match_sentences(feats(P1 + " " + P2), feats(P4)) == []


def test_semantic_match_only_with_embedder():
    a = "Interest rates were raised by the central bank on Tuesday."
    b = "On Tuesday the central bank raised interest rates."
    # lexically close enough anyway: matched without embeddings
    assert match_sentences(feats(a), feats(b))
    x = "The storm knocked out power to thousands of homes across the county overnight."
    y = "Thousands of households in the county lost electricity during the night because of the storm."
    s = Settings().match
    # Too far apart in words to align lexically ...
    assert match_sentences(feats(x), feats(y), settings=s) == []

    class SameMeaning:
        """A stub embedder that knows x and y say the same thing (cosine 1.0)."""

        def encode(self, texts):  # type: ignore[no-untyped-def]
            return np.array([[1.0, 0.0] if "storm" in t else [0.0, 1.0] for t in texts], dtype=np.float32)

    # ... so only the embedder can pair them, and only when semantic matching is on.
    pairs = match_sentences(feats(x), feats(y), settings=s, embedder=SameMeaning())
    assert [(p.a, p.b) for p in pairs] == [((0,), (0,))]
    assert pairs[0].semantic == pytest.approx(1.0) and pairs[0].lexical < s.min_similarity
    assert match_sentences(feats(x), feats(y), settings=replace(s, semantic=False), embedder=SameMeaning()) == []
    # the hashing fake sees only shared words: it must not invent this paraphrase either
    assert match_sentences(feats(x), feats(y), settings=s, embedder=HashEmbedder(dim=64)) == []


def test_word_edits_substitution_and_typography():
    a = 'He said the "plan" was fine.'
    b = "He announced the \u201cplan\u201d was fine."
    es = word_edits(tokenize(a), tokenize(b), a, b)
    assert [(e.op, e.a, e.b) for e in es.wording] == [("substitute", "said", "announced")]
    assert es.typography and all(e.op == "substitute" for e in es.typography)
    sub = es.wording[0]
    assert a[sub.a_span.start : sub.a_span.end] == "said"
    assert b[sub.b_span.start : sub.b_span.end] == "announced"


def test_word_edits_insert_delete():
    a = "The army did not return home but joined other forces."
    b = "The army did not return home and instead joined other forces."
    ops = [(e.op, e.a, e.b) for e in word_edits(tokenize(a), tokenize(b), a, b).wording]
    assert ("substitute", "but", "and instead") in ops or ("substitute", "but", "and") in ops


def test_types_of_reuse(fast_settings):
    src = " ".join([P1, P2, P3])
    assert compare(src, src, settings=fast_settings).passages[0].type == "verbatim"
    spun = src.replace("raised", "lifted").replace("expect", "anticipate").replace("said", "announced")
    c = compare(src, spun, settings=fast_settings)
    assert c.passages[0].type == "spun" and c.verdict == "copy"
    near = src.replace("on Tuesday, ", "")
    assert compare(src, near, settings=fast_settings).passages[0].type == "near-verbatim"


def test_sentence_features():
    f = sentence_features(P1, P1.replace("raised", "lifted"), embedder=HashEmbedder())
    assert 0.7 < f.dice < 1.0 and f.semantic is not None and f.semantic > 0.5
    g = sentence_features(P1, P4)
    assert g.dice < 0.2 and g.semantic is None


FERRY = [
    "The island ferry service will be replaced by a new electric vessel next spring, the harbour board announced.",
    "The current diesel ship, built in 1988, carries about 300 passengers a day between Portby and Gull Island.",
    "Board chairman Ellen Marsh said the old vessel had become too expensive to repair.",
    "Its engines failed twice last winter, leaving islanders stranded for several days.",
    "Tickets will cost the same as now for the first two years.",
    "A shipyard in Aberdale won the 12 million pound contract after a public tender.",
    "The battery vessel will recharge at a new shore station during its 20-minute stops.",
    "Campaigners welcomed the decision but asked for later evening sailings.",
    "The board will hold a public meeting on the timetable in March.",
]
FERRY_SUMMARY = [
    "The island ferry service will be replaced by a new electric vessel next spring, the harbour board said.",
    "An Aberdale shipyard will build the 12 million pound battery ship, which recharges at a shore station "
    "during stops, after the old diesel engines failed twice last winter.",
    "The board will hold a public meeting on the timetable in March.",
]


def test_summary_sentence_fusing_a_gap_is_aligned(fast_settings):
    """A summary sentence between two aligned sentences that fuses several source sentences of
    the gap between them is aligned to the window that holds its content, not reported as added."""
    a, b = " ".join(FERRY), " ".join(FERRY_SUMMARY)
    c = compare(a, b, settings=fast_settings)
    groups = {sp.b: sp.a for p in c.passages for sp in p.pairs}
    assert c.verdict == "copy" and set(groups) == {(0,), (1,), (2,)}
    assert {5, 6} <= set(groups[(1,)]) and len(groups[(1,)]) <= 4 and groups[(2,)] == (8,)
    assert not c.added
    # The same middle sentence about something else stays unaligned.
    other = [FERRY_SUMMARY[0], "Local football clubs are raising money for new floodlights this autumn.", FERRY_SUMMARY[2]]
    c2 = compare(a, " ".join(other), settings=fast_settings)
    assert (1,) not in {sp.b for p in c2.passages for sp in p.pairs} and len(c2.added) == 1


def test_summary_windows_keep_headlines_apart(fast_settings):
    """A summary's headline never joins the source's headline with its lead sentence."""
    import numpy as np

    from retold.config import MatchSettings
    from retold.match import Alignment
    from retold.match.summary import summary_chain

    a = featurize(segment("Ferry to go electric\n\n" + " ".join(FERRY)))
    b = featurize(segment("Island gets battery ferry\n\n" + " ".join(FERRY_SUMMARY)))
    rng = np.random.default_rng(0)
    va = {i: v for i, v in enumerate(rng.normal(size=(a.n, 8)))}
    vb = {j: v for j, v in enumerate(rng.normal(size=(b.n, 8)))}
    # Make b's headline closest to a's headline + lead window, the case the rule forbids.
    vb[0] = (va[0] + va[1]) / 2
    for d in (va, vb):
        for k in d:
            d[k] = d[k] / np.linalg.norm(d[k])
    al = Alignment(a, b, settings=MatchSettings())
    al.vec_a, al.vec_b = va, vb
    g = al.groups
    g.new(9, 3, "anchor")  # the meeting sentence, aligned
    summary_chain(al)
    assert all(not (0 in ai and len(ai) > 1) for ai, _bj, _ in g.groups)
    assert all(0 not in bj or ai == [0] for ai, bj, _ in g.groups)
