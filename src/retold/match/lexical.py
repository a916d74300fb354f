"""Passes on lexical evidence: anchors (with splits and joins), extension, sandwiches.

Anchors are content-word stems weighted by rarity. For sentences ``a_i`` and ``b_j`` the shared
weight gives two containments, ``ca`` (share of ``a_i`` found in ``b_j``) and ``cb`` (share of
``b_j`` found in ``a_i``), and their Dice. A pair anchors when Dice is high (a one-to-one
rewrite), or when one side is mostly contained in the other (a split or a join). Synonym swaps
lower Dice by about one word in ten: a spun sentence still anchors.
"""

from __future__ import annotations

import numpy as np

from retold.tokens import token_dice

from .alignment import Alignment, adjacent, extend


def lexical_anchors(al: Alignment) -> None:
    """Pair sentences by shared content weight, strongest first; grow splits and joins.

    Greedy over the candidates by Dice: a pair of free sentences anchors when its Dice reaches
    ``min_similarity`` or it is the best of its row and column; a sentence joins a group that
    holds one sentence on the other side when most of its content comes from it and it is next to
    the group's own sentences, giving 1:n (``+split``) and n:1 (``+join``) groups.
    """
    lex, t, s, groups = al.lex, al.tuning, al.settings, al.groups
    strong = (lex.overlap >= t.min_overlap_weight) & (
        (lex.dice >= s.min_similarity)
        | ((lex.cb >= t.fragment_containment) & (lex.ca >= t.fragment_partner_containment))
        | ((lex.ca >= t.fragment_containment) & (lex.cb >= t.fragment_partner_containment))
    )
    rank = lex.dice + t.overlap_tiebreak * lex.overlap
    strong &= top_k_mask(np.where(strong, rank, -1.0), t.candidates_per_sentence)
    if al.title_a and al.title_b:
        # Both open with a headline: headlines pair with each other, never with body sentences.
        keep_00 = bool(strong[0, 0])
        strong[0, :] = False
        strong[:, 0] = False
        strong[0, 0] = keep_00
    cand = np.argwhere(strong)
    order = sorted(cand.tolist(), key=lambda ij: -(lex.dice[ij[0], ij[1]] + t.overlap_tiebreak * lex.overlap[ij[0], ij[1]]))
    for i, j in order:
        ga, gb = groups.of_a.get(i), groups.of_b.get(j)
        if ga is None and gb is None:
            if lex.dice[i, j] >= s.min_similarity or mutual_best(lex.dice, i, j):
                groups.new(i, j, "lexical")
        elif ga is not None and gb is None:
            a_ids, b_ids, _ = groups.groups[ga]
            # split: b_j is mostly made of a_i, next to the group's other b sentences
            if len(a_ids) == 1 and lex.cb[i, j] >= t.fragment_containment and adjacent(j, b_ids, al.fb):
                groups.add_b(ga, j, "split")
        elif gb is not None and ga is None:
            a_ids, b_ids, _ = groups.groups[gb]
            # join: a_i is mostly inside b_j, next to the group's other a sentences
            if len(b_ids) == 1 and lex.ca[i, j] >= t.fragment_containment and adjacent(i, a_ids, al.fa):
                groups.add_a(gb, i, "join")


def extension(al: Alignment) -> None:
    """Align the free neighbours of each group, in step on both sides, on all-token Dice
    (``extension_dice``): short quotes like "What is it?" carry no content words but sit inside
    reuse."""
    ka, kb, threshold = al.fa.keys, al.fb.keys, al.tuning.extension_dice
    extend(al, lambda i, j: token_dice(ka[i], kb[j]) >= threshold, "extension")


def sandwiches(al: Alignment) -> None:
    """A lone free sentence on each side between two aligned groups is a rewrite of its
    counterpart when it shares anything at all (``sandwich_dice`` of its tokens, or
    ``sandwich_cosine`` when embedded): its slot in the reused text says the rest."""
    ka, kb, t, cos, groups = al.fa.keys, al.fb.keys, al.tuning, al.cos, al.groups

    def ok(i: int, j: int) -> bool:
        return token_dice(ka[i], kb[j]) >= t.sandwich_dice or (cos is not None and cos[i, j] >= t.sandwich_cosine)

    ordered = sorted(groups.groups, key=lambda g: min(g[1]))
    for (a1, b1, _), (a2, b2, _) in zip(ordered, ordered[1:], strict=False):
        i, j = max(a1) + 1, max(b1) + 1
        if min(a2) == i + 1 and min(b2) == j + 1 and i not in groups.of_a and j not in groups.of_b and ok(i, j):
            groups.new(i, j, "sandwich")


def top_k_mask(score: np.ndarray, k: int) -> np.ndarray:
    """True where a cell is among the k best of its row or of its column.

    Bounds the anchors to O((n + m) k): repetitive text (boilerplate, lists) otherwise makes every
    sentence a candidate for every other, and the greedy grouping quadratic.
    """
    n, m = score.shape
    mask = np.zeros_like(score, dtype=bool)
    if n == 0 or m == 0:
        return mask
    if m > k:
        idx = np.argpartition(-score, k - 1, axis=1)[:, :k]
        mask[np.arange(n)[:, None], idx] = True
    else:
        mask[:] = True
    if n > k:
        idx = np.argpartition(-score, k - 1, axis=0)[:k, :]
        mask[idx, np.arange(m)[None, :]] = True
    else:
        mask[:] = True
    return mask


def mutual_best(m: np.ndarray, i: int, j: int) -> bool:
    return bool(m[i].max() == m[i, j] and m[:, j].max() == m[i, j])
