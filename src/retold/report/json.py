"""The compare JSON contract (documented in ``docs/json.md``).

``to_dict(comparison)`` is what ``retold compare --json``, ``POST /api/compare`` and each line of
``retold scan --jsonl`` contain; the required keys are pinned by a test.
"""

from __future__ import annotations

from typing import Any

from retold.types import Comparison, Document, Passage, SentencePair

SCHEMA_VERSION = 1


def _r(x: float) -> float:
    return round(float(x), 4)


def pair_to_dict(p: SentencePair, c: Comparison | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "a": list(p.a),
        "b": list(p.b),
        "score": _r(p.score),
        "lexical": _r(p.lexical),
        "semantic": None if p.semantic is None else _r(p.semantic),
        "via": p.via,
    }
    if c is not None:
        out["a_spans"] = [c.a_segments.sentences[i].span.to_dict() for i in p.a]
        out["b_spans"] = [c.b_segments.sentences[j].span.to_dict() for j in p.b]
    return out


def passage_to_dict(
    p: Passage, a_text: str | None = None, b_text: str | None = None, c: Comparison | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "a": p.a.to_dict(),
        "b": p.b.to_dict(),
        "type": p.type,
        "score": _r(p.score),
        "edits": [e.to_dict() for e in p.edits],
        "typography": [e.to_dict() for e in p.typography],
        "sentence_pairs": [pair_to_dict(sp, c) for sp in p.pairs],
    }
    if a_text is not None and b_text is not None:
        out["a_text"] = p.a.of(a_text)
        out["b_text"] = p.b.of(b_text)
    return out


def document_to_dict(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "date": d.date.isoformat() if d.date else None,
        "title": d.title,
        "url": d.url,
        "outlet": d.outlet,
        "chars": len(d.text),
    }


def to_dict(c: Comparison, *, include_text: bool = False) -> dict[str, Any]:
    """The JSON contract for one comparison (plain types only, ready for ``json.dumps``)."""
    out: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "verdict": c.verdict,
        "confidence": _r(c.confidence),
        "degree": c.degree,
        "probabilities": {k: _r(v) for k, v in c.probabilities.items()},
        "source": c.attribution.source,
        "source_reason": c.attribution.reason,
        "source_confidence": _r(c.attribution.confidence),
        "source_method": c.attribution.method,
        "source_evidence": list(c.attribution.evidence),
        "reuse": {"a": _r(c.reuse_a), "b": _r(c.reuse_b)},
        "passages": [
            passage_to_dict(p, c.a.text if include_text else None, c.b.text if include_text else None, c)
            for p in c.passages
        ],
        "rejected": [
            {"filter": r.filter, **passage_to_dict(r.passage, c.a.text if include_text else None,
                                                   c.b.text if include_text else None, c)}
            for r in c.rejected
        ],
        "added": [s.to_dict() for s in c.added],
        "dropped": [s.to_dict() for s in c.dropped],
        "repaired_breaks": {
            "a": [s.to_dict() for s in c.a_segments.repaired_breaks],
            "b": [s.to_dict() for s in c.b_segments.repaired_breaks],
        },
        "documents": {"a": document_to_dict(c.a), "b": document_to_dict(c.b)},
        "truncated": {"a": "a" in c.truncated, "b": "b" in c.truncated},
    }
    if include_text:
        out["documents"]["a"]["text"] = c.a.text
        out["documents"]["b"]["text"] = c.b.text
    return out
