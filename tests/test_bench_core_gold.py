"""The gold-span generator of bench/core_quality.py: every gold span pairs the right texts."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import core_gold as cg

SOURCE = (
    "Council approves new park\n\n"
    "The city council said on Monday that it had approved a plan to build a large park near the river. "
    "Officials expected the work to cost about 4 million pounds, and they said it would begin in the spring.\n\n"
    "Local people have wanted a park there for many years. A spokesman for the residents said the decision "
    'was a big victory. "We are delighted," she added.\n\n'
    "The site was used as a car park until 2001, which is when the old market closed. "
    "It has been empty since then.\n\n"
    "Work on the first phase is expected to take two years, while the second phase will need more money."
)
OTHER = (
    "Striker signs new deal\n\n"
    "The striker has signed a three-year contract with the club after a long summer of talks.\n\n"
    "The manager said he was happy to keep one of the best players in the league."
)


def _words(text: str) -> list[str]:
    return [w.strip('.,"\u201c\u201d') for w in text.split()]


@pytest.mark.parametrize("kind", cg.KINDS)
@pytest.mark.parametrize("seed", range(5))
def test_gold_spans_pair_source_and_copy(kind: str, seed: int) -> None:
    art = cg.Article.parse("s", SOURCE)
    copy = cg.make_copy(kind, art, cg.Article.parse("o", OTHER), random.Random(seed))
    assert copy.gold, "a copy always reuses something"
    for g in copy.gold:
        assert 0 <= g.a_start < g.a_end <= len(SOURCE)
        assert 0 <= g.b_start < g.b_end <= len(copy.text)
        a_text, b_text = SOURCE[g.a_start : g.a_end], copy.text[g.b_start : g.b_end]
        # Spin changes some words, splits and breaks cut a sentence: most words still agree.
        shared = set(_words(a_text)) & set(_words(b_text))
        assert len(shared) >= 0.4 * len(set(_words(b_text))), (a_text, b_text)
    # Gold pieces never overlap in the copy, and added material is never gold.
    spans = sorted((g.b_start, g.b_end) for g in copy.gold)
    assert all(e <= s for (_, e), (s, _) in zip(spans, spans[1:], strict=False))
    gold_chars = cg.char_set(copy.text, spans)
    for para in OTHER.split("\n\n")[1:]:
        k = copy.text.find(para)
        if k >= 0:
            assert not gold_chars & set(range(k, k + len(para)))


def test_sentence_spans_cut_at_sentence_ends() -> None:
    text = 'Mr. Smith arrived. He said "yes." Then 5 people left.'
    assert [text[s:e] for s, e in cg.sentence_spans(text)] == [
        "Mr. Smith arrived.",
        'He said "yes."',
        "Then 5 people left.",
    ]


def test_split_join_keeps_one_source_per_piece() -> None:
    art = cg.Article.parse("s", SOURCE)
    out = cg.split_join(art.paragraphs, random.Random(0), p_split=1.0, p_join=0.0)
    body = [p for para in out for p in para]
    # The long "..., and they said ..." sentence becomes two pieces with the same source span.
    srcs = [p.src for p in body]
    assert len(srcs) > len(set(srcs))


def test_counts_ignore_whitespace() -> None:
    text = "ab cd\n\nef"
    c = cg.counts(text, [(0, 9)], [(0, 5), (7, 9)])
    assert (c.tp, c.pred, c.gold) == (6, 6, 6)
    assert c.f1 == 1.0
    assert cg.runs(text, {0, 1, 3, 4, 7}) == [(0, 8)]  # whitespace-only gaps are bridged
    assert cg.runs(text, {0, 4}) == [(0, 1), (4, 5)]
