"""Train the pair decision (``retold train``): development data in, ``decision.json`` out.

Training examples, each a document pair with a label and a group for cross-validation:

* **METER dev** (``meter-dev/pairs.jsonl``): PA wire pools against newspaper articles judged
  wholly / partially / not derived by journalists; grouped by story.
* **BBC synth copies** (:func:`retold.synth.copies.generate` on the BBC articles, fixed seed): every
  rewrite kind the generator makes, plus same-topic negatives; grouped by source article.
* **BBC same-story pairs**: articles of one topic that share the most rare words yet no
  8-word sequence (follow-ups and rival reports of one event); negatives, grouped by pair.

Each pair runs the full compare once with the learned decision off; its features
(:data:`retold.decision.FEATURES`) are cached in ``cache_dir`` by a digest of the texts and the
settings, so a second run (or the cross-validation in ``bench/eval_meter.py``) reads them back.
Training is deterministic: the same data and settings give the same file, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retold.config import Settings
from retold.decision import FEATURES, Calibration, DecisionModel, Logistic, logit
from retold.errors import InputError
from retold.evidence import SENTENCE_FEATURES, sentence_evidence
from retold.match import DocFeatures
from retold.pipeline import Detector
from retold.types import Degree, Document

# L2 strength of both logistic models (sklearn's C). On METER dev, story-grouped 5-fold, with the
# BBC pairs added: C 0.1 -> accuracy 0.786, macro-F1 0.679; C 1.0 -> 0.777, 0.674.
REGULARISATION_C = 0.1
# Each source (METER, synth, BBC same-story) weighs the same in total, METER times this. Weighting
# METER 2-8x made calibration on METER folds better (ECE 0.095 -> 0.06-0.08) but called more
# independent METER articles reuse (0.34 -> 0.39-0.46).
METER_WEIGHT = 1.0
EXAMPLES_VERSION = 7
# The calibration map (retold.decision.Calibration) is fitted on out-of-fold predictions for the
# METER pairs, story-grouped into this many folds: METER is the one set of real newsroom pairs
# with journalists' labels, so P(reuse) means what it says on real copy. (The generated and BBC
# pairs set their own mixture's prior: uncalibrated, METER's held-out ECE is 0.11, the model
# reading too little reuse into weak evidence. Calibrated within each training fold: 0.045.)
CALIBRATION_FOLDS = 5
CALIBRATION_SEED = 1


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled pair and what the compare found in it."""

    source: str  # meter / synth / bbc-same-story / fixture
    id: str
    group: str
    label: int  # 1 reuse, 0 not
    degree: Degree
    features: dict[str, float]
    # For evaluation: b spans of the passages the rules kept, and of every proposed passage.
    kept_b: tuple[tuple[int, int], ...] = ()
    proposed_b: tuple[tuple[int, int], ...] = ()
    seconds: float = 0.0
    meta: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PairSpec:
    source: str
    id: str
    group: str
    label: int
    degree: Degree
    a: Document
    b: Document
    meta: dict[str, object] = field(default_factory=dict)


def meter_pairs(path: Path) -> list[PairSpec]:
    """The METER development pairs (``pairs.jsonl``)."""
    if not path.is_file():
        raise InputError(f"{path} not found: the METER development half lives in ../shared/data/meter-dev")
    out = []
    degree_of: dict[str, Degree] = {"wholly": "wholly", "partially": "partially", "non": "not"}
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append(
                PairSpec(
                    "meter",
                    r["id"],
                    r["story"],
                    int(r["label"]),
                    degree_of[r["group"]],
                    Document(r["a"]["id"], r["a"]["text"]),
                    Document(r["b"]["id"], r["b"]["text"]),
                    {"spans": r.get("spans") or [], "newspaper": r.get("newspaper"), "group": r["group"]},
                )
            )
    return out


def _bbc_articles(folder: Path) -> list[tuple[str, str, str]]:
    if not folder.is_dir():
        raise InputError(f"{folder} not found: the BBC News data set lives in ../shared/data/bbc-news")
    out = []
    for f in sorted(folder.glob("*/*.txt")):
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        out.append((f"{f.parent.name}/{f.name}", f.parent.name, text))
    return out


