from __future__ import annotations

from datetime import date

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


def test_same_story_without_shared_text(fast_settings):
    a = "Council leader Maria Lopez defended the 45 million pound budget for libraries and youth centres on Wednesday."
    b = "Maria Lopez, leader of the council, won approval for her 45 million pound budget after libraries and youth centres were protected."
    c = compare(a, b, settings=fast_settings.replace(match={"semantic": False}))
    assert c.verdict in ("same-story", "partial-reuse", "copy")
    assert compare(a, " ".join(OTHER), settings=fast_settings).verdict == "unrelated"


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
