"""Text rewrites for ``retold synth``: each takes a string and a seeded ``random.Random``.

These work on one paragraph (or, for :func:`condense`, a list of sentences) and know nothing of
gold offsets: :mod:`retold.synth.copies` places their output and records where it came from. All are
deterministic for a given ``rng`` state, and none reads files; the synonym source for
:func:`spin` is any :class:`Thesaurus` (WordNet in :mod:`retold.synth.wordnet`).

>>> import random
>>> typography('He said "no" - twice.', random.Random(1), rate=1.0)
'He said \\u201cno\\u201d \\u2014 twice.'
>>> split_join("Prices rose by 5%, and the bank said it would act soon. Markets fell.", random.Random(0), rate=1.0)
'Prices rose by 5%. The bank said it would act soon, and markets fell.'
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Protocol

from wordfreq import zipf_frequency

from retold.types import Span

# --- sentences and words --------------------------------------------------------------------------

_ABBREV = frozenset(
    "mr mrs ms dr prof st mt jr sr no vs etc inc ltd co corp gen gov sen rep lt col capt sgt rev "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e a.m p.m".split()
)
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][a-z]+)?")


def sentence_spans(text: str) -> list[Span]:
    """Sentence spans of one paragraph (a plain rule-based splitter: enough for rewriting)."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        end = m.start() + len(m.group(0).rstrip())
        spans.append(Span(start, end))
        start = m.end()
    tail = text[start:].rstrip()
    if tail:
        spans.append(Span(start, start + len(tail)))
    return [s for s in spans if text[s.start : s.end].strip()]


def sentences(text: str) -> list[str]:
    return [s.of(text) for s in sentence_spans(text)]


# --- typography -------------------------------------------------------------------------------------


def typography(text: str, rng: random.Random, *, rate: float = 0.5, break_paragraph: bool = False) -> str:
    """Curly quotes, dashes, no-break spaces; optionally a paragraph broken mid-sentence.

    Every change vanishes under typographic normalisation except the break, which a reader (and
    the normaliser's repair of breaks) still sees as one sentence.
    """
    out = _curly_quotes(text) if rng.random() < max(rate, 0.5) else text
    out = out.replace(" - ", " \u2014 ") if rng.random() < rate else out
    # No-break space after numbers and short words, as layout tools insert them ("5\u00a0per cent").
    chars = list(out)
    for m in re.finditer(r"(?<=\b\w\w) (?=\w)|(?<=\d) (?=\w)", out):
        if rng.random() < rate * 0.3:
            chars[m.start()] = "\u00a0"
    out = "".join(chars)
    if break_paragraph:
        spaces = [m.start() for m in re.finditer(r"(?<=[a-z,]) (?=[a-z])", out)]
        middle = [i for i in spaces if len(out) * 0.25 < i < len(out) * 0.75]
        if middle:
            i = rng.choice(middle)
            out = out[:i] + "\n\n" + out[i + 1 :]
    return out


def _curly_quotes(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else " "
        if ch == '"':
            out.append("\u201c" if prev.isspace() or prev in "([\u2014" else "\u201d")
        elif ch == "'":
            out.append("\u2018" if prev.isspace() or prev in "([\u2014\u201c" else "\u2019")
        else:
            out.append(ch)
    return "".join(out)


# --- light word edits --------------------------------------------------------------------------------

_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
            "eight": "8", "nine": "9", "ten": "10"}
_NUMBERS_BACK = {v: k for k, v in _NUMBERS.items()}
_CONTRACT = {"do not": "don't", "does not": "doesn't", "did not": "didn't", "is not": "isn't",
             "was not": "wasn't", "will not": "won't", "cannot": "can't", "it is": "it's",
             "would not": "wouldn't", "could not": "couldn't", "have not": "haven't", "has not": "hasn't"}
_EXPAND = {v: k for k, v in _CONTRACT.items()}
_FILLERS = ("also", "still", "just", "now", "very", "already", "even", "really", "currently")
_SPELLING = {"organisation": "organization", "recognise": "recognize", "criticised": "criticized",
             "programme": "program", "labour": "labor", "favour": "favor", "centre": "center",
             "defence": "defense", "colour": "color", "analyse": "analyze", "realise": "realize"}


