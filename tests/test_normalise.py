from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from retold.normalise import fold_typography, normalise

ODD = st.sampled_from(list("\u2018\u2019\u201c\u201d\u00a0\u200b\u2013\u2014\u00ad\ufb01\u2028\r\n\t .,!?\"'e\u0301"))
TEXT = st.lists(st.one_of(st.text(max_size=6), ODD), max_size=40).map("".join)


def test_typography_is_folded():
    n = normalise("\u201cIt\u2019s\u00a0here\u201d \u2014 he said\u200b.")
    assert n.text == '"It\'s here" - he said.'


def test_offsets_map_back_to_raw():
    raw = "A\u00a0\u201cquote\u201d\u200b and \ufb01ne text"
    n = normalise(raw)
    i = n.text.index("quote")
    assert n.raw_span(i, i + 5).of(raw) == "quote"
    j = n.text.index("fine")
    assert n.raw_span(j, j + 4).of(raw) == "\ufb01ne"


def test_paragraph_break_inside_sentence_is_repaired():
    raw = "He said that if you do,\n\nyou will know.\n\nA new paragraph starts here."
    n = normalise(raw)
    assert n.text == "He said that if you do, you will know.\n\nA new paragraph starts here."
    assert len(n.repaired_breaks) == 1
    assert raw[n.repaired_breaks[0].start : n.repaired_breaks[0].end] == "\n\n"


def test_title_line_is_not_joined():
    n = normalise("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant rose.")
    assert "\n\n" in n.text and not n.repaired_breaks


def test_hard_wrapped_lines_are_joined():
    n = normalise("The quick brown fox\njumps over the lazy dog.\nA second sentence.")
    assert n.text == "The quick brown fox jumps over the lazy dog.\n\nA second sentence."


def test_repair_can_be_switched_off():
    assert normalise("if you do,\n\nyou will", repair_breaks=False).text == "if you do,\n\nyou will"


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_idempotent(raw):
    once = normalise(raw).text
    assert normalise(once).text == once


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_offsets_are_monotone_and_inside(raw):
    n = normalise(raw)
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(raw)
    assert all(0 <= a <= b <= len(raw) for a, b in zip(n.offsets, n.offsets[1:], strict=False))
    for i in range(len(n.text)):
        sp = n.raw_span(i, i + 1)
        assert 0 <= sp.start <= sp.end <= len(raw)


def test_fold_typography_has_no_paragraph_repair():
    assert fold_typography("a,\n\nb") == "a,\n\nb"
