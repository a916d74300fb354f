"""PAN text-alignment measures: macro precision and recall, granularity, plagdet, case level.

The definitions follow Potthast et al., *An Evaluation Framework for Plagiarism Detection*
(COLING 2010), as the PAN organisers' scripts compute them. With cases S and detections R, a
detection r *detects* a case s when they overlap in the suspicious document **and** in the source.
Characters count on both sides: for a case s,

    rec(s) = (|s.this ∩ ⋃ r.this| + |s.source ∩ ⋃ r.source|) / (|s.this| + |s.source|)

over the detections r that detect s; macro recall averages rec(s) over all cases (undetected
cases count 0), and macro precision is the same with the roles of S and R swapped. Granularity is
the mean number of detections per *detected* case, and

    plagdet = F1(precision, recall) / log2(1 + granularity).

Case level (Gollub & Potthast, PAN 2014) reports two readings:

* *tolerant*: a case is found when some detection overlaps it in both documents; a detection is
  correct when it overlaps some case in both documents (robust to the shifted offsets of PAN13's
  OCR-damaged copy);
* *PAN* (τ = 0.5): a case is found when rec(s) ≥ τ and one of its detections has precision ≥ τ; a
  detection is correct when its precision ≥ τ and it alone recalls some case at ≥ τ.

>>> s = [Annotation("s", 0, 100, "r", 0, 100)]
>>> r = [Annotation("s", 0, 50, "r", 0, 50), Annotation("s", 50, 50, "r", 50, 50)]
>>> m = score(s, r)
>>> m.recall, m.precision, m.granularity, round(m.plagdet, 4)
(1.0, 1.0, 2.0, 0.6309)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from retold.report.pan_format import Annotation

CASE_TAU = 0.5


@dataclass(frozen=True, slots=True)
class Measures:
    """The PAN measures for one set of cases and detections."""

    cases: int
    detections: int
    precision: float
    recall: float
    granularity: float
    plagdet: float
    detected_cases: int
    case_recall: float
    case_precision: float
    pan_case_recall: float
    pan_case_precision: float

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "cases": self.cases,
            "detections": self.detections,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "granularity": round(self.granularity, 4),
            "plagdet": round(self.plagdet, 4),
            "detected_cases": self.detected_cases,
            "case_recall": round(self.case_recall, 4),
            "case_precision": round(self.case_precision, 4),
            "pan_case_recall": round(self.pan_case_recall, 4),
            "pan_case_precision": round(self.pan_case_precision, 4),
        }


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def overlaps(x: Annotation, y: Annotation) -> bool:
    """True when x and y share characters in the suspicious document *and* in the source."""
    return (
        x.this_reference == y.this_reference
        and x.source_reference == y.source_reference
        and x.this_offset < y.this_offset + y.this_length
        and y.this_offset < x.this_offset + x.this_length
        and x.source_offset < y.source_offset + y.source_length
        and y.source_offset < x.source_offset + x.source_length
    )


def _union_length(intervals: Iterable[tuple[int, int]]) -> int:
    total, end = 0, -1
    for lo, hi in sorted(intervals):
        if hi <= end:
            continue
        total += hi - max(lo, end)
        end = hi
    return total


def _clip(lo: int, hi: int, c_lo: int, c_hi: int) -> tuple[int, int]:
    return (max(lo, c_lo), min(hi, c_hi))


def covered(x: Annotation, others: Iterable[Annotation]) -> float:
    """The share of x's characters (both sides) covered by those of ``others`` that overlap it."""
    hits = [y for y in others if overlaps(x, y)]
    if not hits:
        return 0.0
    t_lo, t_hi = x.this_offset, x.this_offset + x.this_length
    s_lo, s_hi = x.source_offset, x.source_offset + x.source_length
    this = _union_length(_clip(y.this_offset, y.this_offset + y.this_length, t_lo, t_hi) for y in hits)
    src = _union_length(_clip(y.source_offset, y.source_offset + y.source_length, s_lo, s_hi) for y in hits)
    return (this + src) / (x.this_length + x.source_length)


def _by_pair(anns: Iterable[Annotation]) -> dict[tuple[str, str], list[Annotation]]:
    idx: dict[tuple[str, str], list[Annotation]] = defaultdict(list)
    for a in anns:
        idx[a.pair].append(a)
    return idx


