"""Match sentences across two documents from lexical and semantic evidence.

Evidence, strongest first:

1. **Lexical anchors.** Content-word stems weighted by rarity. For sentences ``a_i`` and ``b_j``
   the shared weight gives two containments, ``ca`` (share of ``a_i`` found in ``b_j``) and
   ``cb`` (share of ``b_j`` found in ``a_i``), and their Dice. A pair anchors when Dice is high
   (a one-to-one rewrite), or when one side is mostly contained in the other (a split or a join).
   Synonym swaps lower Dice by about one word in ten: a spun sentence still anchors.
2. **Splits and joins.** Anchors are grouped greedily: a sentence may join a group that already
   holds one sentence on the other side when most of its content comes from it and it is
   adjacent, giving 1:n (split) and n:1 (join) groups.
3. **Extension.** Neighbours of a group, unmatched on both sides, are aligned with a relaxed test
   on all tokens (short quotes like "What is it?" carry no content words but sit inside reuse).
4. **Semantic matches.** Sentences still unmatched are embedded (only those: embedding is the
   slowest stage) and paired when cosine similarity is high and the choice is mutual.

>>> from retold.segment import segment
>>> fa = featurize(segment("Officials said the plan would cost 5 billion. It was approved."))
>>> fb = featurize(segment("The plan would cost 5 billion, officials announced."))
>>> [(p.a, p.b) for p in match_sentences(fa, fb)]
[((0,), (0,))]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from retold.config import MatchSettings
from retold.embed import Embedder
from retold.tokens import is_content, stem, token_dice, tokenize, weight
from retold.types import Segmented, SentencePair, Token

# Shared content weight below which a lexical pair is not evidence (about three ordinary words).
MIN_OVERLAP_WEIGHT = 3.0
# Containment above which one sentence counts as taken from the other (splits and joins).
FRAGMENT_CONTAINMENT = 0.65
# All-token Dice for aligning the neighbour of a group (extension).
EXTENSION_DICE = 0.45
# Cosine for a semantic neighbour of a group, lower than for a free-standing pair.
EXTENSION_COSINE = 0.62
# Anchor candidates kept per sentence (best by Dice), on each side.
CANDIDATES_PER_SENTENCE = 5
# Unmatched sentences are embedded only when some sentence of the other side shares this much.
EMBED_MIN_DICE = 0.1
# One-to-one lexical anchors below this Dice are also scored by the embedder.
WEAK_ANCHOR_DICE = 0.65
# A neighbour joins a semantic group when the group's cosine rises by this much with it, and
# the neighbour alone is at least this similar to the other side.
JOIN_GAIN = 0.02
JOIN_MIN_COSINE = 0.45
# Summary sentences: windows of up to 3 source sentences, cosine to the window, and the chain
# length needed when nothing else is aligned.
SUMMARY_WINDOW = 3
SUMMARY_COSINE = 0.66
SUMMARY_MIN_CHAIN = 3
# Similarity enough for a sentence sandwiched between aligned groups on both sides.
SANDWICH_DICE = 0.2
SANDWICH_COSINE = 0.45
# A summary sentence between two aligned groups may fuse several sentences of the source gap
# between them ("The system was built by Intel ...; before it arrived, workers carried floppy
# disks ..." from three sentences, cosine <= 0.56 to any window of them): it takes the window of
# up to GAP_WINDOW gap sentences that holds this share of its content-word weight (less 0.05 per
# extra sentence). Gaps longer than GAP_MAX a sentences or GAP_MAX_B b sentences are left alone;
# so are headlines. The stretches before the first and after the last aligned group count as gaps.
GAP_CONTAINMENT = 0.5
GAP_WINDOW = 4
GAP_MAX = 12
GAP_MAX_B = 2


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """Per-sentence tokens (spans into the raw text), content stems and their weights."""

    segments: Segmented
    tokens: tuple[tuple[Token, ...], ...]
    stems: tuple[frozenset[str], ...]
    keys: tuple[tuple[str, ...], ...]
    weights: dict[str, float]

    @property
    def n(self) -> int:
        return len(self.segments.sentences)

    def sentence_text(self, i: int) -> str:
        return self.segments.sentences[i].norm


def featurize(seg: Segmented) -> DocFeatures:
    """Tokenise each sentence of a segmented document (spans point into the raw text)."""
    raw = seg.text
    tokens: list[tuple[Token, ...]] = []
    stems: list[frozenset[str]] = []
    keys: list[tuple[str, ...]] = []
    weights: dict[str, float] = {}
    for s in seg.sentences:
        toks = _raw_tokens(raw, s.span.start, s.span.end)
        tokens.append(toks)
        k = tuple(t.key for t in toks)
        keys.append(k)
        st = set()
        for key in k:
            if is_content(key):
                sk = stem(key)
                st.add(sk)
                w = weight(key)
                if w > weights.get(sk, 0.0):
                    weights[sk] = w
        stems.append(frozenset(st))
    return DocFeatures(seg, tuple(tokens), tuple(stems), tuple(keys), weights)


def _raw_tokens(raw: str, start: int, end: int) -> tuple[Token, ...]:
    return tuple(tokenize(raw[start:end], start))


@dataclass(frozen=True, slots=True)
class LexicalMatrices:
    overlap: np.ndarray  # shared content weight, n x m
    ca: np.ndarray  # share of a_i's weight found in b_j
    cb: np.ndarray  # share of b_j's weight found in a_i
    dice: np.ndarray


def lexical_matrices(fa: DocFeatures, fb: DocFeatures) -> LexicalMatrices:
    """Shared content weight and containments for every sentence pair.

    Sparse incidence matrices: for two 400k-character documents (~4,000 sentences, ~20,000
    stems) a dense product would be 300 GFLOP; the sparse one takes well under a second.
    """
    vocab = {s: i for i, s in enumerate(sorted(set().union(*fa.stems, *fb.stems)))}
    w = np.zeros(len(vocab), dtype=np.float64)
    for s, i in vocab.items():
        w[i] = max(fa.weights.get(s, 0.0), fb.weights.get(s, 0.0))
    ma = _incidence(fa.stems, vocab)
    mb = _incidence(fb.stems, vocab)
    overlap = np.asarray((ma.multiply(w[None, :]).tocsr() @ mb.T).toarray(), dtype=np.float32)
    wa = np.asarray(ma @ w, dtype=np.float32)[:, None]
    wb = np.asarray(mb @ w, dtype=np.float32)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ca = np.where(wa > 0, overlap / wa, np.float32(0.0))
        cb = np.where(wb > 0, overlap / wb, np.float32(0.0))
        dice = np.where(wa + wb > 0, 2 * overlap / (wa + wb), np.float32(0.0))
    return LexicalMatrices(overlap, ca, cb, dice)


def _incidence(stems: Sequence[frozenset[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    """Binary sentence x vocabulary matrix."""
    rows = [i for i, st in enumerate(stems) for _ in st]
    cols = [vocab[x] for st in stems for x in st]
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(stems), len(vocab)))


class _Groups:
    """Disjoint sentence groups under construction."""

    def __init__(self) -> None:
        self.of_a: dict[int, int] = {}
        self.of_b: dict[int, int] = {}
        self.groups: list[tuple[list[int], list[int], str]] = []
        # Cosine of a group as a whole (joins and summary windows), beyond its sentence pairs.
        self.cosine: dict[int, float] = {}
        # Share of the b sentence's content-word weight found in its a window (summary gaps):
        # the group's score when higher than its Dice, which a 1:4 length ratio keeps low.
        self.containment: dict[int, float] = {}

    def new(self, i: int, j: int, how: str) -> None:
        g = len(self.groups)
        self.groups.append(([i], [j], how))
        self.of_a[i] = g
        self.of_b[j] = g

    def add_a(self, g: int, i: int) -> None:
        self.groups[g][0].append(i)
        self.of_a[i] = g

    def add_b(self, g: int, j: int) -> None:
        self.groups[g][1].append(j)
        self.of_b[j] = g


class _Mirror(_Groups):
    """The same groups seen with a and b swapped, so a rule written for b runs for a too."""

    def __init__(self, inner: _Groups) -> None:  # no state of its own: every view reads inner
        self.inner = inner

    @property
    def of_a(self) -> dict[int, int]:  # type: ignore[override]
        return self.inner.of_b

    @property
    def of_b(self) -> dict[int, int]:  # type: ignore[override]
        return self.inner.of_a

    @property
    def groups(self) -> list[tuple[list[int], list[int], str]]:  # type: ignore[override]
        return [(b, a, how) for a, b, how in self.inner.groups]

    @property
    def containment(self) -> dict[int, float]:  # type: ignore[override]
        return self.inner.containment

    def new(self, i: int, j: int, how: str) -> None:
        self.inner.new(j, i, how)

    def add_a(self, g: int, i: int) -> None:
        self.inner.add_b(g, i)

    def add_b(self, g: int, j: int) -> None:
        self.inner.add_a(g, j)


def match_sentences(
    fa: DocFeatures,
    fb: DocFeatures,
    *,
    settings: MatchSettings | None = None,
    embedder: Embedder | None = None,
    vectors_a: np.ndarray | None = None,
    vectors_b: np.ndarray | None = None,
) -> list[SentencePair]:
    """Aligned sentence groups, ordered by their first b sentence."""
    s = settings or MatchSettings()
    if fa.n == 0 or fb.n == 0:
        return []
    lex = lexical_matrices(fa, fb)
    groups = _Groups()

    # 1-2. Lexical anchors, strongest first; then splits and joins.
    strong = (lex.overlap >= MIN_OVERLAP_WEIGHT) & (
        (lex.dice >= s.min_similarity)
        | ((lex.cb >= FRAGMENT_CONTAINMENT) & (lex.ca >= 0.2))
        | ((lex.ca >= FRAGMENT_CONTAINMENT) & (lex.cb >= 0.2))
    )
    strong &= _top_k_mask(np.where(strong, lex.dice + 0.001 * lex.overlap, -1.0), CANDIDATES_PER_SENTENCE)
    ta, tb = _is_title(fa), _is_title(fb)
    if ta and tb:
        # Both open with a headline: headlines pair with each other, never with body sentences.
        keep_00 = bool(strong[0, 0])
        strong[0, :] = False
        strong[:, 0] = False
        strong[0, 0] = keep_00
    cand = np.argwhere(strong)
    order = sorted(cand.tolist(), key=lambda ij: -(lex.dice[ij[0], ij[1]] + 0.001 * lex.overlap[ij[0], ij[1]]))
    for i, j in order:
        ga, gb = groups.of_a.get(i), groups.of_b.get(j)
        if ga is None and gb is None:
            if lex.dice[i, j] >= s.min_similarity or _mutual_best(lex.dice, i, j):
                groups.new(i, j, "lexical")
        elif ga is not None and gb is None:
            a_ids, b_ids, _ = groups.groups[ga]
            # split: b_j is mostly made of a_i, next to the group's other b sentences
            if len(a_ids) == 1 and lex.cb[i, j] >= FRAGMENT_CONTAINMENT and _adjacent(j, b_ids, 1, fb):
                groups.add_b(ga, j)
        elif gb is not None and ga is None:
            a_ids, b_ids, _ = groups.groups[gb]
            # join: a_i is mostly inside b_j, next to the group's other a sentences
            if len(b_ids) == 1 and lex.ca[i, j] >= FRAGMENT_CONTAINMENT and _adjacent(i, a_ids, 1, fa):
                groups.add_a(gb, i)

    # 3. Extension around groups with a relaxed all-token test.
    _extend(groups, fa, fb, lambda i, j: token_dice(fa.keys[i], fb.keys[j]) >= EXTENSION_DICE, "extension")

    # 4. Semantic pairs among the sentences still unmatched.
    cos: np.ndarray | None = None
    if s.semantic and (embedder is not None or (vectors_a is not None and vectors_b is not None)):
        # A paraphrase keeps some names, numbers or content words of its source: sentences that
        # share almost nothing with any sentence of the other side are not embedded (in long
        # documents with a small reused part this skips most of the embedding work).
        best_a = lex.dice.max(axis=1) if fb.n else np.zeros(fa.n)
        best_b = lex.dice.max(axis=0) if fa.n else np.zeros(fb.n)
        un_a = [
            i for i in range(fa.n)
            if i not in groups.of_a and len(fa.keys[i]) >= s.min_content_tokens and best_a[i] >= EMBED_MIN_DICE
        ]
        un_b = [
            j for j in range(fb.n)
            if j not in groups.of_b and len(fb.keys[j]) >= s.min_content_tokens and best_b[j] >= EMBED_MIN_DICE
        ]
        # Weak one-to-one anchors get a second opinion from the embedder (the weak-passage filter
        # would otherwise drop a real but reworded sentence pair).
        weak = [
            (a_ids[0], b_ids[0]) for a_ids, b_ids, _ in groups.groups
            if len(a_ids) == 1 and len(b_ids) == 1 and lex.dice[a_ids[0], b_ids[0]] < WEAK_ANCHOR_DICE
            and _isolated(groups, a_ids[0], b_ids[0])
        ]
        if (un_a and un_b or weak) and _worth_embedding(lex, groups, fa, fb):
            # Members of one-to-one groups next to an unmatched sentence of their paragraph are
            # embedded too: the neighbour may be merged into them (see _semantic_joins).
            edge_a, edge_b = _join_candidates(groups, fa, fb, set(un_a), set(un_b))
            emb_a = sorted(set(un_a) | {i for i, _ in weak} | edge_a)
            emb_b = sorted(set(un_b) | {j for _, j in weak} | edge_b)
            va, vb = _vectors(fa, fb, emb_a, emb_b, embedder, vectors_a, vectors_b)
            cos = np.full((fa.n, fb.n), -1.0, dtype=np.float64)
            cos[np.ix_(emb_a, emb_b)] = va @ vb.T
            if ta and tb:  # headlines pair only with each other
                title_pair = cos[0, 0]
                cos[0, :] = -1.0
                cos[:, 0] = -1.0
                cos[0, 0] = title_pair
            sub = cos[np.ix_(un_a, un_b)] if un_a and un_b else np.zeros((0, 0))
            for r, c in np.argwhere(sub >= s.semantic_threshold).tolist():
                i, j = un_a[r], un_b[c]
                if i in groups.of_a or j in groups.of_b:
                    continue
                row_best = sub[r].max() == sub[r, c]
                col_best = sub[:, c].max() == sub[r, c]
                if (row_best and col_best) or (sub[r, c] >= s.semantic_threshold + 0.1 and (row_best or col_best)):
                    groups.new(i, j, "semantic")
            cos_m = cos
            _extend(groups, fa, fb, lambda i, j: cos_m[i, j] >= EXTENSION_COSINE, "semantic-extension")
            vec_a, vec_b = dict(zip(emb_a, va, strict=True)), dict(zip(emb_b, vb, strict=True))
            _semantic_joins(groups, fa, fb, vec_a, vec_b)
            _summary_chain(groups, fa, fb, vec_a, vec_b)

    # 5. A lone unmatched sentence on each side between two aligned groups is a rewrite of its
    # counterpart when it shares anything at all: its slot in the reused text says the rest.
    cos_f = cos
    _fill_sandwiches(
        groups,
        lambda i, j: token_dice(fa.keys[i], fb.keys[j]) >= SANDWICH_DICE
        or (cos_f is not None and cos_f[i, j] >= SANDWICH_COSINE),
    )
    # Summary sentences may be on either side: b condensing a, or a condensing b.
    _widen_weak_singles(groups, fa, fb)
    _widen_weak_singles(_Mirror(groups), fb, fa)
    _fill_summary_gaps(groups, fa, fb)
    _fill_summary_gaps(_Mirror(groups), fb, fa)
    return _finish(groups, fa, fb, lex, cos)


def _join_candidates(
    groups: _Groups, fa: DocFeatures, fb: DocFeatures, un_a: set[int], un_b: set[int]
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


def _semantic_joins(groups: _Groups, fa: DocFeatures, fb: DocFeatures, va: dict, vb: dict) -> None:  # type: ignore[type-arg]
    """Grow semantic one-to-one groups into joins and splits.

    A paraphrase often merges two source sentences into one (or splits one). An unmatched
    neighbour joins a semantic group when adding it raises the group's cosine: the group vector
    is approximated by the length-weighted mean of its sentence vectors (MiniLM mean-pools tokens).
    On hand-written paraphrases the true neighbour raises the cosine (0.70 -> 0.83) and a wrong
    one lowers it.
    """
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
                if float(vecs[k] @ other_vec) < JOIN_MIN_COSINE:
                    continue
                wo, wk = len(fd.keys[own]), len(fd.keys[k])
                merged = vecs[own] * wo + vecs[k] * wk
                merged = merged / (np.linalg.norm(merged) or 1.0)
                merged_cos = float(merged @ other_vec)
                if merged_cos >= base + JOIN_GAIN:
                    groups.cosine[g] = merged_cos
                    if side == "a":
                        groups.add_a(g, k)
                    else:
                        groups.add_b(g, k)
                    break


def _summary_chain(groups: _Groups, fa: DocFeatures, fb: DocFeatures, va: dict, vb: dict) -> None:  # type: ignore[type-arg]
    """Align summary sentences: each condenses a window of one to three source sentences.

    A summary sentence is only moderately similar to any single source sentence (cosine
    0.55-0.75), but close to the window it condenses. Left to right over the still unmatched b
    sentences, each takes the best window of free a sentences that lies between the groups
    already aligned around it and after the previous window (summaries keep the order). Without
    any other aligned group, three such sentences are needed: two articles on the same event
    also open with similar sentences.
    """
    un_b = [j for j in sorted(vb) if j not in groups.of_b]
    free_a = [i for i in sorted(va) if i not in groups.of_a]
    if not un_b or not free_a:
        return
    free = set(free_a)
    windows: list[tuple[int, int, np.ndarray]] = []  # (first, last, vector)
    for i in free_a:
        vec = np.zeros_like(va[i])
        for k in range(i, min(i + SUMMARY_WINDOW, fa.n)):
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
    ta, tb = _is_title(fa), _is_title(fb)
    title_only = (starts == 0) & (ends == 0)
    for j in un_b:
        lo = max([a_max for b0, _, a_max in anchors if b0 < j], default=-1)
        hi = min([a_min for b0, a_min, _ in anchors if b0 > j], default=fa.n)
        cos = mat @ vb[j]
        ok = (cos >= SUMMARY_COSINE) & (starts > lo) & (ends < hi)
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
        gain, back = c - SUMMARY_COSINE + 0.05, -1
        for q in range(k):
            jq, _sq, eq, _cq = cands[q]
            if jq < j and eq < st and best[q] + c - SUMMARY_COSINE + 0.05 > gain:
                gain, back = best[q] + c - SUMMARY_COSINE + 0.05, q
        best.append(gain)
        prev.append(back)
    k = int(np.argmax(best))
    chain: list[tuple[int, int, int, float]] = []
    while k >= 0:
        chain.append(cands[k])
        k = prev[k]
    chain.reverse()
    if len(chain) < (1 if groups.groups else SUMMARY_MIN_CHAIN):
        return
    for j, first, last, window_cos in chain:
        groups.new(first, j, "summary")
        g = groups.of_b[j]
        groups.cosine[g] = window_cos
        for k in range(first + 1, last + 1):
            groups.add_a(g, k)


def _fill_sandwiches(groups: _Groups, ok) -> None:  # type: ignore[no-untyped-def]
    ordered = sorted(groups.groups, key=lambda g: min(g[1]))
    for (a1, b1, _), (a2, b2, _) in zip(ordered, ordered[1:], strict=False):
        i, j = max(a1) + 1, max(b1) + 1
        if min(a2) == i + 1 and min(b2) == j + 1 and i not in groups.of_a and j not in groups.of_b and ok(i, j):
            groups.new(i, j, "sandwich")


def _best_window(
    fa: DocFeatures, fb: DocFeatures, j: int, windows: Iterable[tuple[int, int]], *, min_share: float
) -> tuple[int, int, float] | None:
    """The window ``(lo, hi)`` of a sentences holding the largest share of b sentence ``j``'s
    content-word weight, less 0.05 per extra sentence: ``(lo, hi, share)``, or None when no
    window holds ``min_share``."""
    weights = {x: fb.weights.get(x, 0.0) for x in fb.stems[j]}
    total = math.fsum(weights.values())
    if total <= 0:
        return None
    best: tuple[float, int, int, float] | None = None
    for lo, hi in windows:
        covered: frozenset[str] = frozenset().union(*(fa.stems[k] for k in range(lo, hi + 1)))
        share = math.fsum(w for x, w in weights.items() if x in covered) / total
        score = share - 0.05 * (hi - lo)
        if share >= min_share and (best is None or score > best[0]):
            best = (score, lo, hi, share)
    return None if best is None else best[1:]


def _widen_weak_singles(groups: _Groups, fa: DocFeatures, fb: DocFeatures) -> None:
    """A one-to-one group whose a sentence holds little of the b sentence's content grows into
    the window of free neighbours that holds most of it (a summary sentence anchored on one of
    the sentences it fuses), when that window reaches GAP_CONTAINMENT and adds at least 0.2."""
    first_a = 1 if _is_title(fa) else 0
    for g, (a_ids, b_ids, _how) in enumerate(list(groups.groups)):
        if len(a_ids) != 1 or len(b_ids) != 1:
            continue
        i, j = a_ids[0], b_ids[0]
        alone = _best_window(fa, fb, j, [(i, i)], min_share=0.0)
        single = alone[2] if alone else 0.0
        if single >= GAP_CONTAINMENT or i < first_a:
            continue
        windows = [
            (lo, hi)
            for lo in range(max(first_a, i - GAP_WINDOW + 1), i + 1)
            for hi in range(i, min(fa.n, lo + GAP_WINDOW))
            if hi != lo and not any(k in groups.of_a for k in range(lo, hi + 1) if k != i)
        ]
        best = _best_window(fa, fb, j, windows, min_share=max(GAP_CONTAINMENT, single + 0.2))
        if best is not None:
            lo, hi, share = best
            for k in range(lo, hi + 1):
                if k != i:
                    groups.add_a(g, k)
            groups.containment[g] = share


def _fill_summary_gaps(groups: _Groups, fa: DocFeatures, fb: DocFeatures) -> None:
    """Align b sentences in a gap between two aligned groups to the window of the a gap that
    covers most of their content words (see GAP_CONTAINMENT)."""
    if not groups.groups:
        return
    ordered = sorted(groups.groups, key=lambda g: min(g[1]))
    bounds = [([-1], [-1]), *((a, b) for a, b, _ in ordered), ([fa.n], [fb.n])]
    first_a = 1 if _is_title(fa) else 0
    first_b = 1 if _is_title(fb) else 0
    for (a1, b1), (a2, b2) in zip(bounds, bounds[1:], strict=False):
        lo_a, hi_a = max(max(a1) + 1, first_a), min(a2)
        lo_b, hi_b = max(max(b1) + 1, first_b), min(b2)
        if not (0 < hi_b - lo_b <= GAP_MAX_B and 0 < hi_a - lo_a <= GAP_MAX):
            continue
        if any(i in groups.of_a for i in range(lo_a, hi_a)) or any(j in groups.of_b for j in range(lo_b, hi_b)):
            continue
        start = lo_a
        for j in range(lo_b, hi_b):
            windows = [(i, k) for i in range(start, hi_a) for k in range(i, min(i + GAP_WINDOW, hi_a))]
            best = _best_window(fa, fb, j, windows, min_share=GAP_CONTAINMENT)
            if best is None:
                continue
            i, k, share = best
            groups.new(i, j, "summary-gap")
            groups.containment[groups.of_b[j]] = share
            for x in range(i + 1, k + 1):
                groups.add_a(groups.of_b[j], x)
            start = k + 1


def _is_title(fd: DocFeatures) -> bool:
    """Whether the first sentence is a headline: a short first paragraph without a full stop."""
    sents = fd.segments.sentences
    if len(sents) < 2 or sents[1].paragraph == sents[0].paragraph:
        return False
    first = sents[0].norm.rstrip()
    return len(fd.keys[0]) <= 15 and not first.endswith((".", "!", "?", '"', "'"))


def _top_k_mask(score: np.ndarray, k: int) -> np.ndarray:
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


def _isolated(groups: _Groups, i: int, j: int) -> bool:
    """No aligned neighbour on either side: the pair would stand alone as a passage."""
    return not any(x in groups.of_a for x in (i - 1, i + 1)) and not any(y in groups.of_b for y in (j - 1, j + 1))


def _mutual_best(m: np.ndarray, i: int, j: int) -> bool:
    return bool(m[i].max() == m[i, j] and m[:, j].max() == m[i, j])


def _adjacent(x: int, members: list[int], gap: int, fd: DocFeatures) -> bool:
    """Next to a member, in the same paragraph (a title never joins the lead sentence)."""
    sents = fd.segments.sentences
    return any(abs(x - y) <= gap and sents[x].paragraph == sents[y].paragraph for y in members)


def _extend(groups: _Groups, fa: DocFeatures, fb: DocFeatures, ok, how: str) -> None:  # type: ignore[no-untyped-def]
    """Walk outwards from every group, one sentence on each side at a time, while ``ok`` holds."""
    for a_ids, b_ids, _ in list(groups.groups):
        for step, i, j in ((-1, min(a_ids) - 1, min(b_ids) - 1), (1, max(a_ids) + 1, max(b_ids) + 1)):
            while 0 <= i < fa.n and 0 <= j < fb.n and i not in groups.of_a and j not in groups.of_b and ok(i, j):
                groups.new(i, j, how)
                i += step
                j += step


def _worth_embedding(lex: LexicalMatrices, groups: _Groups, fa: DocFeatures, fb: DocFeatures) -> bool:
    """Skip the embedder for pairs with no shared substance (most pairs in a corpus scan)."""
    if groups.groups:
        return True
    sa, sb = set().union(*fa.stems), set().union(*fb.stems)
    # Same-story pairs share names and numbers: weighted Jaccard ~0.1+, unrelated ~0.02-0.05.
    return weighted_jaccard(sa, sb, fa, fb) >= 0.08


def weighted_jaccard(sa: set[str], sb: set[str], fa: DocFeatures, fb: DocFeatures) -> float:
    """Rarity-weighted Jaccard of the stems ``sa`` (of ``fa``) and ``sb`` (of ``fb``): how much
    substance (names, numbers, rare words weigh most) two texts share."""
    w_union = math.fsum(fa.weights.get(x) or fb.weights.get(x, 0.0) for x in sa | sb)
    return math.fsum(fa.weights[x] for x in sa & sb) / w_union if w_union else 0.0


def _vectors(fa, fb, un_a, un_b, embedder, vectors_a, vectors_b):  # type: ignore[no-untyped-def]
    if vectors_a is not None and vectors_b is not None:
        return vectors_a[un_a], vectors_b[un_b]
    texts = [fa.sentence_text(i) for i in un_a] + [fb.sentence_text(j) for j in un_b]
    vecs = embedder.encode(texts)
    return vecs[: len(un_a)], vecs[len(un_a) :]


def _finish(
    groups: _Groups, fa: DocFeatures, fb: DocFeatures, lex: LexicalMatrices, cos: np.ndarray | None
) -> list[SentencePair]:
    out = []
    for g, (a_ids, b_ids, _how) in enumerate(groups.groups):
        a_ids, b_ids = sorted(a_ids), sorted(b_ids)
        sa = frozenset().union(*(fa.stems[i] for i in a_ids))
        sb = frozenset().union(*(fb.stems[j] for j in b_ids))
        shared = sa & sb
        wa = math.fsum(fa.weights[x] for x in sa)
        wb = math.fsum(fb.weights[x] for x in sb)
        ws = math.fsum(max(fa.weights[x], fb.weights[x]) for x in shared)
        lexical = min(1.0, 2 * ws / (wa + wb)) if wa + wb > 0 else 0.0
        if lexical == 0.0:
            ka = [k for i in a_ids for k in fa.keys[i]]
            kb = [k for j in b_ids for k in fb.keys[j]]
            lexical = token_dice(ka, kb)
        semantic = None
        if cos is not None:
            vals = [cos[i, j] for i in a_ids for j in b_ids if cos[i, j] > -1.0]
            semantic = float(max(vals)) if vals else None
        if g in groups.cosine:
            semantic = max(semantic or -1.0, groups.cosine[g])
        score = max(lexical, semantic or 0.0, groups.containment.get(g, 0.0))
        out.append(SentencePair(tuple(a_ids), tuple(b_ids), float(score), float(lexical), semantic))
    out.sort(key=lambda p: (p.b[0], p.a[0]))
    return out


@dataclass(frozen=True, slots=True)
class SentenceFeatures:
    """Similarity evidence for one pair of sentences (used by ``retold eval msrp``)."""

    dice: float
    containment_a: float
    containment_b: float
    token_dice: float
    semantic: float | None


def sentence_features(a_text: str, b_text: str, *, embedder: Embedder | None = None) -> SentenceFeatures:
    """Lexical (and, with an embedder, semantic) similarity of two sentences."""
    from retold.segment import segment

    fa = featurize(_one_sentence(segment(a_text)))
    fb = featurize(_one_sentence(segment(b_text)))
    if fa.n == 0 or fb.n == 0:
        return SentenceFeatures(0.0, 0.0, 0.0, 0.0, None)
    lex = lexical_matrices(fa, fb)
    sem = None
    if embedder is not None:
        v = embedder.encode([a_text, b_text])
        sem = float(v[0] @ v[1])
    return SentenceFeatures(
        float(lex.dice[0, 0]), float(lex.ca[0, 0]), float(lex.cb[0, 0]), token_dice(fa.keys[0], fb.keys[0]), sem
    )


def _one_sentence(seg: Segmented) -> Segmented:
    """Treat the whole text as one sentence (MSRP items can hold two)."""
    from retold.types import Sentence, Span

    if not seg.sentences:
        return seg
    first, last = seg.sentences[0], seg.sentences[-1]
    norm = " ".join(x.norm for x in seg.sentences)
    one = Sentence(0, Span(first.span.start, last.span.end), 0, norm)
    return Segmented(seg.text, seg.paragraphs[:1], (one,), seg.repaired_breaks)
