"""Passes for summaries: sentences that condense a window of several source sentences.

Summary sentences may be on either side (b condensing a, or a condensing b): the gap passes run
twice in :data:`retold.match.passes.PASSES`, the second time on :meth:`Alignment.mirrored`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .alignment import Alignment
from .features import DocFeatures


def summary_chain(al: Alignment) -> None:
    """Align summary sentences: each condenses a window of one to ``summary_window`` source
    sentences.

    A summary sentence is only moderately similar to any single source sentence (cosine
    0.55-0.75), but close to the window it condenses (``summary_cosine``). Left to right over the
    still unmatched b sentences, each takes the best window of free a sentences that lies between
    the groups already aligned around it and after the previous window (summaries keep the order).
    Without any other aligned group, ``summary_min_chain`` such sentences are needed: two articles
    on the same event also open with similar sentences.
    """
    groups, fa, va, vb, t = al.groups, al.fa, al.vec_a, al.vec_b, al.tuning
    if not va or not vb:
        return
    un_b = [j for j in sorted(vb) if j not in groups.of_b]
    free_a = [i for i in sorted(va) if i not in groups.of_a]
    if not un_b or not free_a:
        return
    free = set(free_a)
    windows: list[tuple[int, int, np.ndarray]] = []  # (first, last, vector)
    for i in free_a:
        vec = np.zeros_like(va[i])
        for k in range(i, min(i + t.summary_window, fa.n)):
            # a window stays within consecutive paragraphs
            if k not in free or (k > i and fa.segments.sentences[k].paragraph - fa.segments.sentences[k - 1].paragraph > 1):
                break
            vec = vec + va[k] * max(1, len(fa.keys[k]))
            windows.append((i, k, vec / (np.linalg.norm(vec) or 1.0)))
    if not windows:
        return
    starts = np.array([w[0] for w in windows])
    ends = np.array([w[1] for w in windows])
    mat = np.stack([w[2] for w in windows])
    anchors = sorted((min(b), min(a), max(a)) for a, b, _ in groups.groups)
    # Candidates (j, window) within the anchors' bounds, then the best increasing chain (a DP
    # over b order: each link's window starts after the previous link's window ends).
    cands: list[tuple[int, int, int, float]] = []
    # Headlines pair only with each other: a's headline is a window of its own, for b's headline.
    ta, tb = al.title_a, al.title_b
    title_only = (starts == 0) & (ends == 0)
    for j in un_b:
        lo = max([a_max for b0, _, a_max in anchors if b0 < j], default=-1)
        hi = min([a_min for b0, a_min, _ in anchors if b0 > j], default=fa.n)
        cos = mat @ vb[j]
        ok = (cos >= t.summary_cosine) & (starts > lo) & (ends < hi)
        if ta:
            ok &= title_only if (tb and j == 0) else starts > 0
        elif tb and j == 0:
            continue
        for w in np.flatnonzero(ok).tolist():
            cands.append((j, int(starts[w]), int(ends[w]), float(cos[w])))
    if not cands:
        return
    best: list[float] = []
    prev: list[int] = []
    for k, (j, st, _en, c) in enumerate(cands):
        gain, back = c - t.summary_cosine + t.summary_link_bonus, -1
        for q in range(k):
            jq, _sq, eq, _cq = cands[q]
            if jq < j and eq < st and best[q] + c - t.summary_cosine + t.summary_link_bonus > gain:
                gain, back = best[q] + c - t.summary_cosine + t.summary_link_bonus, q
        best.append(gain)
        prev.append(back)
    k = int(np.argmax(best))
    chain: list[tuple[int, int, int, float]] = []
    while k >= 0:
        chain.append(cands[k])
        k = prev[k]
    chain.reverse()
    if len(chain) < (1 if groups.groups else t.summary_min_chain):
        return
    for j, first, last, window_cos in chain:
        groups.new(first, j, "summary")
        g = groups.of_b[j]
        groups.cosine[g] = window_cos
        for k in range(first + 1, last + 1):
            groups.add_a(g, k, "summary")


def widen_weak_singles(al: Alignment) -> None:
    """A one-to-one group whose a sentence holds little of the b sentence's content grows into
    the window of free neighbours that holds most of it (a summary sentence anchored on one of
    the sentences it fuses), when that window reaches ``gap_containment`` and adds at least
    ``widen_min_gain``."""
    groups, fa, fb, t = al.groups, al.fa, al.fb, al.tuning
    first_a = 1 if al.title_a else 0
    for g, (a_ids, b_ids, _how) in enumerate(list(groups.groups)):
        if len(a_ids) != 1 or len(b_ids) != 1:
            continue
        i, j = a_ids[0], b_ids[0]
        alone = best_window(fa, fb, j, [(i, i)], min_share=0.0, penalty=t.gap_extra_sentence_penalty)
        single = alone[2] if alone else 0.0
        if single >= t.gap_containment or i < first_a:
            continue
        windows = [
            (lo, hi)
            for lo in range(max(first_a, i - t.gap_window + 1), i + 1)
            for hi in range(i, min(fa.n, lo + t.gap_window))
            if hi != lo and not any(k in groups.of_a for k in range(lo, hi + 1) if k != i)
        ]
        best = best_window(
            fa, fb, j, windows, min_share=max(t.gap_containment, single + t.widen_min_gain),
            penalty=t.gap_extra_sentence_penalty,
        )
        if best is not None:
            lo, hi, share = best
            for k in range(lo, hi + 1):
                if k != i:
                    groups.add_a(g, k, "widen")
            groups.containment[g] = share


def summary_gaps(al: Alignment) -> None:
    """Align b sentences in a gap between two aligned groups (or before the first, after the
    last) to the window of the a gap that covers most of their content words: a summary sentence
    may fuse several sentences of the source gap. Gaps longer than ``gap_max`` a sentences or
    ``gap_max_b`` b sentences are left alone; so are headlines."""
    groups, fa, fb, t = al.groups, al.fa, al.fb, al.tuning
    if not groups.groups:
        return
    ordered = sorted(groups.groups, key=lambda g: min(g[1]))
    bounds = [([-1], [-1]), *((a, b) for a, b, _ in ordered), ([fa.n], [fb.n])]
    first_a = 1 if al.title_a else 0
    first_b = 1 if al.title_b else 0
    for (a1, b1), (a2, b2) in zip(bounds, bounds[1:], strict=False):
        lo_a, hi_a = max(max(a1) + 1, first_a), min(a2)
        lo_b, hi_b = max(max(b1) + 1, first_b), min(b2)
        if not (0 < hi_b - lo_b <= t.gap_max_b and 0 < hi_a - lo_a <= t.gap_max):
            continue
        if any(i in groups.of_a for i in range(lo_a, hi_a)) or any(j in groups.of_b for j in range(lo_b, hi_b)):
            continue
        start = lo_a
        for j in range(lo_b, hi_b):
            windows = [(i, k) for i in range(start, hi_a) for k in range(i, min(i + t.gap_window, hi_a))]
            best = best_window(fa, fb, j, windows, min_share=t.gap_containment, penalty=t.gap_extra_sentence_penalty)
            if best is None:
                continue
            i, k, share = best
            groups.new(i, j, "summary-gap")
            groups.containment[groups.of_b[j]] = share
            for x in range(i + 1, k + 1):
                groups.add_a(groups.of_b[j], x, "summary-gap")
            start = k + 1


def best_window(
    fa: DocFeatures, fb: DocFeatures, j: int, windows: Iterable[tuple[int, int]], *, min_share: float, penalty: float
) -> tuple[int, int, float] | None:
    """The window ``(lo, hi)`` of a sentences holding the largest share of b sentence ``j``'s
    content-word weight, less ``penalty`` per extra sentence: ``(lo, hi, share)``, or None when no
    window holds ``min_share``."""
    weights = {x: fb.weights.get(x, 0.0) for x in fb.stems[j]}
    total = math.fsum(weights.values())
    if total <= 0:
        return None
    best: tuple[float, int, int, float] | None = None
    for lo, hi in windows:
        covered: frozenset[str] = frozenset().union(*(fa.stems[k] for k in range(lo, hi + 1)))
        share = math.fsum(w for x, w in weights.items() if x in covered) / total
        score = share - penalty * (hi - lo)
        if share >= min_share and (best is None or score > best[0]):
            best = (score, lo, hi, share)
    return None if best is None else best[1:]
