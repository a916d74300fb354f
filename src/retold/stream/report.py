"""The stream's output: one JSON object per article (``retold watch`` lines, ``?check=true``
answers, ``GET /api/events`` data), and the content key that dedups by text.

A line: ``article`` (id, url, title, date, outlet, chars, source, guid), ``sources``, ``copies``
and ``related`` (ids of stored articles this one reuses, that reuse it, and reuse of unknown
direction), ``hits`` (for each, the compare JSON of *this article* (a) against the stored one
(b), so passage spans ``a`` point into this article: verdict, confidence, degree, source,
passages), ``candidates``, ``found_at`` (when the poll found it, Unix seconds) and ``timings``.
An event is the same without passages and texts (what a live page needs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from retold.corpus.archive import QueryResult
from retold.normalise import fold_typography
from retold.report.json import document_to_dict
from retold.types import Comparison, Document


def degree_of(c: Comparison) -> Any:
    """The comparison's ``degree`` as JSON (None while the Comparison type has none)."""
    d = getattr(c, "degree", None)
    if d is None or isinstance(d, (int, float, str, bool)):
        return d
    to_dict = getattr(d, "to_dict", None)
    return to_dict() if callable(to_dict) else str(d)


def text_key(doc: Document) -> str:
    """The content-hash dedup key: the outlet and a SHA-256 of the normalised words."""
    words = " ".join(fold_typography(doc.text).split()).lower()
    return f"{doc.outlet or ''}|{hashlib.sha256(words.encode('utf-8', 'surrogatepass')).hexdigest()}"


def article_line(
    doc: Document,
    result: QueryResult,
    *,
    source: str,
    guid: str | None = None,
    include_all: bool = False,
    found_at: float | None = None,
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The output object for one new article and its query result (see the module docstring)."""
    hits = [h for h in result.hits if include_all or h.comparison.is_reuse]
    out_hits = []
    for h in hits:
        d = h.to_dict()
        d.setdefault("degree", degree_of(h.comparison))
        out_hits.append(d)
    reuse = [h for h in hits if h.comparison.is_reuse]
    return {
        "article": {**document_to_dict(doc), "source": source, "guid": guid},
        "sources": [h.id for h in reuse if h.role == "source"],
        "copies": [h.id for h in reuse if h.role == "copy"],
        "related": [h.id for h in reuse if h.role is None],
        "hits": out_hits,
        "candidates": result.candidates,
        "found_at": None if found_at is None else round(found_at, 3),
        "timings": {k: round(v, 4) for k, v in (timings or {}).items()},
    }


def dumps(line: Mapping[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, default=str)


def event_of(seq: int, line: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a line for the live page: no passages, no texts."""
    keep = ("id", "role", "verdict", "confidence", "degree", "source", "reuse")
    hits = []
    for h in line.get("hits", []):
        other = h.get("documents", {}).get("b", {})
        hits.append({**{k: h.get(k) for k in keep}, "title": other.get("title"), "outlet": other.get("outlet"),
                     "url": other.get("url"), "passages": len(h.get("passages", []))})
    return {"seq": seq, "article": line.get("article"), "sources": line.get("sources", []),
            "copies": line.get("copies", []), "related": line.get("related", []), "hits": hits}
