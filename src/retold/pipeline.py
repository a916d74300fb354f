"""compare() and Detector: the stages composed.

normalise → segment → featurize (tokens, stems, weights) → match (lexical anchors, splits and
joins, extension, semantic pairs) → align (passages, types, edits) → attribute (source) → verdict.

>>> from retold import Settings
>>> d = Detector(Settings().replace(embed={"backend": "hash"}))
>>> c = d.compare("The minister said the plan would cost 5 billion pounds.",
...               "The minister announced the plan would cost 5 billion pounds.")
>>> c.verdict, [e.a + "→" + e.b for p in c.passages for e in p.edits]
('copy', ['said→announced'])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from retold.align import build_passages, describe_groups, reuse_share, unmatched_runs
from retold.attribute import attribute
from retold.config import Settings, VerdictTuning
from retold.decision import DecisionModel, load_model, pair_evidence
from retold.embed import CachedEmbedder, Embedder, get_embedder
from retold.errors import DocumentTooLargeError, InputError
from retold.evidence import sentence_evidence
from retold.match import DocFeatures, featurize, match_sentences, weighted_jaccard
from retold.normalise import normalise
from retold.segment import segment_normalised
from retold.types import (
    Attribution,
    Comparison,
    Degree,
    Document,
    Passage,
    RejectedPassage,
    Segmented,
    SentencePair,
    Span,
    Verdict,
)

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document made ready for comparison: segmented and tokenised, optionally embedded.

    Corpus code prepares each document once and compares prepared documents many times;
    ``vectors`` (one L2-normalised row per sentence) may come from a store, and when present the
    embedder is not called at compare time.
    """

    doc: Document
    features: DocFeatures
    vectors: np.ndarray | None = None
    # Cut to ``segment.max_sentences`` sentences: the rest of the text is not compared.
    truncated: bool = False

    @property
    def segments(self):  # type: ignore[no-untyped-def]
        return self.features.segments


def _first_sentences(seg: Segmented, most: int) -> tuple[Segmented, bool]:
    """``seg`` cut to its first ``most`` sentences (and their paragraphs), and whether it was cut.

    Bounds compare by design (issue 13): matching is n x m in sentences, so two documents at
    the size limit made of short repetitive sentences took minutes and gigabytes.
    """
    if len(seg.sentences) <= most:
        return seg, False
    kept = seg.sentences[:most]
    last = kept[-1].paragraph
    paragraphs = tuple(p for p in seg.paragraphs if p.index <= last)
    breaks = tuple(s for s in seg.repaired_breaks if s.start < kept[-1].span.end)
    return replace(seg, sentences=kept, paragraphs=paragraphs, repaired_breaks=breaks), True


def as_document(x: Document | str, default_id: str) -> Document:
    if isinstance(x, Document):
        return x
    if not isinstance(x, str):
        raise InputError(f"document {default_id} must be a Document or a str, got {type(x).__name__}")
    return Document(id=default_id, text=x)


