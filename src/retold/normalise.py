"""Normalise typography, keeping an exact map back to raw character offsets.

What changes: NFKC; curly quotes, primes and guillemets to straight quotes; dashes and minus
signs to ``-``; no-break and other odd spaces to a space; zero-width characters and soft hyphens
are removed; line ends unified; whitespace runs collapse to one space, or to a blank line (``\\n\\n``)
where they hold a paragraph break. Paragraph breaks that fall inside a sentence (the previous paragraph has
no closing punctuation and the next goes on with it) are *repaired*: they become a space, and
their raw spans are reported. Case is kept (segmentation needs it); matching case-folds tokens.

``Normalised.offsets[i]`` is the raw offset of normalised character ``i``, and
``offsets[len(text)] == len(raw)``, so a normalised ``[s, e)`` maps to raw
``[offsets[s], offsets[e])``.

>>> n = normalise("\\u201cIt\\u2019s\\u00a0here,\\u201d he said.")
>>> n.text
'"It\\'s here," he said.'
>>> n.raw_span(1, 5).of("\\u201cIt\\u2019s\\u00a0here,\\u201d he said.")
'It\\u2019s'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from retold.types import Span

_QUOTES = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u301d\u301e", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
}
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_PARA_SEPARATORS = frozenset("\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
_TERMINAL = frozenset('.!?\u2026')
_CLOSERS = frozenset("\"')]}")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus the map back to raw offsets (see the module docstring)."""

    raw: str
    text: str
    offsets: tuple[int, ...]
    repaired_breaks: tuple[Span, ...] = ()

    def raw_span(self, start: int, end: int) -> Span:
        """Map a normalised ``[start, end)`` to the raw text."""
        return Span(self.offsets[start], max(self.offsets[start], self.offsets[end]))

    def raw_start(self, i: int) -> int:
        return self.offsets[i]


def _fold_char(chunk: str) -> str:
    """Typography of one chunk (a character plus its combining marks)."""
    out = []
    for ch in unicodedata.normalize("NFKC", chunk):
        if ch in _ZERO_WIDTH:
            continue
        rep = _QUOTES.get(ch)
        if rep is not None:
            out.append(rep)
            continue
        if ch in _PARA_SEPARATORS or ch == "\r":
            out.append("\n")
        elif ch.isspace() or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            # control, format, surrogate, private or unassigned: nothing a reader sees
            continue
        else:
            out.append(ch)
    folded = "".join(out)
    # NFKC once more: folding may have produced a composable sequence.
    return unicodedata.normalize("NFKC", folded) if folded else folded


# Combining marks kept after one base character: the Stream-Safe Text Format's limit (UAX #15).
# Marks past it are dropped: "Zalgo" text stacks thousands, and NFKC's canonical reordering of one
# such cluster is quadratic (a run of 8,000 mixed marks took 0.06 s, 4x more per doubling).
MAX_COMBINING_MARKS = 30


def _chunks(raw: str) -> list[tuple[int, str]]:
    """Split into (raw start, chunk): a base character with the combining marks after it."""
    chunks: list[tuple[int, str]] = []
    i, n = 0, len(raw)
    while i < n:
        j = i + 1
        if raw[i] == "\r" and j < n and raw[j] == "\n":
            chunks.append((i, "\n"))
            i = j + 1
            continue
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        chunks.append((i, raw[i : min(j, i + 1 + MAX_COMBINING_MARKS)]))
        i = j
    return chunks


_PLAIN_RUN = re.compile(r"[\x20-\x5f\x61-\x7e]{2,}")


def _chunks_fast(raw: str) -> list[tuple[int, str, bool]]:
    """Like :func:`_chunks`, but runs of plain ASCII come whole (normalising is ~10x faster).

    A run's last character is left out of it when combining marks follow, so it stays with them.
    """
    out: list[tuple[int, str, bool]] = []
    pos = 0
    for m in _PLAIN_RUN.finditer(raw):
        s, e = m.start(), m.end()
        if e < len(raw) and unicodedata.combining(raw[e]):
            e -= 1
        if e - s < 2:
            continue
        if s > pos:
            out.extend((pos + k, c, False) for k, c in _chunks(raw[pos:s]))
        out.append((s, raw[s:e], True))
        pos = e
    if pos < len(raw):
        out.extend((pos + k, c, False) for k, c in _chunks(raw[pos:]))
    return out


