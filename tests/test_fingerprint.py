"""Fingerprint kernels: examples, a slow oracle, and MinHash-vs-Jaccard properties."""

from __future__ import annotations

import random
import re
import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.candidates.fingerprint import (
    _DELETE,
    _INERT,
    MAX_HASH,
    MinHasher,
    containment,
    corpus_fingerprints,
    corpus_shingle_hashes,
    corpus_signatures,
    corpus_token_hashes,
    corpus_tokens,
    estimate_jaccard,
    exact_jaccard,
    fingerprint_text,
    shingle_hashes,
    text_shingles,
    tokens,
    winnow,
    word_bytes,
)
from retold.config import FingerprintSettings
from retold.normalise import normalise

VOCAB = [f"w{i}" for i in range(400)]


def oracle_signature(hashes: np.ndarray, mh: MinHasher) -> np.ndarray:
    """Obviously correct and slow: one Python big-int hash per shingle and permutation."""
    out = []
    for a, b in zip(mh.a.tolist(), mh.b.tolist(), strict=True):
        best = 2**32 - 1
        for x in set(hashes.tolist()):
            best = min(best, ((a * x + b) % 2**64) >> 32)
        out.append(best)
    return np.array(out, dtype=np.uint32)


def test_tokens_match_normalise_words() -> None:
    texts = [
        "\u201cIt\u2019s here,\u201d said Ms\u00a0Smith \u2014 ﬁnally.",
        "Zero\u200bwidth and soft\u00adhyphen JOIN words; café CAFÉ",
        "Numbers 5,000 and 3.5% stay tokens\n\nNew paragraph",
    ]
    for t in texts:
        assert tokens(t) == re.findall(r"\w+", normalise(t).text.casefold())


def test_shingles_depend_on_order_and_are_stable() -> None:
    a = shingle_hashes(["a", "b", "c"])
    b = shingle_hashes(["c", "b", "a"])
    assert a.dtype == np.uint32 and len(a) == 1
    assert a[0] != b[0]
    # Pinned: signatures stored in a database must not change between releases.
    h = shingle_hashes(["the", "cat", "sat"])
    assert h.tolist() == [3937947148]
    assert MinHasher.create(num_perm=4, seed=1).signature(h).tolist() == [1842619528, 1872254638, 772739897, 45037999]
    assert len(shingle_hashes(["only", "two"])) == 1
    assert len(shingle_hashes([])) == 0


def test_fast_signature_equals_oracle() -> None:
    mh = MinHasher.create(num_perm=16, seed=3)
    h = text_shingles("the minister said the plan would cost five billion pounds over ten years")
    assert mh.signature(h).tolist() == oracle_signature(h, mh).tolist()


def test_batch_signatures_equal_single_and_handle_empty() -> None:
    mh = MinHasher.from_settings(FingerprintSettings())
    sets = [text_shingles(t) for t in ["one two three four", "", "five six seven eight nine"]]
    many = mh.signatures(sets)
    assert many.shape == (3, 128)
    assert (many[1] == MAX_HASH).all()
    assert many[0].tolist() == mh.signature(sets[0]).tolist()
    assert mh.signatures([]).shape == (0, 128)


