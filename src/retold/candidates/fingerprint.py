"""Shingles and MinHash signatures, vectorised with numpy (core: strings and arrays in, arrays out).

The lexical candidate search of corpus mode (and the Spark backend) is built from three kernels:

* :func:`tokens` — word tokens of the typography-folded, case-folded text (the same words
  :func:`retold.normalise.normalise` leaves, without building its offset map);
* :func:`shingle_hashes` — 32-bit hashes of the ``shingle_size``-word shingles, in text order;
* :class:`MinHasher` — ``num_perm`` MinHash values per document. Each permutation is a
  multiply-shift hash ``((a * x + b) mod 2**64) >> 32`` of the 32-bit shingle hash:
  :meth:`MinHasher.signature` is one ``(shingles, num_perm)`` broadcast and a ``min`` (the
  reference), :meth:`MinHasher.signatures_flat` does many documents at once.

Whole corpora go through the same three steps without a Python object per word:
:func:`corpus_tokens` (one byte buffer of all the words and their spans), :func:`corpus_token_hashes`
(xxh64 of every word, computed in numpy), :func:`corpus_shingle_hashes` and
:meth:`MinHasher.signatures_flat`; :func:`corpus_signatures` chains them. They give bit for bit
what the per-document functions give (tests and ``bench/corpus_minhash.py`` check it), about 5x
faster on the BBC set.

:func:`winnow` picks a sparse, position-robust subset of shingle hashes (Schleimer et al., 2003):
any run of ``window + shingle_size - 1`` shared words yields a shared fingerprint, which is how short
excerpts of long articles are found (their Jaccard with the source is low, their containment high).

>>> from retold.config import FingerprintSettings
>>> mh = MinHasher.from_settings(FingerprintSettings())
>>> a = mh.signature(shingle_hashes(tokens("The minister said the plan would cost five billion pounds.")))
>>> b = mh.signature(shingle_hashes(tokens("The minister said the plan would cost five billion pounds!")))
>>> a.shape, a.dtype, estimate_jaccard(a, b)
((128,), dtype('uint32'), 1.0)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash

from retold.config import FingerprintSettings

# Characters normalise() deletes; inside a word they would otherwise split it in two.
_DELETE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
_WORD = re.compile(r"\w+", re.UNICODE)
_MASK32 = np.uint64(0xFFFFFFFF)
_DELETE_RE = re.compile("[" + "".join(map(chr, _DELETE)) + "]")
# Non-ASCII characters that are not word characters: they become spaces in word_bytes().
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Non-word symbols of news copy that NFKC and case folding leave as they are, that decompose to
# nothing and compose with no neighbour (tests check each): a text whose only non-ASCII characters
# are these needs no Unicode normalisation in word_bytes(), they just become spaces.
_INERT = frozenset("£€¥¢°§¶·«»‘’‚“”„–—•†‡±×÷¡¿©®\ufffd\u2010\u2012\u2212‹›′")
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f]", re.UNICODE)
# bytes.translate table of word_bytes(): ASCII word characters lower-cased, other ASCII bytes to a
# space, bytes >= 0x80 (parts of UTF-8 encoded non-ASCII word characters) kept.
_BYTE_WORDS = bytes(
    (ord(chr(i).lower()) if (chr(i).isalnum() or i == 0x5F) else 0x20) if i < 0x80 else i for i in range(256)
)
_SPACE = 0x20
# xxh64 constants (seed 0); corpus_token_hashes() computes xxh64 in numpy with them.
_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
# Words of 32 bytes or more take xxh64's 4-lane path: hashed one by one with the xxhash package.
_XXH_SHORT = 32
# Shingles per block in MinHasher.signatures_flat: an 8-byte working row per block stays in L2.
_SIG_BLOCK = 1 << 18
# Odd 64-bit multipliers that mix the token hashes of one shingle (positions matter: "a b" != "b a").
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
# Fingerprints per winnowing window; 12 + shingle_size 3 - 1 = a shared run of 14 words always shows.
WINNOW_WINDOW = 12
MAX_HASH = np.uint32(0xFFFFFFFF)


def tokens(text: str) -> list[str]:
    """Word tokens of ``text``: NFKC, zero-width characters dropped, case-folded, ``\\w+`` runs.

    The same words as ``normalise(text).text.casefold()`` split on ``\\w+`` (a test checks it), at
    ~1/50 of the cost because no offset map is built.

    >>> tokens("\u201cIt\u2019s   HERE,\u201d she said\u00ad.")
    ['it', 's', 'here', 'she', 'said']
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text.translate(_DELETE)).casefold())


