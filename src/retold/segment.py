"""Cut normalised news text into paragraphs and sentences, with raw spans.

Rules tuned for news: a sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or brackets)
before a space and a capital, digit or opening quote, unless the word before the full stop is an
abbreviation ("Mr.", "Gen.", "Jan.", "No. 5") or an initial ("John F. Kennedy"). Dotted
initialisms ("U.S.", "U.N.") end a sentence only when the next word is a common sentence opener
("... by the U.S. The talks ..."). Paragraph breaks always end a sentence; paragraph breaks that
fell inside a sentence were already repaired by :mod:`retold.normalise`.

>>> seg = segment("Mr. Smith met Gen. Jones in the U.S. capital. They talked.\\n\\nThen rain.")
>>> [s.norm for s in seg.sentences]
['Mr. Smith met Gen. Jones in the U.S. capital.', 'They talked.', 'Then rain.']
>>> [s.paragraph for s in seg.sentences]
[0, 0, 1]
"""

from __future__ import annotations

import re

from retold.normalise import Normalised, is_boilerplate_line, normalise
from retold.types import Paragraph, Segmented, Sentence

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen col lt maj capt cpt sgt adm cmdr gov sen rep rev fr hon pres supt insp
    st jr sr sra mme mlle messrs inc corp ltd co plc bros llc dept univ assn est approx vs v etc al
    jan feb apr jun jul aug sep sept oct nov dec tue tues thu thur thurs fri
    vol pp fig ft mt ave blvd rd hwy cf ca op ed eds e.g i.e a.m p.m u.s u.k u.n e.u""".split()
)
# Abbreviations that are also words ("The Sun.", "said no."): only before a number ("No. 10",
# "Mar. 5", "Sun. 12 June").
ABBREVIATIONS_BEFORE_NUMBER = frozenset("no nos mar may mon wed sat sun".split())
# Words that may start a sentence after an initialism like "U.S." ends one.
SENTENCE_OPENERS = frozenset(
    """the a an he she it they we i you his her its their our this that these those there here
    but and yet so however meanwhile in on at for after before when while if although though
    as since mr mrs ms dr officials police some many most other others one two three""".split()
)

# Linear time on any input (issue 13): a match starts only at the first mark of a run (the
# lookbehind) and the quantifiers are possessive, so a run of 40,000 "." is scanned once instead
# of once per start position (52 s before, quadratic). Backtracking into a run could never have
# matched anyway: what follows a mark inside the run is another mark, not a space.
_BOUNDARY = re.compile(
    r"(?<![.!?\u2026])[.!?\u2026]++[\"')\]]*+(?=\s++[\"'(\[]*+[A-Z0-9\u00C0-\u024F\u0400-\u04FF])"
    # a missing space after a full stop, common in scraped and OCR'd text: "all ages.Discovery"
    r"|(?<=[a-z]{2})[.!?](?=[A-Z][a-z]{2})"
)
# Longer "sentences" (lists, tables, run-on scraped text) are cut into clause-sized chunks.
MAX_SENTENCE_CHARS = 320
_CLAUSE_CUT = re.compile(r"[;:,)]\s|\s-\s|\s")
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.){2,}$")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


def _is_abbreviation(before: str, after: str) -> bool:
    """Whether the text ending in '.' ends with an abbreviation that does not end a sentence."""
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "John F. Kennedy"
    w = word.lower()
    if w in ABBREVIATIONS_BEFORE_NUMBER:
        return after.lstrip()[:1].isdigit()
    return w in ABBREVIATIONS


def _sentence_ends(para: str) -> list[int]:
    """Offsets inside ``para`` just after each sentence-final punctuation (closers included)."""
    ends: list[int] = []
    for m in _BOUNDARY.finditer(para):
        end = m.end()
        punct = m.group(0)
        before = para[max(0, m.start() - 24) : m.start() + 1]  # enough for any abbreviation
        if punct[0] == ".":
            if _INITIALISM.search(before):
                # a bounded look ahead: para[end:] would copy the rest of the paragraph per match
                nxt = para[end : end + 64].lstrip(" \"'([").split(" ", 1)[0].lower().strip(",;:")
                if nxt not in SENTENCE_OPENERS:
                    continue
            elif _is_abbreviation(before, para[end : end + 4]):
                continue
        ends.append(end)
    return ends


def _chunk_long(para: str, s: int, e: int, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Cut an over-long sentence at clause punctuation (else a space) into chunks <= max_chars."""
    out = []
    while e - s > max_chars:
        window = para[s + max_chars // 2 : s + max_chars]
        best = None
        for m in _CLAUSE_CUT.finditer(window):
            # prefer the last clause mark; a bare space only when there is no clause mark
            if best is None or m.group(0).strip() or not best[1]:
                best = (m.end(), bool(m.group(0).strip()))
        cut = s + max_chars // 2 + (best[0] if best else len(window))
        piece_end = cut
        while piece_end > s and para[piece_end - 1] == " ":
            piece_end -= 1
        out.append((s, piece_end))
        s = cut
        while s < e and para[s] == " ":
            s += 1
    if e > s:
        out.append((s, e))
    return out


def segment_normalised(norm: Normalised, *, min_tokens: int = 3) -> Segmented:
    """Segment text already normalised by :func:`retold.normalise.normalise`."""
    text = norm.text
    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    pos = 0
    for para in text.split("\n\n"):
        p_start, p_end = pos, pos + len(para)
        pos = p_end + 2
        if not para.strip() or is_boilerplate_line(para):
            continue  # wire furniture (rules, slugs, bylines) is not article text
        pi = len(paragraphs)
        paragraphs.append(Paragraph(pi, norm.raw_span(p_start, p_end)))
        cuts = [0, *_sentence_ends(para), len(para)]
        pieces: list[tuple[int, int]] = []
        for s, e in zip(cuts, cuts[1:], strict=False):
            while s < e and para[s] == " ":
                s += 1
            while e > s and para[e - 1] == " ":
                e -= 1
            if e > s:
                pieces.append((s, e))
        # Glue fragments too short to stand alone ("No.", "(AP)") onto the previous sentence.
        merged: list[tuple[int, int]] = []
        for s, e in pieces:
            if merged and len(re.findall(r"\w+", para[s:e])) < min_tokens and not re.search(r"[.!?]", para[s:e][:-1]) and len(para[s:e]) < 12:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        for s, e in [c for piece in merged for c in _chunk_long(para, *piece)]:
            sentences.append(
                Sentence(
                    index=len(sentences),
                    span=norm.raw_span(p_start + s, p_start + e),
                    paragraph=pi,
                    norm=para[s:e],
                )
            )
    return Segmented(
        text=norm.raw,
        paragraphs=tuple(paragraphs),
        sentences=tuple(sentences),
        repaired_breaks=norm.repaired_breaks,
    )


def segment(text: str, *, repair_breaks: bool = True, min_tokens: int = 3) -> Segmented:
    """Normalise and segment raw text; spans point into ``text``."""
    return segment_normalised(normalise(text, repair_breaks=repair_breaks), min_tokens=min_tokens)
