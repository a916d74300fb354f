"""Passes on sentence embeddings: which sentences to embed, semantic pairs, their extension and
their joins.

Only sentences still unmatched after the lexical passes are embedded (embedding is the slowest
stage), and only those sharing something with the other side; the passes after ``embedding`` do
nothing when it found nothing worth embedding (``Alignment.cos`` stays None).
"""

from __future__ import annotations

import numpy as np

from .alignment import Alignment, Groups, extend, isolated
from .features import DocFeatures, weighted_jaccard


def embedding(al: Alignment) -> None:
    """Embed the unmatched sentences (and weak or joinable anchors) and fill ``al.cos``.

    Weak one-to-one anchors (Dice below ``weak_anchor_dice``, no aligned neighbour) get a second
    opinion from the embedder: the weak-passage filter would otherwise drop a real but reworded
    sentence pair. Members of one-to-one groups next to an unmatched sentence of their paragraph
    are embedded too: the neighbour may be merged into them (see :func:`semantic_joins`).
    """
    if not al.can_embed:
        return
    fa, fb, groups, t = al.fa, al.fb, al.groups, al.tuning
    un_a, un_b = unmatched_to_embed(al)
    weak = [
        (a_ids[0], b_ids[0]) for a_ids, b_ids, _ in groups.groups
        if len(a_ids) == 1 and len(b_ids) == 1 and al.lex.dice[a_ids[0], b_ids[0]] < t.weak_anchor_dice
        and isolated(groups, a_ids[0], b_ids[0])
    ]
    if not (un_a and un_b or weak) or not worth_embedding(al):
        return
    edge_a, edge_b = join_candidates(groups, fa, fb, set(un_a), set(un_b))
    emb_a = sorted(set(un_a) | {i for i, _ in weak} | edge_a)
    emb_b = sorted(set(un_b) | {j for _, j in weak} | edge_b)
    va, vb = _vectors(al, emb_a, emb_b)
    cos = np.full((fa.n, fb.n), -1.0, dtype=np.float64)
    cos[np.ix_(emb_a, emb_b)] = va @ vb.T
    if al.title_a and al.title_b:  # headlines pair only with each other
        title_pair = cos[0, 0]
        cos[0, :] = -1.0
        cos[:, 0] = -1.0
        cos[0, 0] = title_pair
    al.cos = cos
    al.vec_a, al.vec_b = dict(zip(emb_a, va, strict=True)), dict(zip(emb_b, vb, strict=True))


def semantic_pairs(al: Alignment) -> None:
    """Pair unmatched sentences whose cosine reaches ``semantic_threshold`` when the choice is
    mutual, or one-sided but ``semantic_margin`` above the threshold."""
    if al.cos is None:
        return
    groups, threshold = al.groups, al.settings.semantic_threshold
    un_a, un_b = unmatched_to_embed(al)
    sub = al.cos[np.ix_(un_a, un_b)] if un_a and un_b else np.zeros((0, 0))
    for r, c in np.argwhere(sub >= threshold).tolist():
        i, j = un_a[r], un_b[c]
        if i in groups.of_a or j in groups.of_b:
            continue
        row_best = sub[r].max() == sub[r, c]
        col_best = sub[:, c].max() == sub[r, c]
        if (row_best and col_best) or (sub[r, c] >= threshold + al.tuning.semantic_margin and (row_best or col_best)):
            groups.new(i, j, "semantic")


def semantic_extension(al: Alignment) -> None:
    """Align the free neighbours of each group, in step, at ``extension_cosine``."""
    if al.cos is None:
        return
    cos, threshold = al.cos, al.tuning.extension_cosine
    extend(al, lambda i, j: cos[i, j] >= threshold, "semantic-extension")


