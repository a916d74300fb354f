"""Issue 13, finding 2 (the core side): compare work is bounded by design.

Each document is cut to ``segment.max_sentences`` sentences before matching, and the result says
so (``truncated``, also in the JSON report), so two documents at the size limit cannot run for
minutes on gigabytes. ``bench/harden_bounded_compare.py`` measures the maximum-size pair.
"""

from __future__ import annotations

import time

import pytest

from retold.config import Settings
from retold.errors import ConfigError
from retold.pipeline import Detector
from retold.report.json import to_dict

FAST = Settings().replace(embed={"backend": "hash"}, match={"semantic": False})


def _sentences(n: int, word: str = "council") -> str:
    return " ".join(f"The {word} met on day {i} and approved plan number {i}." for i in range(n))


def test_a_document_over_the_sentence_cap_is_cut_and_the_result_says_so() -> None:
    d = Detector(FAST.replace(segment={"max_sentences": 50}))
    a, b = _sentences(200), _sentences(30)
    c = d.compare(a, b)
    assert c.truncated == ("a",)
    assert len(c.a_segments.sentences) == 50 and len(c.b_segments.sentences) == 30
    assert to_dict(c)["truncated"] == {"a": True, "b": False}
    for p in c.passages:
        assert p.a.end <= c.a_segments.sentences[-1].span.end
    assert Detector(FAST).compare(_sentences(30), _sentences(30)).truncated == ()


def test_the_cap_bounds_the_time_of_a_pathological_pair() -> None:
    # 2,000 near-identical sentences a side: with a cap of 300 the matcher sees 300 x 300.
    d = Detector(FAST.replace(segment={"max_sentences": 300}))
    a = _sentences(2000)
    t = time.perf_counter()
    c = d.compare(a, a)
    assert time.perf_counter() - t < 10.0
    assert c.truncated == ("a", "b") and c.verdict == "copy"


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="segment.max_sentences"):
        Settings().replace(segment={"max_sentences": 0})


def test_the_text_report_says_when_a_side_was_cut() -> None:
    from rich.console import Console

    from retold.report.text import print_report

    c = Detector(FAST.replace(segment={"max_sentences": 20})).compare(_sentences(60), _sentences(10))
    console = Console(record=True, width=200)
    print_report(c, console=console)
    assert "only its first 20 were compared" in console.export_text()
