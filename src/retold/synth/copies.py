"""Rewritten copies of articles with exact gold: the data behind ``retold synth``.

There is no public set of rewritten news with passage-level gold, so retold makes one. Each
derived document is laid out block by block; every block remembers the source article and the
source span it was made from, so the gold is exact by construction. Consecutive blocks that come
from one source *in order and without a gap* form one case, as in the PAN corpora: a paragraph
moved elsewhere, or a paragraph dropped between two kept ones, starts a new case.

Obfuscations (one per derived document, named in every case's ``obfuscation``):

======================  =============================================================================
``verbatim``            the whole body, unchanged
``excerpt``             a contiguous run of 30-60% of the paragraphs
``reorder``             one or two paragraphs moved elsewhere
``split-join``          long sentences split at ``, and``/``, but``, short neighbours joined
``spin``                content words replaced by WordNet synonyms, reporting verbs above all
``edits``               a copy editor's touch: numbers, contractions, fillers, spelling
``typography``          curly quotes, dashes, no-break spaces, a paragraph broken mid-sentence
``added``               paragraphs of another article slipped in between the source's
``dropped``             30-50% of the paragraphs left out
``mix``                 runs of paragraphs from two or three articles of one topic, interleaved
``summary``             the lead and central sentences, clauses cut, some joined
``rewrite``             several at once: a moved paragraph, a dropped one, light spin and edits,
                        typography, a paragraph from elsewhere
======================  =============================================================================

Negatives pair an article with a different article *of the same topic* that shares no 8-word
sequence with it (so same-story articles that really reuse each other are never called negative).

Everything is drawn from one ``random.Random(seed)``: the same articles and seed give the same
set, byte for byte (:meth:`SynthSet.digest`).

>>> arts = [Article("x.txt", "Title\\n\\nOne para here.\\n\\nTwo para here.\\n\\nThree.", topic="t", title="Title")]
>>> d = derive(arts[0], "verbatim", random.Random(0), doc_id="c.txt")
>>> case = d.cases[0]
>>> case.this.of(d.text) == case.source.of(arts[0].text)
True
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta

import xxhash

from retold.errors import InputError
from retold.ingest import parse_text
from retold.synth.text import Thesaurus, condense, light_edits, sentence_spans, spin, split_join, typography
from retold.types import Span

OBFUSCATIONS: tuple[str, ...] = (
    "verbatim",
    "excerpt",
    "reorder",
    "split-join",
    "spin",
    "edits",
    "typography",
    "added",
    "dropped",
    "mix",
    "summary",
    "rewrite",
)
NEGATIVE = "negative"
# Fewest body paragraphs an obfuscation needs to be more than a verbatim copy.
_MIN_PARAGRAPHS = {"excerpt": 3, "reorder": 3, "dropped": 4, "added": 2, "mix": 2, "rewrite": 4}
_NGRAM = 8


@dataclass(frozen=True, slots=True)
class Article:
    """A source article: ``text`` is exactly what is written to disk and what offsets count."""

    id: str
    text: str
    topic: str = ""
    title: str | None = None
    date: Date | None = None

    @property
    def body_start(self) -> int:
        """Where the body starts: after a date marker and after a title line."""
        start = len(self.text) - len(parse_text(self.text, id=self.id).text)
        if self.title is not None:
            i = self.text.find(self.title, start)
            if i >= 0:
                start = i + len(self.title)
        return start

    def paragraphs(self) -> list[Span]:
        """Body paragraphs (blank-line separated), stripped."""
        out, start = [], self.body_start
        for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", self.text[start:], flags=re.S):
            out.append(Span(start + m.start(), start + m.end()))
        return out


@dataclass(frozen=True, slots=True)
class Case:
    """One gold case: ``this`` in the derived text came from ``source`` in article ``source_id``."""

    this: Span
    source_id: str
    source: Span
    obfuscation: str


@dataclass(frozen=True, slots=True)
class Derived:
    """A derived (suspicious) document and the gold for every article it draws on."""

    id: str
    text: str
    obfuscation: str
    sources: tuple[str, ...]
    cases: tuple[Case, ...]
    date: Date | None = None


@dataclass(frozen=True, slots=True)
class SynthPair:
    """A labelled pair: ``susp`` (derived, or another article for a negative) against ``src``."""

    susp: str
    src: str
    label: int
    obfuscation: str
    cases: tuple[Case, ...] = ()


@dataclass(frozen=True, slots=True)
class SynthSet:
    """Everything one run generates."""

    seed: int
    articles: tuple[Article, ...]  # every article a pair or a derived document refers to
    derived: tuple[Derived, ...]
    pairs: tuple[SynthPair, ...]
    counts: dict[str, int] = field(default_factory=dict, compare=False)

    def texts(self) -> dict[str, str]:
        return {**{a.id: a.text for a in self.articles}, **{d.id: d.text for d in self.derived}}

    def digest(self) -> str:
        """sha256 of the whole set (texts, pairs, gold): pins a generated fixture."""
        h = hashlib.sha256()
        for doc_id, text in sorted(self.texts().items()):
            h.update(f"{doc_id}\0{text}\0".encode())
        for p in self.pairs:
            cases = [(c.this.start, c.this.end, c.source_id, c.source.start, c.source.end, c.obfuscation) for c in p.cases]
            h.update(json.dumps([p.susp, p.src, p.label, p.obfuscation, cases]).encode())
        return h.hexdigest()


# --- layout ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    source: Article | None = None
    span: Span | None = None


def _layout(blocks: Sequence[_Block], obfuscation: str, *, prefix: str = "") -> tuple[str, list[Case]]:
    """Join blocks with blank lines; merge in-order, gap-free blocks of one source into cases."""
    parts, pos = [prefix], len(prefix)
    placed: list[tuple[Span, _Block]] = []
    for i, b in enumerate(blocks):
        if i:
            parts.append("\n\n")
            pos += 2
        text = b.text.strip()
        placed.append((Span(pos, pos + len(text)), b))
        parts.append(text)
        pos += len(text)
    parts.append("\n")
    cases: list[Case] = []
    open_: tuple[Span, Article, Span] | None = None
    for this, b in placed:
        if b.source is None or b.span is None:
            if open_:
                cases.append(Case(open_[0], open_[1].id, open_[2], obfuscation))
            open_ = None
            continue
        if open_ and open_[1].id == b.source.id and _gap_free(b.source.text, open_[2].end, b.span.start):
            open_ = (open_[0].cover(this), b.source, open_[2].cover(b.span))
            continue
        if open_:
            cases.append(Case(open_[0], open_[1].id, open_[2], obfuscation))
        open_ = (this, b.source, b.span)
    if open_:
        cases.append(Case(open_[0], open_[1].id, open_[2], obfuscation))
    return "".join(parts), cases


def _gap_free(text: str, end: int, start: int) -> bool:
    return start >= end and not text[end:start].strip()


# --- obfuscations ----------------------------------------------------------------------------------


def _paras(a: Article) -> list[_Block]:
    return [_Block(s.of(a.text), a, s) for s in a.paragraphs()]


def _map(blocks: list[_Block], f) -> list[_Block]:  # type: ignore[no-untyped-def]
    return [_Block(f(b.text), b.source, b.span) for b in blocks]


def derive(
    article: Article,
    obfuscation: str,
    rng: random.Random,
    *,
    doc_id: str,
    others: Sequence[Article] = (),
    thesaurus: Thesaurus | None = None,
    date: Date | None = None,
    spin_rate: float = 1.0,
) -> Derived:
    """One derived document from ``article`` (and ``others`` for ``added``, ``mix``, ``rewrite``)."""
    blocks = _paras(article)
    if not blocks:
        raise InputError(f"{article.id}: no body paragraphs to rewrite (is the file empty?)")
    o = obfuscation
    if o in ("spin", "rewrite") and thesaurus is None:
        raise InputError(
            "synonym spin needs WordNet: install Debian's wordnet-base (`make sysdeps`) or leave out "
            "spin and rewrite with --obfuscations"
        )
    if o == "verbatim":
        pass
    elif o == "excerpt":
        k = max(1, round(len(blocks) * rng.uniform(0.3, 0.6)))
        start = rng.randrange(0, len(blocks) - k + 1)
        blocks = blocks[start : start + k]
    elif o == "reorder":
        blocks = _move(blocks, rng, moves=rng.choice((1, 2)))
    elif o == "split-join":
        blocks = _map(blocks, lambda t: split_join(t, rng))
    elif o == "spin":
        assert thesaurus is not None
        blocks = _map(blocks, lambda t: spin(t, thesaurus, rng, rate=spin_rate))
    elif o == "edits":
        blocks = _map(blocks, lambda t: light_edits(t, rng, max_edits=rng.randint(1, 3)))
    elif o == "typography":
        blocks = _map(blocks, lambda t: typography(t, rng, break_paragraph=rng.random() < 0.3))
    elif o == "added":
        blocks = _add_foreign(blocks, others, rng, count=rng.randint(1, 3))
    elif o == "dropped":
        blocks = _drop(blocks, rng, share=rng.uniform(0.3, 0.5))
    elif o == "mix":
        blocks = _mix([article, *others], rng)
    elif o == "summary":
        blocks = _summary(article, rng)
    elif o == "rewrite":
        assert thesaurus is not None
        blocks = _drop(blocks, rng, share=0.2)
        blocks = _move(blocks, rng, moves=1)
        blocks = _map(blocks, lambda t: spin(t, thesaurus, rng, rate=spin_rate / 2))
        blocks = _map(blocks, lambda t: light_edits(t, rng, max_edits=1))
        blocks = _map(blocks, lambda t: typography(t, rng, rate=0.3))
        blocks = _add_foreign(blocks, others, rng, count=1)
    else:
        raise InputError(f"unknown obfuscation {o!r}; choose from {', '.join(OBFUSCATIONS)}")
    prefix = f" date {date.isoformat()} " if date else ""
    text, cases = _layout(blocks, o, prefix=prefix)
    sources = tuple(dict.fromkeys(c.source_id for c in cases))
    return Derived(doc_id, text, o, sources, tuple(cases), date)


def _move(blocks: list[_Block], rng: random.Random, *, moves: int) -> list[_Block]:
    out = list(blocks)
    if len(out) < 2:
        return out
    for _ in range(moves):
        i = rng.randrange(len(out))
        j = rng.choice([k for k in range(len(out)) if k != i])
        moved = out[:i] + out[i + 1 :]
        moved.insert(j, out[i])
        out = moved
    return out


def _drop(blocks: list[_Block], rng: random.Random, *, share: float) -> list[_Block]:
    k = min(len(blocks) - 1, max(1, round(len(blocks) * share)))
    gone = set(rng.sample(range(1, len(blocks)), k)) if len(blocks) > 1 else set()
    return [b for i, b in enumerate(blocks) if i not in gone]


def _add_foreign(blocks: list[_Block], others: Sequence[Article], rng: random.Random, *, count: int) -> list[_Block]:
    pool = [b for o in others for b in _paras(o)]
    if not pool:
        return blocks
    out = list(blocks)
    for b in rng.sample(pool, min(count, len(pool))):
        out.insert(rng.randint(1, len(out)), b)
    return out


def _mix(articles: Sequence[Article], rng: random.Random) -> list[_Block]:
    runs: list[list[list[_Block]]] = []
    for a in articles:
        paras = _paras(a)
        k = max(1, round(len(paras) * rng.uniform(0.3, 0.6)))
        start = rng.randrange(0, len(paras) - k + 1)
        chosen = paras[start : start + k]
        cut = rng.randint(1, len(chosen) - 1) if len(chosen) > 1 else len(chosen)
        runs.append([chosen[:cut], chosen[cut:]] if chosen[cut:] else [chosen])
    out: list[_Block] = []
    for step in range(2):
        for r in runs:
            if step < len(r):
                out += r[step]
    return out


def _summary(article: Article, rng: random.Random) -> list[_Block]:
    spans = [Span(p.start + s.start, p.start + s.end) for p in article.paragraphs() for s in sentence_spans(p.of(article.text))]
    chosen, sents = condense([s.of(article.text) for s in spans], rng)
    cover = Span(spans[chosen[0]].start, spans[chosen[-1]].end)
    half = (len(sents) + 1) // 2 if len(sents) > 4 else len(sents)
    paras = [" ".join(sents[:half]), " ".join(sents[half:])]
    # One case for the whole summary, as PAN's summary obfuscation has: the summary against the
    # stretch of source it condenses. The two paragraphs are split at a blank line, so the case
    # covers both and the second block carries an empty source span at the end.
    out = [_Block(paras[0], article, cover)]
    if paras[1]:
        out.append(_Block(paras[1], article, Span(cover.end, cover.end)))
    return out


# --- sets ------------------------------------------------------------------------------------------


def ngrams(text: str, n: int = _NGRAM) -> frozenset[int]:
    """Hashes of word n-grams (case-folded): two articles sharing none reuse no sentence."""
    words = re.findall(r"\w+", text.lower())
    return frozenset(xxhash.xxh64_intdigest(" ".join(words[i : i + n]).encode()) for i in range(len(words) - n + 1))


def dedupe(articles: Sequence[Article]) -> list[Article]:
    """Drop exact duplicates (same words, case-folded), keeping the first by id."""
    seen: set[str] = set()
    out = []
    for a in sorted(articles, key=lambda x: x.id):
        key = hashlib.sha1(" ".join(re.findall(r"\w+", a.text[a.body_start :].lower())).encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def generate(
    articles: Sequence[Article],
    *,
    n: int,
    seed: int = 0,
    obfuscations: Sequence[str] = OBFUSCATIONS,
    negative_share: float = 0.2,
    thesaurus: Thesaurus | None = None,
    id_format: str = "susp-{i:05d}.txt",
    negative_copies: bool = True,
    dated: bool = False,
    spin_rate: float = 1.0,
) -> SynthSet:
    """About ``n`` labelled pairs: derived copies (label 1) and same-topic negatives (label 0).

    ``id_format`` names derived documents (``i``, ``obfuscation``, ``source`` stem are available).
    ``negative_copies`` writes the negative's other article as a new suspicious document (PAN
    layout); otherwise the pair points at the article itself (the demo's single folder).
    ``dated`` gives derived documents a date 1-5 days after their source's, or none (one in four).
    """
    for o in obfuscations:
        if o not in OBFUSCATIONS:
            raise InputError(f"unknown obfuscation {o!r}; choose from {', '.join(OBFUSCATIONS)}")
    if n < 1:
        raise InputError(f"--n must be at least 1, got {n}")
    pool = [a for a in dedupe(articles) if a.paragraphs()]
    if len(pool) < 2:
        raise InputError(f"synth needs at least 2 distinct articles with text, got {len(pool)}")
    rng = random.Random(seed)
    grams = {a.id: ngrams(a.text[a.body_start :]) for a in pool}
    by_topic: dict[str, list[Article]] = {}
    for a in pool:
        by_topic.setdefault(a.topic, []).append(a)

    def disjoint(a: Article, b: Article) -> bool:
        return a.id != b.id and not (grams[a.id] & grams[b.id])

    def partners(a: Article, k: int, *, same_topic: bool) -> list[Article]:
        cands = by_topic[a.topic] if same_topic and len(by_topic[a.topic]) > 1 else pool
        picks: list[Article] = []
        for b in rng.sample(cands, min(len(cands), 40)):
            if disjoint(a, b) and all(disjoint(b, c) for c in picks):
                picks.append(b)
                if len(picks) == k:
                    break
        return picks

    n_neg = round(n * negative_share) if negative_share > 0 else 0
    n_pos = max(0, n - n_neg)
    plan = [obfuscations[i % len(obfuscations)] for i in range(n_pos)] if obfuscations else []
    rng.shuffle(plan)
    order = list(pool)
    rng.shuffle(order)
    cursor = 0

    def next_source(obf: str) -> Article | None:
        nonlocal cursor
        need = _MIN_PARAGRAPHS.get(obf, 1)
        for _ in range(len(order)):
            a = order[cursor % len(order)]
            cursor += 1
            if len(a.paragraphs()) >= need:
                return a
        return None

    used: dict[str, Article] = {}
    derived: list[Derived] = []
    pairs: list[SynthPair] = []
    counts: dict[str, int] = {}
    quota = {o: plan.count(o) for o in obfuscations}
    i = 0
    for obf in plan:
        # A mix yields a pair per source: skip plan entries its extra pairs already filled.
        if len(pairs) >= n_pos or counts.get(obf, 0) >= quota[obf]:
            continue
        src = next_source(obf)
        if src is None:
            continue
        others: list[Article] = []
        if obf in ("added", "rewrite"):
            others = partners(src, 2, same_topic=rng.random() < 0.5)
        elif obf == "mix":
            others = partners(src, rng.choice((1, 2)), same_topic=True)
            if not others:
                continue
        i += 1
        day = None
        if dated and src.date is not None and rng.random() >= 0.25:
            day = src.date + timedelta(days=rng.randint(1, 5))
        doc_id = id_format.format(i=i, obfuscation=obf, source=src.id.rsplit(".", 1)[0])
        d = derive(src, obf, rng, doc_id=doc_id, others=others, thesaurus=thesaurus, date=day, spin_rate=spin_rate)
        derived.append(d)
        primaries = [src, *others] if obf == "mix" else [src]
        for a in [src, *others]:
            used[a.id] = a
        for a in primaries:
            cases = tuple(c for c in d.cases if c.source_id == a.id)
            if cases:
                pairs.append(SynthPair(d.id, a.id, 1, obf, cases))
                counts[obf] = counts.get(obf, 0) + 1

    for _ in range(n_neg):
        a = order[cursor % len(order)]
        cursor += 1
        picks = partners(a, 1, same_topic=True)
        if not picks or picks[0].topic != a.topic:
            continue
        b = picks[0]
        used[a.id] = a
        if negative_copies:
            i += 1
            doc_id = id_format.format(i=i, obfuscation=NEGATIVE, source=b.id.rsplit(".", 1)[0])
            derived.append(Derived(doc_id, b.text, NEGATIVE, (), (), None))
            pairs.append(SynthPair(doc_id, a.id, 0, NEGATIVE))
        else:
            used[b.id] = b
            pairs.append(SynthPair(b.id, a.id, 0, NEGATIVE))
        counts[NEGATIVE] = counts.get(NEGATIVE, 0) + 1
    return SynthSet(seed, tuple(sorted(used.values(), key=lambda a: a.id)), tuple(derived), tuple(pairs), counts)