def light_edits(text: str, rng: random.Random, *, max_edits: int = 3) -> str:
    """A copy editor's touch: numbers, contractions, "per cent", fillers, spelling, "said that"."""
    rules = [
        (r"\b(" + "|".join(_NUMBERS) + r")\b", lambda m: _NUMBERS[m.group(1)]),
        (r"(?<![\d.,])\b([1-9]|10)\b(?![\d.,%])", lambda m: _NUMBERS_BACK[m.group(1)]),
        (r"\b(" + "|".join(_CONTRACT) + r")\b", lambda m: _CONTRACT[m.group(1)]),
        (r"\b(" + "|".join(re.escape(k) for k in _EXPAND) + r")", lambda m: _EXPAND[m.group(1)]),
        (r"(\d) ?per cent\b", lambda m: m.group(1) + "%"),
        (r"(\d)%", lambda m: m.group(1) + " per cent"),
        (r" \b(" + "|".join(_FILLERS) + r")\b(?= \w)", lambda m: ""),
        (r"\b(has|have|is|are|was|were|will) (?=[a-z]{4,}(?:ed|ing)\b)", lambda m: m.group(1) + " also "),
        (r"\b(" + "|".join(_SPELLING) + r")", lambda m: _SPELLING[m.group(1)]),
        (r"\b(said|says|added|argued|warned) that\b", lambda m: m.group(1)),
        (r"\b(the|a) (very|most|more) ", lambda m: f"{m.group(1)} "),
    ]
    out = text
    order = list(range(len(rules)))
    rng.shuffle(order)
    done = 0
    for k in order:
        if done >= max_edits:
            break
        pattern, repl = rules[k]
        hits = list(re.finditer(pattern, out))
        if not hits:
            continue
        m = rng.choice(hits)
        out = out[: m.start()] + repl(m) + out[m.end() :]
        done += 1
    if done == 0:  # nothing matched: drop a word from a long sentence, a cut any editor makes
        words = list(re.finditer(r" [a-z]{5,}(?= [a-z])", out))
        if len(words) > 4:
            m = rng.choice(words)
            out = out[: m.start()] + out[m.end() :]
    return out


# --- sentence split and join -----------------------------------------------------------------------

_LOWER_STARTS = frozenset(
    "the a an he she it they this that these those but and in on at for his her their its we our "
    "there then however meanwhile also some many most".split()
)


def split_join(text: str, rng: random.Random, *, rate: float = 0.6) -> str:
    """Split long sentences at ``, and``/``, but``/``;`` and join short neighbours with ``, and``."""
    sents = sentences(text)
    if not sents:
        return text
    split: list[str] = []
    for s in sents:
        m = _split_point(s)
        if m is not None and rng.random() < rate:
            left, conj, right = s[: m.start()], m.group(1), s[m.end() :]
            head = "But " if conj == "but" else ""
            right = right[0].upper() + right[1:] if not head else right
            split += [left + ".", head + right]
        else:
            split.append(s)
    out: list[str] = []
    i = 0
    while i < len(split):
        s = split[i]
        if i + 1 < len(split) and _joinable(s, split[i + 1]) and rng.random() < rate:
            nxt = split[i + 1]
            first, rest = nxt.split(" ", 1) if " " in nxt else (nxt, "")
            if first == "But":
                out.append(s[:-1] + ", but " + rest)
            else:
                word = first.lower() if first.lower() in _LOWER_STARTS else first
                out.append(s[:-1] + ", and " + word + (" " + rest if rest else ""))
            i += 2
            continue
        out.append(s)
        i += 1
    return " ".join(out)


_SPLIT = re.compile(r",? (and|but) (?=[a-z]+ )|; ()")


def _split_point(s: str) -> re.Match[str] | None:
    if '"' in s or "\u201c" in s:
        return None
    for m in _SPLIT.finditer(s):
        left, right = s[: m.start()], s[m.end() :]
        # Both halves must stand as sentences: a subject-like start and 5+ words each.
        if len(left.split()) >= 5 and len(right.split()) >= 5 and m.group(0).startswith((",", ";")):
            return m
    return None


def _joinable(a: str, b: str) -> bool:
    quoted = any(q in a + b for q in ('"', "\u201c", "\u201d"))
    return (
        not quoted
        and a.endswith(".")
        and len(a.split()) + len(b.split()) <= 40
        and b[:1].isupper()
        and len(b.split()) >= 3
    )


# --- condensation ---------------------------------------------------------------------------------

_CLAUSE_CUTS = (
    re.compile(r" \([^()]{1,80}\)"),  # parentheticals
    re.compile(r", (?:who|which|where) [^,;\"\u201c]{3,90},"),  # non-restrictive clauses
    re.compile(r"^(?:However|Meanwhile|In addition|Furthermore|Moreover|But|And|Also), "),
    re.compile(r", according to [^,.;]{3,60}(?=[.,])"),
    re.compile(r", (?:the|a) [\w\- ]{3,40}(?:-year-old|spokesman|spokeswoman|official|chief executive),"),
)


