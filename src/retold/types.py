"""Typed results: frozen, slotted dataclasses with half-open character spans into the raw text.

Every located result carries ``Span(start, end)`` offsets into a document's *text* (the file as
decoded, with a leading ``date`` marker removed), so ``doc.text[span.start:span.end]`` is exactly
the matched material and a page can highlight it directly.

>>> s = Span(4, 9)
>>> "The quick fox"[s.start:s.end]
'quick'
>>> len(s), s.overlaps(Span(8, 20)), s.intersection(Span(8, 20))
(5, True, Span(start=8, end=9))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Literal

Side = Literal["a", "b"]
ReuseType = Literal["verbatim", "near-verbatim", "spun", "paraphrased", "summarised"]
Verdict = Literal["copy", "partial-reuse", "same-story", "unrelated"]
EditOp = Literal["substitute", "insert", "delete", "move"]
# METER's scheme (Clough et al. 2002): how much of the derived text comes from the other article.
Degree = Literal["wholly", "partially", "not"]

REUSE_TYPES: tuple[ReuseType, ...] = ("verbatim", "near-verbatim", "spun", "paraphrased", "summarised")
VERDICTS: tuple[Verdict, ...] = ("copy", "partial-reuse", "same-story", "unrelated")
DEGREES: tuple[Degree, ...] = ("wholly", "partially", "not")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open ``[start, end)`` range of character offsets."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end}): need 0 <= start <= end")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def intersection(self, other: Span) -> Span | None:
        lo, hi = max(self.start, other.start), min(self.end, other.end)
        return Span(lo, hi) if lo < hi else None

    def cover(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(min(self.start, other.start), max(self.end, other.end))

    def of(self, text: str) -> str:
        """The covered text: ``Span(0, 3).of("abcdef") == "abc"``."""
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``text`` is what every span points into."""

    id: str
    text: str
    date: Date | None = None
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    meta: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Paragraph:
    index: int
    span: Span


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence with its raw span, its paragraph and its normalised text (typography folded)."""

    index: int
    span: Span
    paragraph: int
    norm: str


@dataclass(frozen=True, slots=True)
class Token:
    """A word or number: ``key`` is the matching form (case-folded, typography-normalised)."""

    key: str
    span: Span


@dataclass(frozen=True, slots=True)
class Segmented:
    """A document cut into paragraphs and sentences, plus repaired paragraph breaks (raw spans)."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]
    repaired_breaks: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class SentencePair:
    """A group of aligned sentences: one-to-one, a split (1 a : n b) or a join (n a : 1 b).

    ``lexical`` and ``semantic`` are the two kinds of evidence in [0, 1]; ``semantic`` is ``None``
    when the embedder was not consulted for this pair (the lexical evidence was decisive).
    ``via`` names the matcher pass that made the group (:data:`retold.match.passes.PASSES`), then
    how later passes grew it: ``"lexical"``, ``"lexical+split"``, ``"semantic+join"``,
    ``"extension"``, ``"semantic-extension"``, ``"summary"``, ``"sandwich"``, ``"summary-gap"``,
    ``"lexical+widen"``; empty for pairs built elsewhere.
    """

    a: tuple[int, ...]
    b: tuple[int, ...]
    score: float
    lexical: float
    semantic: float | None = None
    via: str = ""


@dataclass(frozen=True, slots=True)
class Edit:
    """A word-level change from a to b. ``a_span``/``b_span`` locate it (None for the empty side)."""

    op: EditOp
    a: str
    b: str
    a_span: Span | None = None
    b_span: Span | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"op": self.op, "a": self.a, "b": self.b}
        if self.a_span is not None:
            out["a_span"] = self.a_span.to_dict()
        if self.b_span is not None:
            out["b_span"] = self.b_span.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class Passage:
    """A reused passage: a run of aligned sentences, contiguous and in order on both sides.

    ``edits`` are wording changes; ``typography`` holds changes that vanish under normalisation
    (quotes, dashes, spaces, case) so they never pass for rewording.
    """

    a: Span
    b: Span
    type: ReuseType
    score: float
    pairs: tuple[SentencePair, ...]
    edits: tuple[Edit, ...] = ()
    typography: tuple[Edit, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedPassage:
    """A passage the matcher proposed that is not reported, with the filter that dropped it:
    ``too-short``, ``weak-single`` (one sentence group, too weak alone), ``scattered-weak``
    (weak groups scattered over two reports of one event), ``learned-not-reuse`` (the learned
    decision reads the pair as independent reporting) or ``too-little-reuse``."""

    passage: Passage
    filter: str


@dataclass(frozen=True, slots=True)
class Attribution:
    """Which side is the source. ``source`` is None when undetermined."""

    source: Side | None
    confidence: float
    reason: str
    method: Literal["dates", "text", "none"] = "none"
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """The full answer for one pair of documents."""

    a: Document
    b: Document
    verdict: Verdict
    confidence: float
    attribution: Attribution
    reuse_a: float
    reuse_b: float
    passages: tuple[Passage, ...]
    added: tuple[Span, ...]
    dropped: tuple[Span, ...]
    a_segments: Segmented
    b_segments: Segmented
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    # Degree of derivation (METER's wholly / partially / not), from the learned pair decision.
    degree: Degree = "not"
    # The decision's probabilities: "reuse" (= ``confidence`` for reuse verdicts), and one per degree.
    probabilities: Mapping[str, float] = field(default_factory=dict)
    # Pair features the decision read (names from ``retold.decision.FEATURES``).
    features: Mapping[str, float] = field(default_factory=dict, compare=False)
    # Proposed passages that are not reported, each with the filter that dropped it.
    rejected: tuple[RejectedPassage, ...] = ()
    # Sides cut to ``segment.max_sentences`` sentences before matching (later text not compared).
    truncated: tuple[Side, ...] = ()

    @property
    def source(self) -> Side | None:
        return self.attribution.source

    @property
    def is_reuse(self) -> bool:
        return self.verdict in ("copy", "partial-reuse")
