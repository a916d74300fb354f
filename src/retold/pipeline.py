"""compare() and Detector: compose the stages. (Being written: API is fixed, body is a stub.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date

import numpy as np

from retold.config import Settings
from retold.embed import Embedder, get_embedder
from retold.types import Attribution, Comparison, Document, Segmented

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document made ready for comparison: segmented, tokenised, optionally embedded.

    Corpus code prepares each document once and compares prepared documents many times; the
    sentence embeddings (``vectors``, one row per sentence) can come from a store.
    """

    doc: Document
    segments: Segmented
    vectors: np.ndarray | None = None


def as_document(x: Document | str, default_id: str) -> Document:
    return x if isinstance(x, Document) else Document(id=default_id, text=x)


class Detector:
    """Compares documents with one set of settings and one embedder."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embed)
        return self._embedder

    def prepare(self, doc: Document, *, vectors: np.ndarray | None = None) -> Prepared:
        raise NotImplementedError

    def compare(self, a: Document | str, b: Document | str) -> Comparison:
        return self.compare_prepared(self.prepare(as_document(a, "a")), self.prepare(as_document(b, "b")))

    def compare_prepared(self, a: Prepared, b: Prepared) -> Comparison:
        raise NotImplementedError


def compare(
    a: Document | str,
    b: Document | str,
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
) -> Comparison:
    """Compare two articles: passages with spans, edits, verdict and source."""
    return Detector(settings, embedder=embedder).compare(a, b)


__all__ = ["Attribution", "Date", "Detector", "Prepared", "compare"]