class Detector:
    """Compares documents with one set of settings and one embedder.

    Build it once and reuse it: the embedder (and its model) loads on first use only.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            # Sentence vectors are remembered per detector: a wire pool compared with each paper
            # on its story (and the takes inside it) embeds every distinct sentence once.
            self._embedder = CachedEmbedder(get_embedder(self.settings.embed))
        return self._embedder

    def prepare(self, doc: Document, *, vectors: np.ndarray | None = None, embed: bool = False) -> Prepared:
        """Normalise, segment and tokenise ``doc``; with ``embed=True`` also embed its sentences."""
        limit = self.settings.ingest.max_document_chars
        if len(doc.text) > limit:
            raise DocumentTooLargeError(
                f"document {doc.id!r} has {len(doc.text):,} characters, more than "
                f"ingest.max_document_chars = {limit:,}; raise the limit (RETOLD_INGEST__MAX_DOCUMENT_CHARS) "
                "or split the document"
            )
        norm = normalise(doc.text, repair_breaks=self.settings.normalise.repair_breaks)
        seg = segment_normalised(norm, min_tokens=self.settings.segment.min_tokens)
        seg, truncated = _first_sentences(seg, self.settings.segment.max_sentences)
        feats = featurize(seg)
        if vectors is None and embed:
            vectors = self.embedder.encode([s.norm for s in seg.sentences])
        if vectors is not None and len(vectors) != feats.n:
            raise InputError(
                f"document {doc.id!r}: {len(vectors)} sentence vectors for {feats.n} sentences; "
                "the stored vectors are stale, re-index the document"
            )
        return Prepared(doc, feats, vectors, truncated=truncated)

    def compare(self, a: Document | str, b: Document | str) -> Comparison:
        """Compare two documents (or texts): see :func:`compare`."""
        return self.compare_prepared(self.prepare(as_document(a, "a")), self.prepare(as_document(b, "b")))

    def compare_prepared(self, a: Prepared, b: Prepared) -> Comparison:
        s = self.settings
        t = s.verdict.tuning
        t0 = time.perf_counter()
        use_vectors = a.vectors is not None and b.vectors is not None
        pairs = match_sentences(
            a.features,
            b.features,
            settings=s.match,
            embedder=None if (use_vectors or not s.match.semantic) else self.embedder,
            vectors_a=a.vectors if use_vectors else None,
            vectors_b=b.vectors if use_vectors else None,
        )
        t1 = time.perf_counter()
        details = describe_groups(pairs, a.features, b.features)
        proposed = build_passages(details, a.features, b.features, max_gap=s.align.max_gap)
        # Each proposed passage that is not reported keeps the filter that dropped it.
        rejected: dict[int, str] = {}
        for k, p in enumerate(proposed):
            if len(p.b) < s.align.min_passage_chars and len(p.a) < s.align.min_passage_chars:
                rejected[k] = "too-short"
            elif len(p.pairs) == 1 and p.score < t.single_passage_min_score and p.pairs[0].via != "headline":
                # (a headline pairs only with the other headline, and only once the bodies align)
                rejected[k] = "weak-single"
        passages = [p for k, p in enumerate(proposed) if k not in rejected]
        before_weak_rule = len(passages)
        # Groups that are evidence on their own: ten words in a row, or part of an inserted block.
        evident = frozenset((d.pair.a, d.pair.b) for d in details if d.edits.longest_run >= t.strong_run_words)
        inserted = _inserted_blocks(passages, a.features, b.features, t)
        evident |= inserted
        survivors = _drop_scattered_weak(passages, a.features.n, b.features.n, evident, t)
        alive = {id(p) for p in survivors}  # the filter returns the same objects: no deep compares
        rejected.update({k: "scattered-weak" for k, p in enumerate(proposed) if k not in rejected and id(p) not in alive})
        passages = survivors
        related = len(passages) < before_weak_rule  # scattered similar sentences: the same story
        kept, reuse_a, reuse_b, dropped, added = _coverage(passages, pairs, a.features, b.features)
        t2 = time.perf_counter()
        verdict, confidence = _verdict(passages, reuse_a, reuse_b, a.features, b.features, s, related=related)
        degree: Degree = "not"
        probabilities: dict[str, float] = {}
        # The features are kept even when the decision is off: `retold train` reads them so.
        evidence = pair_evidence(a.features, b.features, details, kept, rule_reuse=verdict in ("copy", "partial-reuse"))
        if s.decision.learned:
            # Evidence that stands on its own, whatever the model weighs: a long run of the
            # reporter's own words kept word for word, or a block pasted into an unrelated text.
            hard = 2 ** evidence["narr_run"] - 1 >= t.hard_narrative_words or any(
                (pp.a, pp.b) in inserted for p in passages for pp in p.pairs
            )
            model = load_model(s.decision.model)
            decision = model.decide(evidence, floor=t.hard_evidence_probability if hard else 0.0,
                                    threshold=s.decision.reuse_threshold)
            probabilities = dict(decision.probabilities)
            # Reuse needs reused text to show: with no proposed passage the decision stays "not".
            candidates = [p for k, p in enumerate(proposed) if rejected.get(k) != "too-short"]
            if decision.degree != "not" and candidates:
                if verdict not in ("copy", "partial-reuse"):
                    # The rule filters dropped what the decision reads as reuse: report it all.
                    # (Where the rules kept some, their choice stands: reporting every proposed
                    # passage there raised METER's token F1 0.64 -> 0.70 but cut PAN13 lexical
                    # plagdet 0.895 -> 0.796 with scattered one-sentence detections.)
                    passages = candidates
                    rejected = {k: why for k, why in rejected.items() if why == "too-short"}
                    kept, reuse_a, reuse_b, dropped, added = _coverage(passages, pairs, a.features, b.features)
                elif (decision.degree == "wholly" and model.sentence is not None
                      and any(why != "too-short" for why in rejected.values())):
                    # A wholly derived article whose rules kept some passages and dropped others:
                    # take back those whose sentences the learned sentence judgement reads as
                    # derived. (Only where the whole article is judged derived: in a partial
                    # copy, the rest of the text is the new material, and taking it back cut
                    # PAN13 lexical plagdet 0.893 -> 0.844.)
                    back = _readmit(proposed, rejected, a.features, b.features, model, s.decision.sentence_threshold)
                    if back:
                        passages = [p for k, p in enumerate(proposed) if k not in rejected or k in back]
                        rejected = {k: why for k, why in rejected.items() if k not in back}
                        kept, reuse_a, reuse_b, dropped, added = _coverage(passages, pairs, a.features, b.features)
                degree = decision.degree
                verdict = "copy" if degree == "wholly" else "partial-reuse"
                confidence = round(decision.probability, 4)
            else:
                if verdict in ("copy", "partial-reuse"):
                    verdict, confidence = _verdict([], 0.0, 0.0, a.features, b.features, s, related=True)
                    rejected.update({k: "learned-not-reuse" for k in range(len(proposed)) if k not in rejected})
                confidence = round(1.0 - decision.probability, 4)
        elif verdict in ("copy", "partial-reuse"):
            degree = "wholly" if verdict == "copy" else "partially"
        if verdict in ("copy", "partial-reuse"):
            attribution = attribute(
                a.doc,
                b.doc,
                # Word swaps say "spinner" only where the words kept their places.
                [
                    e for d in details
                    if (d.pair.a, d.pair.b) in kept and d.type in ("near-verbatim", "spun")
                    and d.edits.ratio >= t.spin_min_ratio
                    for e in d.edits.wording
                ],
                added_a_share=1.0 - reuse_a,
                added_b_share=1.0 - reuse_b,
                condensed_a=sum(_condenses(d.b, d.a, len(d.pair.b), len(d.pair.a), t) for d in details
                                if (d.pair.a, d.pair.b) in kept),
                condensed_b=sum(_condenses(d.a, d.b, len(d.pair.a), len(d.pair.b), t) for d in details
                                if (d.pair.a, d.pair.b) in kept),
                min_confidence=s.verdict.min_source_confidence,
            )
        else:
            # Too little reused text for a verdict of reuse: report none rather than a stray pair.
            rejected.update({k: "too-little-reuse" for k in range(len(proposed)) if k not in rejected})
            attribution = Attribution(None, 0.0, "no reused text: nothing to attribute", "none")
            passages, added, dropped = [], [], []
            reuse_a = reuse_b = 0.0
        t3 = time.perf_counter()
        return Comparison(
            a=a.doc,
            b=b.doc,
            verdict=verdict,
            confidence=confidence,
            attribution=attribution,
            reuse_a=reuse_a,
            reuse_b=reuse_b,
            passages=tuple(passages),
            added=tuple(added),
            dropped=tuple(dropped),
            a_segments=a.features.segments,
            b_segments=b.features.segments,
            timings={"match": t1 - t0, "align": t2 - t1, "attribute": t3 - t2},
            degree=degree,
            rejected=tuple(RejectedPassage(proposed[k], why) for k, why in sorted(rejected.items())),
            probabilities=probabilities,
            features=evidence,
            truncated=tuple(side for side, p in (("a", a), ("b", b)) if p.truncated),  # type: ignore[misc]
        )


def _coverage(
    passages: list[Passage], pairs: list[SentencePair], fa: DocFeatures, fb: DocFeatures
) -> tuple[set[tuple[tuple[int, ...], tuple[int, ...]]], float, float, list[Span], list[Span]]:
    """The groups ``passages`` keep, each side's reused share, and a's dropped / b's added runs."""
    kept = {(pp.a, pp.b) for p in passages for pp in p.pairs}
    matched_a = {i for p in pairs if (p.a, p.b) in kept for i in p.a}
    matched_b = {j for p in pairs if (p.a, p.b) in kept for j in p.b}
    dropped = unmatched_runs(fa, matched_a) if passages else []
    added = unmatched_runs(fb, matched_b) if passages else []
    return kept, reuse_share(fa, matched_a), reuse_share(fb, matched_b), dropped, added