_WORDS = re.compile(r"\w+")


def _grams8(text: str) -> set[tuple[str, ...]]:
    w = _WORDS.findall(text.lower())
    return {tuple(w[k : k + 8]) for k in range(len(w) - 7)}


def bbc_same_story_pairs(folder: Path, *, n: int, seed: int = 1) -> list[PairSpec]:
    """Negatives: same-topic BBC pairs sharing the most rare words but no 8-word sequence."""
    from retold.tokens import is_content, weight

    arts = _bbc_articles(folder)
    bags: list[dict[str, float]] = []
    for _, _, text in arts:
        bag: dict[str, float] = {}
        for w in _WORDS.findall(text.lower()):
            if is_content(w) and not w.isdigit():
                bag[w] = weight(w)
        bags.append(bag)
    grams = [_grams8(t) for _, _, t in arts]
    by_topic: dict[str, list[int]] = {}
    for k, (_, topic, _) in enumerate(arts):
        by_topic.setdefault(topic, []).append(k)
    scored: list[tuple[float, int, int]] = []
    for ids in by_topic.values():
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                bi, bj = bags[i], bags[j]
                shared = math.fsum(bi[w] for w in bi.keys() & bj.keys())  # fsum: set order varies per process
                union = math.fsum(bi.values()) + math.fsum(bj.values()) - shared
                sim = shared / union if union else 0.0
                if sim >= 0.12 and not (grams[i] & grams[j]):
                    scored.append((sim, i, j))
    scored.sort(reverse=True)
    rng = random.Random(seed)
    picked = scored[: n * 2]
    rng.shuffle(picked)
    out = []
    for sim, i, j in sorted(picked[:n], reverse=True):
        (ia, _, ta), (ib, _, tb) = arts[i], arts[j]
        out.append(
            PairSpec("bbc-same-story", f"{ia}|{ib}", f"bbc:{ia}|{ib}", 0, "not", Document(ia, ta), Document(ib, tb), {"wjaccard": round(sim, 4)})
        )
    return out




def synth_pairs(folder: Path, *, n: int, seed: int = 1) -> list[PairSpec]:
    """Generated rewrites of BBC articles (every kind) and same-topic negatives."""
    from retold.synth.copies import generate
    from retold.synth.io import read_articles

    if not folder.is_dir():
        raise InputError(f"{folder} not found: the BBC News data set lives in ../shared/data/bbc-news")
    arts = read_articles(folder)
    from retold.synth.wordnet import WordNet

    if not WordNet.available():
        raise InputError("synth training pairs need WordNet for the spin kinds: install Debian's wordnet-base (`make sysdeps`)")
    ss = generate(arts, n=n, seed=seed, negative_share=0.2, thesaurus=WordNet.open())
    texts = {a.id: a for a in ss.articles}
    docs = {d.id: d for d in ss.derived}
    out = []
    for p in ss.pairs:
        src = texts.get(p.src)
        d = docs.get(p.susp) or texts.get(p.susp)
        if src is None or d is None:
            continue
        if p.label:
            covered = sum(len(c.this) for c in p.cases) / max(1, len(d.text))
            degree: Degree = "wholly" if covered >= 0.6 else "partially"
        else:
            degree = "not"
        out.append(
            PairSpec(
                "synth",
                f"{p.susp}|{p.src}",
                f"synth:{p.src}",
                int(p.label),
                degree,
                Document(src.id, src.text),
                Document(d.id, d.text),
                # Exact gold: the derived text's spans that came from this source (word labels
                # for the sentence judgement; a negative's sentences are all new).
                {"kind": p.obfuscation, "word_labels": True,
                 "spans": [{"start": c.this.start, "end": c.this.end, "type": "Verbatim"}
                           for c in p.cases if c.source_id == src.id]},
            )
        )
    return out