def macro_recall(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over cases of the share of each case's characters that detections cover."""
    if not cases and not detections:
        return 1.0
    if not cases or not detections:
        return 0.0
    idx = _by_pair(detections)
    return sum(covered(s, idx.get(s.pair, ())) for s in cases) / len(cases)


def macro_precision(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over detections of the share of each detection's characters that cases cover."""
    return macro_recall(detections, cases)


def granularity(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean number of detections per detected case (1 when nothing is detected)."""
    idx = _by_pair(detections)
    counts = [sum(overlaps(s, r) for r in idx.get(s.pair, ())) for s in cases]
    found = [n for n in counts if n > 0]
    return sum(found) / len(found) if found else 1.0


def plagdet(precision: float, recall: float, gran: float) -> float:
    """F1 of precision and recall divided by log2(1 + granularity)."""
    if precision <= 0 and recall <= 0:
        return 0.0
    return _f1(precision, recall) / math.log2(1 + max(gran, 1.0))


def score(cases: Sequence[Annotation], detections: Sequence[Annotation], *, tau: float = CASE_TAU) -> Measures:
    """Every measure for cases and detections pooled over any number of document pairs."""
    cases, detections = list(cases), list(detections)
    rec, prec = macro_recall(cases, detections), macro_precision(cases, detections)
    gran = granularity(cases, detections)
    det_idx, case_idx = _by_pair(detections), _by_pair(cases)
    found = [any(overlaps(s, r) for r in det_idx.get(s.pair, ())) for s in cases]
    correct = [any(overlaps(r, s) for s in case_idx.get(r.pair, ())) for r in detections]

    # PAN 2014 case level: precision of each detection against all cases, computed once.
    det_prec = {i: covered(r, case_idx.get(r.pair, ())) for i, r in enumerate(detections)}
    pan_found = 0
    for s in cases:
        mine = [i for i, r in enumerate(det_idx.get(s.pair, ())) if overlaps(s, r)]
        if not mine:
            continue
        own = det_idx[s.pair]
        if covered(s, own) >= tau and any(covered(own[i], case_idx[s.pair]) >= tau for i in mine):
            pan_found += 1
    pan_correct = 0
    for i, r in enumerate(detections):
        if det_prec[i] < tau:
            continue
        if any(overlaps(r, s) and covered(s, [r]) >= tau for s in case_idx.get(r.pair, ())):
            pan_correct += 1

    n_s, n_r = len(cases), len(detections)
    return Measures(
        cases=n_s,
        detections=n_r,
        precision=prec,
        recall=rec,
        granularity=gran,
        plagdet=plagdet(prec, rec, gran),
        detected_cases=sum(found),
        case_recall=sum(found) / n_s if n_s else (1.0 if not n_r else 0.0),
        case_precision=sum(correct) / n_r if n_r else (1.0 if not n_s else 0.0),
        pan_case_recall=pan_found / n_s if n_s else (1.0 if not n_r else 0.0),
        pan_case_precision=pan_correct / n_r if n_r else (1.0 if not n_s else 0.0),
    )


@dataclass(frozen=True, slots=True)
class NegativeStats:
    """What was detected in document pairs whose truth holds no case."""

    pairs: int
    pairs_with_detections: int
    detections: int
    detected_chars: int

    @property
    def false_pair_rate(self) -> float:
        return self.pairs_with_detections / self.pairs if self.pairs else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "pairs": self.pairs,
            "pairs_with_detections": self.pairs_with_detections,
            "false_pair_rate": round(self.false_pair_rate, 4),
            "detections": self.detections,
            "detected_chars": self.detected_chars,
        }


@dataclass(frozen=True, slots=True)
class GroupMeasures:
    """Measures restricted to the cases of one obfuscation (and the detections of their files)."""

    obfuscation: str
    files: int
    measures: Measures


@dataclass(frozen=True, slots=True)
class Report:
    """Pooled measures, a breakdown per obfuscation, and what happened on negative pairs."""

    overall: Measures
    by_obfuscation: tuple[GroupMeasures, ...]
    negatives: NegativeStats
    truth_files: int
    detection_files: int
    unmatched_detection_files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.to_dict(),
            "by_obfuscation": {
                g.obfuscation: {"files": g.files, **g.measures.to_dict()} for g in self.by_obfuscation
            },
            "negatives": self.negatives.to_dict(),
            "truth_files": self.truth_files,
            "detection_files": self.detection_files,
            "unmatched_detection_files": list(self.unmatched_detection_files),
        }


def evaluate(
    truth: Mapping[str, Sequence[Annotation]],
    detections: Mapping[str, Sequence[Annotation]],
    *,
    tau: float = CASE_TAU,
) -> Report:
    """Score detections against truth, both keyed by PAN file name (``<susp>-<src>.xml``).

    The overall measures pool every annotation and match them by document reference, as the
    official scripts do. The breakdown for obfuscation T scores the cases labelled T against the
    detections of the files that hold such a case (a file with several labels counts in each).
    Files whose truth is empty are negatives: their detections lower the overall precision and
    are counted in ``negatives``. Detection files with no truth file are listed and still pooled.
    """
    all_cases = [a for anns in truth.values() for a in anns]
    all_dets = [a for anns in detections.values() for a in anns]
    overall = score(all_cases, all_dets, tau=tau)

    groups: dict[str, list[str]] = defaultdict(list)
    neg_files: list[str] = []
    for fname, anns in truth.items():
        labels = sorted({a.obfuscation or "unlabelled" for a in anns})
        if not labels:
            neg_files.append(fname)
        for label in labels:
            groups[label].append(fname)
    by_obf = []
    for label in sorted(groups):
        files = groups[label]
        g_cases = [a for f in files for a in truth[f] if (a.obfuscation or "unlabelled") == label]
        g_dets = [a for f in files for a in detections.get(f, ())]
        by_obf.append(GroupMeasures(label, len(files), score(g_cases, g_dets, tau=tau)))

    neg_dets = [list(detections.get(f, ())) for f in neg_files]
    negatives = NegativeStats(
        pairs=len(neg_files),
        pairs_with_detections=sum(1 for d in neg_dets if d),
        detections=sum(len(d) for d in neg_dets),
        detected_chars=sum(_union_length((a.this_offset, a.this_offset + a.this_length) for a in d) for d in neg_dets),
    )
    return Report(
        overall=overall,
        by_obfuscation=tuple(by_obf),
        negatives=negatives,
        truth_files=len(truth),
        detection_files=len(detections),
        unmatched_detection_files=tuple(sorted(set(detections) - set(truth))),
    )