def _readmit(
    proposed: list[Passage],
    rejected: dict[int, str],
    fa: DocFeatures,
    fb: DocFeatures,
    model: DecisionModel,
    threshold: float,
) -> set[int]:
    """Rejected passages (not too short) whose sentences on the shorter article have a mean
    P(derived) of at least ``threshold`` under the model's sentence judgement."""
    b_short = sum(map(len, fb.keys)) <= sum(map(len, fa.keys))
    short, long_ = (fb, fa) if b_short else (fa, fb)
    probs = model.derived(sentence_evidence(long_, short))
    spans = [s.span for s in short.segments.sentences]
    back: set[int] = set()
    for k, why in rejected.items():
        if why == "too-short":
            continue
        span = proposed[k].b if b_short else proposed[k].a
        ps = [p for p, sp in zip(probs, spans, strict=True) if sp.start < span.end and sp.end > span.start]
        if ps and sum(ps) / len(ps) >= threshold:
            back.add(k)
    return back


def _inserted_blocks(
    passages: list[Passage], fa: DocFeatures, fb: DocFeatures, t: VerdictTuning
) -> frozenset[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Groups of passages pasted into a text about something else: a run of two or more groups
    whose host article shares next to nothing with the other document outside the run.

    A paraphrased paragraph inserted into an unrelated article is as weak, sentence by sentence,
    as the sentences two reports of one event share; what tells them apart is the rest: around
    the block, the host is about something else (weighted Jaccard under ``insert_max_background``;
    same-story pairs score 0.15-0.3 on the whole text).
    """
    out: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
    all_a = set().union(*fa.stems) if fa.stems else set()
    all_b = set().union(*fb.stems) if fb.stems else set()
    for p in passages:
        # Headlines do not count: two stories about one person open alike ("Wenger signs new
        # deal" / "Wenger rules out new keeper", and their first sentences) and go on apart.
        if sum(0 not in sp.a and 0 not in sp.b for sp in p.pairs) < 2:
            continue
        for host, ids, other in ((fb, [j for sp in p.pairs for j in sp.b], all_a), (fa, [i for sp in p.pairs for i in sp.a], all_b)):
            lo, hi = min(ids) - 1, max(ids) + 1
            rest = [k for k in range(host.n) if k < lo or k > hi]
            if len(rest) < t.insert_min_host:
                continue
            rest_stems = set().union(*(host.stems[k] for k in rest))
            sim = weighted_jaccard(rest_stems, other, host, fa if host is fb else fb)
            if sim < t.insert_max_background:
                out |= {(sp.a, sp.b) for sp in p.pairs}
                break
    return frozenset(out)


def _condenses(long: Span, short: Span, n_long: int, n_short: int, t: VerdictTuning) -> bool:
    """Whether a group sums ``n_long`` >= 2 sentences up in one much shorter sentence."""
    return n_long >= 2 and n_short == 1 and len(short) < t.condensed_ratio * len(long)


def _is_strong(p: Passage, evident: frozenset[tuple[tuple[int, ...], tuple[int, ...]]], t: VerdictTuning) -> bool:
    """Evidence of reuse on its own: words kept in order at length, a run of three aligned
    sentence groups that are similar on average, or two or more groups with one nearly
    identical in words or meaning.

    ``evident`` holds the groups (a ids, b ids) that are evidence by themselves: sharing at least
    ``strong_run_words`` words in a row, or belonging to a block pasted into an unrelated text. A lone reworded sentence is not enough: two reports of one event restate the same
    background fact in close words ("Kenteris won 200m gold at the 2000 Sydney Olympics ...",
    Dice 0.90, cosine 0.96, in two independent BBC stories), so it needs company.
    """
    if any((sp.a, sp.b) in evident for sp in p.pairs):
        return True  # a quote or clause of ten words or more, word for word; or a pasted block
    mean = sum(sp.score for sp in p.pairs) / len(p.pairs)
    if p.type in ("verbatim", "near-verbatim") and len(p.b) >= t.strong_verbatim_chars and mean >= t.strong_run_mean:
        return True  # a shared sentence, word for word (not a shared phrase inside two sentences)
    if len(p.pairs) >= t.strong_run and mean >= t.strong_run_mean:
        return True
    if len(p.pairs) < 2:
        return False
    return any(sp.lexical >= t.strong_lexical or (sp.semantic or 0.0) >= t.strong_cosine for sp in p.pairs)


def _drop_scattered_weak(
    passages: list[Passage],
    n_a: int,
    n_b: int,
    evident: frozenset[tuple[tuple[int, ...], tuple[int, ...]]],
    t: VerdictTuning,
) -> list[Passage]:
    """Drop weak passages unless all passages together map much of the shorter article, in order.

    Two independent reports of one event share a few moderately similar sentences (cosine
    0.65-0.8, Dice 0.3-0.6) scattered over both: on 26 such BBC pairs, 13 came out as
    partial-reuse before this rule. A summary or a paraphrase maps most of the shorter side in
    order, so it keeps its weak passages.
    """
    is_strong = [_is_strong(p, evident, t) for p in passages]
    strong = [p for p, st in zip(passages, is_strong, strict=True) if st]
    if len(strong) == len(passages):
        return passages
    groups = sorted((sp for p in passages for sp in p.pairs), key=lambda sp: sp.b[0])
    steps = list(zip(groups, groups[1:], strict=False))
    in_order = sum(x.a[-1] < y.a[0] for x, y in steps) >= t.ordered_share * len(steps)
    # Coverage counts aligned groups, not sentences: three sentences of one side joined into one
    # sentence of the other is one piece of shared content, not three.
    if in_order and len(groups) >= t.weak_coverage * max(1, min(n_a, n_b)):
        return passages
    # Otherwise a weak passage stays only next to strong reuse on both sides (a reworded
    # sentence inside a copied stretch), never on its own.
    strong_a = {i for p in strong for sp in p.pairs for i in sp.a}
    strong_b = {j for p in strong for sp in p.pairs for j in sp.b}

    def supported(p: Passage) -> bool:
        ia = [i for sp in p.pairs for i in sp.a]
        jb = [j for sp in p.pairs for j in sp.b]
        near_a = any(abs(i - k) <= t.weak_neighbourhood for i in ia for k in strong_a)
        near_b = any(abs(j - k) <= t.weak_neighbourhood for j in jb for k in strong_b)
        return near_a and near_b

    return [p for p, st in zip(passages, is_strong, strict=True) if st or supported(p)]


def _reused_chars(passages: list[Passage], side: str) -> int:
    spans: list[Span] = sorted(p.a if side == "a" else p.b for p in passages)
    total, end = 0, -1
    for sp in spans:
        total += max(0, sp.end - max(sp.start, end))
        end = max(end, sp.end)
    return total


def _verdict(
    passages: list[Passage],
    reuse_a: float,
    reuse_b: float,
    fa: DocFeatures,
    fb: DocFeatures,
    s: Settings,
    *,
    related: bool = False,
) -> tuple[Verdict, float]:
    """copy / partial-reuse / same-story / unrelated, with a confidence in [0, 1]."""
    v = s.verdict
    chars_b = _reused_chars(passages, "b")
    if passages and chars_b >= min(v.partial_min_chars, max(1, sum(len(x.span) for x in fb.segments.sentences) // 2)):
        mean_score = sum(p.score * len(p.b) for p in passages) / max(1, sum(len(p.b) for p in passages))
        share = max(reuse_a, reuse_b)
        if share >= v.copy_share:
            margin = min(1.0, (share - v.copy_share) / (1 - v.copy_share + 1e-9))
            return "copy", round(min(1.0, 0.55 + 0.25 * margin + 0.2 * mean_score), 4)
        margin = min(1.0, chars_b / v.tuning.partial_full_chars)
        return "partial-reuse", round(min(1.0, 0.45 + 0.3 * margin + 0.2 * mean_score), 4)
    # No reused text: same story (shared names, numbers, rare words) or unrelated.
    sa, sb = set().union(*fa.stems) if fa.stems else set(), set().union(*fb.stems) if fb.stems else set()
    sim = weighted_jaccard(sa, sb, fa, fb)
    # Weighted Jaccard of content stems: same-event BBC pairs ~0.15-0.3, same-topic others < 0.1.
    if sim >= v.tuning.same_story_jaccard or related:
        return "same-story", round(min(1.0, 0.5 + sim), 4)
    return "unrelated", round(min(1.0, 0.5 + (v.tuning.same_story_jaccard - sim) * 3), 4)


def compare(
    a: Document | str,
    b: Document | str,
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
) -> Comparison:
    """Compare two articles: passages with spans, edits, verdict and source.

    ``a`` and ``b`` are :class:`~retold.types.Document` objects or plain texts. Spans in the result
    are half-open character offsets into each document's ``text``.
    """
    return Detector(settings, embedder=embedder).compare(a, b)
