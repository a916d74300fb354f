"""compare(a, b) is compare(b, a) mirrored: the matcher and the edit description run in one
canonical order (retold.match.runs_swapped) and their output is turned back. Without the model
(hashing embedder) here; tests/test_model_end_to_end.py checks the same through MiniLM, where
3 of the 22 hand-written pairs differed before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retold import Settings
from retold.edits import mirrored, word_edits
from retold.match import featurize, runs_swapped
from retold.pipeline import Detector
from retold.segment import segment
from retold.tokens import tokenize
from retold.types import Comparison, Document

ROOT = Path(__file__).resolve().parent.parent
HASH = Settings().replace(embed={"backend": "hash"})
SWAP = {"a": "b", "b": "a", None: None}


def _pairs() -> list[tuple[str, Document, Document]]:
    out = []
    for f in sorted((ROOT / "tests" / "fixtures" / "handwritten").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        out.append((d["id"], Document(d["a"]["id"], d["a"]["text"]), Document(d["b"]["id"], d["b"]["text"])))
    seeds = sorted((ROOT / "examples").glob("00*.txt"))
    out.append(("seeds", Document("000", seeds[0].read_text(encoding="utf-8")), Document("001", seeds[1].read_text(encoding="utf-8"))))
    return out


def _view(c: Comparison, *, mirror: bool) -> dict[str, object]:
    """What a user reads of a comparison, with a and b exchanged when ``mirror``."""

    def side(x: object, y: object) -> tuple[object, object]:
        return (y, x) if mirror else (x, y)

    return {
        "verdict": c.verdict,
        "degree": c.degree,
        "reuse": side(c.reuse_a, c.reuse_b),
        "source": SWAP[c.source] if mirror else c.source,
        "passages": sorted(
            (*side(p.a, p.b), p.type, sorted((*side(e.a, e.b), {"insert": "delete", "delete": "insert"}.get(e.op, e.op) if mirror else e.op) for e in p.edits))
            for p in c.passages
        ),
        "added_dropped": side(c.dropped, c.added),
    }


@pytest.mark.parametrize(("pid", "a", "b"), _pairs(), ids=[p[0] for p in _pairs()])
def test_compare_mirrors_when_the_documents_swap(pid: str, a: Document, b: Document) -> None:
    det = Detector(HASH)
    x, y = det.compare(a, b), det.compare(b, a)
    vx, vy = _view(x, mirror=False), _view(y, mirror=True)
    vx["reuse"] = pytest.approx(vx["reuse"], abs=1e-9)
    assert vx == vy
    assert x.confidence == pytest.approx(y.confidence, abs=1e-3)


def test_the_canonical_order_puts_the_longer_document_first() -> None:
    short = featurize(segment("The council met. It voted."))
    long_ = featurize(segment("The council met on Monday. It voted. The mayor left early."))
    assert runs_swapped(short, long_) and not runs_swapped(long_, short)
    assert not runs_swapped(long_, long_)  # the same text: no swap, nothing to turn back


def test_mirrored_edits_describe_the_other_direction() -> None:
    a = "The minister said on Monday that the plan was dead."
    b = "The minister announced that the plan was dead, officials added."
    forward = word_edits(tokenize(a), tokenize(b), a, b)
    back = mirrored(word_edits(tokenize(b), tokenize(a), b, a))
    assert {(e.op, e.a, e.b) for e in forward.wording} == {(e.op, e.a, e.b) for e in back.wording}
    assert (back.inserted_tokens, back.deleted_tokens) == (forward.inserted_tokens, forward.deleted_tokens)
    assert any(e.op == "insert" and "officials" in e.b for e in back.wording)
