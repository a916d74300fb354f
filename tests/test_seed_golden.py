"""The golden seed test: 001 is 000 republished, dropped, spun, moved, split, retyped and padded."""

from __future__ import annotations

import pytest

from retold import Settings, compare
from retold.types import Comparison

# 001 sentence (by its opening words) -> the 000 sentence(s) it comes from (by their opening words).
EXPECTED = {
    "The movements come as": ["The movements come as"],
    "\u201cThe point is": ['"The point is'],
    "\u201cIt doesn\u2019t appear": ['"It doesn\'t appear'],
    "Something is happening": ["Something is happening"],
    "What is it?": ["What is it?"],
    "According to the report, social media": ["Social media has shown"],
    "After training exercises": ["After training exercises"],
    "Russia\u2019s elite 1st Guards": ["After training exercises"],  # split from one sentence
    "\u201cI think you have to step back": ['"I think you have to step back'],
    "\u201cIt appears that Russia": ['"It appears that Russia'],
    "According to the Post, Ukraine": ["Ukraine's national security"],
    "Russian Ministry of Foreign Affairs": ["Russian Ministry of Foreign Affairs"],
    "\u201cWhen the Ukrainian army": ['"When the Ukrainian army'],
    "\u201cWe are not mounting": ['"We are not mounting'],
    "Ukrainian Foreign Minister Dmytro Kuleba": ["Ukrainian Foreign Minister Dmytro Kuleba"],
    "For the record": ["For the record"],
    "The U.S. continued": ["The U.S. added"],
}
ADDED_OPENINGS = ["Russia\u2019s foreign minister accused", "\u201cWe observe attempts", "Rebels supported by Moscow", "Kyiv says"]
SUBSTITUTIONS = {("added", "explained"), ("accused", "blamed"), ("estimated", "evaluated"), ("stationed", "placed"), ("said", "announced")}


def _sentence_index(seg, opening: str) -> int:
    hits = [s.index for s in seg.sentences if seg.text[s.span.start : s.span.end].startswith(opening)]
    assert len(hits) == 1, f"expected one sentence starting {opening!r}, found {len(hits)}"
    return hits[0]


def check_seed(c: Comparison) -> None:
    assert c.verdict == "copy"
    assert c.attribution.source == "a"
    assert "dated" in c.attribution.reason and "spun" in c.attribution.reason
    assert 0.75 <= c.reuse_b <= 0.90, c.reuse_b

    # every reused 001 sentence is aligned to the right 000 sentence(s)
    b_to_a: dict[int, set[int]] = {}
    for p in c.passages:
        for sp in p.pairs:
            for j in sp.b:
                b_to_a.setdefault(j, set()).update(sp.a)
    for b_open, a_opens in EXPECTED.items():
        j = _sentence_index(c.b_segments, b_open)
        want = {_sentence_index(c.a_segments, o) for o in a_opens}
        assert b_to_a.get(j) == want, f"b sentence {b_open!r}: aligned to {b_to_a.get(j)}, expected {want}"

    # the appended background is added, and nothing else of b is
    added_text = " ".join(s.of(c.b.text) for s in c.added)
    for opening in ADDED_OPENINGS:
        assert opening in added_text
    for j in b_to_a:
        s = c.b_segments.sentences[j].span
        assert not any(s.overlaps(x) for x in c.added)

    # 000's first paragraph is dropped
    first_para = c.a_segments.paragraphs[0].span
    assert any(d.start <= first_para.start and d.end >= first_para.end for d in c.dropped)

    subs = {(e.a.casefold(), e.b.casefold()) for p in c.passages for e in p.edits if e.op == "substitute"}
    assert SUBSTITUTIONS <= subs, SUBSTITUTIONS - subs
    moves = [e for p in c.passages for e in p.edits if e.op == "move"]
    assert any("according to the report" in e.a.casefold() for e in moves)
    # typography stays apart from wording: curly quotes and no-break spaces are typography only
    typo = [e for p in c.passages for e in p.typography]
    assert any("\u00a0" in e.b for e in typo) and any("\u2019" in e.b or "\u201c" in e.b for e in typo)
    assert not any("\u2019" in e.b and e.a.replace("'", "\u2019") == e.b for p in c.passages for e in p.edits)
    assert len(c.b_segments.repaired_breaks) == 3

    # spans round-trip
    for p in c.passages:
        assert p.a.of(c.a.text) == c.a.text[p.a.start : p.a.end]
        assert 0 <= p.b.start < p.b.end <= len(c.b.text)


def test_seed_with_hash_embedder(seed_docs, fast_settings):
    check_seed(compare(*seed_docs, settings=fast_settings))


@pytest.mark.model
def test_seed_with_minilm(seed_docs):
    check_seed(compare(*seed_docs, settings=Settings()))


def test_seed_direction_by_dates(seed_docs, fast_settings):
    from dataclasses import replace
    from datetime import date

    a, b = seed_docs
    c = compare(replace(a, date=date(2021, 11, 5)), replace(b, date=date(2021, 11, 1)), settings=fast_settings)
    assert c.attribution.source == "b" and c.attribution.method == "dates"
    assert "2021-11-01" in c.attribution.reason


def test_seed_swapped_sides(seed_docs, fast_settings):
    a, b = seed_docs
    c = compare(b, a, settings=fast_settings)
    assert c.verdict == "copy" and c.attribution.source == "b"
