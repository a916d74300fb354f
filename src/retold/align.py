"""Merge aligned sentence groups into passages, tolerant of reordering; type each passage.

A passage is a maximal run of sentence groups that advance together on both sides, stepping over
at most ``max_gap`` unmatched sentences. Groups are chained in b order, and a chain continues only
while a also moves forward, so a moved paragraph becomes a passage of its own instead of being
lost (passim's issue #9: rewritten news reorders paragraphs).

Reuse types, from the word edits of each group:

* ``verbatim`` — the same words in the same order (typography aside);
* ``near-verbatim`` — a few words inserted, dropped or moved, no rewording;
* ``spun`` — mostly the same words with some substituted (an article spinner's synonym swaps);
* ``paraphrased`` — the same content in largely different words (found by embeddings);
* ``summarised`` — one side condenses the other to under 60% of its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retold.edits import EditSet, mirrored, word_edits
from retold.match import DocFeatures, runs_swapped
from retold.types import Passage, ReuseType, SentencePair, Span, Token

TYPE_ORDER: dict[ReuseType, int] = {
    "verbatim": 0,
    "near-verbatim": 1,
    "spun": 2,
    "paraphrased": 3,
    "summarised": 4,
}
# A condensed side under this share of the other's length makes a pair a summary.
SUMMARY_LENGTH_RATIO = 0.6


@dataclass(frozen=True, slots=True)
class GroupDetail:
    pair: SentencePair
    a: Span
    b: Span
    edits: EditSet
    type: ReuseType


def _span_of(fd: DocFeatures, ids: Sequence[int]) -> Span:
    sents = fd.segments.sentences
    return Span(sents[ids[0]].span.start, sents[ids[-1]].span.end)


def _classify(pair: SentencePair, es: EditSet, len_a: int, len_b: int) -> ReuseType:
    """The reuse type of one group; lengths are of the whole sentences on each side."""
    trimmed = es.core_a is not None or es.core_b is not None
    short, long_ = min(len_a, len_b), max(len_a, len_b)
    if (
        not trimmed
        and long_ > 0
        and short / long_ < SUMMARY_LENGTH_RATIO
        and (len(pair.a) > 1 or len(pair.b) > 1 or es.ratio < 0.7)
    ):
        return "summarised"
    if not es.wording:
        return "verbatim"
    if es.ratio >= 0.85 and es.substituted_tokens == 0:
        return "near-verbatim"
    # A spinner keeps word order: one word in three swapped still leaves a difflib ratio ~0.67.
    if es.ratio >= 0.6 or (es.ratio >= 0.45 and pair.semantic is None):
        return "spun"
    return "paraphrased"


def _edits_either_way(ta: Sequence[Token], tb: Sequence[Token], raw_a: str, raw_b: str, swap: bool) -> EditSet:
    """The word edits of a group, the same whichever document the caller passed first.

    difflib's greedy matching blocks depend on which sequence comes first, and so do the edits,
    the aligned core it trims to and the type they give. Both directions are computed and the
    better description kept: the higher token ratio, then the one without a trimmed core (the
    whole sentences), then the matcher's canonical order. Word-for-word groups (the same keys on
    both sides) have one description, so the second direction is skipped there."""
    forward = word_edits(ta, tb, raw_a, raw_b)
    if [t.key for t in ta] == [t.key for t in tb]:
        return forward
    backward = mirrored(word_edits(tb, ta, raw_b, raw_a))

    def rank(es: EditSet, canonical: bool) -> tuple[float, bool, bool]:
        return (es.ratio, es.core_a is None and es.core_b is None, canonical)

    return forward if rank(forward, not swap) >= rank(backward, swap) else backward


def describe_groups(pairs: Sequence[SentencePair], fa: DocFeatures, fb: DocFeatures) -> list[GroupDetail]:
    """Spans, word edits and a reuse type for each aligned group."""
    out = []
    raw_a, raw_b = fa.segments.text, fb.segments.text
    swap = runs_swapped(fa, fb)
    for p in pairs:
        ta = [t for i in p.a for t in fa.tokens[i]]
        tb = [t for j in p.b for t in fb.tokens[j]]
        es = _edits_either_way(ta, tb, raw_a, raw_b, swap)
        sa, sb = _span_of(fa, p.a), _span_of(fb, p.b)
        kind = _classify(p, es, len(sa), len(sb))
        # Material of one side only at the edges (a passage pasted into a longer sentence) is
        # trimmed off: the passage is the aligned core.
        out.append(GroupDetail(p, es.core_a or sa, es.core_b or sb, es, kind))
    return out


def build_passages(
    details: Sequence[GroupDetail], fa: DocFeatures, fb: DocFeatures, *, max_gap: int = 1
) -> list[Passage]:
    """Chain groups into passages (see the module docstring), ordered by position in b."""
    matched_a = {i for d in details for i in d.pair.a}
    matched_b = {j for d in details for j in d.pair.b}
    chains: list[list[GroupDetail]] = []
    for d in sorted(details, key=lambda d: (d.pair.b[0], d.pair.a[0])):
        if chains:
            last = chains[-1][-1]
            if _continues(last, d, matched_a, matched_b, max_gap):
                chains[-1].append(d)
                continue
        chains.append([d])
    return [_passage(chain) for chain in chains]


def _continues(prev: GroupDetail, nxt: GroupDetail, matched_a: set[int], matched_b: set[int], max_gap: int) -> bool:
    a_end, b_end = max(prev.pair.a), max(prev.pair.b)
    a_next, b_next = min(nxt.pair.a), min(nxt.pair.b)
    if a_next <= a_end or b_next <= b_end:
        return False
    gap_a = range(a_end + 1, a_next)
    gap_b = range(b_end + 1, b_next)
    if len(gap_a) > max_gap or len(gap_b) > max_gap:
        return False
    # A gap on one side only is a dropped or an inserted sentence: the passage ends there, so
    # its span never covers text that `dropped` or `added` report.
    if bool(gap_a) != bool(gap_b):
        return False
    # Never step over a sentence that belongs to another passage.
    return not any(i in matched_a for i in gap_a) and not any(j in matched_b for j in gap_b)


def _passage(chain: Sequence[GroupDetail]) -> Passage:
    a = Span(min(d.a.start for d in chain), max(d.a.end for d in chain))
    b = Span(min(d.b.start for d in chain), max(d.b.end for d in chain))
    weights = [max(1, len(d.a) + len(d.b)) for d in chain]  # both sides: the same either way round
    total = sum(weights)
    score = sum(d.pair.score * w for d, w in zip(chain, weights, strict=True)) / total
    return Passage(
        a=a,
        b=b,
        type=_passage_type(chain, weights),
        score=float(min(1.0, score)),
        pairs=tuple(d.pair for d in chain),
        edits=tuple(e for d in chain for e in d.edits.wording),
        typography=tuple(e for d in chain for e in d.edits.typography),
    )


def _passage_type(chain: Sequence[GroupDetail], weights: Sequence[int]) -> ReuseType:
    """The most transformed type that covers at least a quarter of the passage (by the characters
    of both sides)."""
    total = sum(weights)
    share: dict[ReuseType, int] = {}
    for d, w in zip(chain, weights, strict=True):
        share[d.type] = share.get(d.type, 0) + w
    best: ReuseType = "verbatim"
    for t, w in share.items():
        if w / total >= 0.25 and TYPE_ORDER[t] > TYPE_ORDER[best]:
            best = t
    if best == "verbatim" and len(share) > 1:
        best = "near-verbatim"
    return best


def unmatched_runs(fd: DocFeatures, matched: set[int]) -> list[Span]:
    """Raw spans of maximal runs of consecutive unmatched sentences (added or dropped text)."""
    runs: list[Span] = []
    sents = fd.segments.sentences
    start: int | None = None
    for k in range(len(sents)):
        if k in matched:
            if start is not None:
                runs.append(Span(sents[start].span.start, sents[k - 1].span.end))
                start = None
        elif start is None:
            start = k
    if start is not None:
        runs.append(Span(sents[start].span.start, sents[-1].span.end))
    return runs


def reuse_share(fd: DocFeatures, matched: set[int]) -> float:
    """Share of a document's sentence characters that are in aligned sentences."""
    sents = fd.segments.sentences
    total = sum(len(s.span) for s in sents)
    used = sum(len(s.span) for k, s in enumerate(sents) if k in matched)
    return used / total if total else 0.0