def _ends_sentence(prev: str) -> bool:
    s = prev.rstrip().rstrip("".join(_CLOSERS))  # one pass: s[:-1] per closer was quadratic
    return bool(s) and (s[-1] in _TERMINAL or s[-1] == ":")


_LOWER_START = re.compile(r"^[\"'(\[]*[a-z]")


# Wire copy and other hard-wrapped text: lines that are never part of a sentence.
_TIMESTAMP_LINE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?:? \d{1,2}/\d{1,2}/\d{2,4}\b")
_BYLINE = re.compile(r"By [A-Z][\w'-]*(?:[ ,]{1,2}[\w'&-]+){0,7}")
# A hard-wrapped block: most lines end near one width, at most this many characters.
MAX_WRAP_WIDTH = 100
# A line this much shorter than the wrap width, ending a sentence, ends its paragraph.
SHORT_LINE_SHARE = 0.8


def is_boilerplate_line(line: str) -> bool:
    """A line of wire furniture, not article text: a rule of dashes or stars, a slug or
    timestamp line (``16:54 01/03/00: Page 1 (ZSM) COURTS Burstein``), a byline
    (``By Damien Brook, PA News``) or an editor's note in parentheses.

    >>> [is_boilerplate_line(x) for x in ("-----", "By Jo Hale, PA News", "He said it.")]
    [True, True, False]
    """
    t = line.strip()
    if not t:
        return False
    if not any(c.isalnum() for c in t):
        return True
    if _TIMESTAMP_LINE.match(t) and len(t) <= 120:
        return True
    if _BYLINE.fullmatch(t) and len(t) <= 80:
        return True
    return t.startswith("(") and t.endswith(")") and len(t) <= 160


def _stands_alone(line: str) -> bool:
    """Never joined to the next or previous line: wire furniture, or a headline in capitals."""
    t = line.strip()
    if is_boilerplate_line(t):
        return True
    return len(t) <= 120 and any(c.isalpha() for c in t) and not any(c.islower() for c in t)


def _wrap_width(text: str) -> int | None:
    """The width of a hard-wrapped text (the 90th percentile of its line lengths), or None when
    it is not hard-wrapped (fewer than 6 lines, or under half of them near that width)."""
    lengths = sorted(len(x.rstrip()) for x in text.split("\n") if x.strip())
    if len(lengths) < 6:
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > MAX_WRAP_WIDTH or sum(n >= 0.75 * width for n in lengths) < 0.5 * len(lengths):
        return None
    return width


def _line_ends_paragraph(prev_line: str, next_line: str, width: int) -> bool:
    """In hard-wrapped text, whether a single line break is a paragraph break."""
    if _stands_alone(prev_line) or _stands_alone(next_line):
        return True
    return _ends_sentence(prev_line) and len(prev_line.rstrip()) < SHORT_LINE_SHARE * width


def _is_spurious_break(prev_para: str, next_para: str, *, single_newline_mode: bool) -> bool:
    """A paragraph break inside a sentence: the text before it does not end one."""
    if not prev_para.strip() or not next_para.strip():
        return False
    if _stands_alone(prev_para) or _stands_alone(next_para):
        return False
    if _ends_sentence(prev_para):
        return False
    if single_newline_mode:
        return True  # hard-wrapped lines: a line without closing punctuation goes on
    if _LOWER_START.match(next_para.lstrip()):
        return True
    tail = prev_para.rstrip().rstrip("\"')]")
    if tail.endswith((",", ";", "-")):
        return True
    # A short line without punctuation is a heading or title, not half a sentence.
    words = prev_para.split()
    return len(words) >= 12 or any(c in prev_para for c in ',;"')