def condense(sents: Sequence[str], rng: random.Random, *, keep: float = 0.35) -> tuple[list[int], list[str]]:
    """A summary: which sentences it keeps (indices, in order) and its own sentences.

    It keeps the lead plus the most central others (word overlap with the whole text, as a centroid
    summary does), cuts parentheticals, non-restrictive clauses, appositives and opening adverbials,
    and joins a short neighbouring pair now and then with a semicolon.
    """
    if not sents:
        return [], []
    words = [set(w.lower() for w in _WORD.findall(s) if len(w) > 3) for s in sents]
    freq: dict[str, int] = {}
    for ws in words:
        for w in ws:
            freq[w] = freq.get(w, 0) + 1
    scores = [sum(freq[w] for w in ws) / (1 + len(ws)) ** 0.5 for ws in words]
    n = max(2, min(len(sents), round(keep * len(sents))))
    rest = sorted(range(1, len(sents)), key=lambda i: (-scores[i], i))
    chosen = sorted({0, *rest[: n - 1]})
    out = []
    for i in chosen:
        s = sents[i]
        for rx in _CLAUSE_CUTS:
            cut = rx.sub("", s)
            if cut != s and len(cut.split()) >= 5:
                s = cut[0].upper() + cut[1:]
        out.append(s)
    joined: list[str] = []
    for s in out:
        if joined and _joinable(joined[-1], s) and rng.random() < 0.3:
            first, rest_ = s.split(" ", 1)
            w = first.lower() if first.lower() in _LOWER_STARTS else first
            joined[-1] = joined[-1][:-1] + "; " + w + " " + rest_
        else:
            joined.append(s)
    return chosen, joined


# --- synonym spin ---------------------------------------------------------------------------------


class Thesaurus(Protocol):
    """What :func:`spin` needs from a synonym resource (see :class:`retold.synth.wordnet.WordNet`)."""

    def has(self, lemma: str, pos: str) -> bool: ...

    def sense_count(self, lemma: str, pos: str) -> int: ...

    def base_forms(self, word: str, pos: str) -> tuple[str, ...]: ...

    def is_irregular(self, lemma: str, pos: str) -> bool: ...

    def synonyms(self, lemma: str, pos: str, *, senses: int = 1, pointers: Sequence[str] = ()) -> tuple[str, ...]: ...


_STOP = frozenset(
    "the a an and or but if of to in on at by for with from as is are was were be been being have has "
    "had do does did will would can could should may might must shall not no nor so than then that this "
    "these those there their they them he she him her his its it we us our you your i me my who whom "
    "which what when where why how all any each few more most other some such only own same too very "
    "just also up down out over under again further once here about into through during before after "
    "above below between both said says say told tell get got make made take took go went gone come came "
    "year years people time new mr mrs ms per cent last first next well back while although though "
    "because since until unless whether yet still even ever never always often around against among "
    "within without across along behind beyond despite toward towards upon via like near less much many "
    "several own rather quite however already one two three four five six seven eight nine ten "
    "eleven twelve hundred thousand million billion".split()
)
# Reporting verbs: a spinner's favourite target ("said" -> "stated", "added" -> "explained").
_REPORTING = frozenset(
    "say state tell announce declare explain note observe mention remark add comment claim assert "
    "insist report stress warn suggest argue".split()
)
# Replacements a news spinner favours, most natural first; each must also be a WordNet neighbour.
_REPORTING_ORDER = ("explain", "state", "announce", "note", "declare", "add", "comment", "remark", "claim",
                    "assert", "insist", "mention", "observe", "report", "stress", "suggest", "argue", "warn")
_REPORTING_FORMS = {"said": "say", "says": "say", "added": "add", "adds": "add", "told": "tell", "warned": "warn",
                    "explained": "explain", "claimed": "claim", "stated": "state", "noted": "note"}
_MIN_ZIPF = 3.3  # synonyms rarer than ~2 per million words read as spinner gibberish ("lucre")


