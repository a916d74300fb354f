"""Pair evidence: what two articles share, measured so that a learned decision can weigh it.

Two reporters at one court case share names, figures and the quotes they both heard; a rewrite
also shares the reporter's own narrative wording. So every word-sequence measure here is split
into **narrative** (outside quotation marks) and **quoted** material, and taken on the shorter
article (the one that may be derived) against the longer one. All measures are symmetric under
swapping a and b, and lie in [0, 1] or are small logs, so one model serves any pair.

>>> from retold.segment import segment
>>> from retold.match import featurize
>>> fa = featurize(segment('The court heard that Smith stole 5,000 pounds. "I am innocent," he said.'))
>>> fb = featurize(segment('Smith stole 5,000 pounds, the court heard. "I am innocent," he said.'))
>>> ev = shared_sequences(fa, fb)
>>> round(ev["quote_cov5"], 2), ev["narr_cov5"] < 1.0
(1.0, True)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from retold.match import DocFeatures, weighted_jaccard

# Word n-gram lengths measured. 3-grams are the classic METER baseline (Clough et al. 2002);
# 5- and 8-word sequences rarely recur by chance outside quotes and stock phrases.
NGRAM_SIZES = (3, 5, 8)

_OPEN_DOUBLE = "\u201c\u201e"
_CLOSE_DOUBLE = "\u201d"
# A backtick opens a quote in typewriter-era wire copy (`What were you doing?').
_OPEN_SINGLE = "\u2018`"
_CLOSE_SINGLE = "\u2019"
# A quotation left open this long (characters) is a stray mark, not a quote.
MAX_QUOTE_CHARS = 1500


def quote_spans(raw: str) -> list[tuple[int, int]]:
    """Half-open raw ranges inside quotation marks (double, curly, or single used as quotes).

    A straight ``"`` toggles; an opening single quote is a ``'`` after a space or line start and
    before a letter (so "judges'" and "don't" stay apostrophes). A quote never runs past a blank
    line, or past a line that opens a new quotation (multi-paragraph quotes reopen each paragraph).
    """
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    kind = ""
    n = len(raw)

    def close(i: int) -> None:
        nonlocal open_at, kind
        if open_at is not None and i - open_at <= MAX_QUOTE_CHARS:
            spans.append((open_at, i))
        open_at, kind = None, ""

    for i, ch in enumerate(raw):
        if ch == "\n":
            k = i + 1
            while k < n and raw[k] in " \t":
                k += 1
            if open_at is not None and k < n and (raw[k] == "\n" or raw[k] in "\"'" + _OPEN_DOUBLE + _OPEN_SINGLE):
                close(i)
            continue
        if ch == '"' or ch in _OPEN_DOUBLE or ch in _CLOSE_DOUBLE:
            if kind == "double" and ch not in _OPEN_DOUBLE:
                close(i)
            elif open_at is None and ch not in _CLOSE_DOUBLE:
                open_at, kind = i + 1, "double"
            continue
        if ch == "'" or ch in _OPEN_SINGLE or ch == _CLOSE_SINGLE:
            prev = raw[i - 1] if i else " "
            nxt = raw[i + 1] if i + 1 < n else " "
            if kind == "single" and not nxt.isalnum() and not prev.isspace():
                close(i)
            elif open_at is None and ch != _CLOSE_SINGLE and (ch == "`" or (prev.isspace() or prev in "([-") and nxt.isalnum()):
                open_at, kind = i + 1, "single"
    if open_at is not None:
        close(n)
    return spans


def quoted_mask(fd: DocFeatures) -> list[bool]:
    """For each token of the document (sentence by sentence), whether it sits inside a quote."""
    spans = quote_spans(fd.segments.text)
    starts = [s for s, _ in spans]
    out: list[bool] = []
    for toks in fd.tokens:
        for t in toks:
            k = bisect_right(starts, t.span.start) - 1
            out.append(k >= 0 and t.span.start < spans[k][1])
    return out


def _flat_keys(fd: DocFeatures) -> list[str]:
    return [k for keys in fd.keys for k in keys]


def _grams(keys: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(keys[i : i + n]) for i in range(len(keys) - n + 1)}


def _covered(keys: Sequence[str], other: set[tuple[str, ...]], n: int) -> list[bool]:
    """Tokens of ``keys`` inside some n-gram that also occurs in ``other``."""
    cov = [False] * len(keys)
    for i in range(len(keys) - n + 1):
        if tuple(keys[i : i + n]) in other:
            for k in range(i, i + n):
                cov[k] = True
    return cov


def _share(flags: Iterable[bool], mask: Sequence[bool] | None, want: bool) -> float:
    hit = tot = 0
    for k, f in enumerate(flags):
        if mask is not None and mask[k] != want:
            continue
        tot += 1
        hit += f
    return hit / tot if tot else 0.0


def _longest_run(flags: Sequence[bool], mask: Sequence[bool]) -> int:
    """Longest run of covered narrative tokens (quoted tokens break a run)."""
    best = run = 0
    for f, q in zip(flags, mask, strict=True):
        run = run + 1 if f and not q else 0
        best = max(best, run)
    return best


# A sentence counts as taken when this share of its word 3-grams occurs in the other article.
SENTENCE_TAKEN_SHARE = 0.5


def _sentences_taken(fd: DocFeatures, other: set[tuple[str, ...]]) -> float:
    """Share of the sentences (with 3+ trigrams) most of whose 3-grams occur in ``other``."""
    hit = tot = 0
    for keys in fd.keys:
        grams = [tuple(keys[i : i + 3]) for i in range(len(keys) - 2)]
        if len(grams) < 3:
            continue
        tot += 1
        hit += sum(g in other for g in grams) >= SENTENCE_TAKEN_SHARE * len(grams)
    return hit / tot if tot else 0.0


def _novel_facts(short: DocFeatures, long_: DocFeatures) -> tuple[float, float]:
    """Shares of the shorter side's names (capitalised words not opening a sentence) and numbers
    that the longer side never mentions: a reporter who was there brings facts of their own."""
    raw = short.segments.text
    vocab = {k for keys in long_.keys for k in keys}
    names = numbers = new_names = new_numbers = 0
    for toks in short.tokens:
        for k, t in enumerate(toks):
            if t.key[:1].isdigit():
                numbers += 1
                new_numbers += t.key not in vocab
            elif k > 0 and raw[t.span.start].isupper() and not t.key.isupper() and len(t.key) > 1:
                names += 1
                new_names += t.key not in vocab
    return (new_names / names if names else 0.0, new_numbers / numbers if numbers else 0.0)


def shared_sequences(fa: DocFeatures, fb: DocFeatures, *, mask: Sequence[bool] | None = None) -> dict[str, float]:
    """Word-sequence evidence of the shorter document against the longer one.

    ``cov{n}``: share of the shorter side's tokens inside an n-word sequence found in the longer;
    ``narr_cov{n}`` / ``quote_cov{n}``: the same over narrative / quoted tokens only;
    ``long_cov5``: share of the longer side so covered (how much of it was taken);
    ``narr_run``: log2(1 + longest covered narrative run, in words);
    ``quoted_share``: share of the shorter side's tokens that are quoted. ``mask`` is
    :func:`quoted_mask` of the shorter side, when the caller has it already.
    """
    ka, kb = _flat_keys(fa), _flat_keys(fb)
    short, long_ = (fa, fb) if len(ka) <= len(kb) else (fb, fa)
    ks, kl = (ka, kb) if short is fa else (kb, ka)
    if mask is None:
        mask = quoted_mask(short)
    out: dict[str, float] = {}
    for n in NGRAM_SIZES:
        cov = _covered(ks, _grams(kl, n), n)
        out[f"cov{n}"] = _share(cov, None, True)
        if n == 5:
            out["narr_cov5"] = _share(cov, mask, False)
            out["quote_cov5"] = _share(cov, mask, True)
            out["narr_run"] = math.log2(1 + _longest_run(cov, mask))
        if n == 3:
            out["narr_cov3"] = _share(cov, mask, False)
    out["cov1"] = _share(_covered(ks, _grams(kl, 1), 1), None, True)
    out["cov2"] = _share(_covered(ks, _grams(kl, 2), 2), None, True)
    out["long_cov5"] = _share(_covered(kl, _grams(ks, 5), 5), None, True)
    out["sent_cov3"] = _sentences_taken(short, _grams(kl, 3))
    out["novel_names"], out["novel_numbers"] = _novel_facts(short, long_)
    out["quoted_share"] = _share(mask, None, True)
    sa = set().union(*fa.stems) if fa.stems else set()
    sb = set().union(*fb.stems) if fb.stems else set()
    out["wjaccard"] = weighted_jaccard(sa, sb, fa, fb)
    out["len_short"] = math.log10(1 + len(ks))
    out["len_ratio"] = math.log10((1 + len(kl)) / (1 + len(ks)))
    return out


# Per-sentence evidence of the derived side (b) against the other (a), for the learned sentence
# judgement (:class:`retold.decision.DecisionModel.sentence`). Lexical only, so it works with or
# without sentence vectors. ``best_cont``: the largest rarity-weighted share of the sentence's
# content stems found in one sentence of a; ``doc_cont``: the same share found anywhere in a;
# ``cov{2,3,5}``: share of its words inside a word n-gram that a also has; ``quoted``: share of its
# words inside quotation marks; ``pos`` / ``pos_a``: where it sits in b, and where its best
# sentence sits in a (leads are rewritten, late background is often new); ``log_len``: log(1 + words).
SENTENCE_FEATURES = ("best_cont", "doc_cont", "cov2", "cov3", "cov5", "quoted", "pos", "pos_a", "log_len")


def sentence_evidence(fa: DocFeatures, fb: DocFeatures, *, mask: Sequence[bool] | None = None) -> list[tuple[float, ...]]:
    """One row of :data:`SENTENCE_FEATURES` per sentence of ``fb`` (empty sentences give zeros).

    ``mask`` is :func:`quoted_mask` of ``fb`` when the caller has it.

    >>> from retold.segment import segment
    >>> from retold.match import featurize
    >>> fa = featurize(segment("The mayor opened the new bridge on Monday. Crowds lined the river."))
    >>> fb = featurize(segment("Crowds lined the river. A band played all afternoon in the rain."))
    >>> rows = sentence_evidence(fa, fb)
    >>> rows[0][0] == 1.0, rows[1][0] < 0.5
    (True, True)
    """
    if mask is None:
        mask = quoted_mask(fb)
    ka = _flat_keys(fa)
    grams = {n: _grams(ka, n) for n in (2, 3, 5)}
    stems_a = set().union(*fa.stems) if fa.stems else set()
    w = fb.weights
    out: list[tuple[float, ...]] = []
    offset = 0
    nb, na = max(1, fb.n), max(1, fa.n)
    for i in range(fb.n):
        keys = fb.keys[i]
        n = len(keys)
        q = mask[offset : offset + len(fb.tokens[i])]
        offset += len(fb.tokens[i])
        stems = fb.stems[i]
        total = math.fsum(w.get(x, 1.0) for x in stems)
        if not n or not total:
            out.append((0.0,) * len(SENTENCE_FEATURES))
            continue
        best, best_j = 0.0, 0
        for j, sa in enumerate(fa.stems):
            c = math.fsum(w.get(x, 1.0) for x in stems & sa) / total
            if c > best:
                best, best_j = c, j
        doc = math.fsum(w.get(x, 1.0) for x in stems & stems_a) / total
        covs = [_share(_covered(keys, grams[g], g), None, True) for g in (2, 3, 5)]
        quoted = sum(q) / len(q) if q else 0.0
        out.append((best, doc, *covs, quoted, i / nb, best_j / na, math.log1p(n)))
    return out
