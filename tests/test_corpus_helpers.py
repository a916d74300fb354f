"""Generated articles for corpus tests (imported by the other test_corpus_* modules): sentences of real English words, deterministic per seed."""

from __future__ import annotations

import random

from wordfreq import top_n_list

WORDS = [w for w in top_n_list("en", 4000)[150:] if w.isalpha() and len(w) > 2]


def sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(10, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def article(rnd: random.Random, *, paragraphs: int = 6) -> str:
    return "\n\n".join(" ".join(sentence(rnd) for _ in range(3)) for _ in range(paragraphs))


def corpus(n: int, seed: int = 0) -> list[str]:
    rnd = random.Random(seed)
    return [article(rnd) for _ in range(n)]


def test_generated_corpus_is_deterministic_and_varied() -> None:
    a, b = corpus(3, seed=1), corpus(3, seed=1)
    assert a == b and len(set(a)) == 3 and a[0].count("\n\n") == 5


def test_semantic_neighbours_must_stand_out_from_the_background():
    """Vectors sharing one strong common direction all pass a cosine floor; only a real
    near-duplicate stands out from the background by candidates.semantic_min_z standard deviations."""
    import numpy as np

    from retold.corpus.archive import background_sample, semantic_neighbours
    from retold.store.ann import AnnIndex

    rng = np.random.default_rng(0)
    common = rng.normal(size=64)
    vecs = 2.2 * common / np.linalg.norm(common) + rng.normal(scale=0.125, size=(400, 64))
    vecs[1] = vecs[0] + rng.normal(scale=0.02, size=64)  # a near-duplicate of document 0
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ann = AnnIndex.build(np.arange(400), vecs.astype(np.float32))
    floor_only = semantic_neighbours(ann, ann.vectors[:2], k=6, floor=0.55, sample=None, min_z=5.0)
    assert all(len(row) == 6 for row in floor_only)  # the common direction: everything is "near"
    sample = background_sample(ann)
    assert sample is not None
    hits = semantic_neighbours(ann, ann.vectors[:2], k=6, floor=0.55, sample=sample, min_z=5.0)
    assert [sorted(lab for lab, _ in row) for row in hits] == [[0, 1], [0, 1]]
    small = AnnIndex.build(np.arange(50), vecs[:50].astype(np.float32))
    assert background_sample(small) is None