def test_seed_changes_signature() -> None:
    h = text_shingles("a b c d e f g h")
    assert MinHasher.create(seed=1).signature(h).tolist() != MinHasher.create(seed=2).signature(h).tolist()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=20, max_value=200),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=10_000),
)
def test_minhash_estimate_tracks_exact_jaccard(size: int, share: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    universe = rng.choice(2**32 - 1, size=3 * size, replace=False).astype(np.uint32)
    common = int(size * share)
    a = universe[:size]
    b = np.concatenate([universe[:common], universe[size : 2 * size - common]])
    mh = MinHasher.create(num_perm=256, seed=seed)
    est = estimate_jaccard(mh.signature(a), mh.signature(b))
    # Standard error of the estimate is sqrt(J(1-J)/256) <= 0.031; 4.5 sigma keeps flakes ~1e-5.
    assert abs(est - exact_jaccard(a, b)) <= 0.14


def test_containment_and_winnow_find_excerpt() -> None:
    rnd = random.Random(5)
    source = [rnd.choice(VOCAB) for _ in range(600)]
    excerpt = source[200:260]
    hs, he = shingle_hashes(source), shingle_hashes(excerpt)
    assert containment(he, hs) == 1.0
    assert exact_jaccard(he, hs) < 0.15
    ws, we = winnow(hs), winnow(he)
    assert len(np.intersect1d(ws, we)) >= 0.8 * len(we)
    # Density is about 2 / (window + 1).
    assert 0.08 < len(ws) / len(hs) < 0.25


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=1, max_size=80), st.integers(1, 10))
def test_winnow_guarantee(values: list[int], window: int) -> None:
    h = np.array(values, dtype=np.uint32)
    fp = set(winnow(h, window=window).tolist())
    # Every full window contributes its minimum; a short text keeps its minimum.
    for i in range(max(1, len(h) - window + 1)):
        assert int(h[i : i + window].min()) in fp


# Texts that exercise every branch of the corpus path: no words, fewer words than a shingle, words of
# every byte length 1..40 (xxh64's 8/4/1-byte steps and its >= 32-byte path), inert symbols only,
# text that needs NFKC and case folding, zero-width characters, combining marks, a lone surrogate,
# and more than 8 distinct non-word symbols (the regex branch of word_bytes).
EDGE_TEXTS = [
    "",
    "   !!! ...",
    "one",
    "Two words",
    " ".join("abcdefghijklmnopqrstuvwxyz0123456789_ABCD"[:n] for n in range(1, 41)),
    "The \u00a3 5bn plan \u2014 \u201cfinal\u201d, she said \u2019twas \u00b110\u00b0 \u20ac3",
    "Zero\u200bwidth and soft\u00adhyphen JOIN words; caf\u00e9 CAF\u00c9 Stra\u00dfe \ufb01nally \u2460",
    "e\u0301 combining A\u030a \u0391\u0392\u0393 \u03a3\u03c3\u03c2 \u0130stanbul",
    "lone \ud800 surrogate and \uffff",
    "\u2122 \u2026 \u00bd \u00a7\u00b6\u2020\u2021\u2022\u00a9\u00ae\u00d7\u00f7\u00a1\u00bf\u00ab\u00bb many symbols x",
    "\u0434\u043e\u0431\u0440\u044b\u0439 \u0434\u0435\u043d\u044c \u4e2d\u6587\u5b57 \U0001d400\U0001d401 tail",
    "a " * 5 + "\n\t\x00\x1f end",
]


def reference(texts: list[str], mh: MinHasher, k: int) -> tuple[list[list[str]], list[np.ndarray], np.ndarray]:
    """Today's per-document path: tokens, shingle_hashes, one MinHasher.signature per text."""
    toks = [tokens(t) for t in texts]
    sh = [shingle_hashes(t, shingle_size=k) for t in toks]
    sigs = np.stack([mh.signature(h) for h in sh]) if sh else np.zeros((0, mh.num_perm), dtype=np.uint32)
    return toks, sh, sigs


def assert_corpus_path_is_reference(texts: list[str], k: int = 3, num_perm: int = 32) -> None:
    mh = MinHasher.create(num_perm=num_perm, seed=7)
    ref_toks, ref_sh, ref_sigs = reference(texts, mh, k)
    toks = corpus_tokens(texts)
    assert len(toks.offsets) == len(texts) + 1
    for d, words in enumerate(ref_toks):
        assert toks.words(d) == [w.encode("utf-8") for w in words], texts[d]
        assert word_bytes(texts[d]).split() == toks.words(d)
    sh, offsets = corpus_shingle_hashes(corpus_token_hashes(toks), toks.offsets, shingle_size=k)
    assert sh.dtype == np.uint32 and len(offsets) == len(texts) + 1
    for d, hashes in enumerate(ref_sh):
        assert sh[offsets[d] : offsets[d + 1]].tolist() == hashes.tolist(), texts[d]
    sigs = mh.signatures_flat(sh, offsets)
    assert sigs.dtype == np.uint32 and np.array_equal(sigs, ref_sigs)
    assert np.array_equal(corpus_signatures(texts, mh, shingle_size=k), ref_sigs)
    assert np.array_equal(mh.signatures(ref_sh), ref_sigs)


