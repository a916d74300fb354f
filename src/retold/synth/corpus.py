"""Generated news-like corpora with known rewrites, for the parity tests and the Spark benchmarks.

Base articles are seeded random sentences of common English words (``wordfreq``'s top list, so the
pipeline's stop-word and weight tables behave as on news). A share of the articles are rewritten
copies of an earlier base article, each of one kind:

* ``verbatim`` — the same text, with typographic quotes;
* ``excerpt``  — 3-5 consecutive sentences of the source inside a new article;
* ``spun``     — words swapped through a small fixed synonym map;
* ``reordered`` — the source's paragraphs in another order.

Everything depends only on ``seed``, so a test regenerates the same corpus every time. This module
imports neither pyspark nor any file API beyond :func:`write_jsonl`.

>>> recs, truth = generate_corpus(20, seed=1)
>>> len(recs), {k for _, _, k in truth} <= set(KINDS)
(20, True)
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

KINDS = ("verbatim", "excerpt", "spun", "reordered")
# A small synonym map for spinning (both directions are applied).
SYNONYMS = {
    "said": "stated", "people": "persons", "new": "fresh", "year": "twelvemonth", "government": "administration",
    "first": "initial", "last": "final", "big": "large", "show": "display", "help": "assist", "start": "begin",
    "city": "town", "team": "squad", "money": "cash", "world": "globe", "important": "crucial", "buy": "purchase",
    "end": "finish", "country": "nation", "problem": "issue", "week": "sennight", "house": "home", "game": "match",
    "small": "little", "old": "aged", "often": "frequently", "many": "numerous", "quickly": "rapidly",
}
_WORDS: list[str] | None = None


def _vocabulary() -> list[str]:
    global _WORDS
    if _WORDS is None:
        from wordfreq import top_n_list

        _WORDS = [w for w in top_n_list("en", 6000) if w.isalpha() and len(w) > 1]
    return _WORDS


def _sentence(rnd: random.Random) -> str:
    words = _vocabulary()
    # Zipf-like: half the words from the 300 most common, half from the long tail.
    n = rnd.randint(12, 24)
    toks = [words[rnd.randrange(300)] if rnd.random() < 0.5 else words[rnd.randrange(300, len(words))] for _ in range(n)]
    return " ".join(toks).capitalize() + "."


def _article(rnd: random.Random, n_sentences: int) -> list[list[str]]:
    sents = [_sentence(rnd) for _ in range(n_sentences)]
    cuts = sorted(rnd.sample(range(1, n_sentences), k=min(3, n_sentences - 1)))
    return [sents[i:j] for i, j in zip([0, *cuts], [*cuts, n_sentences], strict=True)]


def _text(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paras if p)


def _spin(text: str) -> str:
    both = {**SYNONYMS, **{v: k for k, v in SYNONYMS.items()}}
    return " ".join(both.get(w, w) for w in text.split(" "))


def generate_corpus(n: int, *, seed: int = 0, copy_share: float = 0.3) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """``n`` records (``id``, ``text``, ``date``, ``title``, ``outlet``) and the true ``(source, copy, kind)`` rewrites."""
    rnd = random.Random(seed)
    records: list[dict[str, Any]] = []
    truth: list[tuple[str, str, str]] = []
    bases: list[tuple[str, list[list[str]]]] = []
    day0 = date(2020, 1, 1)
    for i in range(n):
        doc_id = f"doc{i:06d}"
        day = (day0 + timedelta(days=i // 10)).isoformat()
        if bases and rnd.random() < copy_share:
            src_id, paras = bases[rnd.randrange(len(bases))]
            kind = KINDS[rnd.randrange(len(KINDS))]
            if kind == "verbatim":
                text = _text(paras).replace(" said ", " \u201csaid\u201d ")
            elif kind == "excerpt":
                flat = [s for p in paras for s in p]
                k = rnd.randint(3, min(5, len(flat)))
                at = rnd.randrange(len(flat) - k + 1)
                text = _text([[_sentence(rnd) for _ in range(3)], flat[at : at + k], [_sentence(rnd) for _ in range(4)]])
            elif kind == "spun":
                text = _spin(_text(paras))
            else:
                order = list(range(len(paras)))
                while len(order) > 1 and order == sorted(order):
                    rnd.shuffle(order)
                text = _text([paras[j] for j in order])
            truth.append((src_id, doc_id, kind))
        else:
            paras = _article(rnd, rnd.randint(8, 16))
            bases.append((doc_id, paras))
            text = _text(paras)
        records.append({"id": doc_id, "text": text, "date": day, "title": text[:40], "outlet": f"outlet{i % 7}"})
    return records, truth


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write records as JSON lines (UTF-8) and return the path."""
    p = Path(path)
    with open(p, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return p


__all__ = ["KINDS", "SYNONYMS", "generate_corpus", "write_jsonl"]
