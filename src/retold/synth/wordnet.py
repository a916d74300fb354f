"""WordNet 3.0 read straight from its database files (Debian's ``wordnet-base``).

An edge module: it reads ``index.<pos>``, ``data.<pos>`` and ``<pos>.exc`` under a folder
(``/usr/share/wordnet`` by default, or ``$RETOLD_WORDNET``). nltk's reader refuses paths outside its
own data folders, and nothing may be downloaded at run time, so this is a small reader of the
documented format (``wndb(5WN)``): an index line lists a lemma's synset offsets, most frequent
sense first; a data line at that byte offset lists the synset's words and pointers.

Loading the verb, adjective and adverb indexes takes ~0.2 s; nouns (118k lemmas) another ~0.4 s,
done only when a noun is first asked for.

>>> wn = WordNet.open()                                   # doctest: +SKIP
>>> wn.base_forms("said", "v"), wn.synonyms("say", "v")[:2]  # doctest: +SKIP
(('say',), ('state', 'tell'))
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retold.errors import InputError

Pos = Literal["n", "v", "a", "r"]
_FILES: dict[str, str] = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
DEFAULT_ROOT = "/usr/share/wordnet"

# Morphy's detachment rules (WordNet's morph(7WN)): suffix -> replacement, per part of speech.
_DETACH: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


@dataclass(frozen=True, slots=True)
class Synset:
    """One sense: its words (underscores for spaces) and its pointers as ``(symbol, offset, pos)``."""

    offset: int
    pos: str
    words: tuple[str, ...]
    pointers: tuple[tuple[str, int, str], ...]
    gloss: str


class WordNet:
    """Lemmas, synsets and base forms from WordNet database files."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        missing = [f"index.{f}" for f in _FILES.values() if not (self.root / f"index.{f}").is_file()]
        if missing:
            raise InputError(
                f"WordNet database not found in {self.root} (missing {', '.join(missing)}). Install "
                "Debian's wordnet-base (`apt-get install wordnet-base`, or `make sysdeps`), or point "
                "$RETOLD_WORDNET at a folder holding index.* and data.* files."
            )
        self._index: dict[str, dict[str, tuple[int, ...]]] = {}
        self._exc: dict[str, dict[str, tuple[str, ...]]] = {}
        self._synsets: dict[tuple[str, int], Synset] = {}

    @classmethod
    def open(cls, root: str | Path | None = None) -> WordNet:
        """WordNet from ``root``, else ``$RETOLD_WORDNET``, else ``/usr/share/wordnet``."""
        return cls(root or os.environ.get("RETOLD_WORDNET") or DEFAULT_ROOT)

    @staticmethod
    def available(root: str | Path | None = None) -> bool:
        r = Path(root or os.environ.get("RETOLD_WORDNET") or DEFAULT_ROOT)
        return (r / "index.verb").is_file() and (r / "data.verb").is_file()

    # -- files -----------------------------------------------------------------------------------

    def _index_for(self, pos: str) -> dict[str, tuple[int, ...]]:
        idx = self._index.get(pos)
        if idx is None:
            idx = {}
            with open(self.root / f"index.{_FILES[pos]}", encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith(" "):  # licence header
                        continue
                    parts = line.split()
                    n_senses = int(parts[2])
                    idx[parts[0]] = tuple(int(x) for x in parts[len(parts) - n_senses :])
            self._index[pos] = idx
        return idx

    def _exc_for(self, pos: str) -> dict[str, tuple[str, ...]]:
        exc = self._exc.get(pos)
        if exc is None:
            exc = {}
            path = self.root / f"{_FILES[pos]}.exc"
            if path.is_file():
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        parts = line.split()
                        if len(parts) >= 2:
                            exc[parts[0]] = tuple(parts[1:])
            self._exc[pos] = exc
        return exc

    def synset(self, pos: str, offset: int) -> Synset:
        key = (pos, offset)
        got = self._synsets.get(key)
        if got is None:
            with open(self.root / f"data.{_FILES[pos]}", "rb") as fh:
                fh.seek(offset)
                line = fh.readline().decode("utf-8")
            got = _parse_data_line(line)
            self._synsets[key] = got
        return got

    # -- queries ---------------------------------------------------------------------------------

    def has(self, lemma: str, pos: str) -> bool:
        return lemma in self._index_for(pos)

    def sense_count(self, lemma: str, pos: str) -> int:
        return len(self._index_for(pos).get(lemma, ()))

    def synsets(self, lemma: str, pos: str) -> tuple[Synset, ...]:
        """The senses of a lemma, most frequent first."""
        return tuple(self.synset(pos, off) for off in self._index_for(pos).get(lemma.lower(), ()))

    def base_forms(self, word: str, pos: str) -> tuple[str, ...]:
        """Lemmas a word form can come from (WordNet's morphy): exceptions, then suffix rules."""
        w = word.lower()
        idx = self._index_for(pos)
        out: list[str] = [b for b in self._exc_for(pos).get(w, ()) if b in idx]
        if w in idx:
            out.append(w)
        for suffix, repl in _DETACH[pos]:
            if w.endswith(suffix) and len(w) > len(suffix) + 1:
                cand = w[: len(w) - len(suffix)] + repl
                if cand in idx:
                    out.append(cand)
        # Verbs double a final consonant before -ed/-ing ("planned" -> "plan").
        if pos == "v" and len(w) > 5 and w[-3] == w[-4] and w.endswith(("ed",)) and w[:-3] in idx:
            out.append(w[:-3])
        if pos == "v" and len(w) > 6 and w.endswith("ing") and w[-4] == w[-5] and w[:-4] in idx:
            out.append(w[:-4])
        return tuple(dict.fromkeys(out))

    def irregular_forms(self, lemma: str, pos: str) -> tuple[str, ...]:
        """Irregular inflections of a lemma ("tell" -> "told"), from the exception list."""
        return tuple(form for form, bases in self._exc_for(pos).items() if lemma in bases)

    def is_irregular(self, lemma: str, pos: str) -> bool:
        rev = self._exc.get(f"rev-{pos}")
        if rev is None:
            rev = {b: () for bases in self._exc_for(pos).values() for b in bases}
            self._exc[f"rev-{pos}"] = rev
        return lemma in rev

    def synonyms(self, lemma: str, pos: str, *, senses: int = 1, pointers: Iterable[str] = ()) -> tuple[str, ...]:
        """Single-word synonyms from the first ``senses`` senses, plus words of synsets reached by
        ``pointers`` (e.g. ``"~"`` hyponyms, ``"@"`` hypernyms), in WordNet's order."""
        ptrs = set(pointers)
        out: list[str] = []
        for ss in self.synsets(lemma, pos)[:senses]:
            groups = [ss.words]
            for sym, off, ppos in ss.pointers:
                if sym in ptrs and ppos == ss.pos:
                    groups.append(self.synset(ppos, off).words)
            for words in groups:
                for w in words:
                    if "_" not in w and "-" not in w and w.lower() != lemma.lower() and w.isalpha():
                        out.append(w)
        return tuple(dict.fromkeys(out))


def _parse_data_line(line: str) -> Synset:
    body, _, gloss = line.partition(" | ")
    parts = body.split()
    offset, ss_type = int(parts[0]), parts[2]
    n_words = int(parts[3], 16)
    words = []
    i = 4
    for _ in range(n_words):
        w = parts[i]
        if ss_type in ("a", "s") and w.endswith(")") and "(" in w:  # adjective markers: "big(a)"
            w = w[: w.index("(")]
        words.append(w)
        i += 2
    n_ptr = int(parts[i])
    i += 1
    ptrs = []
    for _ in range(n_ptr):
        sym, off, ppos = parts[i], int(parts[i + 1]), parts[i + 2]
        ptrs.append((sym, off, "a" if ppos == "s" else ppos))
        i += 4
    return Synset(offset, "a" if ss_type == "s" else ss_type, tuple(words), tuple(ptrs), gloss.strip())
