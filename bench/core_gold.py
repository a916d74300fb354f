"""Rule-based rewritten copies of news articles with exact gold spans (for bench/core_quality.py).

A copy is built from *pieces*: each piece is a run of copy text together with the source span it
comes from (``None`` for added material). Transforms (excerpt, paragraph reorder, synonym spin,
sentence split and join, added paragraphs, typography, a paragraph break inside a sentence) rewrite
the pieces; the copy text and its gold spans are laid out only at the end, so the offsets are exact
by construction: ``copy[g.b_start:g.b_end]`` is the rewritten form of ``source[g.a_start:g.a_end]``.

Nothing here reads files or imports retold: the generator is independent of the code it measures.

>>> src = "Title line\\n\\nThe minister said the plan would cost more. It was approved on Monday."
>>> art = Article.parse("x", src)
>>> copy = render(spin(split_join(art.paragraphs, random.Random(1), p_split=0, p_join=1), random.Random(1), rate=1))
>>> copy.text
'Title line\\n\\nThe secretary stated the scheme would cost more, and it was endorsed on Monday.'
>>> [(src[g.a_start:g.a_end][:12], copy.text[g.b_start:g.b_end][:12]) for g in copy.gold]
[('Title line', 'Title line'), ('The minister', 'The secretar')]
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

# --- source articles --------------------------------------------------------------------------

# A sentence ends at . ! ? (plus closing quotes) before a space and a capital, digit or quote.
# BBC style writes "Mr Blair" without a full stop, so abbreviations are rare; the guard covers the rest.
_SENT_END = re.compile(r"[.!?]+[\"')]*(?=\s+[\"'(]*[A-Z0-9])")
_NO_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Jan|Feb|Aug|Sept|Oct|Nov|Dec|No|vs|U\.S|U\.N|U\.K)|\b[A-Z])\.$"
)


@dataclass(frozen=True, slots=True)
class Piece:
    """Copy text and the source span ``[a_start, a_end)`` it rewrites (``None``: added material)."""

    text: str
    src: tuple[int, int] | None


Paragraph = tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class Article:
    """A source article: its text and its paragraphs as sentence pieces (spans into ``text``)."""

    id: str
    text: str
    paragraphs: tuple[Paragraph, ...]

    @classmethod
    def parse(cls, id: str, text: str) -> Article:
        """Paragraphs are blocks between blank lines (BBC files: the title, then the body)."""
        paras: list[Paragraph] = []
        for m in re.finditer(r"[^\n](?:.|\n(?!\s*\n))*", text):
            start, block = m.start(), m.group(0).rstrip()
            if not block.strip():
                continue
            paras.append(tuple(Piece(text[s:e], (s, e)) for s, e in sentence_spans(block, start)))
        return cls(id, text, tuple(paras))

    def paragraph_span(self, k: int) -> tuple[int, int]:
        p = self.paragraphs[k]
        assert p[0].src is not None and p[-1].src is not None
        return p[0].src[0], p[-1].src[1]


def sentence_spans(block: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans in ``block``, shifted by ``offset``."""
    cuts = [0]
    for m in _SENT_END.finditer(block):
        if m.group(0).startswith(".") and _NO_END.search(block[: m.start() + 1]):
            continue
        cuts.append(m.end())
    cuts.append(len(block))
    out = []
    for s, e in zip(cuts, cuts[1:], strict=False):
        while s < e and block[s].isspace():
            s += 1
        while e > s and block[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((offset + s, offset + e))
    return out


# --- the copy and its gold --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gold:
    """One reused piece: ``source[a_start:a_end]`` became ``copy[b_start:b_end]``."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True, slots=True)
class Copy:
    text: str
    gold: tuple[Gold, ...]


def render(paragraphs: Sequence[Paragraph]) -> Copy:
    """Lay out pieces (sentences joined by a space, paragraphs by a blank line) and record gold."""
    out: list[str] = []
    gold: list[Gold] = []
    pos = 0
    for pi, para in enumerate(paragraphs):
        if pi:
            out.append("\n\n")
            pos += 2
        for k, piece in enumerate(para):
            if k and not piece.text.startswith("\n"):
                out.append(" ")
                pos += 1
            if piece.src is not None:
                gold.append(Gold(piece.src[0], piece.src[1], pos, pos + len(piece.text)))
            out.append(piece.text)
            pos += len(piece.text)
    return Copy("".join(out), tuple(gold))


# --- transforms -------------------------------------------------------------------------------


def excerpt(
    paras: Sequence[Paragraph], rng: random.Random, *, share: tuple[float, float] = (0.4, 0.7)
) -> list[Paragraph]:
    """A contiguous run of body paragraphs (the title, paragraph 0, is dropped)."""
    body = list(paras[1:])
    n = max(1, round(len(body) * rng.uniform(*share)))
    start = rng.randint(0, len(body) - n)
    return body[start : start + n]


def reorder(paras: Sequence[Paragraph], rng: random.Random) -> list[Paragraph]:
    """Shuffle the body paragraphs (the title stays first); never the identity."""
    head, body = list(paras[:1]), list(paras[1:])
    if len(body) < 2:
        return head + body
    order = list(range(len(body)))
    while order == sorted(order):
        rng.shuffle(order)
    return head + [body[i] for i in order]


def add_material(
    paras: Sequence[Paragraph], other: Article, rng: random.Random, *, n: int = 2
) -> list[Paragraph]:
    """Insert ``n`` body paragraphs of another article (no gold) at random paragraph positions."""
    out = list(paras)
    extra = list(other.paragraphs[1:])
    rng.shuffle(extra)
    for p in extra[:n]:
        added = tuple(Piece(x.text, None) for x in p)
        out.insert(rng.randint(1 if len(out) > 1 else 0, len(out)), added)
    return out


# Replacements an article spinner makes; written for this bench (not taken from WordNet), so the
# bench does not reward a matcher for sharing the generator's thesaurus. Inflected forms listed.
SYNONYMS: dict[str, str] = dict(
    pair.split(":")
    for pair in """said:stated says:states saying:stating told:informed tells:informs announced:declared
    added:explained claimed:asserted warned:cautioned believes:thinks believed:thought
    expected:anticipated expects:anticipates plan:scheme plans:schemes planned:intended
    government:administration company:firm companies:firms firm:company firms:companies big:large
    huge:enormous large:sizeable small:little major:key important:significant increase:rise
    increased:rose rise:increase rising:climbing fall:drop fell:dropped falling:declining
    cuts:reductions help:assist helped:assisted helping:assisting show:demonstrate
    showed:demonstrated shows:demonstrates make:create made:created makes:creates begin:commence
    began:commenced try:attempt tried:attempted needs:requires needed:required want:wish
    wanted:wished wants:wishes buy:purchase bought:purchased sell:market sold:marketed used:utilised
    using:utilising get:obtain got:obtained give:provide gave:provided given:provided gives:provides
    people:individuals children:youngsters country:nation countries:nations city:town money:funds
    cash:funds price:cost prices:costs profit:earnings profits:earnings sales:revenues
    market:marketplace markets:marketplaces shares:stocks deal:agreement deals:agreements
    talks:negotiations meeting:session problem:issue problems:issues issues:matters decision:ruling
    decided:opted chance:opportunity chances:opportunities job:post jobs:posts work:labour
    worked:laboured working:labouring workers:employees staff:personnel boss:chief bosses:chiefs
    chief:head leader:chief leaders:chiefs official:representative officials:representatives
    minister:secretary ministers:secretaries report:study reports:studies figures:statistics
    number:quantity numbers:quantities level:degree levels:degrees rate:pace rates:paces
    growth:expansion economy:economic_system quickly:rapidly fast:rapid recent:latest
    recently:lately currently:presently soon:shortly often:frequently also:additionally
    however:nevertheless because:since although:though about:around nearly:almost around:roughly
    many:numerous several:various enough:sufficient strong:robust weak:feeble good:fine bad:poor
    best:finest worst:poorest new:fresh old:former hard:difficult difficult:tough easy:simple
    clear:evident likely:probable possible:feasible main:principal top:leading key:crucial
    real:genuine whole:entire early:initial win:triumph won:triumphed lost:forfeited match:game
    team:side player:competitor players:competitors game:match games:matches season:campaign
    coach:trainer fans:supporters film:movie films:movies star:celebrity music:songs album:record
    singer:vocalist award:prize awards:prizes best-selling:top-selling users:customers system:setup
    systems:setups technology:tech software:programs computer:machine computers:machines
    phone:handset phones:handsets service:facility services:facilities mobile:cellular
    online:web-based internet:net network:grid called:named calls:demands move:step moves:steps
    hopes:expectations fears:worries concern:worry concerns:worries attack:assault law:legislation
    laws:statutes rules:regulations power:authority week:seven_days month:four_weeks
    year:twelvemonth party:organisation election:poll voters:electors found:discovered find:discover
    think:reckon thought:reckoned keep:retain kept:retained allow:permit allowed:permitted
    allows:permits include:contain includes:contains including:comprising reached:attained
    reach:attain offered:provided approved:endorsed""".split()
)
SYNONYMS = {k: v.replace("_", " ") for k, v in SYNONYMS.items()}
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _spin_text(text: str, rng: random.Random, rate: float) -> str:
    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        repl = SYNONYMS.get(w.lower())
        if repl is None or rng.random() >= rate:
            return w
        if w[0].isupper() and not w.isupper():
            # A capitalised word mid-sentence is a name ("Mobile World"); leave names alone.
            if m.start() > 0 and text[: m.start()].rstrip()[-1:] not in ".!?\"'":
                return w
            return repl[0].upper() + repl[1:]
        return repl if w.islower() else w

    out = _WORD.sub(sub, text)
    # Keep the article agreeing with the new word ("a deal" -> "an agreement").
    out = re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", out)
    return re.sub(r"\b([Aa])n (?=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])", r"\1 ", out)


def spin(paras: Sequence[Paragraph], rng: random.Random, *, rate: float = 0.6) -> list[Paragraph]:
    """Replace words from :data:`SYNONYMS` with probability ``rate`` each (titles included)."""
    return [tuple(replace(p, text=_spin_text(p.text, rng, rate)) for p in para) for para in paras]


_SPLIT_AT = re.compile(r", (and|but|while|which|as|although) ")
_OPENERS = frozenset(
    "the a an he she it they we this that these those there his her its their but and".split()
)


def split_join(
    paras: Sequence[Paragraph], rng: random.Random, *, p_split: float = 0.5, p_join: float = 0.5
) -> list[Paragraph]:
    """Split long sentences at a clause boundary; join short neighbours with ", and"."""
    out: list[Paragraph] = []
    for para in paras:
        # Joins first, then splits of sentences that were not joined: never both, never chains.
        joined: list[Piece] = []
        fresh: list[bool] = []
        for p in para:
            prev = joined[-1] if joined else None
            if (
                prev is not None
                and fresh[-1]
                and prev.src is not None
                and p.src is not None
                and prev.text.endswith(".")
                and not prev.text.endswith('."')
                and not p.text.startswith('"')
                and len(prev.text.split()) + len(p.text.split()) <= 45
                and rng.random() < p_join
            ):
                first = p.text.split(" ", 1)[0]
                tail = p.text[:1].lower() + p.text[1:] if first.lower() in _OPENERS else p.text
                joined[-1] = Piece(prev.text[:-1] + ", and " + tail, (prev.src[0], p.src[1]))
                fresh[-1] = False
            else:
                joined.append(p)
                fresh.append(True)
        pieces: list[Piece] = []
        for p, untouched in zip(joined, fresh, strict=True):
            m = _pick_split(p.text, rng) if untouched and rng.random() < p_split else None
            if m is None:
                pieces.append(p)
                continue
            head = p.text[: m.start()].rstrip(",;") + "."
            conj, tail = m.group(1), p.text[m.end() :]
            lead = {
                "and": "",
                "but": "However, ",
                "while": "Meanwhile, ",
                "which": "This ",
                "as": "This was as ",
                "although": "Even so, ",
            }[conj]
            tail = (lead + tail) if lead else tail[:1].upper() + tail[1:]
            pieces += [Piece(head, p.src), Piece(tail, p.src)]
        out.append(tuple(pieces))
    return out


def _pick_split(text: str, rng: random.Random) -> re.Match[str] | None:
    if len(text.split()) < 18 or '"' in text:
        return None
    ms = [m for m in _SPLIT_AT.finditer(text) if 0.3 * len(text) < m.start() < 0.75 * len(text)]
    return rng.choice(ms) if ms else None


def typography(paras: Sequence[Paragraph]) -> list[Paragraph]:
    """Curly quotes and spaced en dashes, as republishing CMSs produce."""

    def fix(t: str) -> str:
        t = re.sub(r'"(?=\w)', "\u201c", t)
        t = t.replace('"', "\u201d").replace(" - ", " \u2013 ")
        return re.sub(r"(?<=\w)'(?=\w)", "\u2019", t)

    return [tuple(replace(p, text=fix(p.text)) for p in para) for para in paras]


def drop_sentences(paras: Sequence[Paragraph], rng: random.Random, *, rate: float = 0.3) -> list[Paragraph]:
    """Drop sentences inside paragraphs (each paragraph keeps at least one): the copy skips
    material, so a passage that steps over the gap in the source claims text that was not reused."""
    out: list[Paragraph] = []
    for para in paras:
        kept = tuple(p for p in para if rng.random() >= rate) or para[:1]
        out.append(kept)
    return out


def interleave(
    paras: Sequence[Paragraph], other: Article, rng: random.Random, *, rate: float = 0.5
) -> list[Paragraph]:
    """Insert single sentences of another article inside paragraphs (sentence-level added material)."""
    foreign = [p for para in other.paragraphs[1:] for p in para if len(p.text.split()) >= 8]
    rng.shuffle(foreign)
    out: list[Paragraph] = []
    for k, para in enumerate(paras):
        if k and foreign and len(para) >= 2 and rng.random() < rate:
            at = rng.randint(1, len(para) - 1)
            para = (*para[:at], Piece(foreign.pop().text, None), *para[at:])
        out.append(para)
    return out


def embed_in(paras: Sequence[Paragraph], host: Article, rng: random.Random) -> list[Paragraph]:
    """One body paragraph of the source placed in the middle of another article (a small
    borrowing inside mostly new text: partial reuse)."""
    body = list(paras[1:]) or list(paras)
    pick = max(body, key=lambda p: (sum(len(x.text) for x in p), rng.random()))
    out = [tuple(Piece(x.text, None) for x in para) for para in host.paragraphs]
    out.insert(max(1, len(out) // 2), pick)
    return out


_QUOTE_SAID = re.compile(
    r'^"(?P<q>[^"]+?),"\s+(?P<who>(?:he|she|they|[A-Z][\w.\'-]*(?: [A-Z][\w.\'-]*){0,3}))\s+(?P<v>said|added)\.$'
)
_SAID_THAT = re.compile(
    r"^(?P<who>(?:[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}|He|She|They))\s+(?P<v>said|says)\s+(?:that\s+)?(?!(?:on|in|at|last|this|yesterday|earlier|it|he|she|they)\b)(?P<rest>[a-z].+)\.$"
)


def move_clause(paras: Sequence[Paragraph], rng: random.Random, *, rate: float = 0.8) -> list[Paragraph]:
    """Move reporting clauses: '"Q," he said.' becomes 'He said: "Q."'; 'X said Y.' becomes 'Y, X said.'"""

    def move(t: str) -> str:
        m = _QUOTE_SAID.match(t)
        if m and rng.random() < rate:
            who = m["who"][0].upper() + m["who"][1:]
            return f'{who} {m["v"]}: "{m["q"]}."'
        m = _SAID_THAT.match(t)
        if m and '"' not in t and rng.random() < rate:
            who = m["who"] if m["who"] not in ("He", "She", "They") else m["who"].lower()
            rest = m["rest"][0].upper() + m["rest"][1:]
            return f"{rest}, {who} {m['v']}."
        return t

    return [tuple(replace(p, text=move(p.text)) for p in para) for para in paras]


def break_inside(paras: Sequence[Paragraph], rng: random.Random) -> list[Paragraph]:
    """Break one paragraph in the middle of a sentence (a blank line where a space was)."""
    cands = [
        (i, k)
        for i, para in enumerate(paras)
        for k, p in enumerate(para)
        if p.src and len(p.text.split()) >= 16
    ]
    if not cands:
        return list(paras)
    i, k = rng.choice(cands)
    p = paras[i][k]
    words = [m.start() for m in re.finditer(r" (?=[a-z])", p.text)]
    cut = words[len(words) // 2]
    head = Piece(p.text[:cut], p.src)
    tail = Piece(p.text[cut + 1 :], p.src)
    out = list(paras)
    out[i : i + 1] = [paras[i][:k] + (head,), (tail,) + paras[i][k + 1 :]]
    return out


# --- whole recipes ----------------------------------------------------------------------------

KINDS: tuple[str, ...] = (
    "excerpt",
    "reorder",
    "spin",
    "spin-heavy",
    "split-join",
    "added",
    "excerpt+spin",
    "reorder+spin+added",
    "split-join+spin+typography",
    "all",
    "sentence-drop",
    "interleave",
    "embedded",
    "clause-move+spin",
    "sentence-drop+interleave+spin",
)


def make_copy(kind: str, art: Article, other: Article, rng: random.Random) -> Copy:
    """One rewritten copy of ``art`` (``other``, of another topic, supplies added material)."""
    p: list[Paragraph] = list(art.paragraphs)
    steps = set(kind.split("+"))
    if kind == "all":
        # The seed's recipe: first paragraph dropped, moved paragraphs, spin, splits and joins,
        # typography, a broken paragraph, background appended.
        p = p[:1] + p[2:]
        p = reorder(p, rng)
        p = split_join(spin(p, rng, rate=0.6), rng)
        p = break_inside(typography(p), rng)
        return render(add_material(p, other, rng, n=2))
    if "embedded" in steps:
        return render(embed_in(p, other, rng))
    if "excerpt" in steps:
        p = excerpt(p, rng)
    if "sentence-drop" in steps:
        p = drop_sentences(p, rng)
    if "clause-move" in steps:
        p = move_clause(p, rng)
    if "reorder" in steps:
        p = reorder(p, rng)
    if "spin" in steps:
        p = spin(p, rng, rate=0.6)
    if "spin-heavy" in steps:
        p = spin(p, rng, rate=1.0)
    if "split-join" in steps:
        p = split_join(p, rng)
    if "typography" in steps:
        p = typography(p)
    if "added" in steps:
        p = add_material(p, other, rng, n=2)
    if "interleave" in steps:
        p = interleave(p, other, rng)
    return render(p)


def handwritten_copy(art: Article, paragraphs: Sequence[str], alignment: Iterable[Sequence[int]]) -> Copy:
    """A hand-written paraphrase: gold pairs each copy paragraph with its source paragraph."""
    pieces: list[Paragraph] = []
    src_of = {int(b): int(a) for a, b in alignment}
    for j, text in enumerate(paragraphs):
        src = art.paragraph_span(src_of[j]) if j in src_of else None
        pieces.append((Piece(text, src),))
    return render(pieces)


# --- scoring ----------------------------------------------------------------------------------


def char_set(text: str, spans: Iterable[tuple[int, int]]) -> set[int]:
    """Non-whitespace character positions covered by ``spans`` (whitespace between sentences and
    paragraphs is neither reuse nor added material, so it is not scored)."""
    out: set[int] = set()
    for s, e in spans:
        out.update(k for k in range(s, e) if not text[k].isspace())
    return out


@dataclass(frozen=True, slots=True)
class Counts:
    """True positive, predicted and gold character counts; add them up for micro averages."""

    tp: int
    pred: int
    gold: int

    def __add__(self, o: Counts) -> Counts:
        return Counts(self.tp + o.tp, self.pred + o.pred, self.gold + o.gold)

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def counts(text: str, pred: Iterable[tuple[int, int]], gold: Iterable[tuple[int, int]]) -> Counts:
    ps, gs = char_set(text, pred), char_set(text, gold)
    return Counts(len(ps & gs), len(ps), len(gs))


def runs(text: str, chars: set[int], *, min_len: int = 1) -> list[tuple[int, int]]:
    """Maximal spans of ``chars`` (gaps of whitespace only are bridged)."""
    out: list[tuple[int, int]] = []
    for k in sorted(chars):
        if out and all(text[x].isspace() for x in range(out[-1][1], k)):
            out[-1] = (out[-1][0], k + 1)
        else:
            out.append((k, k + 1))
    return [r for r in out if r[1] - r[0] >= min_len]