def semantic_joins(al: Alignment) -> None:
    """Grow one-to-one groups into joins and splits.

    A paraphrase often merges two source sentences into one (or splits one). An unmatched
    neighbour joins a group when adding it raises the group's cosine by ``join_gain``: the group
    vector is approximated by the length-weighted mean of its sentence vectors (MiniLM mean-pools
    tokens). On hand-written paraphrases the true neighbour raises the cosine (0.70 -> 0.83) and a
    wrong one lowers it.
    """
    if al.cos is None:
        return
    groups, fa, fb, va, vb, t = al.groups, al.fa, al.fb, al.vec_a, al.vec_b, al.tuning
    for a_ids, b_ids, _how in list(groups.groups):
        if len(a_ids) != 1 or len(b_ids) != 1:
            continue
        i, j = a_ids[0], b_ids[0]
        if i not in va or j not in vb:
            continue
        base = float(va[i] @ vb[j])
        g = groups.of_a[i]
        for side, own, other_vec, vecs, fd, taken in (
            ("a", i, vb[j], va, fa, groups.of_a),
            ("b", j, va[i], vb, fb, groups.of_b),
        ):
            for k in (own - 1, own + 1):
                if k not in vecs or k in taken:
                    continue
                if fd.segments.sentences[k].paragraph != fd.segments.sentences[own].paragraph:
                    continue
                if float(vecs[k] @ other_vec) < t.join_min_cosine:
                    continue
                wo, wk = len(fd.keys[own]), len(fd.keys[k])
                merged = vecs[own] * wo + vecs[k] * wk
                merged = merged / (np.linalg.norm(merged) or 1.0)
                merged_cos = float(merged @ other_vec)
                if merged_cos >= base + t.join_gain:
                    groups.cosine[g] = merged_cos
                    if side == "a":
                        groups.add_a(g, k, "join")
                    else:
                        groups.add_b(g, k, "split")
                    break


def unmatched_to_embed(al: Alignment) -> tuple[list[int], list[int]]:
    """Unmatched sentences with ``min_content_tokens`` tokens that share some Dice
    (``embed_min_dice``) with a sentence of the other side.

    A paraphrase keeps some names, numbers or content words of its source: sentences that share
    almost nothing with any sentence of the other side are not embedded (in long documents with a
    small reused part this skips most of the embedding work).
    """
    fa, fb, groups, dice = al.fa, al.fb, al.groups, al.lex.dice
    min_tokens, min_dice = al.settings.min_content_tokens, al.tuning.embed_min_dice
    best_a = dice.max(axis=1) if fb.n else np.zeros(fa.n)
    best_b = dice.max(axis=0) if fa.n else np.zeros(fb.n)
    un_a = [i for i in range(fa.n) if i not in groups.of_a and len(fa.keys[i]) >= min_tokens and best_a[i] >= min_dice]
    un_b = [j for j in range(fb.n) if j not in groups.of_b and len(fb.keys[j]) >= min_tokens and best_b[j] >= min_dice]
    return un_a, un_b


def worth_embedding(al: Alignment) -> bool:
    """Skip the embedder for pairs with no shared substance (most pairs in a corpus scan)."""
    if al.groups.groups:
        return True
    fa, fb = al.fa, al.fb
    sa, sb = set().union(*fa.stems), set().union(*fb.stems)
    return weighted_jaccard(sa, sb, fa, fb) >= al.tuning.embed_min_jaccard


def join_candidates(
    groups: Groups, fa: DocFeatures, fb: DocFeatures, un_a: set[int], un_b: set[int]
) -> tuple[set[int], set[int]]:
    """Both members of each one-to-one group with an unmatched neighbour in the same paragraph."""
    out_a: set[int] = set()
    out_b: set[int] = set()
    for a_ids, b_ids, _ in groups.groups:
        if len(a_ids) != 1 or len(b_ids) != 1:
            continue
        i, j = a_ids[0], b_ids[0]
        pa, pb = fa.segments.sentences[i].paragraph, fb.segments.sentences[j].paragraph
        if any(k in un_a and fa.segments.sentences[k].paragraph == pa for k in (i - 1, i + 1)) or any(
            k in un_b and fb.segments.sentences[k].paragraph == pb for k in (j - 1, j + 1)
        ):
            out_a.add(i)
            out_b.add(j)
    return out_a, out_b


def _vectors(al: Alignment, rows_a: list[int], rows_b: list[int]) -> tuple[np.ndarray, np.ndarray]:
    if al.vectors_a is not None and al.vectors_b is not None:
        return al.vectors_a[rows_a], al.vectors_b[rows_b]
    assert al.embedder is not None  # can_embed
    texts = [al.fa.sentence_text(i) for i in rows_a] + [al.fb.sentence_text(j) for j in rows_b]
    vecs = al.embedder.encode(texts)
    return vecs[: len(rows_a)], vecs[len(rows_a) :]