def test_corpus_path_equals_reference_on_edge_texts() -> None:
    for k in (1, 2, 3, 5):
        assert_corpus_path_is_reference(EDGE_TEXTS, k=k)
        assert_corpus_path_is_reference(EDGE_TEXTS[::-1], k=k)
    # Each text alone too: a corpus of one empty text, of one short text, ...
    for t in EDGE_TEXTS:
        assert_corpus_path_is_reference([t])


def test_corpus_fingerprints_are_fingerprint_text_of_each_text() -> None:
    """What the store's add and the batch scan's fingerprint stage use, against the per-text path."""
    mh = MinHasher.create(num_perm=32)
    story = ("Engineers closed the Victorian railway bridge at Hallam Cross on Wednesday after floodwater "
             "scoured away part of the stone pier that carries the line over the River Teal. ") * 3
    texts = [*EDGE_TEXTS, story, story.upper(), ""]
    for k in (1, 3):
        sigs, wins, counts = corpus_fingerprints(texts, mh, shingle_size=k)
        assert sigs.shape == (len(texts), 32) and len(wins) == len(counts) == len(texts)
        for i, t in enumerate(texts):
            sig, win, n = fingerprint_text(t, mh, shingle_size=k)
            assert np.array_equal(sigs[i], sig) and np.array_equal(wins[i], win) and counts[i] == n, (k, t)
    assert corpus_fingerprints([], mh)[0].shape == (0, 32)


def test_corpus_path_with_no_texts_or_only_empty_ones() -> None:
    mh = MinHasher.create(num_perm=8)
    assert corpus_signatures([], mh).shape == (0, 8)
    sigs = corpus_signatures(["", " ... ", ""], mh)
    assert sigs.shape == (3, 8) and (sigs == MAX_HASH).all()
    assert mh.signatures_flat(np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64)).shape == (0, 8)


def test_signatures_flat_spans_several_blocks() -> None:
    # More shingles than one 2**18 block, with documents of one shingle and empty ones between.
    rng = np.random.default_rng(11)
    sets = [rng.integers(0, 2**32, size=int(n), dtype=np.uint64).astype(np.uint32) for n in rng.integers(0, 9000, 80)]
    sets[3] = sets[3][:1]
    sets[40] = sets[40][:0]
    mh = MinHasher.create(num_perm=16, seed=5)
    assert np.array_equal(mh.signatures(sets), np.stack([mh.signature(h) for h in sets]))


_ALPHABET = (
    "abcXYZ019_ \n.,'\"-"
    + "".join(sorted(_INERT))
    + "\u00e9\u00c9\u00df\u0301\u030a\u200b\u00ad\ufb01\u2122\u0130\u03a3\u03c2\u4e2d\u2460\u00a0\u2026"
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=60), max_size=6), st.integers(1, 4))
def test_corpus_path_equals_reference_on_random_texts(texts: list[str], k: int) -> None:
    assert_corpus_path_is_reference(texts, k=k, num_perm=8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), max_size=4))
def test_corpus_path_equals_reference_on_any_unicode(texts: list[str]) -> None:
    assert_corpus_path_is_reference(texts, num_perm=8)


def test_inert_symbols_need_no_normalisation() -> None:
    # word_bytes() skips NFKC and case folding for text made of ASCII and these symbols only.
    for c in _INERT:
        assert unicodedata.normalize("NFKD", c) == c == unicodedata.normalize("NFKC", c), hex(ord(c))
        assert unicodedata.combining(c) == 0 and c.casefold() == c and not re.match(r"\w", c)
        assert ord(c) not in _DELETE
    # No two neighbours compose (an all-starter string without compositions is in NFKC).
    neighbours = [chr(i) for i in range(128)] + sorted(_INERT)
    for c in _INERT:
        for n in neighbours:
            assert unicodedata.normalize("NFKC", c + n) == c + n
            assert unicodedata.normalize("NFKC", n + c) == n + c
