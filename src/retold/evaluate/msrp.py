"""Sentence paraphrase detection on the Microsoft Research Paraphrase Corpus (MSRP).

MSRP is a TSV file with a byte-order mark and CRLF line ends; columns ``Quality, #1 ID, #2 ID,
#1 String, #2 String`` (Quality 1 = paraphrase). Sentences hold stray double quotes, so it is read
with ``csv.QUOTE_NONE``: a quoting reader silently glues lines together.

Each pair becomes a small feature vector: retold's own sentence evidence
(:func:`retold.match.sentence_features`: weighted word dice, containment both ways, token dice),
the embedder's cosine, agreement of numbers, length ratio and character-trigram overlap, plus
(``interactions=True``) the element-wise product and absolute difference of the two sentence
vectors, as SentEval's linear probes use. A logistic regression (L2, Newton steps, numpy only)
and its decision threshold are fitted on the training part only.

>>> rows = parse_msrp("\\ufeffQuality\\t#1 ID\\t#2 ID\\t#1 String\\t#2 String\\r\\n1\\t1\\t2\\tA cat sat.\\tA cat sat down.\\r\\n")
>>> rows[0].label, rows[0].b
(1, 'A cat sat down.')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retold.embed import Embedder
from retold.errors import InputError
from retold.match import sentence_features


@dataclass(frozen=True, slots=True)
class MsrpPair:
    label: int
    a: str
    b: str


def parse_msrp(text: str, *, where: str = "<msrp>") -> list[MsrpPair]:
    """Rows of an MSRP TSV (header required, BOM and CRLF tolerated)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = list(reader)
    if not rows or not rows[0] or rows[0][0].strip().lower() != "quality":
        raise InputError(f"{where}: expected MSRP's header 'Quality\\t#1 ID\\t#2 ID\\t#1 String\\t#2 String'")
    out = []
    for no, row in enumerate(rows[1:], 2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 5 or row[0].strip() not in ("0", "1"):
            raise InputError(f"{where}:{no}: expected 5 tab-separated columns with Quality 0 or 1, got {len(row)}")
        out.append(MsrpPair(int(row[0]), row[3].strip(), row[4].strip()))
    if not out:
        raise InputError(f"{where}: no sentence pairs")
    return out


_NUM = re.compile(r"\d+(?:[.,]\d+)*")
FEATURE_NAMES = (
    "dice",
    "containment_a",
    "containment_b",
    "token_dice",
    "cosine",
    "numbers_agree",
    "length_ratio",
    "char3_jaccard",
    "min_containment",
)


def _char3(s: str) -> set[str]:
    t = re.sub(r"\s+", " ", s.lower())
    return {t[i : i + 3] for i in range(len(t) - 2)}


def features(
    pairs: Sequence[MsrpPair], *, embedder: Embedder | None = None, interactions: bool = False
) -> np.ndarray:
    """One row of features per pair (see ``FEATURE_NAMES``; 2 x dim more with interactions)."""
    rows = []
    for p in pairs:
        f = sentence_features(p.a, p.b)
        na, nb = set(_NUM.findall(p.a)), set(_NUM.findall(p.b))
        agree = 1.0 if not na and not nb else len(na & nb) / len(na | nb)
        la, lb = len(p.a.split()), len(p.b.split())
        ca, cb = _char3(p.a), _char3(p.b)
        rows.append(
            [
                f.dice,
                f.containment_a,
                f.containment_b,
                f.token_dice,
                0.0,
                agree,
                min(la, lb) / max(la, lb, 1),
                len(ca & cb) / max(len(ca | cb), 1),
                min(f.containment_a, f.containment_b),
            ]
        )
    x = np.asarray(rows, dtype=np.float64)
    if embedder is not None:
        va = embedder.encode([p.a for p in pairs]).astype(np.float64)
        vb = embedder.encode([p.b for p in pairs]).astype(np.float64)
        x[:, 4] = np.sum(va * vb, axis=1)
        if interactions:
            x = np.hstack([x, va * vb, np.abs(va - vb)])
    return x


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """A fitted logistic regression on standardised features, with its decision threshold."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.proba(x) >= self.threshold).astype(int)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 25) -> LogisticModel:
    """L2-regularised logistic regression by Newton's method, then the training-accuracy threshold."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    model = LogisticModel(mean, scale, w[:-1], float(w[-1]), 0.5)
    return LogisticModel(mean, scale, w[:-1], float(w[-1]), best_threshold(model.proba(x), y))


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The cut on training scores with the best accuracy (midpoint between neighbours)."""
    order = np.argsort(scores)
    s, t = scores[order], y[order]
    # Predicting positive for items i.. : correct = negatives before i + positives from i on.
    neg_before = np.concatenate([[0], np.cumsum(1 - t)])
    pos_from = np.concatenate([np.cumsum(t[::-1])[::-1], [0]])
    acc = neg_before + pos_from
    i = int(np.argmax(acc))
    if i == 0:
        return float(s[0]) - 1e-9
    if i == len(s):
        return float(s[-1]) + 1e-9
    return float((s[i - 1] + s[i]) / 2)


@dataclass(frozen=True, slots=True)
class MsrpResult:
    accuracy: float
    f1: float
    majority: float
    folds: tuple[float, ...] = ()
    train_pairs: int = 0
    test_pairs: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "accuracy": round(self.accuracy, 4),
            "f1": round(self.f1, 4),
            "majority_class_accuracy": round(self.majority, 4),
            "folds": [round(a, 4) for a in self.folds],
            "train_pairs": self.train_pairs,
            "test_pairs": self.test_pairs,
        }


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum((y == 1) & (pred == 1)))
    fp = float(np.sum((y == 0) & (pred == 1)))
    fn = float(np.sum((y == 1) & (pred == 0)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def train_test(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *, l2: float = 1.0
) -> MsrpResult:
    """Fit on train only; accuracy and F1 on test."""
    model = fit_logistic(x_train, y_train, l2=l2)
    pred = model.predict(x_test)
    majority = max(float(np.mean(y_test)), 1 - float(np.mean(y_test)))
    return MsrpResult(float(np.mean(pred == y_test)), _f1(y_test, pred), majority, (), len(y_train), len(y_test))


def cross_validate(x: np.ndarray, y: np.ndarray, *, folds: int = 5, seed: int = 0, l2: float = 1.0) -> MsrpResult:
    """Stratified k-fold cross-validation: mean accuracy, pooled F1."""
    if folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {folds}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % folds
    accs, preds = [], np.empty(len(y), dtype=int)
    for k in range(folds):
        test = fold_of == k
        model = fit_logistic(x[~test], y[~test], l2=l2)
        preds[test] = model.predict(x[test])
        accs.append(float(np.mean(preds[test] == y[test])))
    majority = max(float(np.mean(y)), 1 - float(np.mean(y)))
    return MsrpResult(float(np.mean(accs)), _f1(y, preds), majority, tuple(accs), len(y), len(y))
