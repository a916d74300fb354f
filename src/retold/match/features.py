"""Sentence features for the matcher: tokens, content stems with rarity weights, and the lexical
similarity of every sentence pair (shared weight, containments, Dice).

>>> from retold.segment import segment
>>> fa = featurize(segment("Officials said the plan would cost 5 billion."))
>>> fb = featurize(segment("The plan would cost 5 billion, officials announced."))
>>> lex = lexical_matrices(fa, fb)
>>> round(float(lex.dice[0, 0]), 2)
0.86
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from retold.embed import Embedder
from retold.tokens import is_content, stem, token_dice, tokenize, weight
from retold.types import Segmented, Token


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

    def transposed(self) -> LexicalMatrices:
        """The same matrices with a and b swapped (views, no copy)."""
        return LexicalMatrices(self.overlap.T, self.cb.T, self.ca.T, self.dice.T)


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


def weighted_jaccard(sa: set[str], sb: set[str], fa: DocFeatures, fb: DocFeatures) -> float:
    """Rarity-weighted Jaccard of the stems ``sa`` (of ``fa``) and ``sb`` (of ``fb``): how much
    substance (names, numbers, rare words weigh most) two texts share. A stem weighs the larger
    of its two documents' weights (they differ when its word forms do), so the measure is the
    same either way round."""
    def w(x: str) -> float:
        return max(fa.weights.get(x, 0.0), fb.weights.get(x, 0.0))

    w_union = math.fsum(w(x) for x in sa | sb)
    return math.fsum(w(x) for x in sa & sb) / w_union if w_union else 0.0


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
