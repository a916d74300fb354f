"""Word tokens with matching keys, stems and weights.

A token's ``key`` is its case-folded, typography-folded form ("Russia's" -> "russia's");
its stem is the Snowball (Porter 2) stem of the key without a possessive ("russia"). Content tokens (not
stop words) carry a weight that grows with rarity: a shared "Novosibirsk" (Zipf frequency 2.4)
says far more than a shared "said" (Zipf 6.0). Numbers weigh 2.

>>> [t.key for t in tokenize("The U.S. said 80,000 troops' trains moved.")]
['the', 'u.s.', 'said', '80,000', "troops'", 'trains', 'moved']
>>> stem("trains"), is_content("the"), weight("novosibirsk") > weight("said")
('train', False, True)
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer
from wordfreq import zipf_frequency

from retold.types import Span, Token

_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # initialisms: U.S., U.N.
    r"|\d+(?:[.,]\d{3})+(?:\.\d+)?%?|\d+\.\d+%?"  # 80,000  3.5%
    r"|[^\W_]+(?:'[^\W_]+)*'?",  # words, incl. apostrophes and 41st
    re.UNICODE,
)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
    i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of
    off on once only or other ought our ours ourselves out over own same shan't she she'd she'll
    she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under until
    up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves s t just now also been into onto upon
    per via yet still even much many may might must shall""".split()
)

# Snowball English (Porter 2); nltk's Porter would pull scipy into every import (~4 s).
_stemmer = snowballstemmer.stemmer("english")


# Typography folded one character for one character, so token offsets stay raw offsets.
_SAME_LENGTH = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200a\u3000", " "),
    }
)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of ``text`` with spans shifted by ``offset``; keys are typography- and case-folded.

    Works on raw text: curly quotes and odd spaces are folded without changing offsets.
    """
    folded = text.translate(_SAME_LENGTH)
    out = []
    for m in _TOKEN.finditer(folded):
        key = unicodedata.normalize("NFKC", m.group(0)).casefold()
        out.append(Token(key, Span(m.start() + offset, m.end() + offset)))
    return out


@lru_cache(maxsize=200_000)
def stem(key: str) -> str:
    """Snowball (Porter 2) stem of a key, possessives dropped ("russia's" -> "russia")."""
    k = key[:-2] if key.endswith("'s") else key.rstrip("'")
    if k[:1].isdigit():
        return k.replace(",", "")
    return str(_stemmer.stemWord(k))


@lru_cache(maxsize=200_000)
def is_content(key: str) -> bool:
    return key not in STOPWORDS and (len(key) > 1 or key.isdigit())


@lru_cache(maxsize=200_000)
def zipf(key: str) -> float:
    """Zipf frequency of the word in English (0 when unknown; 'said' ~ 6.0)."""
    k = key[:-2] if key.endswith("'s") else key.rstrip("'")
    return float(zipf_frequency(k, "en"))


@lru_cache(maxsize=200_000)
def weight(key: str) -> float:
    """Evidence weight of a shared content token: 1 for common words, up to 3 for rare ones."""
    if key[:1].isdigit():
        return 2.0
    return min(3.0, 1.0 + max(0.0, 5.5 - zipf(key)) * 0.5)


def token_dice(x: Sequence[str], y: Sequence[str]) -> float:
    """Dice similarity of two token multisets: 2|x & y| / (|x| + |y|), 0.0 when either is empty."""
    if not x or not y:
        return 0.0
    return 2 * sum((Counter(x) & Counter(y)).values()) / (len(x) + len(y))
