"""The learned pair decision: is this pair reuse, and how much of the derived side is derived?

The matcher proposes aligned sentence groups; this stage weighs what they and the raw word
sequences show (narrative against quoted material, coverage, order, similarity, the rule
verdict) with two logistic models trained by ``retold train`` on development data only
(METER dev, BBC synth copies, BBC same-story pairs, hand-written fixtures). The models ship as
``retold/data/decision.json``: standardisation, weights, the data digest and the command that
made them. ``probability`` is calibrated on real newsroom copy: the reuse model's logit goes
through a Platt map (slope, intercept) fitted by ``retold train`` on out-of-fold predictions for the
METER pairs (story-grouped), so that among METER pairs given 0.8, about 80% are derived (see
docs/benchmarks.md for the reliability diagram). Whether a pair is *called* reuse is a separate,
stated choice: ``DecisionSettings.false_reuse_cost``.

>>> m = DecisionModel.default()
>>> set(m.features) <= set(FEATURES), m.calibration is not None
(True, True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from retold.align import GroupDetail
from retold.errors import ConfigError
from retold.evidence import SENTENCE_FEATURES, quoted_mask, shared_sequences
from retold.match import DocFeatures
from retold.types import Degree

# Feature names, in the order the model file stores its weights.
FEATURES: tuple[str, ...] = (
    "cov1",
    "cov2",
    "cov3",
    "cov5",
    "cov8",
    "narr_cov3",
    "narr_cov5",
    "quote_cov5",
    "narr_run",
    "long_cov5",
    "sent_cov3",
    "novel_names",
    "novel_numbers",
    "quoted_share",
    "wjaccard",
    "len_short",
    "len_ratio",
    "aligned_short",
    "aligned_long",
    "kept_short",
    "strong_short",
    "loose_short",
    "narr_aligned",
    "quote_aligned",
    "mean_score",
    "order",
    "groups",
    "rule_reuse",
)
MODEL_FILE = "decision.json"
MODEL_VERSION = 2
# Version 1 files (no calibration map) are still read, as uncalibrated.
READABLE_VERSIONS = (1, 2)


def _sentence_chars(fd: DocFeatures, ids: set[int]) -> float:
    sents = fd.segments.sentences
    total = sum(len(s.span) for s in sents)
    return sum(len(sents[k].span) for k in ids) / total if total else 0.0


def alignment_evidence(
    fa: DocFeatures,
    fb: DocFeatures,
    details: Sequence[GroupDetail],
    kept: set[tuple[tuple[int, ...], tuple[int, ...]]],
    *,
    rule_reuse: bool,
    mask: Sequence[bool] | None = None,
) -> dict[str, float]:
    """Evidence from the aligned groups, taken on the shorter document (by tokens).

    ``aligned_*``: share of a side's sentence characters in any proposed group; ``kept_short``:
    in groups the rule filters kept; ``strong_short`` / ``loose_short``: in verbatim,
    near-verbatim or spun groups / in paraphrased or summarised ones; ``narr_aligned`` /
    ``quote_aligned``: share of the shorter side's narrative / quoted tokens inside aligned
    sentences; ``order``: share of consecutive groups that advance on both sides; ``groups``:
    log2(1 + number of groups).
    """
    short_is_a = sum(map(len, fa.keys)) <= sum(map(len, fb.keys))
    fs, fl = (fa, fb) if short_is_a else (fb, fa)

    def side(d: GroupDetail, short: bool) -> tuple[int, ...]:
        return d.pair.a if (short == short_is_a) else d.pair.b

    all_s = {i for d in details for i in side(d, True)}
    all_l = {i for d in details for i in side(d, False)}
    kept_s = {i for d in details if (d.pair.a, d.pair.b) in kept for i in side(d, True)}
    strong_s = {i for d in details if d.type in ("verbatim", "near-verbatim", "spun") for i in side(d, True)}
    loose_s = all_s - strong_s
    if mask is None:
        mask = quoted_mask(fs)
    in_aligned: list[bool] = [k in all_s for k, toks in enumerate(fs.keys) for _ in toks]
    narr = [a for a, q in zip(in_aligned, mask, strict=True) if not q]
    quote = [a for a, q in zip(in_aligned, mask, strict=True) if q]
    weights = [max(1, len(d.a) + len(d.b)) for d in details]  # both sides: the same either way round
    mean = sum(d.pair.score * w for d, w in zip(details, weights, strict=True)) / sum(weights) if details else 0.0
    ordered = sorted(details, key=lambda d: side(d, True)[0])
    steps = list(zip(ordered, ordered[1:], strict=False))
    order = sum(max(side(x, False)) < min(side(y, False)) for x, y in steps) / len(steps) if steps else 0.0
    return {
        "aligned_short": _sentence_chars(fs, all_s),
        "aligned_long": _sentence_chars(fl, all_l),
        "kept_short": _sentence_chars(fs, kept_s),
        "strong_short": _sentence_chars(fs, strong_s),
        "loose_short": _sentence_chars(fs, loose_s),
        "narr_aligned": sum(narr) / len(narr) if narr else 0.0,
        "quote_aligned": sum(quote) / len(quote) if quote else 0.0,
        "mean_score": float(mean),
        "order": float(order),
        "groups": math.log2(1 + len(details)),
        "rule_reuse": 1.0 if rule_reuse else 0.0,
    }


def pair_evidence(
    fa: DocFeatures,
    fb: DocFeatures,
    details: Sequence[GroupDetail],
    kept: set[tuple[tuple[int, ...], tuple[int, ...]]],
    *,
    rule_reuse: bool,
) -> dict[str, float]:
    """Every feature of :data:`FEATURES` for one pair."""
    # Both halves read the quotes of the shorter side (by tokens; ties go to a): find them once.
    short = fa if sum(map(len, fa.keys)) <= sum(map(len, fb.keys)) else fb
    mask = quoted_mask(short)
    out = shared_sequences(fa, fb, mask=mask)
    out.update(alignment_evidence(fa, fb, details, kept, rule_reuse=rule_reuse, mask=mask))
    return {k: float(out[k]) for k in FEATURES}


@dataclass(frozen=True, slots=True)
class Decision:
    """The calibrated answer: P(reuse), the degree and its probabilities."""

    probability: float
    degree: Degree
    probabilities: Mapping[str, float]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# Raw probabilities are clipped this far from 0 and 1 before the calibration map takes their
# logit (a float64 sigmoid saturates to exactly 0 or 1 for |z| > ~37).
_LOGIT_EPS = 1e-12


def logit(p: float) -> float:
    q = min(max(p, _LOGIT_EPS), 1 - _LOGIT_EPS)
    return math.log(q / (1 - q))


@dataclass(frozen=True, slots=True)
class Calibration:
    """Platt scaling: calibrated p = sigmoid(slope * logit(raw p) + intercept)."""

    slope: float = 1.0
    intercept: float = 0.0

    def __call__(self, p: float) -> float:
        return _sigmoid(self.slope * logit(p) + self.intercept)

    def to_dict(self) -> dict[str, float]:
        return {"slope": round(self.slope, 8), "intercept": round(self.intercept, 8)}

    @classmethod
    def from_dict(cls, d: object) -> Calibration:
        if not isinstance(d, Mapping) or not all(isinstance(d.get(k), int | float) for k in ("slope", "intercept")):
            raise ConfigError("decision model: 'calibration' needs a numeric 'slope' and 'intercept'; retrain it with `retold train`")
        if float(d["slope"]) <= 0:
            raise ConfigError("decision model: the calibration slope must be positive (a map that reverses the "
                              "model's ranking is a training failure); retrain it with `retold train`")
        return cls(float(d["slope"]), float(d["intercept"]))


@dataclass(frozen=True, slots=True)
class Logistic:
    """A standardised logistic model: p = sigmoid(w . (x - mean) / scale + b)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def predict(self, x: Sequence[float]) -> float:
        z = self.intercept + math.fsum(
            w * (v - m) / s for w, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=True)
        )
        return _sigmoid(z)

    def to_dict(self) -> dict[str, object]:
        return {
            "mean": [round(v, 8) for v in self.mean],
            "scale": [round(v, 8) for v in self.scale],
            "coef": [round(v, 8) for v in self.coef],
            "intercept": round(self.intercept, 8),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object], n: int) -> Logistic:
        vals: dict[str, list[float]] = {}
        for k in ("mean", "scale", "coef"):
            v = d.get(k)
            if not isinstance(v, list) or len(v) != n:
                raise ConfigError(f"decision model: '{k}' must list {n} numbers, one per feature; retrain it with `retold train`")
            vals[k] = [float(x) for x in v]
        intercept = d.get("intercept")
        if not isinstance(intercept, int | float):
            raise ConfigError("decision model: 'intercept' must be a number; retrain it with `retold train`")
        return cls(
            tuple(vals["mean"]), tuple(x or 1.0 for x in vals["scale"]), tuple(vals["coef"]), float(intercept)
        )


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Two logistic models over :data:`FEATURES`: reuse vs not, and wholly vs partially; and,
    when trained on word-level labels (METER's Verbatim / Rewrite spans), a third over
    :data:`retold.evidence.SENTENCE_FEATURES`: is this sentence of b taken from a?"""

    features: tuple[str, ...]
    reuse: Logistic
    wholly: Logistic
    meta: Mapping[str, object] | None = None
    sentence: Logistic | None = None
    # Maps the reuse model's raw probability to a calibrated one (None: identity).
    calibration: Calibration | None = None

    def derived(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """P(derived) for each row of :func:`retold.evidence.sentence_evidence` (empty without a
        sentence model)."""
        if self.sentence is None:
            return []
        return [self.sentence.predict(r) for r in rows]

    def probability(self, evidence: Mapping[str, float]) -> float:
        """Calibrated P(reuse) for one pair's features."""
        return self._calibrated([evidence[k] for k in self.features])

    def _calibrated(self, x: Sequence[float]) -> float:
        raw = self.reuse.predict(x)
        return self.calibration(raw) if self.calibration is not None else raw

    def decide(self, evidence: Mapping[str, float], *, floor: float = 0.0, threshold: float = 0.5) -> Decision:
        """The decision for one pair's features: reuse when the calibrated P(reuse) reaches
        ``threshold`` (``DecisionSettings.reuse_threshold``). ``floor`` is a lower bound on
        P(reuse) set by evidence that stands on its own (see ``VerdictTuning.hard_narrative_words``)."""
        x = [evidence[k] for k in self.features]
        p = max(self._calibrated(x), floor)
        pw = self.wholly.predict(x)
        probs = {"reuse": p, "wholly": p * pw, "partially": p * (1 - pw), "not": 1 - p}
        degree: Degree = "not" if p < threshold else ("wholly" if pw >= 0.5 else "partially")
        return Decision(p, degree, {k: round(v, 4) for k, v in probs.items()})

    def to_json(self) -> str:
        doc = {
            "version": MODEL_VERSION,
            "features": list(self.features),
            "reuse": self.reuse.to_dict(),
            **({"calibration": self.calibration.to_dict()} if self.calibration else {}),
            "wholly": self.wholly.to_dict(),
            **({"meta": dict(self.meta)} if self.meta else {}),
            **({"sentence": {"features": list(SENTENCE_FEATURES), **self.sentence.to_dict()}} if self.sentence else {}),
        }
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DecisionModel:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"decision model is not valid JSON ({e}); retrain it with `retold train`") from e
        if d.get("version") not in READABLE_VERSIONS:
            raise ConfigError(
                f"decision model version {d.get('version')!r}, this retold reads {MODEL_VERSION}; "
                "retrain it with `retold train`"
            )
        feats = tuple(d["features"])
        missing = [f for f in feats if f not in FEATURES]
        if missing:
            raise ConfigError(f"decision model uses unknown features {missing}; retrain it with `retold train`")
        n = len(feats)
        sentence = None
        if "sentence" in d:
            if tuple(d["sentence"].get("features", ())) != SENTENCE_FEATURES:
                raise ConfigError(
                    f"decision model: the sentence model's features {d['sentence'].get('features')} are not "
                    f"{list(SENTENCE_FEATURES)}; retrain it with `retold train`"
                )
            sentence = Logistic.from_dict(d["sentence"], len(SENTENCE_FEATURES))
        return cls(
            feats,
            Logistic.from_dict(d["reuse"], n),
            Logistic.from_dict(d["wholly"], n),
            d.get("meta"),
            sentence,
            Calibration.from_dict(d["calibration"]) if "calibration" in d else None,
        )

    @classmethod
    def default(cls) -> DecisionModel:
        """The model shipped in the package."""
        return _shipped()


@lru_cache(maxsize=1)
def _shipped() -> DecisionModel:
    text = resources.files("retold").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return DecisionModel.from_json(text)


def load_model(path: str | None) -> DecisionModel:
    """The shipped model, or the one at ``path`` (made by ``retold train --out``)."""
    if not path:
        return _shipped()
    return _load_path(path)


@lru_cache(maxsize=4)
def _load_path(path: str) -> DecisionModel:
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"decision model file {path!r} not found; set decision.model to a file made by `retold train`")
    return DecisionModel.from_json(p.read_text(encoding="utf-8"))
