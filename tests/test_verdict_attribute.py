from __future__ import annotations

from datetime import date

import pytest

from retold import Document, compare
from retold.attribute import attribute, spin_evidence
from retold.types import Edit

BASE = [
    "The city council approved a new budget of 45 million pounds on Wednesday after a long debate.",
    "Council leader Maria Lopez said the plan would protect libraries and youth centres.",
    "Opposition members said the spending on roads was too low and voted against the proposal.",
    "The budget includes a 3% rise in council tax, the first increase in four years.",
    "Residents will be able to comment on the plan at a public meeting next month.",
]
OTHER = [
    "A rare orchid has been found growing on a railway embankment in Kent by a volunteer.",
    "Botanists said the plant had not been recorded in the county for more than a century.",
]


def test_copy_partial_unrelated(fast_settings):
    src = " ".join(BASE)
    assert compare(src, " ".join(BASE[:4]), settings=fast_settings).verdict == "copy"
    partial = " ".join(OTHER + [BASE[0]] + OTHER)
    c = compare(src, partial, settings=fast_settings)
    assert c.verdict == "partial-reuse" and len(c.passages) == 1
    u = compare(src, " ".join(OTHER), settings=fast_settings)
    assert u.verdict == "unrelated" and not u.passages and u.attribution.source is None


SAME_STORY_A = (
    "Council leader Maria Lopez defended the 45 million pound budget for libraries and youth centres on Wednesday. "
    "Opposition members said the plan relied on selling two car parks. The vote was 31 to 24."
)
SAME_STORY_B = (
    "Libraries across the borough were spared in the budget passed on Wednesday night. Maria Lopez, leader of the "
    "council, won approval for her 45 million pound budget after libraries and youth centres were protected. "
    "Councillors voted 31 to 24 after a three-hour debate in which the sale of two car parks was criticised."
)


@pytest.mark.xfail(
    strict=True,
    reason="issue 11: two reports of one council vote (shared name, figures and facts, no shared sentence) "
    "come out as copy (one 'paraphrased' passage at 0.69); strict, so the fix shows as XPASS",
)
def test_same_story_without_shared_text(fast_settings):
    c = compare(SAME_STORY_A, SAME_STORY_B, settings=fast_settings.replace(match={"semantic": False}))
    assert c.verdict == "same-story", [(p.type, round(p.score, 2)) for p in c.passages]


def test_a_different_story_is_unrelated(fast_settings):
    assert compare(SAME_STORY_A, " ".join(OTHER), settings=fast_settings).verdict == "unrelated"


def test_spin_evidence_points_at_rarer_words():
    ev = spin_evidence([Edit("substitute", "said", "announced"), Edit("substitute", "added", "explained")])
    assert len(ev.toward_b) == 2 and ev.reporting_b == 2


def test_undetermined_without_evidence():
    a = Document("a", "x")
    at = attribute(a, Document("b", "y"), [], added_a_share=0.0, added_b_share=0.0)
    assert at.source is None and "undetermined" in at.reason


def test_dates_decide():
    a = Document("a", "x", date=date(2020, 1, 2))
    b = Document("b", "y", date=date(2020, 1, 1))
    at = attribute(a, b, [], added_a_share=0.0, added_b_share=0.0)
    assert at.source == "b" and at.method == "dates"


def test_padding_points_to_source(fast_settings):
    src = " ".join(BASE)
    padded = " ".join(BASE + OTHER)
    c = compare(src, padded, settings=fast_settings)
    assert c.verdict == "copy"
    assert c.added and "orchid" in c.added[0].of(padded)


STORY_A = [
    "Sprinter Anna Berg has been banned for two years after missing three doping tests.",
    "The national federation said the decision was taken unanimously by its disciplinary panel.",
    "Berg won gold in the 400m at the 2016 European Championships in Amsterdam, while her teammate Lisa Holm won bronze.",
    "Her lawyer told reporters that an appeal would be lodged with the sports court within days.",
    "The ban rules her out of next summer's world championships in Tokyo.",
    "Officials declined to comment on whether other athletes were under investigation.",
]
STORY_B = [
    "Lisa Holm says she is ready to lead the relay squad after the suspension of her long-time training partner.",
    "The 28-year-old has been training at altitude in Kenya since January.",
    "Holm, 28, won bronze at the European Championships in Amsterdam in 2016, where Berg, 30, took gold in the 400m.",
    "Coach Peter Lund praised her consistency over a difficult winter.",
    "The relay team will be announced at a press conference on Friday.",
    "Tickets for the indoor meeting in Stockholm are already sold out.",
]


