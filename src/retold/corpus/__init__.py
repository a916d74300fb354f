"""An archive of articles in a store: add, index, query and scan (``retold add / index / query / scan``).

:mod:`retold.corpus.archive` holds the operations over a :class:`retold.store.Store`;
:mod:`retold.corpus.graph` turns scanned pairs into a source graph with siblings and gives each
passage one source.
"""

from __future__ import annotations

from retold.corpus.archive import (
    AddSummary,
    Candidate,
    Corpus,
    Hit,
    IndexSummary,
    QueryResult,
    ScanPair,
    add_documents,
    build_index,
)

__all__ = ["AddSummary", "Candidate", "Corpus", "Hit", "IndexSummary", "QueryResult", "ScanPair",
           "add_documents", "build_index"]