def handwritten_pairs(bench_dir: Path, bbc: Path) -> list[PairSpec]:
    """The development rewrites written by hand for retold (``bench/handwritten*``): fluent
    paraphrases and abstractive summaries of BBC articles (wholly derived), and reworded
    paragraphs pasted into unrelated BBC articles (partially derived). The hand-written pairs
    of ``tests/fixtures/handwritten`` are never used here: they are the quality gate's."""

    def bbc_text(rel: str) -> str:
        raw = (bbc / rel).read_bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    out: list[PairSpec] = []
    for f in sorted((bench_dir / "handwritten").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        text = "\n\n".join(d["paragraphs"])
        out.append(PairSpec("handwritten", f"paraphrase:{f.stem}", f"hw:{d['source']}", 1, "wholly",
                            Document(d["source"], bbc_text(d["source"])), Document(f"paraphrase-{f.stem}", text)))
    for f in sorted((bench_dir / "handwritten_summaries").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        out.append(PairSpec("handwritten", f"summary:{f.stem}", f"hw:{d['source']}", 1, "wholly",
                            Document(d["source"], bbc_text(d["source"])), Document(f"summary-{f.stem}", d["text"])))
    for f in sorted((bench_dir / "handwritten_embedded").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        host = bbc_text(d["host"]).split("\n\n")
        k = int(d["insert_after_paragraph"])
        text = "\n\n".join([*host[:k], d["paragraph"], *host[k:]])
        out.append(PairSpec("handwritten", f"embedded:{f.stem}", f"hw:{d['source']}", 1, "partially",
                            Document(d["source"], bbc_text(d["source"])), Document(f"embedded-{f.stem}", text)))
    return out


def _spec_digest(spec: PairSpec, settings_digest: str) -> str:
    h = hashlib.sha256()
    for part in (str(EXAMPLES_VERSION), settings_digest, spec.a.text, "\x00", spec.b.text):
        h.update(part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:24]


def _result_digest(s: Settings) -> str:
    """What a pair's features depend on: the compare's settings groups, less scheduling knobs
    (threads, batch sizes); the decision, corpus, batch, stream and ingest groups never change them."""
    full = s.to_dict()
    d = {g: full[g] for g in ("normalise", "segment", "embed", "match", "align", "verdict")}
    d["embed"] = {k: v for k, v in d["embed"].items() if k not in ("threads", "batch_size")}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def extract(
    specs: Sequence[PairSpec],
    *,
    settings: Settings,
    cache_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Example]:
    """Run each pair through compare (decision off) and keep its features; cached on disk."""
    s = settings.replace(decision={"learned": False})
    det = Detector(s)
    sdig = _result_digest(s)
    cache: dict[str, dict[str, object]] = {}
    cache_file = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_file = cache_dir / "examples.jsonl"
        if cache_file.exists():
            for line in cache_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    cache[row["key"]] = row
    out: list[Example] = []
    keys = [_spec_digest(spec, sdig) for spec in specs]
    if s.match.semantic and any(key not in cache for key in keys):
        # Load the model before the clock starts: "seconds" is the time a pair takes, and the
        # one-off load (~5 s for MiniLM) would otherwise land on the first pair.
        det.embedder.encode(["warm up"])
    fh = cache_file.open("a", encoding="utf-8") if cache_file is not None else None
    try:
        for k, (spec, key) in enumerate(zip(specs, keys, strict=True)):
            row = cache.get(key)
            if row is None:
                t0 = time.perf_counter()
                c = det.compare(spec.a, spec.b)
                row = {
                    "key": key,
                    "features": dict(c.features),
                    "kept_b": [[p.b.start, p.b.end] for p in c.passages],
                    "proposed_b": [[p.b.start, p.b.end] for p in c.passages]
                    + [[r.passage.b.start, r.passage.b.end] for r in c.rejected if r.filter != "too-short"],
                    "seconds": time.perf_counter() - t0,
                    "verdict": c.verdict,
                }
                if fh is not None:
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()
                cache[key] = row
            feats = row["features"]
            assert isinstance(feats, dict)
            out.append(
                Example(
                    spec.source,
                    spec.id,
                    spec.group,
                    spec.label,
                    spec.degree,
                    {f: float(feats[f]) for f in FEATURES},
                    tuple(tuple(x) for x in row["kept_b"]),  # type: ignore[misc, union-attr]
                    tuple(tuple(x) for x in row["proposed_b"]),  # type: ignore[misc, union-attr]
                    float(row["seconds"]),  # type: ignore[arg-type]
                    {**spec.meta, "rule_verdict": row.get("verdict")},
                )
            )
            if progress is not None:
                progress(k + 1, len(specs))
    finally:
        if fh is not None:
            fh.close()
    return out


# The features the models weigh: evidence about the text, not about how a data set was built, and
# the reporter's own words rather than what both reporters heard. Left out: lengths (len_short,
# len_ratio: METER's wire pools are 4x longer than the papers, so "much longer source" read as
# "derived", and a paraphrase has its source's length), the number and order of groups (they track
# length and layout), and the quoted-material measures (quote_cov5, quote_aligned, quoted_share:
# a shared quotation is weak evidence, two reporters hear the same witness) with the all-token
# sequence shares that mix quotes in (cov3, cov5, cov8, long_cov5, aligned_long).
MODEL_FEATURES: tuple[str, ...] = (
    "cov1",
    "cov2",
    "narr_cov3",
    "narr_cov5",
    "narr_run",
    "sent_cov3",
    "novel_names",
    "novel_numbers",
    "wjaccard",
    "aligned_short",
    "kept_short",
    "strong_short",
    "loose_short",
    "narr_aligned",
    "mean_score",
    "rule_reuse",
)


def _matrix(examples: Sequence[Example], features: Sequence[str] = MODEL_FEATURES) -> np.ndarray:
    return np.array([[e.features[f] for f in features] for e in examples], dtype=np.float64)


def _fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    if len(set(y.tolist())) < 2:
        raise InputError("training needs both labels (reuse and not) in the data")
    m = LogisticRegression(C=REGULARISATION_C, max_iter=5000, tol=1e-10)
    m.fit(z, y, sample_weight=w)
    return Logistic(tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, m.coef_[0])), float(m.intercept_[0]))


# Rewrites written for retold, generated or by hand, share one weight: 15 hand-written pairs
# weighing as much as all of METER made METER dev worse (accuracy 0.786 -> 0.762).
_WEIGHT_GROUP = {"handwritten": "synth", "fixture": "synth"}


def _weights(examples: Sequence[Example]) -> np.ndarray:
    """Each source weighs the same in total (METER x METER_WEIGHT), whatever its size."""
    counts: dict[str, int] = {}
    for e in examples:
        g = _WEIGHT_GROUP.get(e.source, e.source)
        counts[g] = counts.get(g, 0) + 1
    n = len(examples)
    k = len(counts)
    return np.array(
        [
            (n / (k * counts[_WEIGHT_GROUP.get(e.source, e.source)])) * (METER_WEIGHT if e.source == "meter" else 1.0)
            for e in examples
        ]
    )


# A sentence counts as derived when this share of its characters lies in METER's Verbatim or
# Rewrite spans (the journalists' word-level labels): the majority of it.
DERIVED_SENTENCE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class SentenceSet:
    """Per-sentence evidence rows with their labels and the story each comes from."""

    x: np.ndarray
    y: np.ndarray
    groups: tuple[str, ...]
    pairs: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # raw spans into the side judged (``sides``)
    sides: tuple[str, ...]  # "b" or "a": the pair's shorter side, as the pipeline judges it

    def join(self, other: SentenceSet | None) -> SentenceSet:
        if other is None:
            return self
        return SentenceSet(np.vstack([self.x, other.x]), np.concatenate([self.y, other.y]),
                           self.groups + other.groups, self.pairs + other.pairs, self.spans + other.spans,
                           self.sides + other.sides)

    def take(self, mask: np.ndarray) -> SentenceSet:
        idx = np.flatnonzero(mask)
        return SentenceSet(self.x[idx], self.y[idx], tuple(self.groups[i] for i in idx),
                           tuple(self.pairs[i] for i in idx), tuple(self.spans[i] for i in idx),
                           tuple(self.sides[i] for i in idx))


def sentence_examples(specs: Sequence[PairSpec], *, settings: Settings, labelled_only: bool = True) -> SentenceSet:
    """One row of :func:`retold.evidence.sentence_evidence` per sentence of each pair's shorter
    side (as the pipeline judges it), labelled from word-level spans (``meta["spans"]``: METER's
    Verbatim / Rewrite / New on b). Pairs without spans are skipped unless ``labelled_only`` is
    off (then their rows have label 0 and serve for prediction only)."""
    det = Detector(settings.replace(decision={"learned": False}))
    prepared: dict[str, DocFeatures] = {}
    xs: list[tuple[float, ...]] = []
    ys: list[int] = []
    groups: list[str] = []
    pairs: list[str] = []
    spans: list[tuple[int, int]] = []
    sides: list[str] = []
    for spec in specs:
        gold = [(int(d["start"]), int(d["end"])) for d in spec.meta.get("spans", []) or []  # type: ignore[attr-defined]
                if d["type"] in ("Verbatim", "Rewrite")]
        if labelled_only and not (spec.meta.get("spans") or spec.meta.get("word_labels")):
            continue
        for doc in (spec.a, spec.b):
            if doc.text not in prepared:
                prepared[doc.text] = det.prepare(doc).features
        fa, fb = prepared[spec.a.text], prepared[spec.b.text]
        b_short = sum(map(len, fb.keys)) <= sum(map(len, fa.keys))
        short, long_ = (fb, fa) if b_short else (fa, fb)
        marks = np.zeros(len(short.segments.text) + 1, dtype=np.int8)
        if b_short:
            for start, end in gold:
                marks[start:end] = 1
        for sent, row in zip(short.segments.sentences, sentence_evidence(long_, short), strict=True):
            sp = sent.span
            xs.append(row)
            ys.append(int(bool(marks[sp.start : sp.end].mean() >= DERIVED_SENTENCE_SHARE)) if sp.end > sp.start else 0)
            groups.append(spec.group)
            pairs.append(spec.id)
            spans.append((sp.start, sp.end))
            sides.append("b" if b_short else "a")
    x = np.array(xs, dtype=np.float64).reshape(-1, len(SENTENCE_FEATURES))
    return SentenceSet(x, np.array(ys, dtype=np.int64), tuple(groups), tuple(pairs), tuple(spans), tuple(sides))


def fit_sentences(data: SentenceSet) -> Logistic:
    """The sentence judgement: P(derived) per sentence, every sentence weighing the same."""
    return _fit_logistic(data.x, data.y, np.ones(len(data.y)))


def fit(
    examples: Sequence[Example], *, meta: dict[str, object] | None = None, sentences: SentenceSet | None = None
) -> DecisionModel:
    """Fit the reuse model on every example, the wholly model on the reuse examples, and the
    sentence judgement on ``sentences`` when given."""
    x = _matrix(examples)
    y = np.array([e.label for e in examples])
    w = _weights(examples)
    reuse = _fit_logistic(x, y, w)
    pos = [k for k, e in enumerate(examples) if e.label == 1]
    yw = np.array([1 if examples[k].degree == "wholly" else 0 for k in pos])
    wholly = _fit_logistic(x[pos], yw, w[pos])
    sentence = fit_sentences(sentences) if sentences is not None and len(sentences.y) else None
    return DecisionModel(MODEL_FEATURES, reuse, wholly, meta, sentence, fit_calibration(examples, x, y))


def fit_calibration(examples: Sequence[Example], x: np.ndarray, y: np.ndarray) -> Calibration | None:
    """Platt scaling of the reuse model, fitted on the METER examples' out-of-fold raw
    predictions: METER's stories split into :data:`CALIBRATION_FOLDS` folds, each predicted by a
    reuse model trained on every other example (the other folds' METER pairs and all the rest,
    weighted as :func:`fit` weighs them). None (no map) without METER pairs of both labels in at
    least that many stories."""
    from sklearn.linear_model import LogisticRegression

    meter = [k for k, e in enumerate(examples) if e.source == "meter"]
    if len({examples[k].group for k in meter}) < CALIBRATION_FOLDS or len({int(y[k]) for k in meter}) < 2:
        return None
    inner = story_folds([examples[k] for k in meter], CALIBRATION_FOLDS, seed=CALIBRATION_SEED)
    z: list[float] = []
    t: list[int] = []
    for g in range(CALIBRATION_FOLDS):
        held = [k for k, f in zip(meter, inner, strict=True) if f == g]
        out = set(held)
        rest = [k for k in range(len(examples)) if k not in out]
        if len({int(y[k]) for k in rest}) < 2:
            return None
        m = _fit_logistic(x[rest], y[rest], _weights([examples[k] for k in rest]))
        z.extend(logit(m.predict(x[k])) for k in held)
        t.extend(int(y[k]) for k in held)
    if len(set(t)) < 2:
        return None
    platt = LogisticRegression(C=np.inf, max_iter=1000, tol=1e-12).fit(np.array(z).reshape(-1, 1), np.array(t))
    slope = float(platt.coef_[0, 0])
    if slope <= 0:  # the held-out ranking is no better than chance: no map rather than a reversed one
        return None
    return Calibration(slope, float(platt.intercept_[0]))


def data_digest(examples: Iterable[Example], sentences: SentenceSet | None = None) -> str:
    h = hashlib.sha256()
    for e in sorted(examples, key=lambda e: (e.source, e.id)):
        h.update(f"{e.source}\t{e.id}\t{e.label}\t{e.degree}\t".encode())
        h.update(json.dumps([round(e.features[f], 6) for f in FEATURES]).encode())
    if sentences is not None and len(sentences.y):
        h.update(json.dumps([[round(float(v), 6) for v in row] for row in sentences.x]).encode())
        h.update(json.dumps(sentences.y.tolist()).encode())
    return h.hexdigest()[:16]


def story_folds(examples: Sequence[Example], k: int = 5, *, seed: int = 0) -> list[int]:
    """A fold number per example; all examples of one group share a fold."""
    groups = sorted({e.group for e in examples})
    rng = random.Random(seed)
    rng.shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    return [fold_of[e.group] for e in examples]


def expected_calibration_error(p: Sequence[float], y: Sequence[int], *, bins: int = 10) -> tuple[float, list[tuple[float, float, int]]]:
    """ECE over equal-width bins, and (mean predicted, observed rate, count) per bin."""
    rows: list[tuple[float, float, int]] = []
    total = len(p)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, v in enumerate(p) if (lo <= v < hi) or (b == bins - 1 and v == 1.0)]
        if not idx:
            continue
        mp = sum(p[i] for i in idx) / len(idx)
        obs = sum(y[i] for i in idx) / len(idx)
        ece += len(idx) / total * abs(mp - obs)
        rows.append((mp, obs, len(idx)))
    return ece, rows


