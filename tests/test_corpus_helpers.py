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