def _token_hashes(toks: Sequence[str]) -> np.ndarray:
    cache: dict[str, int] = {}
    out = np.empty(len(toks), dtype=np.uint64)
    for i, t in enumerate(toks):
        h = cache.get(t)
        if h is None:
            h = cache[t] = xxhash.xxh64_intdigest(t.encode("utf-8", "surrogatepass"))
        out[i] = h
    return out


def shingle_hashes(toks: Sequence[str], *, shingle_size: int = 3) -> np.ndarray:
    """32-bit hashes of the word shingles of ``toks``, in text order (``uint32``, may repeat).

    A text shorter than one shingle gives a single shingle of all its words; no words gives an
    empty array.

    >>> shingle_hashes(["a", "b", "c", "d"], shingle_size=3).shape
    (2,)
    """
    if not toks:
        return np.zeros(0, dtype=np.uint32)
    th = _token_hashes(toks)
    return _mix(th, min(shingle_size, len(th)))


def _mix(th: np.ndarray, k: int) -> np.ndarray:
    """32-bit hashes of the ``len(th) - k + 1`` runs of ``k`` consecutive token hashes (uint64 in)."""
    n = len(th) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc ^= th[j : j + n] * _MIX[j % len(_MIX)]
            acc = (acc << np.uint64(13)) | (acc >> np.uint64(51))
        acc ^= acc >> np.uint64(29)
        acc *= _MIX[-1]
        acc ^= acc >> np.uint64(32)
    return (acc & _MASK32).astype(np.uint32)


def text_shingles(text: str, *, shingle_size: int = 3) -> np.ndarray:
    """:func:`shingle_hashes` of :func:`tokens` of ``text``."""
    return shingle_hashes(tokens(text), shingle_size=shingle_size)


def word_bytes(text: str) -> bytes:
    """The words of :func:`tokens` as UTF-8, separated by runs of spaces: ``.split()`` gives them.

    ASCII text (most news copy) is one ``encode`` and one ``bytes.translate``; other text is
    NFKC-normalised and case-folded as in :func:`tokens`, and its non-ASCII non-word characters
    become spaces first.

    >>> word_bytes("\u201cIt\u2019s HERE,\u201d she said.").split()
    [b'it', b's', b'here', b'she', b'said']
    """
    if not text.isascii():
        odd = set(_NON_ASCII.findall(text))
        if odd <= _INERT:
            # Only symbols that normalisation and case folding leave alone: each becomes a space.
            for c in odd:
                text = text.replace(c, " ")
        else:
            if _DELETE_RE.search(text):
                text = text.translate(_DELETE)
            text = unicodedata.normalize("NFKC", text).casefold()
            odd = {c for c in _NON_ASCII.findall(text) if not _WORD.match(c)}
            if len(odd) > 8:
                text = _NON_ASCII_NON_WORD.sub(" ", text)
            else:  # a few symbols: str.replace beats the regex
                for c in odd:
                    text = text.replace(c, " ")
    return text.encode("utf-8", "surrogatepass").translate(_BYTE_WORDS)


@dataclass(frozen=True, slots=True)
class CorpusTokens:
    """The words of many texts: spans into one byte buffer (see :func:`corpus_tokens`).

    ``data`` holds every text's :func:`word_bytes`, separated by a space and followed by 8 spaces
    of padding; word ``i`` is ``data[starts[i] : starts[i] + lengths[i]]``, and the words of text
    ``d`` are ``offsets[d]`` to ``offsets[d + 1]``.
    """

    data: bytes
    starts: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray

    def words(self, doc: int) -> list[bytes]:
        """The UTF-8 words of text ``doc`` (``[t.encode() for t in tokens(text)]``)."""
        lo, hi = int(self.offsets[doc]), int(self.offsets[doc + 1])
        return [self.data[s : s + n] for s, n in zip(self.starts[lo:hi].tolist(), self.lengths[lo:hi].tolist(), strict=True)]