def test_one_reworded_background_sentence_is_same_story(fast_settings):
    """Two reports of one event restate a background fact in close words: not reuse."""
    c = compare(" ".join(STORY_A), " ".join(STORY_B), settings=fast_settings)
    assert c.verdict == "same-story" and not c.passages


def test_one_sentence_kept_word_for_word_is_partial_reuse(fast_settings):
    """The same background sentence pasted unchanged (a run of ten words or more) is reuse."""
    b = STORY_B[:2] + [STORY_A[2]] + STORY_B[3:]
    c = compare(" ".join(STORY_A), " ".join(b), settings=fast_settings)
    assert c.verdict == "partial-reuse" and len(c.passages) == 1
    p = c.passages[0]
    assert c.b.text[p.b.start : p.b.end] == STORY_A[2]


def test_condensation_points_to_the_longer_side():
    a, b = Document("a", "x"), Document("b", "y")
    # b sums up several of a's sentences twice; a summary leaves much of a unaligned, which
    # condensation explains (no "added material" evidence then).
    at = attribute(a, b, [], added_a_share=0.6, added_b_share=0.05, condensed_b=2)
    assert at.source == "a" and at.method == "text" and at.confidence >= 0.75
    assert "b condenses a" in at.reason and "added material" not in at.reason
    # Joins both ways (a spinner's) or a single one say nothing.
    assert attribute(a, b, [], added_a_share=0.0, added_b_share=0.0, condensed_a=2, condensed_b=3).source is None
    assert attribute(a, b, [], added_a_share=0.0, added_b_share=0.0, condensed_b=1).source is None
    assert attribute(a, b, [], added_a_share=0.0, added_b_share=0.0, condensed_a=2).source == "b"


MUSEUM = [
    "The city museum will close its east wing for eighteen months from September.",
    "Engineers found that the roof timbers above the galleries had been damaged by damp.",
    "The repairs are expected to cost about four million pounds, paid from a heritage grant.",
    "Around two hundred paintings will be moved to a temporary gallery in the old library.",
    "Curators said the most fragile works would be kept in climate-controlled storage.",
    "School visits will continue in the west wing, which is not affected by the work.",
    "The museum's cafe and shop will stay open throughout the closure.",
]
MUSEUM_SUMMARY = [
    "The museum's east wing closes for eighteen months from September to repair damp roof timbers, "
    "paid for by a heritage grant.",
    "Two hundred paintings move to the old library and fragile works go into climate-controlled storage "
    "while school visits continue in the west wing.",
]


def test_a_summary_is_attributed_to_its_source(fast_settings):
    c = compare(" ".join(MUSEUM), " ".join(MUSEUM_SUMMARY), settings=fast_settings)
    assert c.verdict == "copy"
    joins = [sp for p in c.passages for sp in p.pairs if len(sp.a) >= 2 and len(sp.b) == 1]
    assert len(joins) == 2
    assert c.attribution.source == "a" and "b condenses a" in c.attribution.reason
    # The same texts the other way round: the summary is b... now a, and the source is b.
    r = compare(" ".join(MUSEUM_SUMMARY), " ".join(MUSEUM), settings=fast_settings)
    assert r.attribution.source == "b" and "a condenses b" in r.attribution.reason


HOST = [
    "Harbridge Rovers beat Dunmore 3-1 on Saturday to move second in the league.",
    "Striker Tom Avery scored twice before half-time, both from corners.",
    "Dunmore pulled one back through a penalty after the break.",
    "Rovers manager Joe Kent praised his defence for holding firm in the final minutes.",
    "Avery now has fourteen goals this season, the most of any player in the division.",
    "The club expects a crowd of nine thousand for next week's derby.",
    "Season tickets for the new stand go on sale in May.",
]
MUSEUM_PARAGRAPH = (
    "Inspectors discovered that damp had rotted the timbers of the roof over the galleries. "
    "A heritage grant of roughly four million pounds will cover the work. "
    "Some two hundred pictures are going to a temporary gallery set up in the old library."
)


def test_a_reworded_paragraph_pasted_into_an_unrelated_article_is_reuse(fast_settings):
    """Sentence by sentence the paragraph is as weak as what two reports of one event share;
    around it, the host article is about something else."""
    b = " ".join(HOST[:3]) + "\n\n" + MUSEUM_PARAGRAPH + "\n\n" + " ".join(HOST[3:])
    c = compare(" ".join(MUSEUM), b, settings=fast_settings)
    assert c.is_reuse and len(c.passages) == 1
    p = c.passages[0]
    assert b[p.b.start : p.b.end] == MUSEUM_PARAGRAPH and len(p.pairs) == 3
    assert max(sp.lexical for sp in p.pairs) < 0.75  # no sentence is strong evidence on its own