def logloss(p: Sequence[float], y: Sequence[int]) -> float:
    eps = 1e-9
    return -sum(math.log(max(eps, v if t else 1 - v)) for v, t in zip(p, y, strict=True)) / max(1, len(p))


def train_model(
    *,
    meter: Path,
    bbc: Path | None,
    n_synth: int,
    n_same: int,
    cache_dir: Path | None,
    settings: Settings,
    command: str,
    handwritten: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[DecisionModel, str]:
    """Build every example, fit, and return the model (its meta names the data and command)."""
    specs = meter_pairs(meter)
    examples = extract(specs, settings=settings, cache_dir=cache_dir,
                       progress=(lambda k, n: progress("METER", k, n)) if progress else None)
    if bbc is not None and (n_synth or n_same):
        extra = (synth_pairs(bbc, n=n_synth) if n_synth else []) + (bbc_same_story_pairs(bbc, n=n_same) if n_same else [])
        if handwritten is not None:
            extra += handwritten_pairs(handwritten, bbc)
        examples += extract(extra, settings=settings, cache_dir=cache_dir,
                            progress=(lambda k, n: progress("BBC", k, n)) if progress else None)
    counts: dict[str, int] = {}
    for e in examples:
        key = f"{e.source}:{e.label}"
        counts[key] = counts.get(key, 0) + 1
    # METER's word labels only: the generated copies' gold, added too, lowered the held-out AUC
    # on METER sentences 0.86 -> 0.81 and did not keep PAN13's host text out either.
    sentences = sentence_examples(specs, settings=settings)
    meta: dict[str, object] = {
        "command": command,
        "data_digest": data_digest(examples, sentences),
        "sentences": int(len(sentences.y)),
        "examples": dict(sorted(counts.items())),
        "embedder": settings.embed.backend,
    }
    model = fit(examples, meta=meta, sentences=sentences)
    return model, f"{len(examples)} examples, {len(sentences.y)} sentences, data digest {meta['data_digest']}"
