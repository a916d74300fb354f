"""The corpus store: documents, signatures, LSH buckets, postings, embeddings and detected pairs in
one SQLite file (:class:`Store`), plus the ANN index over document vectors (:mod:`retold.store.ann`).

This package is an edge: it does file I/O. The kernels it stores come from the core
(:mod:`retold.candidates.fingerprint`, :mod:`retold.candidates.lsh`).
"""

from __future__ import annotations

from retold.store.schema import SCHEMA_VERSION
from retold.store.sqlite import (
    IndexedDocument,
    PutResult,
    Store,
    StoredPair,
    StoreStats,
    settings_for_store,
    store_signature,
)

__all__ = [
    "SCHEMA_VERSION",
    "IndexedDocument",
    "PutResult",
    "Store",
    "StoreStats",
    "StoredPair",
    "settings_for_store",
    "store_signature",
]
