"""A reworded or spun headline aligns with the other article's headline (our own fixtures)."""

from __future__ import annotations

from retold import Settings
from retold.match import featurize, match_sentences
from retold.pipeline import Detector
from retold.segment import segment

HASH = Settings().replace(embed={"backend": "hash"})

A = """Harbour mayor rejects 'ghost town' jibe

The mayor of Port Alwyn has rejected claims by a business group that the harbour district is becoming a ghost town.

Councillor Maria Dunne said footfall on the quay had risen by 12% since the new ferry terminal opened in March.

The Alwyn Traders' Association had said that nine shops on Quay Street closed in the past year.

Ms Dunne told a council meeting that three new cafes and a bookshop had opened in the same period."""

B = """Port Alwyn mayor dismisses 'ghost town' taunt

Shopkeepers were told on Tuesday to stop talking down the seafront.

Councillor Maria Dunne stated footfall on the quay had increased by 12% since the new ferry terminal opened in March.

The Alwyn Traders' Association had stated that nine shops on Quay Street shut in the past year.

Ms Dunne informed a council meeting that three new cafes and a bookshop had opened in the same period."""

OTHER = """Harbour mayor rejects 'ghost town' jibe

Fishing crews in Port Alwyn landed a record catch of mackerel this week, the harbour office said.

Skippers said warm water had brought the shoals closer to the coast than in any year since 1998."""


def test_spun_headline_pairs_with_the_headline() -> None:
    from retold.match.passes import without

    fa, fb = featurize(segment(A)), featurize(segment(B))
    pairs = match_sentences(fa, fb, settings=HASH.match)
    head = [p for p in pairs if p.a == (0,) and p.b == (0,)]
    assert [p.via for p in head] == ["headline"], [(p.a, p.b, p.via) for p in pairs]
    # The lead was rewritten, so nothing else reaches the headline.
    assert not any(p.a == (0,) for p in match_sentences(fa, fb, settings=HASH.match, passes=without("headlines")))
    c = Detector(HASH).compare(A, B)
    assert any(p.a.start == 0 and p.b.start == 0 for p in c.passages)


def test_the_headline_pass_needs_aligned_bodies() -> None:
    from retold.match.passes import PASSES

    assert "headlines" in [p.name for p in PASSES]
    # Same headline words, bodies about something else: the headline pass adds nothing by itself.
    pairs = match_sentences(featurize(segment(A)), featurize(segment(OTHER)), settings=HASH.match)
    assert not any(p.via == "headline" for p in pairs)
