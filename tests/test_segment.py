from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from retold.segment import segment


def norms(text: str) -> list[str]:
    return [s.norm for s in segment(text).sentences]


def test_abbreviations_do_not_end_sentences():
    assert norms("Mr. Smith met Gen. Jones and Dr. Who on Jan. 5 in St. Louis. They talked.") == [
        "Mr. Smith met Gen. Jones and Dr. Who on Jan. 5 in St. Louis.",
        "They talked.",
    ]


def test_initialisms():
    assert norms("The U.S. added in a statement that it was fine. Then it rained.") == [
        "The U.S. added in a statement that it was fine.",
        "Then it rained.",
    ]
    assert norms("Troops left the U.S. The talks ended.") == ["Troops left the U.S.", "The talks ended."]


def test_quotes_and_questions():
    got = norms('"It is not a drill," he told the Post. "Something is happening. What is it?" he asked.')
    assert got[0] == '"It is not a drill," he told the Post.'
    assert got[1] == '"Something is happening.'
    assert got[2] == 'What is it?" he asked.'


def test_numbers_and_initials():
    assert norms("Prices rose 3.5% to $1,200.50 under John F. Kennedy. No. 10 said so.") == [
        "Prices rose 3.5% to $1,200.50 under John F. Kennedy.",
        "No. 10 said so.",
    ]


def test_dateline_stays_with_first_sentence():
    got = norms("LONDON (Reuters) - Shares fell on Monday. Traders were nervous.")
    assert got == ["LONDON (Reuters) - Shares fell on Monday.", "Traders were nervous."]


def test_paragraphs_and_raw_spans(seed_docs):
    a, b = seed_docs
    seg = segment(b.text)
    assert len(seg.paragraphs) == 17 - 3  # 17 blank-line paragraphs, 3 breaks inside sentences
    for s in seg.sentences:
        raw = b.text[s.span.start : s.span.end]
        assert raw == raw.strip() and raw
    # the break inside a sentence was repaired: the quote and its attribution are one sentence
    joined = [s for s in seg.sentences if "further act under this principle" in s.norm]
    assert len(joined) == 1 and joined[0].norm.endswith("announced Friday.")


@given(st.text(alphabet=st.sampled_from(list("ab. ?!\n\"'\u201cU.S.Mr")), max_size=80))
@settings(max_examples=300, deadline=None)
def test_spans_inside_and_ordered(text):
    seg = segment(text)
    last = 0
    for s in seg.sentences:
        assert 0 <= s.span.start < s.span.end <= len(text)
        assert s.span.start >= last
        last = s.span.end
        assert text[s.span.start : s.span.end].strip()
