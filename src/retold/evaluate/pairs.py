"""Pair-level metrics: does retold call a labelled pair reuse or not?

Input is JSON Lines with ``a``, ``b`` and ``label`` (1 = reuse, 0 = not); ``a``/``b`` are texts
or document objects with a ``text`` field (as written by ``retold synth`` in ``pairs.jsonl``).
An optional ``obfuscation`` (or ``group``) field gives a breakdown per kind of pair.

The prediction is the verdict: ``copy`` or ``partial-reuse`` count as reuse. The score swept for
other thresholds is the larger reused share, ``max(reuse_a, reuse_b)``.

>>> c = confusion([1, 1, 0, 0], [1, 0, 1, 0])
>>> (c.tp, c.fn, c.fp, c.tn), c.precision, c.recall
((1, 1, 1, 1), 0.5, 0.5)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from retold.errors import InputError
from retold.ingest import document_from_mapping
from retold.pipeline import Detector
from retold.types import Document


@dataclass(frozen=True, slots=True)
class LabelledPair:
    a: Document
    b: Document
    label: int
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Confusion:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        n = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / n if n else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "accuracy": round(self.accuracy, 4),
        }


def confusion(labels: Sequence[int], predicted: Sequence[int]) -> Confusion:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    return Confusion(tp, fp, fn, len(labels) - tp - fp - fn)


@dataclass(frozen=True, slots=True)
class SweepPoint:
    threshold: float
    confusion: Confusion

    def to_dict(self) -> dict[str, float | int]:
        return {"threshold": self.threshold, **self.confusion.to_dict()}


def sweep(labels: Sequence[int], scores: Sequence[float], *, steps: int = 20) -> tuple[SweepPoint, ...]:
    """Confusion at thresholds 0, 1/steps, ..., 1 (score >= threshold predicts reuse)."""
    out = []
    for k in range(steps + 1):
        t = round(k / steps, 4)
        out.append(SweepPoint(t, confusion(labels, [int(s >= t) for s in scores])))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PairOutcome:
    label: int
    predicted: int
    score: float
    verdict: str
    group: str | None


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    group: str
    pairs: int
    # Share of pairs called reuse: recall for positive groups, the false-positive rate for negatives.
    called_reuse: float
    verdicts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class PairsReport:
    confusion: Confusion
    sweep: tuple[SweepPoint, ...]
    best: SweepPoint
    groups: tuple[GroupOutcome, ...]
    negative_verdicts: Mapping[str, int]
    outcomes: tuple[PairOutcome, ...] = field(repr=False, default=())

    @property
    def false_copy_rate(self) -> float:
        n = sum(self.negative_verdicts.values())
        return self.negative_verdicts.get("copy", 0) / n if n else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "pairs": len(self.outcomes),
            "confusion": self.confusion.to_dict(),
            "false_copy_rate": round(self.false_copy_rate, 4),
            "negative_verdicts": dict(self.negative_verdicts),
            "best_threshold": self.best.to_dict(),
            "sweep": [p.to_dict() for p in self.sweep],
            "groups": {
                g.group: {"pairs": g.pairs, "called_reuse": round(g.called_reuse, 4), "verdicts": dict(g.verdicts)}
                for g in self.groups
            },
        }


def parse_pairs_jsonl(text: str, *, where: str = "<pairs>") -> list[LabelledPair]:
    """Labelled pairs from JSON Lines text; each line needs ``a``, ``b`` and ``label``."""
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        at = f"{where}:{no}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{at}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict) or not {"a", "b", "label"} <= set(obj):
            raise InputError(f'{at}: each line needs "a", "b" and "label" (1 = reuse, 0 = not)')
        docs = []
        for side in ("a", "b"):
            v = obj[side]
            if isinstance(v, str):
                docs.append(Document(id=str(obj.get(f"{'src' if side == 'a' else 'susp'}") or f"{no}{side}"), text=v))
            elif isinstance(v, dict):
                docs.append(document_from_mapping(v, default_id=f"{no}{side}", where=f"{at} field {side!r}"))
            else:
                raise InputError(f'{at}: "{side}" must be a text or an object with "text"')
        label = obj["label"]
        if label not in (0, 1, True, False):
            raise InputError(f"{at}: label must be 0 or 1, got {label!r}")
        group = obj.get("obfuscation", obj.get("group"))
        out.append(LabelledPair(docs[0], docs[1], int(label), None if group is None else str(group)))
    if not out:
        raise InputError(f"{where}: no pairs found")
    return out


def evaluate_pairs(
    pairs: Sequence[LabelledPair],
    *,
    detector: Detector,
    progress: Callable[[int, int], None] | None = None,
) -> PairsReport:
    """Compare every pair and measure the verdicts against the labels."""
    outcomes = []
    for i, p in enumerate(pairs, 1):
        c = detector.compare(p.a, p.b)
        outcomes.append(
            PairOutcome(p.label, int(c.is_reuse), max(c.reuse_a, c.reuse_b), c.verdict, p.group)
        )
        if progress:
            progress(i, len(pairs))
    return report(outcomes)


def report(outcomes: Sequence[PairOutcome]) -> PairsReport:
    labels = [o.label for o in outcomes]
    conf = confusion(labels, [o.predicted for o in outcomes])
    points = sweep(labels, [o.score for o in outcomes])
    best = max(points, key=lambda p: (p.confusion.f1, -abs(p.threshold - 0.5)))
    groups: dict[str, list[PairOutcome]] = {}
    for o in outcomes:
        groups.setdefault(o.group or ("positive" if o.label else "negative"), []).append(o)
    g_out = []
    for name in sorted(groups):
        items = groups[name]
        verdicts: dict[str, int] = {}
        for o in items:
            verdicts[o.verdict] = verdicts.get(o.verdict, 0) + 1
        g_out.append(GroupOutcome(name, len(items), sum(o.predicted for o in items) / len(items), dict(sorted(verdicts.items()))))
    neg: dict[str, int] = {}
    for o in outcomes:
        if not o.label:
            neg[o.verdict] = neg.get(o.verdict, 0) + 1
    return PairsReport(conf, points, best, tuple(g_out), dict(sorted(neg.items())), tuple(outcomes))