def spin(text: str, thesaurus: Thesaurus, rng: random.Random, *, rate: float = 1.0) -> str:
    """Replace content words by WordNet synonyms of the same part of speech, inflected to match.

    ``rate`` is the chance that an eligible word (one with a common single-word synonym) is
    replaced; reporting verbs are always eligible. Capitalised words (names, sentence starts) and
    function words are left alone, as careful spinners do.
    """
    out, last = [], 0
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not word.islower() or word in _STOP and word not in _REPORTING_FORMS or len(word) < 4:
            continue
        # Parts of hyphenated compounds ("year-earlier", "high-speed") are left whole.
        if text[m.start() - 1 : m.start()] == "-" or text[m.end() : m.end() + 1] == "-":
            continue
        if rng.random() >= rate and word not in _REPORTING_FORMS:
            continue
        new = _synonym_for(word, thesaurus, rng)
        if new is None:
            continue
        out.append(text[last : m.start()])
        out.append(new)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _synonym_for(word: str, th: Thesaurus, rng: random.Random) -> str | None:
    if word in _REPORTING_FORMS:
        lemma = _REPORTING_FORMS[word]
        related = set(th.synonyms(lemma, "v", senses=3, pointers=("~", "@")))
        cands = [c for c in _REPORTING_ORDER if c in related and c != lemma and not th.is_irregular(c, "v")]
        form = _form(word, lemma, "v")
        options = [x for x in (_inflect(c, form, "v") for c in cands) if x]
        return rng.choice(options[:4]) if options else None
    for pos in _pos_guess(word, th):
        for lemma in th.base_forms(word, pos):
            form = _form(word, lemma, pos)
            if form is None:
                continue
            cands = [c for c in th.synonyms(lemma, pos) if c.islower() and zipf_frequency(c, "en") >= _MIN_ZIPF]
            options = []
            for c in cands:
                if form != "base" and th.is_irregular(c, pos) or form == "s" and c.endswith("s"):
                    continue
                inflected = _inflect(c, form, pos)
                if inflected and inflected != word:
                    options.append(inflected)
            if options:
                return rng.choice(options[:3])
    return None


def _pos_guess(word: str, th: Thesaurus) -> list[str]:
    """Parts of speech worth trying, without a tagger: inflection and WordNet's sense counts.

    A word with one part of speech in WordNet is that one; "-ed"/"-ing" forms are verbs; an
    ambiguous word takes its dominant reading when that has at least twice the senses of every
    other ("profits": noun 4 vs verb 2 -> skipped; "claims": noun 6 vs verb 5 -> skipped;
    "economy": noun only). A spinner without a tagger errs the same way, now and then.
    """
    if word.endswith("ly") and th.has(word, "r"):
        return ["r"]
    senses = {}
    for pos in ("n", "v", "a"):
        n = sum(th.sense_count(b, pos) for b in th.base_forms(word, pos))
        if n:
            senses[pos] = n
    if not senses:
        return []
    if "v" in senses and word.endswith(("ed", "ing")) and "a" not in senses:
        return ["v"]
    if len(senses) == 1:
        return list(senses)
    top, *rest = sorted(senses, key=lambda p: -senses[p])
    return [top] if all(senses[top] >= 2 * senses[r] for r in rest) else []


def _form(word: str, lemma: str, pos: str) -> str | None:
    """How ``word`` inflects ``lemma``: base, s (plural / 3rd person), ed, ing; None if unclear."""
    if word == lemma:
        return "base"
    if pos in ("v", "n") and word.endswith("s") and not word.endswith("ss"):
        return "s"
    if pos == "v" and word.endswith("ing"):
        return "ing"
    if pos == "v":
        return "ed"  # regular -ed and irregular past forms alike ("said" -> "stated")
    return None


_CVC = re.compile(r"[^aeiou][aeiou][^aeiouwxy]$")


def _inflect(lemma: str, form: str | None, pos: str) -> str | None:
    """Regular inflection; None where doubling a consonant would be a guess ("plan" -> "planned")."""
    if form is None:
        return None
    if form == "base":
        return lemma
    if form == "s":
        if lemma.endswith(("s", "x", "z", "ch", "sh")):
            return lemma + "es"
        if re.search(r"[^aeiou]y$", lemma):
            return lemma[:-1] + "ies"
        return lemma + "s"
    if _CVC.search(lemma) and len(lemma) <= 5:
        return None
    if form == "ed":
        if lemma.endswith("e"):
            return lemma + "d"
        if re.search(r"[^aeiou]y$", lemma):
            return lemma[:-1] + "ied"
        return lemma + "ed"
    if form == "ing":
        if lemma.endswith("ie"):
            return lemma[:-2] + "ying"
        if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
            return lemma[:-1] + "ing"
        return lemma + "ing"
    return None
