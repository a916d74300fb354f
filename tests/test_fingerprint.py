"""Fingerprint kernels: examples, a slow oracle, and MinHash-vs-Jaccard properties."""

from __future__ import annotations

import random
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.candidates.fingerprint import (
    MAX_HASH,
    MinHasher,
    containment,
    estimate_jaccard,
    exact_jaccard,
    shingle_hashes,
    text_shingles,
    tokens,
    winnow,
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
