"""Store and check in one step: what ``POST /api/documents?check=true`` runs, one article at a time.

Each document is queried against everything stored before it (so the second of two copies in
one request finds the first), then stored with its line in the outbox, in one transaction, so
``GET /api/events`` streams API writes as it streams ``retold watch``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from retold.stream.live import LiveCorpus
from retold.stream.report import article_line, dumps, text_key
from retold.stream.state import StreamState
from retold.types import Document


def check_and_add(live: LiveCorpus, state: StreamState, docs: Sequence[Document], *, source: str = "api") -> list[dict[str, Any]]:
    """Query then store each of ``docs``; returns their output lines (hits with passages)."""
    out = []
    for doc in docs:
        t0 = time.perf_counter()
        result = live.query(doc)
        line = article_line(doc, result, source=source, found_at=time.time(),
                            timings={"query": time.perf_counter() - t0})
        seen = [("text", text_key(doc))] + ([("url", doc.url)] if doc.url else [])
        text = dumps(line)
        def finish(d: Document = doc, t: str = text, s: list[tuple[str, str]] = seen) -> None:
            state.finish_sql(None, d.id, s, t, emitted=True)

        live.put(live.record(doc, origin=source), also=finish)
        out.append(line)
    return out