def normalise(raw: str, *, repair_breaks: bool = True) -> Normalised:
    """Normalise ``raw``; see the module docstring. Idempotent on its own output's text."""
    chars: list[str] = []
    offs: list[int] = []
    last_raw, last_start, last_n = "", 0, 0
    for start, chunk, plain in _chunks_fast(raw):
        if plain:
            # a run of plain printable ASCII: NFKC and folding leave it as it is
            chars.extend(chunk)
            offs.extend(range(start, start + len(chunk)))
            last_raw, last_start, last_n = chunk[-1], start + len(chunk) - 1, 1
            continue
        folded_chunk = _fold_char(chunk)
        if folded_chunk and last_n and unicodedata.combining(folded_chunk[0]):
            if len(last_raw) + len(chunk) > 1 + MAX_COMBINING_MARKS:
                continue  # the cluster is full: re-folding it per mark would be quadratic
            # Marks cut off from their base by a removed character: fold them together again.
            del chars[-last_n:], offs[-last_n:]
            chunk, start = last_raw + chunk, last_start
            folded_chunk = _fold_char(chunk)
        for ch in folded_chunk:
            chars.append(ch)
            offs.append(start)
        if folded_chunk:
            last_raw, last_start, last_n = chunk, start, len(folded_chunk)
    folded = "".join(chars)

    # Collapse whitespace runs; a run with a line break may be a paragraph break.
    double_mode = bool(re.search(r"\n[ \t]*\n", folded))
    # Hard-wrapped text with blank lines (wire copy): single line breaks may still end paragraphs.
    width = _wrap_width(folded) if double_mode else None
    out_chars: list[str] = []
    out_offs: list[int] = []
    breaks: list[tuple[int, int, int]] = []  # (index in out, raw start, raw end) of "\n" markers
    i, n = 0, len(folded)
    while i < n:
        ch = folded[i]
        if ch == " " or ch == "\n":
            j = i
            newlines = 0
            while j < n and folded[j] in " \n":
                newlines += folded[j] == "\n"
                j += 1
            if out_chars and j < n:  # drop leading and trailing whitespace
                is_break = newlines >= 2 if double_mode else newlines >= 1
                if not is_break and newlines == 1 and width is not None:
                    line_start = folded.rfind("\n", 0, i) + 1
                    line_end = folded.find("\n", j)
                    prev_line = folded[line_start:i]
                    next_line = folded[j : line_end if line_end >= 0 else n]
                    is_break = _line_ends_paragraph(prev_line, next_line, width)
                out_chars.append("\n" if is_break else " ")
                out_offs.append(offs[i])
                if is_break:
                    raw_end = offs[j] if j < n else len(raw)
                    breaks.append((len(out_chars) - 1, offs[i], raw_end))
            i = j
            continue
        out_chars.append(ch)
        out_offs.append(offs[i])
        i += 1

    repaired: list[Span] = []
    real = [True] * len(breaks)
    if repair_breaks and breaks:
        text_now = "".join(out_chars)
        positions = [b[0] for b in breaks]
        bounds = [-1, *positions, len(text_now)]
        for k, (pos, rs, re_) in enumerate(breaks):
            prev_para = text_now[bounds[k] + 1 : pos]
            next_para = text_now[pos + 1 : bounds[k + 2]]
            if _is_spurious_break(prev_para, next_para, single_newline_mode=not double_mode):
                real[k] = False
                if double_mode:
                    repaired.append(Span(rs, re_))
    # Real paragraph breaks are written as a blank line, so normalising again keeps them.
    final_chars: list[str] = []
    final_offs: list[int] = []
    k = 0
    for idx, (ch, off) in enumerate(zip(out_chars, out_offs, strict=True)):
        if k < len(breaks) and breaks[k][0] == idx:
            if real[k]:
                final_chars.extend("\n\n")
                final_offs.extend((off, off))
            else:
                final_chars.append(" ")
                final_offs.append(off)
            k += 1
            continue
        final_chars.append(ch)
        final_offs.append(off)
    final_offs.append(len(raw))
    return Normalised(
        raw=raw, text="".join(final_chars), offsets=tuple(final_offs), repaired_breaks=tuple(repaired)
    )


def fold_typography(text: str) -> str:
    """Just the text of :func:`normalise` (no offsets, no paragraph repair)."""
    return normalise(text, repair_breaks=False).text