def corpus_tokens(texts: Iterable[str]) -> CorpusTokens:
    """The words of every text, as spans into one buffer: no Python object per word.

    The words are those of :func:`tokens` (UTF-8 encoded); a test checks it.
    """
    parts = [word_bytes(t) for t in texts]
    data = b" " + b" ".join(parts) + b" " * 9
    # Byte where each text starts: after the leading space and one separator per earlier text.
    first = np.ones(len(parts) + 1, dtype=np.int64)
    if parts:
        np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)) + 1, out=first[1:])
        first[1:] += 1
    is_word = np.frombuffer(data, dtype=np.uint8) != _SPACE
    starts = np.flatnonzero(is_word[1:] > is_word[:-1]) + 1
    ends = np.flatnonzero(is_word[1:] < is_word[:-1]) + 1
    return CorpusTokens(
        data=data,
        starts=starts.astype(np.int64),
        lengths=(ends - starts).astype(np.int64),
        offsets=np.searchsorted(starts, first).astype(np.int64),
    )


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _xxh64_fixed(data: bytes, pos: np.ndarray, length: int) -> np.ndarray:
    """xxh64 (seed 0) of the ``length``-byte words at byte offsets ``pos`` (``length`` < 32).

    XXH64's short-input path written out in numpy: ``length // 8`` 8-byte lanes, then a 4-byte
    lane, then single bytes, then the avalanche. ``data`` must extend 8 bytes past every word.
    """
    # Little-endian 64-bit words at every byte offset (unaligned, stride 1): word64[p] reads 8 bytes at p.
    word64 = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    byte = np.frombuffer(data, dtype=np.uint8)
    h = np.full(len(pos), (int(_P5) + length) % 2**64, dtype=np.uint64)
    off = 0
    with np.errstate(over="ignore"):
        for _ in range(length // 8):
            k = word64[pos + off] * _P2
            k = _rotl(k, 31)
            k *= _P1
            h ^= k
            h = _rotl(h, 27)
            h *= _P1
            h += _P4
            off += 8
        if length & 4:
            k = (word64[pos + off] & _MASK32) * _P1
            h ^= k
            h = _rotl(h, 23)
            h *= _P2
            h += _P3
            off += 4
        for _ in range(length & 3):
            h ^= byte[pos + off].astype(np.uint64) * _P5
            h = _rotl(h, 11)
            h *= _P1
            off += 1
        h ^= h >> np.uint64(33)
        h *= _P2
        h ^= h >> np.uint64(29)
        h *= _P3
        h ^= h >> np.uint64(32)
    return h


def corpus_token_hashes(toks: CorpusTokens) -> np.ndarray:
    """xxh64 of every word of ``toks`` (``uint64``, word order): what :func:`shingle_hashes` uses.

    Words are grouped by length and each group is hashed in one pass of numpy operations; the
    rare words of 32 bytes or more go through the xxhash package one by one.
    """
    n = len(toks.starts)
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    # Lengths capped at 32 fit a uint8, which numpy sorts with a radix sort (10x an int64 sort).
    order = np.argsort(np.minimum(toks.lengths, _XXH_SHORT).astype(np.uint8), kind="stable")
    lengths = toks.lengths[order]
    pos = toks.starts[order]
    bounds = np.searchsorted(lengths, np.arange(1, _XXH_SHORT + 1))
    for length in range(1, _XXH_SHORT):
        lo, hi = int(bounds[length - 1]), int(bounds[length])
        if hi > lo:
            out[order[lo:hi]] = _xxh64_fixed(toks.data, pos[lo:hi], length)
    lo = int(bounds[-1])
    if lo < n:
        data = toks.data
        out[order[lo:]] = [xxhash.xxh64_intdigest(data[s : s + k]) for s, k in zip(pos[lo:].tolist(), lengths[lo:].tolist(), strict=True)]
    return out


def corpus_shingle_hashes(
    token_hashes: np.ndarray, offsets: np.ndarray, *, shingle_size: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` of every text at once: ``(hashes, shingle_offsets)``.

    ``token_hashes`` are :func:`corpus_token_hashes`, ``offsets`` the texts' word offsets
    (``CorpusTokens.offsets``). Text ``d``'s shingles are ``hashes[shingle_offsets[d] :
    shingle_offsets[d + 1]]``, equal to ``shingle_hashes(words of d)``: one shingle of all its words
    when it has fewer than ``shingle_size``, none when it has no words.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    counts = np.diff(offsets)
    full = counts >= shingle_size
    per_doc = np.where(full, counts - shingle_size + 1, np.minimum(counts, 1))
    sh_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=sh_offsets[1:])
    out = np.empty(int(sh_offsets[-1]), dtype=np.uint32)
    if len(token_hashes) >= shingle_size:
        # Shingles of the whole concatenation; keep those that start and end inside one text.
        mixed = _mix(token_hashes, shingle_size)
        edges = np.zeros(len(mixed) + 1, dtype=np.int32)
        np.add.at(edges, offsets[:-1][full], 1)
        np.add.at(edges, offsets[1:][full] - shingle_size + 1, -1)
        inside = np.cumsum(edges[:-1], dtype=np.int32) > 0
        if full.sum() == np.count_nonzero(counts):
            out[:] = mixed[inside]
        else:
            out[np.repeat(full, per_doc)] = mixed[inside]
    for d in np.flatnonzero(~full & (counts > 0)).tolist():
        out[sh_offsets[d]] = _mix(token_hashes[offsets[d] : offsets[d + 1]], int(counts[d]))[0]
    return out, sh_offsets


@dataclass(frozen=True, slots=True)
class MinHasher:
    """``num_perm`` multiply-shift permutations drawn from ``seed``; see the module docstring."""

    a: np.ndarray
    b: np.ndarray

    @classmethod
    def create(cls, *, num_perm: int = 128, seed: int = 1) -> MinHasher:
        rng = np.random.default_rng(seed)
        a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        return cls(a=a, b=b)

    @classmethod
    def from_settings(cls, settings: FingerprintSettings) -> MinHasher:
        return cls.create(num_perm=settings.num_perm, seed=settings.seed)

    @property
    def num_perm(self) -> int:
        return len(self.a)

    def _permute(self, hashes: np.ndarray) -> np.ndarray:
        x = hashes.astype(np.uint64)[:, None]
        with np.errstate(over="ignore"):
            return ((x * self.a[None, :] + self.b[None, :]) >> np.uint64(32)).astype(np.uint32)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The MinHash of one set of shingle hashes: ``(num_perm,)`` uint32; all ``MAX_HASH`` if empty."""
        if len(hashes) == 0:
            return np.full(self.num_perm, MAX_HASH, dtype=np.uint32)
        return self._permute(np.unique(hashes)).min(axis=0)

    def signatures(self, many: Iterable[np.ndarray]) -> np.ndarray:
        """Signatures of many shingle sets: ``(n, num_perm)`` uint32, row ``i`` = ``signature(many[i])``.

        Concatenates the sets and runs :meth:`signatures_flat`.
        """
        sets = [np.asarray(h) for h in many]
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(h) for h in sets], out=offsets[1:])
        flat = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint32)
        return self.signatures_flat(flat, offsets)

    def signatures_flat(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of the concatenated shingle sets ``hashes[offsets[i] : offsets[i + 1]]``.

        Equal to :meth:`signature` of each set (``MAX_HASH`` rows for empty ones): the shift
        ``>> 32`` is monotone, so the minimum of the shifted values is the shifted minimum of
        ``(a * x + b) mod 2**64``, and duplicates do not change a minimum. Work goes one permutation
        at a time over blocks of about 2**18 shingles (a 2 MiB row that stays in cache):
        a multiply, an add and ``np.minimum.reduceat`` per document boundary.
        """
        offsets = np.asarray(offsets, dtype=np.int64)
        n = len(offsets) - 1
        out = np.full((max(n, 0), self.num_perm), MAX_HASH, dtype=np.uint32)
        docs = np.flatnonzero(offsets[1:] > offsets[:-1]) if n > 0 else np.zeros(0, dtype=np.int64)
        if len(docs) == 0:
            return out
        x = np.asarray(hashes).astype(np.uint64)
        starts, ends = offsets[docs], offsets[docs + 1]
        mins = np.empty((self.num_perm, len(docs)), dtype=np.uint64)
        a, b = self.a.tolist(), self.b.tolist()
        i = 0
        with np.errstate(over="ignore"):
            while i < len(docs):
                j = max(i + 1, int(np.searchsorted(starts, starts[i] + _SIG_BLOCK, side="right")) - 1)
                lo, hi = int(starts[i]), int(ends[j - 1])
                block = x[lo:hi]
                row = np.empty_like(block)
                cuts = starts[i:j] - lo
                for p in range(self.num_perm):
                    np.multiply(block, np.uint64(a[p]), out=row)
                    np.add(row, np.uint64(b[p]), out=row)
                    np.minimum.reduceat(row, cuts, out=mins[p, i:j])
                i = j
        out[docs] = (mins.T >> np.uint64(32)).astype(np.uint32)
        return out


def corpus_signatures(texts: Iterable[str], minhasher: MinHasher, *, shingle_size: int = 3) -> np.ndarray:
    """``minhasher.signatures([text_shingles(t) for t in texts])``, bit for bit, ~5x faster.

    :func:`corpus_tokens`, :func:`corpus_token_hashes`, :func:`corpus_shingle_hashes` and
    :meth:`MinHasher.signatures_flat` in a row.
    """
    return minhasher.signatures_flat(*_corpus_shingles(texts, shingle_size))


def _corpus_shingles(texts: Iterable[str], shingle_size: int) -> tuple[np.ndarray, np.ndarray]:
    toks = corpus_tokens(texts)
    return corpus_shingle_hashes(corpus_token_hashes(toks), toks.offsets, shingle_size=shingle_size)


def corpus_fingerprints(
    texts: Sequence[str], minhasher: MinHasher, *, shingle_size: int = 3, window: int = WINNOW_WINDOW
) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """:func:`fingerprint_text` of many texts through the corpus path: ``(signatures, winnows,
    distinct-shingle counts)``, bit for bit the per-text results (a test checks it)."""
    hashes, offsets = _corpus_shingles(texts, shingle_size)
    sigs = minhasher.signatures_flat(hashes, offsets)
    bounds = offsets.tolist()
    parts = [hashes[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    return sigs, [winnow(h, window=window) for h in parts], [int(len(np.unique(h))) for h in parts]


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in length: {a.shape} vs {b.shape} (same num_perm needed)")
    return float(np.mean(a == b))


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle-hash sets (the oracle the estimate is tested against)."""
    sa, sb = set(a.tolist()), set(b.tolist())
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def containment(part: np.ndarray, whole: np.ndarray) -> float:
    """Share of the distinct shingles of ``part`` that also occur in ``whole`` (0 when empty)."""
    sp = np.unique(part)
    if len(sp) == 0:
        return 0.0
    return float(np.isin(sp, whole, assume_unique=False).mean())


def winnow(hashes: np.ndarray, *, window: int = WINNOW_WINDOW) -> np.ndarray:
    """Winnowing fingerprints: the minimum hash of every ``window`` consecutive shingles, deduplicated.

    Returns the distinct selected hashes (sorted, uint32). About ``2 / (window + 1)`` of the shingles
    are kept; a text shorter than one window keeps its minimum.

    >>> h = np.array([5, 3, 9, 7, 1, 8], dtype=np.uint32)
    >>> winnow(h, window=3).tolist()
    [1, 3]
    """
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint32)
    if len(hashes) <= window:
        return np.array([hashes.min()], dtype=np.uint32)
    views = np.lib.stride_tricks.sliding_window_view(hashes, window)
    return np.unique(views.min(axis=1)).astype(np.uint32)


def fingerprint_text(
    text: str, minhasher: MinHasher, *, shingle_size: int = 3, window: int = WINNOW_WINDOW
) -> tuple[np.ndarray, np.ndarray, int]:
    """Signature, winnowed fingerprints and distinct-shingle count of one text."""
    sh = text_shingles(text, shingle_size=shingle_size)
    return minhasher.signature(sh), winnow(sh, window=window), int(len(np.unique(sh)))


__all__ = [
    "MAX_HASH",
    "WINNOW_WINDOW",
    "CorpusTokens",
    "MinHasher",
    "containment",
    "corpus_fingerprints",
    "corpus_shingle_hashes",
    "corpus_signatures",
    "corpus_token_hashes",
    "corpus_tokens",
    "estimate_jaccard",
    "exact_jaccard",
    "fingerprint_text",
    "shingle_hashes",
    "text_shingles",
    "tokens",
    "winnow",
    "word_bytes",
]
