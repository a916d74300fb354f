"""Banded LSH: keys, bulk pairs vs a brute-force oracle, the incremental index, recall."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from retold.candidates.fingerprint import MinHasher, estimate_jaccard, shingle_hashes
from retold.candidates.lsh import LSHIndex, band_keys, candidate_pairs, hit_probability

VOCAB = [f"w{i}" for i in range(2000)]


def _corpus(n_docs: int, seed: int) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Random articles plus near-duplicates (10% of words substituted): (docs, true pairs)."""
    rnd = random.Random(seed)
    docs = [[rnd.choice(VOCAB) for _ in range(300)] for _ in range(n_docs)]
    truth = []
    for i in range(n_docs // 2):
        copy = [w if rnd.random() > 0.04 else rnd.choice(VOCAB) for w in docs[i]]
        docs.append(copy)
        truth.append((i, len(docs) - 1))
    return docs, truth


def test_band_keys_shape_and_mismatch() -> None:
    sig = np.arange(8, dtype=np.uint32).reshape(1, 8)
    k = band_keys(sig, bands=4, rows=2)
    assert k.shape == (1, 4) and k.dtype == np.int64 and (k >= 0).all()
    with pytest.raises(ValueError, match="bands x rows"):
        band_keys(sig, bands=3, rows=2)


def test_candidate_pairs_equal_brute_force() -> None:
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 3, size=(40, 8), dtype=np.uint32)
    keys = band_keys(sigs, bands=4, rows=2)
    brute = {
        (i, j)
        for i, j in itertools.combinations(range(40), 2)
        if any((sigs[i, 2 * b : 2 * b + 2] == sigs[j, 2 * b : 2 * b + 2]).all() for b in range(4))
    }
    assert {tuple(p) for p in candidate_pairs(keys).tolist()} == brute


def test_big_buckets_are_skipped() -> None:
    keys = np.zeros((5, 2), dtype=np.int64)
    assert len(candidate_pairs(keys, max_bucket=4)) == 0
    assert len(candidate_pairs(keys, max_bucket=5)) == 10


def test_index_add_query_remove() -> None:
    mh = MinHasher.create(num_perm=128)
    docs, truth = _corpus(20, seed=1)
    sigs = mh.signatures([shingle_hashes(d) for d in docs])
    keys = band_keys(sigs, bands=32, rows=4)
    idx = LSHIndex(bands=32, rows=4)
    idx.add(list(range(len(docs))), keys)
    assert len(idx) == 30
    i, j = truth[0]
    assert j in idx.query(keys[i])
    counts = idx.query_counts(keys[i])
    assert counts[i] == 32 and counts[j] >= 1
    idx.remove(j)
    assert j not in idx.query(keys[i]) and j not in idx
    idx.add([j], keys[j])
    idx.add([j], keys[j])  # re-adding replaces, never duplicates
    assert len(idx) == 30 and j in idx.query(keys[i])


def test_recall_on_generated_near_duplicates() -> None:
    mh = MinHasher.create(num_perm=128)
    docs, truth = _corpus(200, seed=2)
    sigs = mh.signatures([shingle_hashes(d) for d in docs])
    found = {tuple(p) for p in candidate_pairs(band_keys(sigs, bands=32, rows=4)).tolist()}
    recall = sum(p in found for p in truth) / len(truth)
    jac = np.mean([estimate_jaccard(sigs[i], sigs[j]) for i, j in truth])
    # 4% substitutions leave Jaccard ~0.7 (3-shingles), where the 32x4 S-curve gives >= 0.99.
    assert jac > 0.6 and hit_probability(float(jac), bands=32, rows=4) > 0.99
    assert recall >= 0.97
    # Unrelated random articles almost never collide.
    assert len(found - set(truth)) <= 2
