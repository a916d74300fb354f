"""Wire copy as it comes: hard-wrapped lines, rules, slugs and bylines (a PA-style take we wrote)."""

from __future__ import annotations

from retold.normalise import is_boilerplate_line, normalise
from retold.segment import segment

TAKE = """  ------------------------------------------------------------------------

                 09:41 14/06/01: Page 1 (KLM) COURTS Harwood
  ------------------------------------------------------------------------
(Editors: embargoed until 10:00)
BAKER JAILED OVER FAKE WEDDING CAKES
By Ellen Marsh, PA News
A baker who sold plaster wedding cakes iced to look real was jailed for two
years today at Norwich Crown Court.
Peter Harwood, 52, of Dereham, Norfolk, admitted 14 counts of fraud against
couples who paid up to #900 for cakes that could not be eaten.
Judge Anne Colby told him: "You preyed on people on the happiest day of
their lives."
The court heard that Harwood kept a single real tier on top of each cake so
that guests could be served.
more
"""


def test_furniture_lines_are_recognised() -> None:
    assert is_boilerplate_line("------------------------------------------")
    assert is_boilerplate_line("09:41 14/06/01: Page 1 (KLM) COURTS Harwood")
    assert is_boilerplate_line("By Ellen Marsh, PA News")
    assert is_boilerplate_line("(Editors: embargoed until 10:00)")
    assert not is_boilerplate_line("By the end of the day the jury had reached a verdict.")
    assert not is_boilerplate_line("The hearing resumed at 10:30 after a short break.")


def test_hard_wrapped_take_rebuilds_headline_and_sentences() -> None:
    seg = segment(TAKE)
    texts = [s.norm for s in seg.sentences]
    assert texts[0] == "BAKER JAILED OVER FAKE WEDDING CAKES"  # the headline stands alone
    assert texts[1].startswith("A baker who sold plaster wedding cakes iced to look real")
    assert texts[1].endswith("Norwich Crown Court.")
    assert not any("PA News" in t or "COURTS" in t or "----" in t or "embargoed" in t for t in texts)
    # The headline and the lead are separate paragraphs, so the headline rules apply.
    assert seg.sentences[0].paragraph != seg.sentences[1].paragraph


def test_spans_still_point_into_the_raw_take() -> None:
    seg = segment(TAKE)
    for s in seg.sentences:
        raw = s.span.of(TAKE)
        assert " ".join(raw.split()) == s.norm


def test_normalising_a_take_is_idempotent() -> None:
    once = normalise(TAKE).text
    assert normalise(once).text == once


def test_prose_with_one_line_per_paragraph_is_unchanged() -> None:
    text = "Title of the story\n\nFirst paragraph here. It has two sentences.\n\nSecond paragraph."
    assert [s.norm for s in segment(text).sentences] == [
        "Title of the story", "First paragraph here.", "It has two sentences.", "Second paragraph."
    ]
