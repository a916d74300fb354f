"""Siblings and one-passage-one-source, on fixtures of our own."""

from __future__ import annotations

from retold.corpus.graph import PairLink, PassageClaim, assign_passages, siblings, source_graph


def test_two_rewrites_of_one_wire_story_are_siblings_not_copier_and_copied() -> None:
    links = [
        PairLink("pa-wire", "times", "copy", "a", 0.9, "dates"),
        PairLink("pa-wire", "guardian", "partial-reuse", "a", 0.8, "dates"),
        # Times and Guardian share the wire's text; dates make the later one look like a copy.
        PairLink("times", "guardian", "partial-reuse", "a", 0.7, "dates"),
    ]
    sibs = siblings(links)
    assert [(s.a, s.b, s.via) for s in sibs] == [("guardian", "times", ("pa-wire",))]
    edges = source_graph(links, without=sibs)
    assert [(e.source, e.copy) for e in edges] == [("pa-wire", "guardian"), ("pa-wire", "times")]


def test_without_a_common_source_a_pair_stays_in_the_graph() -> None:
    links = [PairLink("x", "y", "copy", "a"), PairLink("z", "w", "copy", "b")]
    assert siblings(links) == []
    assert [(e.source, e.copy) for e in source_graph(links)] == [("w", "z"), ("x", "y")]


def test_a_passage_found_in_two_sources_goes_to_the_better_one() -> None:
    claims = [
        PassageClaim("wire", 0, 100, 400, 0.95 * 300),
        PassageClaim("rival-paper", 0, 120, 390, 0.70 * 270),
        PassageClaim("rival-paper", 1, 600, 800, 0.9 * 200),  # found only there
    ]
    owners = assign_passages(claims)
    assert owners[("wire", 0)] == (True, ("rival-paper",))
    assert owners[("rival-paper", 0)] == (False, ("wire",))
    assert owners[("rival-paper", 1)] == (True, ())


def test_a_slight_overlap_is_not_a_shared_passage() -> None:
    claims = [PassageClaim("s1", 0, 0, 100, 90.0), PassageClaim("s2", 0, 95, 300, 150.0)]
    owners = assign_passages(claims)
    assert owners[("s1", 0)] == (True, ())
    assert owners[("s2", 0)] == (True, ())
